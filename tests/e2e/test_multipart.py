"""The stand-in's multipart reader against what aiohttp (and so discord.py) writes, and against bad bodies."""

from __future__ import annotations

import asyncio
import json

import aiohttp
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from . import multipart

NAMES = st.text(st.characters(codec="ascii", categories=("L", "N"), include_characters="[]_-."), min_size=1)
FILENAMES = st.text(
    st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\r\n"), min_size=1, max_size=30
)
# Bytes that look like the body's own structure: line breaks, dashes, a partial delimiter.
DATA = st.lists(st.sampled_from([b"\r\n", b"--", b"\r\n--", b"\x89PNG", b"a", b"\x00", b"\r\n\r\n"])).map(
    b"".join
) | st.binary(max_size=200)


def written(fields: list[tuple[str, bytes, str | None, str]]) -> tuple[bytes, str]:
    """The body and Content-Type aiohttp's FormData writes (discord.py builds its uploads with it): a part
    without a filename is written from text, as discord.py writes `payload_json`."""
    form = aiohttp.FormData(quote_fields=False)
    for name, data, filename, ctype in fields:
        value = data if filename is not None else data.decode()
        form.add_field(name, value, filename=filename, content_type=ctype)
    writer = form()
    return asyncio.run(writer.as_bytes()), writer.content_type


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(NAMES, DATA | st.text().map(str.encode), FILENAMES), min_size=1, max_size=4),
       st.lists(st.tuples(NAMES, st.text().map(str.encode)), max_size=2))  # fmt: skip
def test_every_part_aiohttp_writes_is_read_back(files, texts):
    spec = [(name, data, None, "application/json") for name, data in texts]
    spec += [(name, data, filename, "application/octet-stream") for name, data, filename in files]
    body, ctype = written(spec)
    parts = multipart.parse(body, ctype)
    assert [(p.name, p.data, p.filename, p.content_type) for p in parts] == spec


def test_a_discord_upload_keeps_its_json_payload_and_file():
    payload = {"type": 4, "data": {"attachments": [{"id": 0, "filename": "episodes.png"}]}}
    body, ctype = written(
        [
            ("payload_json", json.dumps(payload).encode(), None, "application/json"),
            ("files[0]", b"\x89PNG\r\n\x1a\n--\r\n", "episodes.png", "image/png"),
        ]
    )
    first, second = multipart.parse(body, ctype)
    assert json.loads(first.data) == payload and first.filename is None
    assert (second.name, second.filename, second.content_type) == ("files[0]", "episodes.png", "image/png")
    assert second.data == b"\x89PNG\r\n\x1a\n--\r\n"


def test_a_quoted_boundary_a_preamble_and_an_epilogue_are_allowed():
    body = b'ignored\r\n--b1\r\nContent-Disposition: form-data; name="x"\r\n\r\n1\r\n--b1--\r\nignored too'
    [part] = multipart.parse(body, 'multipart/form-data; boundary="b1"')
    assert (part.name, part.data) == ("x", b"1")


GOOD = b'--b1\r\nContent-Disposition: form-data; name="x"\r\n\r\n1\r\n--b1--\r\n'


@pytest.mark.parametrize(
    ("body", "ctype", "problem"),
    [
        (GOOD, "multipart/form-data", "without a boundary"),
        (GOOD, "multipart/form-data; boundary=other", "without its opening boundary"),
        (GOOD[: GOOD.index(b"\r\n--b1--")], "multipart/form-data; boundary=b1", "without its closing boundary"),
        (b"--b1xx" + GOOD[4:], "multipart/form-data; boundary=b1", "not followed by a line break"),
        (GOOD.replace(b"\r\n\r\n", b"\r\n"), "multipart/form-data; boundary=b1", "without the blank line"),
        (GOOD.replace(b"form-data;", b"attachment;"), "multipart/form-data; boundary=b1", "not form-data"),
        (GOOD.replace(b' name="x"', b' filename="x"'), "multipart/form-data; boundary=b1", "without a name"),
        (GOOD.replace(b"Content-Disposition", b"Content-Type"), "multipart/form-data; boundary=b1",
         "without a Content-Disposition"),
        (GOOD.replace(b"Content-Disposition:", b"Content-Disposition"), "multipart/form-data; boundary=b1",
         "malformed part header"),
    ],
)  # fmt: skip
def test_a_malformed_body_is_refused_with_its_reason(body, ctype, problem):
    with pytest.raises(ValueError, match=problem):
        multipart.parse(body, ctype)

"""The stand-in's attachment options (tests/e2e/attachments.py): resolved as Discord resolves them, and
served on its CDN path only at the exact signed URL handed out."""

from __future__ import annotations

import aiohttp
import pytest

from tests.e2e.attachments import Attachment


async def test_only_the_url_handed_out_is_served_and_the_option_takes_a_file(discord_stub):
    resolved: dict = {}
    file = Attachment("history.csv", b"title\nGoblin\n")
    ident = discord_stub.attachments.resolve(
        file, resolved, base=f"http://127.0.0.1:{discord_stub.port}", snowflake="42", app_id="7"
    )
    body = resolved["attachments"][ident]
    assert {k: body[k] for k in ("id", "filename", "size", "content_type", "ephemeral")} == {
        "id": "42", "filename": "history.csv", "size": 13, "content_type": "text/csv; charset=utf-8",
        "ephemeral": True,
    }  # fmt: skip
    url = body["url"]
    async with aiohttp.ClientSession() as http:
        async with http.get(url) as resp:
            assert resp.status == 200 and await resp.read() == file.data
        for other in (url.replace("hm=", "hm=0"), url.split("?")[0], url.replace("history.csv", "x.csv")):
            async with http.get(other) as resp:
                assert resp.status == 404, other
    assert len(discord_stub.attachments.downloads) == 1
    with pytest.raises(ValueError, match="not an Attachment"):
        discord_stub._convert({"type": 11, "name": "file"}, "https://example.com/x.csv", {}, "/import file")

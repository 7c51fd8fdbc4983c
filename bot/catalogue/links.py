"""Links members see on cards (where-to-watch pages, posters): one rule for every path that stores one
(catalogue files, TMDB, /catalogue) and for every card that shows one.

A safe link is an `https://` URL with a host, no user name or password, at most MAX_LENGTH characters,
and only the characters a URL may hold (RFC 3986) minus `( ) [ ]`, which would end a Markdown link
early (`[Netflix](url)`); other characters are written percent-encoded. Discord then accepts it as an
embed's URL or thumbnail and as a link button's URL (512 characters at most).
"""

from __future__ import annotations

import re

MAX_LENGTH = 500  # below a link button's 512; bot.catalogue.format.LIMITS["url"] is the same number
_HOST = r"(?:[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*\.?|\[[0-9A-Fa-f:.]+\])"
_REST = r"(?:[/?#][A-Za-z0-9._~!$&'*+,;=:@/?#%-]*)?"
# docs/catalogue.schema.json carries this very pattern (tests/bot/catalogue/test_links.py keeps them equal).
# `$(?!\n)`: the end of the text in Python too, whose `$` also matches before a final newline.
_PORT = r"(?::(?:[1-9][0-9]{0,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5]))?"  # 1-65535
PATTERN = rf"^https://{_HOST}{_PORT}{_REST}$(?!\n)"
_SAFE = re.compile(PATTERN)
_AUTHORITY = re.compile(r"^https://([^/?#]*)")


def link_problem(value: object) -> str | None:
    """Why `value` is not a link a card may carry (a phrase to follow a field's name), or None."""
    if not isinstance(value, str):
        return "must be an https:// link (text)"
    if len(value) > MAX_LENGTH:
        return f"is {len(value)} characters, at most {MAX_LENGTH}"
    if any(c.isspace() or not c.isprintable() for c in value):
        return "must not contain spaces or control characters"
    if not value.startswith("https://"):
        return "must start with https:// (plain http and other schemes are refused)"
    authority = _AUTHORITY.match(value)
    assert authority is not None
    if "@" in authority.group(1):
        return "must not carry a user name or password (user:pass@)"
    host = authority.group(1).rpartition(":")[0] if authority.group(1).count(":") == 1 else authority.group(1)
    if not host:
        return "must name a host, as in https://example.com/page"
    port = re.match(r"^https://" + _HOST + r":([0-9]+)(?:[/?#]|$)", value)
    if port and not 0 < int(port.group(1)) <= 65535:
        return "has a port outside 1-65535"
    if not _SAFE.match(value):
        return (
            "may only hold the characters of a URL: write ( ) [ ] and letters outside A-Z "
            "percent-encoded (%28, %29, ...)"
        )
    return None


def safe_link(value: object) -> str | None:
    """`value` when it is a safe link, else None: cards drop a link stored before the rule held."""
    return value if isinstance(value, str) and link_problem(value) is None else None

"""Links members see on cards: one rule, the catalogue schema's `link`, for every path that stores one.

A safe link is an `https://` URL with a host, no user:password, at most 500 characters, and only a URL's
characters (RFC 3986) minus `( ) [ ]`, which would end a Markdown link early.
"""

from __future__ import annotations

import re

from bot.catalogue import schema


def link_problem(value: object) -> str | None:
    """Why `value` is not a link a card may carry (a phrase to follow a field's name), or None."""
    rule = schema()["$defs"]["link"]
    if not isinstance(value, str):
        return "must be an https:// link (text)"
    if len(value) > rule["maxLength"]:
        return f"is {len(value)} characters, at most {rule['maxLength']}"
    if any(c.isspace() or not c.isprintable() for c in value):
        return "must not contain spaces or control characters"
    if not value.startswith("https://"):
        return "must start with https:// (plain http and other schemes are refused)"
    authority = re.split(r"[/?#]", value.removeprefix("https://"), maxsplit=1)[0]
    if "@" in authority:
        return "must not carry a user name or password (user:pass@)"
    host, _, port = authority.rpartition(":") if authority.count(":") == 1 else (authority, "", "")
    if not host:
        return "must name a host, as in https://example.com/page"
    if port.isdigit() and not 0 < int(port) <= 65535:
        return "has a port outside 1-65535"
    if not re.search(rule["pattern"], value):
        return (
            "may only hold the characters of a URL: write ( ) [ ] and letters outside A-Z "
            "percent-encoded (%28, %29, ...)"
        )
    return None


def safe_link(value: object) -> str | None:
    """`value` when it is a safe link, else None: cards drop a link stored before the rule held."""
    return value if isinstance(value, str) and link_problem(value) is None else None

"""Keeping secrets out of what the bot prints: where a PostgreSQL URL keeps its password (user:PASSWORD@,
?password=), the URL without it, and how to blank every secret (token, TMDB key too) out of a text."""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import parse_qsl, quote, unquote

REDACTED = "[redacted]"
_QUERY_SECRETS = ("password", "sslpassword")
# Characters a URL's user name or password must hold percent-encoded: each parser splits them apart
# differently (urllib at the last @, asyncpg at the first), so a raw one could show part of the password.
_AMBIGUOUS = "@/?#"


def _userinfo(url: str) -> str | None:
    """What stands between `scheme://` and the last `@` (None without an `@`)."""
    rest = url.partition("://")[2]
    head, at, _ = rest.rpartition("@")
    return head if at else None


def ambiguous_userinfo(url: str) -> bool:
    """The user name or password holds an @ / ? or # not percent-encoded (parsers disagree on it)."""
    userinfo = _userinfo(url)
    return userinfo is not None and any(c in userinfo for c in _AMBIGUOUS)


def url_secrets(url: str | None) -> list[str]:
    """A PostgreSQL URL's password and password= / sslpassword= values, as written and percent-decoded."""
    if not url or url.partition("://")[0].lower() not in ("postgresql", "postgres"):
        return []
    found: list[str] = []
    userinfo = _userinfo(url)
    if userinfo is not None:
        user, colon, password = userinfo.partition(":")
        if colon and password:
            found.append(password)
        if ambiguous_userinfo(url):  # refused before use (settings, migrate-db); blank all of it anyway
            found.append(userinfo)
    query = url.partition("?")[2].partition("#")[0]
    for key, value in parse_qsl(query, keep_blank_values=False):
        if key.lower() in _QUERY_SECRETS and value:
            found.append(value)
            found.append(quote(value, safe=""))
    found += [unquote(s) for s in found]
    return sorted({s for s in found if s}, key=len, reverse=True)


def redact(text: str, secrets: Iterable[str | None]) -> str:
    """`text` with every secret in it replaced by [redacted] (longest first, so none shows in part)."""
    for secret in sorted({s for s in secrets if s}, key=len, reverse=True):
        text = text.replace(secret, REDACTED)
    return text


def redact_url(url: str) -> str:
    """A database URL for messages: its password as ***, secret query values as ***."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url
    if ambiguous_userinfo(url):
        return f"{scheme}://***@{rest.rpartition('@')[2]}"
    userinfo = _userinfo(url)
    if userinfo is not None:
        user, colon, password = userinfo.partition(":")
        if colon and password:
            rest = f"{user}:***@{rest.rpartition('@')[2]}"
    base, q, query = rest.partition("?")
    if q:
        pairs = [p.partition("=") for p in query.split("&")]
        query = "&".join(k + eq + ("***" if eq and unquote(k).lower() in _QUERY_SECRETS else v) for k, eq, v in pairs)
        rest = f"{base}?{query}"
    return f"{scheme}://{rest}"

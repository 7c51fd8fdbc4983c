"""Time zones for /server timezone and /watchparty: the names offered, checked, and a region's default.

Zone names are IANA's (`zoneinfo.available_timezones()`, read on first use). A server without its own zone
gets its region's (/server region): the zone IANA's `zone.tab` lists first for the country, except for the
countries with several zones, where DEFAULT_ZONES names the one most of its people live in; UTC when the
server has no region either. `zone.tab` is read from the `tzdata` package, a dependency, so this works on
a machine without a system time zone database too.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

FALLBACK = "UTC"
MAX_NAME = 64  # longer than any IANA name
#: Countries with several zones: the zone of the capital or of most of its people.
DEFAULT_ZONES: dict[str, str] = {
    "US": "America/New_York", "CA": "America/Toronto", "AU": "Australia/Sydney", "BR": "America/Sao_Paulo",
    "RU": "Europe/Moscow", "MX": "America/Mexico_City", "ID": "Asia/Jakarta", "CN": "Asia/Shanghai",
    "ES": "Europe/Madrid", "PT": "Europe/Lisbon", "AR": "America/Argentina/Buenos_Aires",
    "KZ": "Asia/Almaty", "MN": "Asia/Ulaanbaatar", "CL": "America/Santiago", "EC": "America/Guayaquil",
    "NZ": "Pacific/Auckland", "DE": "Europe/Berlin", "MY": "Asia/Kuala_Lumpur", "UA": "Europe/Kyiv",
    "CD": "Africa/Kinshasa", "FM": "Pacific/Pohnpei", "KI": "Pacific/Tarawa", "PF": "Pacific/Tahiti",
    "PG": "Pacific/Port_Moresby", "UZ": "Asia/Tashkent", "GL": "America/Nuuk", "CY": "Asia/Nicosia",
    "UM": "Pacific/Honolulu", "MH": "Pacific/Majuro", "AQ": "Antarctica/McMurdo",
}  # fmt: skip


@cache
def names() -> tuple[str, ...]:
    """Every zone name this machine knows, sorted (legacy aliases such as "US/Eastern" included)."""
    return tuple(sorted(available_timezones()))


@cache
def _casefolded() -> dict[str, str]:
    return {name.casefold(): name for name in names()}


def zone(name: str | None) -> ZoneInfo:
    """The zone called `name` (a stored, checked name); UTC for None."""
    return ZoneInfo(name or FALLBACK)


def checked(text: str) -> str | None:
    """The IANA name `text` spells (any case, spaces as underscores), or None when it is no zone."""
    if not isinstance(text, str) or not text.strip() or len(text) > MAX_NAME:
        return None
    key = "_".join(text.strip().split()).casefold()
    name = _casefolded().get(key)
    if name is None:
        return None
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None
    return name


def suggest(text: str, limit: int = 25) -> list[str]:
    """Autocomplete: names starting with the text first, then names containing it (any case, spaces as
    underscores); the empty text gives the drama markets' zones first."""
    if limit <= 0 or not isinstance(text, str) or len(text) > MAX_NAME:
        return []
    key = "_".join(text.strip().split()).casefold()
    if not key:
        starters = [
            region_zone(code) for code in ("KR", "JP", "CN", "TW", "HK", "TH", "PH", "ID", "US", "GB")
        ]
        return list(dict.fromkeys([*starters, FALLBACK]))[:limit]
    starts, parts, within = [], [], []
    for name in names():
        folded = name.casefold()
        if folded.startswith(key):
            starts.append(name)
        elif any(part.startswith(key) for part in folded.split("/")[1:]):
            parts.append(name)  # "seoul" finds Asia/Seoul
        elif key in folded:
            within.append(name)
    return (starts + parts + within)[:limit]


@cache
def _first_zones() -> dict[str, str]:
    """Country code -> the first zone `zone.tab` lists for it."""
    text = resources.files("tzdata").joinpath("zoneinfo", "zone.tab").read_text(encoding="utf-8")
    found: dict[str, str] = {}
    for line in text.splitlines():
        if line.startswith("#") or not line.strip():
            continue
        cells = line.split("\t")
        if len(cells) >= 3:
            found.setdefault(cells[0].strip().upper(), cells[2].strip())
    return found


def region_zone(region: str | None) -> str:
    """The default zone of a region code ("KR" -> "Asia/Seoul"); UTC for None or a code without one."""
    if not region:
        return FALLBACK
    code = region.upper()
    return DEFAULT_ZONES.get(code) or _first_zones().get(code) or FALLBACK


def server_zone(timezone: str | None, region: str | None) -> str:
    """A server's zone: its own (/server timezone), else its region's, else UTC."""
    return timezone or region_zone(region)

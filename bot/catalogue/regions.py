"""Countries and regions (ISO 3166-1 alpha-2): lookup and autocomplete for `/where region:`.

Streaming availability records name regions by ISO alpha-2 code; members type a code, an English
name or the country's own name. The table lives in `bot/data/regions.tsv` (UTF-8, tab-separated,
header `code name aliases native`, list columns `|`-separated) and is read once, lazily, on first
use. Everything here is pure Python so cogs, the API and tests can share it.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import cache
from importlib import resources

__all__ = [
    "DEFAULT_ORDER",
    "MAX_CHOICE_LABEL",
    "MAX_QUERY_LENGTH",
    "Region",
    "all_regions",
    "choice_label",
    "lookup",
    "name_for",
    "suggest",
]

# Discord limits an autocomplete choice's name (and an option's string value) to 100 characters.
MAX_CHOICE_LABEL = 100
# Anything longer than this is not a country name: answer None / [] without normalising it.
MAX_QUERY_LENGTH = 100

# Shown first for an empty autocomplete query: the big drama-watching markets, then A-Z by name.
DEFAULT_ORDER: tuple[str, ...] = (
    "KR", "JP", "CN", "TW", "HK", "TH", "PH", "ID", "MY", "SG", "VN", "IN",
    "US", "GB", "CA", "AU", "NZ", "MO", "BR", "MX", "ES", "FR", "DE", "IT", "TR",
)  # fmt: skip

_DATA_PACKAGE = "bot"
_DATA_PATH = ("data", "regions.tsv")
_COLUMNS = ("code", "name", "aliases", "native")
_SEP = "\x00"  # joins a region's keys into one searchable string; normalisation removes it from queries
_SPACED_PUNCTUATION = str.maketrans({c: " " for c in "-‐‑‒–—―,()/'’‘`´&"})


@dataclass(frozen=True, slots=True)
class Region:
    code: str
    name: str
    aliases: tuple[str, ...] = ()
    native: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return f"{self.name} ({self.code})"


# --- normalisation ---------------------------------------------------------------------------------


def _normalise(text: str) -> str:
    """Strict key: NFKC, casefold, no control/format characters, no dots, single spaces."""
    text = unicodedata.normalize("NFKC", text)
    text = unicodedata.normalize("NFKC", text.casefold())
    text = "".join(ch for ch in text if unicodedata.category(ch) not in ("Cc", "Cf", "Cs"))
    text = text.replace(".", "").replace("’", "'")
    return " ".join(text.split())


def _loosen(key: str) -> str:
    """Forgiving key built from a strict one: no accents, punctuation as spaces, "saint" as "st".

    "Cote d Ivoire", "Turkiye", "Guinea Bissau", "st lucia" and "Mexico" then find their regions.
    Applied the same way to table keys and to queries, so a lossy fold only ever adds matches.
    """
    decomposed = unicodedata.normalize("NFD", key)
    key = unicodedata.normalize("NFC", "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn"))
    key = key.replace("&", " and ").translate(_SPACED_PUNCTUATION)
    words = ["st" if word in ("saint", "sainte") else word for word in key.split()]
    if len(words) > 1 and words[0] == "the":
        words = words[1:]
    return " ".join(words)


# --- the table -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Index:
    regions: tuple[Region, ...]  # in DEFAULT_ORDER, then alphabetical by name
    by_code: dict[str, Region]  # "KR" -> region
    exact: dict[str, Region]  # strict key -> region (names before aliases before native names)
    loose: dict[str, Region]  # loose key -> region
    keys: tuple[frozenset[str], ...]  # per region (aligned with `regions`): every strict and loose key
    # Per region: (name, aliases, native) keys, each group joined as _SEP + key + _SEP + key ...,
    # so "prefix of some key" is `_SEP + q in blob` and "prefix of some word" is `" " + q in blob`.
    blobs: tuple[tuple[str, str, str], ...]
    haystacks: tuple[str, ...]  # per region: the three blobs together, to skip non-matches quickly


def _split_list(cell: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in cell.split("|") if item.strip())


def _parse(text: str) -> tuple[Region, ...]:
    lines = text.splitlines()
    if not lines or tuple(lines[0].strip().split("\t")) != _COLUMNS:
        raise ValueError(f"regions.tsv: header must be {'/'.join(_COLUMNS)} (tab-separated)")
    regions: list[Region] = []
    seen: set[str] = set()
    for number, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        cells = line.split("\t")
        if len(cells) != len(_COLUMNS):
            raise ValueError(f"regions.tsv line {number}: expected {len(_COLUMNS)} columns, got {len(cells)}")
        code, name, aliases, native = (cell.strip() for cell in cells)
        if len(code) != 2 or not code.isascii() or not code.isalpha() or not code.isupper():
            raise ValueError(f"regions.tsv line {number}: bad code {code!r}")
        if code in seen:
            raise ValueError(f"regions.tsv line {number}: duplicate code {code}")
        if not name:
            raise ValueError(f"regions.tsv line {number}: {code} has no name")
        seen.add(code)
        regions.append(Region(code, name, _split_list(aliases), _split_list(native)))
    return tuple(regions)


def _build(regions: tuple[Region, ...]) -> _Index:
    priority = {code: rank for rank, code in enumerate(DEFAULT_ORDER)}
    ordered = tuple(
        sorted(regions, key=lambda r: (priority.get(r.code, len(priority)), _loosen(_normalise(r.name))))
    )
    exact: dict[str, Region] = {}
    loose: dict[str, Region] = {}
    # Names win over aliases, aliases over native names, if two regions ever shared a key.
    for field in ("name", "aliases", "native"):
        for region in ordered:
            values = (region.name,) if field == "name" else getattr(region, field)
            for value in values:
                key = _normalise(value)
                if key:
                    exact.setdefault(key, region)
                if _loosen(key):
                    loose.setdefault(_loosen(key), region)
    keys: list[frozenset[str]] = []
    blobs: list[tuple[str, str, str]] = []
    for region in ordered:
        groups = tuple(_keys_for(values) for values in ((region.name,), region.aliases, region.native))
        keys.append(frozenset().union(*groups))
        name_blob, alias_blob, native_blob = (_SEP + _SEP.join(sorted(group)) for group in groups)
        blobs.append((name_blob, alias_blob, native_blob))
    return _Index(
        regions=ordered,
        by_code={r.code: r for r in ordered},
        exact=exact,
        loose=loose,
        keys=tuple(keys),
        blobs=tuple(blobs),
        haystacks=tuple("".join(b) for b in blobs),
    )


def _keys_for(values: tuple[str, ...]) -> frozenset[str]:
    strict = {_normalise(value) for value in values}
    return frozenset(key for key in strict | {_loosen(key) for key in strict} if key)


@cache
def _index() -> _Index:
    data = resources.files(_DATA_PACKAGE).joinpath(*_DATA_PATH).read_text(encoding="utf-8")
    return _build(_parse(data))


# --- public API ------------------------------------------------------------------------------------


def all_regions() -> tuple[Region, ...]:
    """Every region, sorted by code."""
    return tuple(sorted(_index().regions, key=lambda r: r.code))


def name_for(code: str) -> str:
    """The English name for a code ("KR" -> "South Korea"); an unknown code comes back unchanged."""
    region = _index().by_code.get(code.strip().upper()) if isinstance(code, str) else None
    return region.name if region else code


def _query(text: object) -> str | None:
    """The strict key for user text, or None if it is not a string or is too long."""
    if not isinstance(text, str):
        return None
    text = text.strip()
    if len(text) > MAX_QUERY_LENGTH:
        return None
    return _normalise(text)


def lookup(text: str) -> Region | None:
    """The region `text` names exactly (code in any case, English name, alias, native name), else None."""
    query = _query(text)
    if not query:
        return None
    index = _index()
    if len(query) == 2 and query.isascii():
        region = index.by_code.get(query.upper())
        if region:
            return region
    return index.exact.get(query) or index.loose.get(_loosen(query))


def suggest(text: str, limit: int = 25) -> list[Region]:
    """Autocomplete candidates for `text`, best first, at most `limit`, no duplicates.

    Empty text gives the default list (DEFAULT_ORDER, then alphabetical). Otherwise: an exact code,
    then exact names, then names starting with the text, then names with a word starting with it,
    then names containing it. Within each of those, English names rank above aliases above native
    names, and ties keep the default order (so "kor" gives South Korea before North Korea).
    """
    if limit <= 0:
        return []
    query = _query(text)
    if query is None:
        return []
    index = _index()
    if not query:
        return list(index.regions[:limit])

    queries = tuple({query, _loosen(query)} - {""})
    code = query.upper() if len(query) == 2 and query.isascii() else None
    # 0: the code; 1: an exact name; then prefix / word-prefix / substring matches, each split by
    # where the match is (English name, then alias, then native name); ties keep the default order.
    tiers: list[list[Region]] = [[] for _ in range(2 + 3 * 3)]
    for region, keys, blobs, haystack in zip(
        index.regions, index.keys, index.blobs, index.haystacks, strict=True
    ):
        if region.code == code:
            tiers[0].append(region)
        elif not keys.isdisjoint(queries):
            tiers[1].append(region)
        elif any(q in haystack for q in queries):
            tier = _match_tier(queries, blobs)
            if tier is not None:
                tiers[tier].append(region)
    return [region for tier in tiers for region in tier][:limit]


def _match_tier(queries: tuple[str, ...], blobs: tuple[str, str, str]) -> int | None:
    for kind, marker in enumerate((_SEP, " ", "")):
        for group, blob in enumerate(blobs):
            if any(marker + q in blob for q in queries):
                return 2 + kind * 3 + group
    return None


def choice_label(region: Region) -> str:
    """An autocomplete label such as "South Korea (KR) · 한국", at most 100 characters.

    The region's label plus its first (main) native name, unless that is just the English name
    again, give or take accents ("Indonesia", "México").
    """
    label = region.label
    if region.native and _loosen(_normalise(region.native[0])) != _loosen(_normalise(region.name)):
        label = f"{label} · {region.native[0]}"
    if len(label) > MAX_CHOICE_LABEL:
        label = label[: MAX_CHOICE_LABEL - 1].rstrip() + "…"
    return label

"""Countries and regions (ISO 3166-1 alpha-2) by code, English or own name: lookup and autocomplete.
The table is `bot/data/regions.tsv` (tab-separated, lists `|`-separated), read on first use."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import cache
from importlib import resources

MAX_CHOICE_LABEL = 100  # Discord's limit on an autocomplete choice's name
MAX_QUERY_LENGTH = 100  # longer text is no country name: None / [] without normalising it

# Shown first for an empty autocomplete query: the big drama-watching markets, then A-Z by name.
DEFAULT_ORDER: tuple[str, ...] = (
    "KR", "JP", "CN", "TW", "HK", "TH", "PH", "ID", "MY", "SG", "VN", "IN",
    "US", "GB", "CA", "AU", "NZ", "MO", "BR", "MX", "ES", "FR", "DE", "IT", "TR",
)  # fmt: skip

_COLUMNS = ("code", "name", "aliases", "native")
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


def _normalise(text: str) -> str:
    """Strict key: NFKC, casefold, no control/format characters, no dots, single spaces."""
    text = unicodedata.normalize("NFKC", text)
    text = unicodedata.normalize("NFKC", text.casefold())
    text = "".join(ch for ch in text if unicodedata.category(ch) not in ("Cc", "Cf", "Cs"))
    text = text.replace(".", "").replace("’", "'")
    return " ".join(text.split())


def _loosen(key: str) -> str:
    """A forgiving key: no accents, punctuation as spaces, "saint" as "st", no leading "the"."""
    decomposed = unicodedata.normalize("NFD", key)
    key = unicodedata.normalize("NFC", "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn"))
    key = key.replace("&", " and ").translate(_SPACED_PUNCTUATION)
    words = ["st" if word in ("saint", "sainte") else word for word in key.split()]
    if len(words) > 1 and words[0] == "the":
        words = words[1:]
    return " ".join(words)


@dataclass(frozen=True, slots=True)
class _Index:
    regions: tuple[Region, ...]  # in DEFAULT_ORDER, then alphabetical by name
    by_code: dict[str, Region]
    exact: dict[str, Region]  # strict key -> region (names before aliases before native names)
    loose: dict[str, Region]  # loose key -> region
    keys: tuple[tuple[frozenset[str], ...], ...]  # per region: strict and loose keys of name, aliases, native
    haystacks: tuple[str, ...]  # per region: all its keys, one per line, to skip non-matches quickly


def _parse(text: str) -> tuple[Region, ...]:
    lines = text.splitlines()
    if not lines or tuple(lines[0].strip().split("\t")) != _COLUMNS:
        raise ValueError(f"regions.tsv: header must be {'/'.join(_COLUMNS)} (tab-separated)")
    regions: dict[str, Region] = {}
    for number, line in enumerate(lines[1:], start=2):
        cells = [cell.strip() for cell in line.split("\t")]
        if not line.strip():
            continue
        code = cells[0]
        good = len(code) == 2 and code.isascii() and code.isalpha() and code.isupper() and code not in regions
        if len(cells) != 4 or not good:
            raise ValueError(f"regions.tsv line {number}: not a new two-letter code and 3 more columns")
        if not cells[1]:
            raise ValueError(f"regions.tsv line {number}: {code} has no name")
        aliases, native = ([item.strip() for item in cell.split("|") if item.strip()] for cell in cells[2:])
        regions[code] = Region(code, cells[1], tuple(aliases), tuple(native))
    return tuple(regions.values())


def _build(regions: tuple[Region, ...]) -> _Index:
    priority = {code: rank for rank, code in enumerate(DEFAULT_ORDER)}
    ordered = tuple(
        sorted(regions, key=lambda r: (priority.get(r.code, len(priority)), _loosen(_normalise(r.name))))
    )
    exact: dict[str, Region] = {}
    loose: dict[str, Region] = {}
    for field in ("name", "aliases", "native"):  # names win over aliases, aliases over native names
        for region in ordered:
            for value in (region.name,) if field == "name" else getattr(region, field):
                if key := _normalise(value):
                    exact.setdefault(key, region)
                if _loosen(key):
                    loose.setdefault(_loosen(key), region)
    keys = tuple(tuple(_keys_for(group) for group in ((r.name,), r.aliases, r.native)) for r in ordered)
    haystacks = tuple("\n".join(key for group in groups for key in group) for groups in keys)
    return _Index(ordered, {r.code: r for r in ordered}, exact, loose, keys, haystacks)


def _keys_for(values: tuple[str, ...]) -> frozenset[str]:
    strict = {_normalise(value) for value in values}
    return frozenset(key for key in strict | {_loosen(key) for key in strict} if key)


@cache
def _index() -> _Index:
    data = resources.files("bot").joinpath("data", "regions.tsv").read_text(encoding="utf-8")
    return _build(_parse(data))


def name_for(code: str) -> str:
    """The English name for a code ("KR" -> "South Korea"); an unknown code comes back unchanged."""
    region = _index().by_code.get(code.strip().upper()) if isinstance(code, str) else None
    return region.name if region else code


def _query(text: object) -> str | None:
    """The strict key for user text, or None if it is not a string or is too long."""
    if not isinstance(text, str) or len(text.strip()) > MAX_QUERY_LENGTH:
        return None
    return _normalise(text)


def lookup(text: str) -> Region | None:
    """The region `text` names exactly (code in any case, English name, alias, native name), else None."""
    query = _query(text)
    if not query:
        return None
    index = _index()
    by_code = index.by_code.get(query.upper()) if len(query) == 2 and query.isascii() else None
    return by_code or index.exact.get(query) or index.loose.get(_loosen(query))


def suggest(text: str, limit: int = 25) -> list[Region]:
    """Autocomplete candidates for `text`, best first (see `_match_tier`; ties in the default order, so
    "kor" gives South Korea first), at most `limit`. Empty text: DEFAULT_ORDER, then A-Z."""
    query = _query(text)
    if limit <= 0 or query is None:
        return []
    index = _index()
    if not query:
        return list(index.regions[:limit])
    queries = tuple({query, _loosen(query)} - {""})
    code = query.upper() if len(query) == 2 and query.isascii() else None
    tiers: list[list[Region]] = [[] for _ in range(2 + 3 * 3)]
    for region, keys, haystack in zip(index.regions, index.keys, index.haystacks, strict=True):
        if region.code == code:
            tiers[0].append(region)
        elif any(q in haystack for q in queries):
            tiers[_match_tier(queries, keys)].append(region)
    return [region for tier in tiers for region in tier][:limit]


def _match_tier(queries: tuple[str, ...], keys: tuple[frozenset[str], ...]) -> int:
    """1 for a whole key, else 2 + 3 * how (prefix of a key, of a word, anywhere) + which group (name,
    alias, native)."""
    if any(q in group for group in keys for q in queries):
        return 1
    for how, found in enumerate((str.startswith, lambda key, q: " " + q in key, str.__contains__)):
        for group, group_keys in enumerate(keys):
            if any(found(key, q) for key in group_keys for q in queries):
                return 2 + how * 3 + group
    raise AssertionError("a query found in the haystack is in one of its keys")


def choice_label(region: Region) -> str:
    """An autocomplete label such as "South Korea (KR) · 한국" (no native name that repeats the English)."""
    label = region.label
    if region.native and _loosen(_normalise(region.native[0])) != _loosen(_normalise(region.name)):
        label = f"{label} · {region.native[0]}"
    if len(label) > MAX_CHOICE_LABEL:
        label = label[: MAX_CHOICE_LABEL - 1].rstrip() + "…"
    return label

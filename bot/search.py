"""In-memory title index for autocomplete and drama lookup.

Autocomplete runs on every keystroke and cannot be deferred, so lookups here are a few
bisects over sorted lists, never a scan. The index holds every name of every drama
(title, native title, aliases) in three sorted key lists:

- full names, folded (NFKC + casefold + single spaces): "soundtrack #1"
- compact names (letters and digits only): "soundtrack1", so "Soundtrack 1" finds it
- word starts inside a name: "#1", so "1" or "landing on you" match mid-title

Matches rank full-name prefix first, then compact prefix, then word prefix.
"""

from __future__ import annotations

import difflib
import unicodedata
from bisect import bisect_left, insort
from dataclasses import dataclass

from bot.models import DramaName

MAX_QUERY = 200  # longer input is cut before matching; no real title is that long


def fold(text: str) -> str:
    """Normalise for matching: NFKC, case-folded, control characters dropped, single spaces."""
    text = unicodedata.normalize("NFKC", text[: MAX_QUERY * 2]).casefold()
    text = "".join(ch if unicodedata.category(ch)[0] != "C" else " " for ch in text)
    return " ".join(text.split())[:MAX_QUERY]


def compact(folded: str) -> str:
    """Letters and digits only: "soundtrack #1" -> "soundtrack1"."""
    return "".join(ch for ch in folded if ch.isalnum())


@dataclass(slots=True)
class _Entry:
    drama_id: int
    slug: str
    title: str
    year: int | None
    names: tuple[str, ...]  # title first


class TitleIndex:
    def __init__(self) -> None:
        self._dramas: dict[int, _Entry] = {}
        self._slugs: dict[str, int] = {}
        # sorted lists of (key, drama_id, name position)
        self._full: list[tuple[str, int, int]] = []
        self._compact: list[tuple[str, int, int]] = []
        self._words: list[tuple[str, int, int]] = []
        self._by_title: list[tuple[str, int]] | None = None  # lazily sorted for empty queries

    def __len__(self) -> int:
        return len(self._dramas)

    # ---- maintenance -------------------------------------------------------------
    def load(self, rows: list[tuple[int, str, str, int | None, list[str]]]) -> None:
        """Replace the whole index: rows of (drama_id, slug, title, year, names with title first)."""
        self.__init__()
        full, comp, words = [], [], []
        for drama_id, slug, title, year, names in rows:
            entry = self._remember(drama_id, slug, title, year, names)
            for key_list, keys in zip((full, comp, words), self._keys(entry), strict=True):
                key_list.extend(keys)
        self._full, self._compact, self._words = sorted(full), sorted(comp), sorted(words)

    def put(self, drama_id: int, slug: str, title: str, year: int | None, names: list[str]) -> None:
        """Add or replace one drama."""
        self.remove(drama_id)
        entry = self._remember(drama_id, slug, title, year, names)
        for key_list, keys in zip((self._full, self._compact, self._words), self._keys(entry), strict=True):
            for key in keys:
                insort(key_list, key)

    def remove(self, drama_id: int) -> None:
        entry = self._dramas.pop(drama_id, None)
        if entry is None:
            return
        self._slugs.pop(entry.slug, None)
        self._by_title = None
        for key_list, keys in zip((self._full, self._compact, self._words), self._keys(entry), strict=True):
            for key in keys:
                i = bisect_left(key_list, key)
                if i < len(key_list) and key_list[i] == key:
                    del key_list[i]

    def _remember(self, drama_id: int, slug: str, title: str, year: int | None, names: list[str]) -> _Entry:
        unique = tuple(dict.fromkeys(n for n in [title, *names] if n and n.strip()))
        entry = _Entry(drama_id, slug, title, year, unique)
        self._dramas[drama_id] = entry
        self._slugs[slug] = drama_id
        self._by_title = None
        return entry

    @staticmethod
    def _keys(entry: _Entry):
        full, comp, words = [], [], []
        for pos, name in enumerate(entry.names):
            folded = fold(name)
            if not folded:
                continue
            full.append((folded, entry.drama_id, pos))
            packed = compact(folded)
            if packed:  # even when equal to `folded`: "Goblin." and "gob lin" must find "Goblin"
                comp.append((packed, entry.drama_id, pos))
            parts = folded.split(" ")
            for i in range(1, len(parts)):
                words.append((" ".join(parts[i:]), entry.drama_id, pos))
        return full, comp, words

    # ---- queries -----------------------------------------------------------------
    def _hit(self, drama_id: int, pos: int) -> DramaName:
        e = self._dramas[drama_id]
        return DramaName(drama_id=drama_id, slug=e.slug, title=e.title, year=e.year, name=e.names[pos])

    def search(self, query: str, limit: int = 25) -> list[DramaName]:
        """Autocomplete: dramas whose names start with `query` (case-insensitive), best first."""
        if limit <= 0:
            return []
        q = fold(query)
        if not q:
            if self._by_title is None:
                self._by_title = sorted((fold(e.title), e.drama_id) for e in self._dramas.values())
            return [self._hit(drama_id, 0) for _, drama_id in self._by_title[:limit]]
        found: dict[int, DramaName] = {}
        probes = [(self._full, q), (self._compact, compact(q)), (self._words, q)]
        for key_list, key in probes:
            if not key:
                continue
            i = bisect_left(key_list, (key,))
            while i < len(key_list) and len(found) < limit:
                k, drama_id, pos = key_list[i]
                if not k.startswith(key):
                    break
                if drama_id not in found:
                    # Show the title itself when it matches too, not a look-alike alias.
                    title = fold(self._dramas[drama_id].names[0])
                    if title.startswith(key) or compact(title).startswith(key):
                        pos = 0
                    found[drama_id] = self._hit(drama_id, pos)
                i += 1
            if len(found) >= limit:
                break
        return list(found.values())

    def lookup(self, text: str) -> list[int]:
        """Dramas whose slug, or one of whose names, equals `text` (after folding); exact only."""
        if text.strip() in self._slugs:
            return [self._slugs[text.strip()]]
        q = fold(text)
        if not q:
            return []
        ids: dict[int, None] = {}
        for key_list, key in ((self._full, q), (self._compact, compact(q))):
            if not key:
                continue
            i = bisect_left(key_list, (key,))
            while i < len(key_list) and key_list[i][0] == key:
                ids[key_list[i][1]] = None
                i += 1
            if ids:
                break
        return list(ids)

    def title_of(self, drama_id: int) -> str | None:
        entry = self._dramas.get(drama_id)
        return entry.title if entry else None

    def close_titles(self, text: str, limit: int = 5) -> list[str]:
        """Titles that look like `text`, for "did you mean" answers. Bounded work at any size."""
        q = fold(text)
        if not q or limit <= 0:
            return []
        candidates: dict[int, None] = {}
        # Candidates: names sharing a word that starts like one of the query's words.
        for word in q.split(" ")[:8]:
            stem = word[:3]
            for hit in self.search(stem, limit=200):
                candidates[hit.drama_id] = None
        if len(self._dramas) <= 2000:
            candidates.update(dict.fromkeys(self._dramas))
        scored = []
        for drama_id in candidates:
            entry = self._dramas[drama_id]
            best = max(difflib.SequenceMatcher(None, q, fold(n)).ratio() for n in entry.names)
            if best >= 0.5:
                scored.append((-best, entry.title))
        scored.sort()
        return list(dict.fromkeys(title for _, title in scored))[:limit]

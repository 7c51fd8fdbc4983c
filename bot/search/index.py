"""In-memory title index for autocomplete and drama lookup, a few bisects a keystroke at 100,000 titles.

Every name of every drama (title, native title, aliases) is kept in three sorted key lists: full names
folded ("soundtrack #1"), compact names ("soundtrack1"), and the word starts inside a name ("#1").
Matches rank full-name prefix first, then compact, then word. For "did you mean", names are also kept
in the order of their compact keys read backwards (`_tails`): a typo near the start leaves the end.
"""

from __future__ import annotations

import difflib
import unicodedata
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator

from bot.models import DramaName
from bot.search.entries import Entries, _Entry, pack

MAX_QUERY = 200  # longer input is cut before matching; no real title is that long
_POS_BITS = 16  # a key's value packs (drama_id << _POS_BITS) | name position into one int64
_POS_MASK = (1 << _POS_BITS) - 1


CLOSE_MARGIN = 0.15  # "did you mean": titles within this of the best match's similarity ...
CLOSE_FLOOR = 0.6  # ... and at least this similar, unless the best itself is less
CLOSE_QUERY = 100  # "did you mean" looks at this many characters of the input (no title is longer)
CLOSE_SPAN = 6  # names taken either side of a probe's place in a sorted key list
CLOSE_SHORT = 6  # compact queries this long or shorter look at 3 * CLOSE_SPAN names either side
CLOSE_LETTERS = "abcdefghijklmnopqrstuvwxyz0123456789"  # what a slip in a short Latin query may have been
CLOSE_EDIT_TAKE = 3  # names taken per one-slip variant of a short query (those starting with it)
CLOSE_SCORED = 12  # distinct names whose full similarity is computed, best bounds first
CLOSE_WORDS = 7  # later words of the query probed from (a typo in the first word)


def fold(text: str) -> str:
    """Normalise for matching: NFKC, case-folded, control characters dropped, single spaces."""
    if text.isascii() and text.isprintable():
        # The same result, fast: NFKC leaves printable ASCII alone and casefold() is lower() there.
        return " ".join(text[: MAX_QUERY * 2].lower().split())[:MAX_QUERY]
    text = unicodedata.normalize("NFKC", text[: MAX_QUERY * 2]).casefold()
    if text.isprintable():  # no Other (C*) characters: nothing to drop
        return " ".join(text.split())[:MAX_QUERY]
    text = "".join(ch if unicodedata.category(ch)[0] != "C" else " " for ch in text)
    return " ".join(text.split())[:MAX_QUERY]


def compact(folded: str) -> str:
    """Letters and digits only: "soundtrack #1" -> "soundtrack1"."""
    return "".join(ch for ch in folded if ch.isalnum())


def _squeeze(folded: str) -> str:
    """A folded name's compact key ("" when it has none)."""
    squeezed = folded.replace(" ", "")
    return squeezed if squeezed.isalnum() else compact(folded)


def _entry(drama_id: int, slug: str, title: str, year: int | None, names: list[str]) -> _Entry:
    unique = tuple(n for n in dict.fromkeys([title, *names]) if n and n.strip())
    return _Entry(drama_id, slug, title, year, unique[: _POS_MASK + 1])


FULL, COMPACT, WORDS, TAILS = range(4)  # what a key from `_keys` is for


def _keys(entry: _Entry) -> Iterator[tuple[int, str, int]]:
    """(FULL, COMPACT, WORDS or TAILS, key, packed (drama_id, name position)) for the entry's names."""
    base = entry.drama_id << _POS_BITS
    for pos, name in enumerate(entry.names):
        folded = fold(name)
        if not folded:
            continue
        val = base | pos
        yield FULL, folded, val
        squeezed = _squeeze(folded)
        if squeezed:  # even when equal to `folded`: "Goblin." and "gob lin" must find "Goblin"
            yield COMPACT, squeezed, val
            yield TAILS, squeezed[::-1], val
        start = folded.find(" ") + 1
        while start:
            yield WORDS, folded[start:], val
            start = folded.find(" ", start) + 1


class _Keys:
    """Keys sorted by (key, drama_id, position): a list and a parallel `array('q')` of packed values."""

    __slots__ = ("keys", "vals")

    def __init__(self, keys: list[str] | None = None, vals: array | None = None) -> None:
        self.keys: list[str] = keys if keys is not None else []
        self.vals: array = vals if vals is not None else array("q")

    @classmethod
    def from_groups(cls, groups: dict[str, int | list[int]], ascending: bool) -> _Keys:
        """Build from key -> packed value (or a list of them, in input order); consumes `groups`."""
        out_keys: list[str] = []
        out_vals = array("q")
        for key in sorted(groups):
            seen = groups.pop(key)
            if type(seen) is int:
                out_keys.append(key)
                out_vals.append(seen)
            else:
                if not ascending:
                    seen.sort()
                out_keys.extend([key] * len(seen))
                out_vals.extend(seen)
        return cls(out_keys, out_vals)

    def insert(self, key: str, val: int) -> None:
        lo, hi = bisect_left(self.keys, key), bisect_right(self.keys, key)
        i = bisect_left(self.vals, val, lo, hi)
        self.keys.insert(i, key)
        self.vals.insert(i, val)

    def delete(self, key: str, val: int) -> None:
        lo, hi = bisect_left(self.keys, key), bisect_right(self.keys, key)
        i = bisect_left(self.vals, val, lo, hi)
        if i < hi and self.vals[i] == val:
            del self.keys[i]
            del self.vals[i]


class TitleIndex:
    def __init__(self) -> None:
        self._dramas = Entries()
        # sorted by (key, drama_id, name position)
        self._full = _Keys()
        self._compact = _Keys()
        self._words = _Keys()
        # Dramas whose title folds to "": not among the full keys at position 0.
        self._blank: set[int] = set()
        # Every name's packed (drama_id, position), ordered by (its compact key reversed, value).
        self._tails = array("q")
        self._first_titles: list[DramaName] = []  # the empty query's answer, until the next change

    def __len__(self) -> int:
        return len(self._dramas)

    def _lists(self) -> tuple[_Keys, _Keys, _Keys]:
        return self._full, self._compact, self._words

    def load(self, rows: Iterable[tuple[int, str, str, int | None, list[str]]]) -> None:
        """Replace the whole index: rows of (drama_id, slug, title, year, names), read once."""
        self.__init__()
        groups: tuple[dict, dict, dict] = ({}, {}, {})  # full, compact, word-start: key -> value(s)
        ascending, last = True, None
        records: dict[int, tuple[int, str, bytes]] = {}
        unpacked: list[_Entry] = []
        tails: list[tuple[str, int]] = []
        for drama_id, slug, title, year, names in rows:
            entry = _entry(drama_id, slug, title, year, names)
            ascending, last = ascending and (last is None or drama_id > last), drama_id
            record = pack(entry)
            if record is None:
                unpacked.append(entry)
            else:
                records[drama_id] = (drama_id, slug, record)
            for which, key, val in _keys(entry):
                if which == TAILS:
                    tails.append((key, val))
                    continue
                # Equal keys grouped (word starts repeat a lot): only distinct keys are sorted.
                seen = groups[which].get(key)
                if seen is None:
                    groups[which][key] = val
                elif type(seen) is int:
                    groups[which][key] = [seen, val]
                else:
                    seen.append(val)
            if not entry.names or entry.names[0] != title or not fold(title):
                self._blank.add(drama_id)
        self._full, self._compact, self._words = (_Keys.from_groups(g, ascending) for g in groups)
        tails.sort()
        self._tails = array("q", [val for _, val in tails])
        if not ascending:
            records = dict(sorted(records.items()))
        self._dramas = Entries.packed(list(records.values()))
        for entry in unpacked:
            self._dramas.put(entry)

    def put(self, drama_id: int, slug: str, title: str, year: int | None, names: list[str]) -> None:
        """Add or replace one drama."""
        self.remove(drama_id)
        self._first_titles = []
        entry = _entry(drama_id, slug, title, year, names)
        self._dramas.put(entry)
        if not entry.names or entry.names[0] != title or not fold(title):
            self._blank.add(drama_id)
        for which, key, val in _keys(entry):
            if which == TAILS:
                lo, hi = self._tail_range(key)
                self._tails.insert(bisect_left(self._tails, val, lo, hi), val)
            else:
                self._lists()[which].insert(key, val)

    def remove(self, drama_id: int) -> None:
        entry = self._dramas.get(drama_id)
        if entry is None:
            return
        self._first_titles = []
        for which, key, val in _keys(entry):  # while the entry is there: the tails' order reads its names
            if which == TAILS:
                lo, hi = self._tail_range(key)
                i = bisect_left(self._tails, val, lo, hi)
                if i < hi and self._tails[i] == val:
                    del self._tails[i]
            else:
                self._lists()[which].delete(key, val)
        self._dramas.pop(drama_id)
        self._blank.discard(drama_id)

    def _tail(self, val: int) -> str:
        """The reversed compact key of the name `val` packs (the order of `_tails`)."""
        entry = self._dramas.get(val >> _POS_BITS)
        return _squeeze(fold(entry.names[val & _POS_MASK]))[::-1] if entry is not None else ""

    def _tail_range(self, key: str) -> tuple[int, int]:
        """Where the names whose reversed compact key is `key` are (or go) in `_tails`."""
        return bisect_left(self._tails, key, key=self._tail), bisect_right(self._tails, key, key=self._tail)

    def _hit(self, drama_id: int, pos: int, e: _Entry | None = None) -> DramaName:
        e = e or self._dramas.get(drama_id)
        assert e is not None
        return DramaName(drama_id=drama_id, slug=e.slug, title=e.title, year=e.year, name=e.names[pos])

    def _by_title(self, limit: int) -> list[DramaName]:
        """The first `limit` dramas by (folded title, id): blank titles first, then the full keys'."""
        if len(self._first_titles) >= limit or len(self._first_titles) == len(self._dramas):
            return self._first_titles[:limit]
        hits = [self._hit(drama_id, 0) for drama_id in sorted(self._blank)[:limit]]
        vals, i = self._full.vals, 0
        while len(hits) < limit and i < len(vals):
            if not vals[i] & _POS_MASK and vals[i] >> _POS_BITS not in self._blank:
                hits.append(self._hit(vals[i] >> _POS_BITS, 0))
            i += 1
        self._first_titles = hits
        return hits[:]

    def search(self, query: str, limit: int = 25) -> list[DramaName]:
        """Autocomplete: dramas whose names start with `query` (case-insensitive), best first."""
        if limit <= 0:
            return []
        q = fold(query)
        if not q:
            return self._by_title(limit)
        found: dict[int, DramaName] = {}
        probes = [(self._full, q), (self._compact, compact(q)), (self._words, q)]
        for key_list, key in probes:
            if not key:
                continue
            keys, vals = key_list.keys, key_list.vals
            i = bisect_left(keys, key)
            while i < len(keys) and len(found) < limit:
                if not keys[i].startswith(key):
                    break
                drama_id, pos = vals[i] >> _POS_BITS, vals[i] & _POS_MASK
                if drama_id not in found:
                    entry = self._dramas.get(drama_id)
                    # Show the title itself when it matches too, not a look-alike alias.
                    if pos:
                        title = fold(entry.names[0])
                        if title.startswith(key) or compact(title).startswith(key):
                            pos = 0
                    found[drama_id] = self._hit(drama_id, pos, entry)
                i += 1
            if len(found) >= limit:
                break
        return list(found.values())

    def lookup(self, text: str) -> list[int]:
        """Dramas whose slug, or one of whose names, equals `text` (after folding); exact only."""
        by_slug = self._dramas.slug_id(text.strip())
        if by_slug is not None:
            return [by_slug]
        q = fold(text)
        if not q:
            return []
        ids: dict[int, None] = {}
        for key_list, key in ((self._full, q), (self._compact, compact(q))):
            if not key:
                continue
            keys, vals = key_list.keys, key_list.vals
            i = bisect_left(keys, key)
            while i < len(keys) and keys[i] == key:
                ids[vals[i] >> _POS_BITS] = None
                i += 1
            if ids:
                break
        return list(ids)

    def title_of(self, drama_id: int) -> str | None:
        entry = self._dramas.get(drama_id)
        return entry.title if entry else None

    def close_titles(self, text: str, limit: int = 5) -> list[str]:
        """Titles that look like `text`, for "did you mean": only the few names next to the query in the
        sorted key lists and in `_tails` are scored, so the work is bounded at any size."""
        q = _close_query(text)
        if not q or limit <= 0:
            return []
        by_drama: dict[int, list[int] | None] = {}
        for val in self._close_candidates(q):
            by_drama.setdefault(val >> _POS_BITS, []).append(val & _POS_MASK)  # type: ignore[union-attr]
        return self._close_among(q, by_drama, limit)

    def _close_candidates(self, q: str) -> dict[int, None]:
        """The names worth scoring against the folded query `q`, as packed (drama_id, position) values."""
        cq = compact(q)
        probes: list[tuple[_Keys, str]] = [(self._full, q), (self._words, q)]
        found: dict[int, None] = {}
        # A short query's one typo moves it further from its name in the sorted keys (the few letters
        # around it are shared by many names); short names are also quick to compare: look wider.
        wide = CLOSE_SPAN * 3 if len(cq) <= CLOSE_SHORT else CLOSE_SPAN
        if cq:
            i = bisect_left(self._compact.keys, cq)
            found.update(dict.fromkeys(self._compact.vals[max(0, i - wide) : i + wide]))
            # A typo near the start: the names whose compact key ends like the query's.
            i = bisect_left(self._tails, cq[::-1], key=self._tail)
            found.update(dict.fromkeys(self._tails[max(0, i - wide) : i + wide]))
        if 1 < len(cq) <= CLOSE_SHORT:
            # A short query: every name one slip away (a letter left out, added, replaced or swapped);
            # each is one bisect, and only the names it starts are taken.
            letters = CLOSE_LETTERS if cq.isascii() else ""
            edits = {cq[:i] + cq[i + 1 :] for i in range(len(cq))}
            edits.update(cq[:i] + cq[i + 1] + cq[i] + cq[i + 2 :] for i in range(len(cq) - 1))
            edits.update(cq[:i] + c + cq[i + 1 :] for i in range(len(cq)) for c in letters)
            edits.update(cq[:i] + c + cq[i:] for i in range(len(cq) + 1) for c in letters)
            keys, vals = self._compact.keys, self._compact.vals
            for edit in edits:
                i = bisect_left(keys, edit)
                end = min(i + CLOSE_EDIT_TAKE, len(keys))
                while i < end and keys[i].startswith(edit):
                    found[vals[i]] = None
                    i += 1
        # A typo in the first word: the names' later words, from the query's later words on.
        start = q.find(" ") + 1
        for _ in range(CLOSE_WORDS):
            if not start:
                break
            probes.append((self._words, q[start:]))
            start = q.find(" ", start) + 1
        for key_list, probe in probes:
            i = bisect_left(key_list.keys, probe)
            found.update(dict.fromkeys(key_list.vals[max(0, i - CLOSE_SPAN) : i + CLOSE_SPAN]))
        return found

    def _close_among(self, q: str, by_drama: dict[int, list[int] | None], limit: int) -> list[str]:
        """Score names against `q`: drama_id -> the positions of its names to score (None: all)."""
        matcher = difflib.SequenceMatcher(None, "", q)  # the query as `b`: its index is built once
        size = len(q)
        bounded = []  # (-upper bound, name, drama_id): SequenceMatcher's cheap bounds on the ratio
        uppers: dict[str, float] = {}  # names many dramas share are bounded once
        for drama_id, positions in by_drama.items():
            entry = self._dramas.get(drama_id)
            if entry is None:
                continue
            for pos in positions if positions is not None else range(len(entry.names)):
                name = fold(entry.names[pos])
                upper = uppers.get(name)
                if upper is None:
                    if 2 * min(size, len(name)) < (size + len(name)) * 0.5:  # real_quick_ratio < 0.5
                        upper = 0.0
                    else:
                        matcher.set_seq1(name)
                        upper = matcher.quick_ratio()
                    uppers[name] = upper
                if upper >= 0.5:
                    bounded.append((-upper, name, drama_id))
        bounded.sort()
        best: dict[int, float] = {}
        ratios: dict[str, float] = {}
        top = 0.0
        for negative, name, drama_id in bounded:
            # Kept in the end: at least 0.5, within CLOSE_MARGIN of the best, at least CLOSE_FLOOR unless the
            # best is less. The best only grows, so once a bound is below that nothing after it is kept.
            if -negative < max(0.5, top - CLOSE_MARGIN, min(top, CLOSE_FLOOR)):
                break
            ratio = ratios.get(name)
            if ratio is None:
                if len(ratios) >= CLOSE_SCORED:
                    break
                matcher.set_seq1(name)
                ratio = ratios[name] = matcher.ratio()
            if ratio > best.get(drama_id, 0.0):
                best[drama_id] = ratio
                top = max(top, ratio)
        scored = sorted((-ratio, self._dramas.get(d).title) for d, ratio in best.items() if ratio >= 0.5)  # type: ignore[union-attr]
        if scored:  # with a large catalogue many titles reach 0.5: keep only those near the best
            floor = max(-scored[0][0] - CLOSE_MARGIN, min(-scored[0][0], CLOSE_FLOOR))
            scored = [(score, title) for score, title in scored if -score >= floor]
        return list(dict.fromkeys(title for _, title in scored))[:limit]


def _close_query(text: str) -> str:
    """What "did you mean" matches: the input's first CLOSE_QUERY characters, folded."""
    return fold(text[: CLOSE_QUERY * 2])[:CLOSE_QUERY].strip()

"""The title index's per-drama data (slug, title, year, names), packed for 100,000 titles.

The dramas as loaded are one UTF-8 blob with a record per drama, plus arrays of ids and record ends:
about 110 bytes a drama instead of 550 for an object each, and nothing for the collector to walk. A
record is decoded when a search shows it; slugs are found through a sorted array of their CRC-32.
Changes after the load go to a small overlay dict until the next load.
"""

from __future__ import annotations

import itertools
import zlib
from array import array
from bisect import bisect_left
from collections.abc import Iterator
from dataclasses import dataclass

SEP = "\x1f"  # between a record's fields; a drama with SEP in a field stays in the overlay
DECODED = 2048  # decoded records kept (autocomplete shows the same dramas again and again)


@dataclass(slots=True)
class _Entry:
    drama_id: int
    slug: str
    title: str
    year: int | None
    names: tuple[str, ...]  # title first (unless the title was blank)


def slug_crc(slug: str) -> int:
    return zlib.crc32(slug.encode("utf-8", "surrogatepass"))


def pack(entry: _Entry) -> bytes | None:
    """The entry's record, or None when a field holds SEP (it cannot be packed)."""
    # The title is stored only when it is not the first name (it is unless it was blank).
    title = "" if entry.names and entry.title == entry.names[0] else "=" + entry.title
    fields = (entry.slug, "" if entry.year is None else str(entry.year), title, *entry.names)
    if any(SEP in f for f in fields):
        return None
    return SEP.join(fields).encode("utf-8", "surrogatepass")


def unpack(drama_id: int, record: bytes) -> _Entry:
    slug, year, title, *names = record.decode("utf-8", "surrogatepass").split(SEP)
    return _Entry(drama_id, slug, title[1:] if title else names[0], int(year) if year else None, tuple(names))


class Entries:
    """drama_id -> _Entry, packed (see the module docstring). Iterating yields the ids."""

    __slots__ = ("_ids", "_ends", "_blob", "_crcs", "_crc_ids", "_extra", "_extra_slugs", "_count",
                 "_decoded")  # fmt: skip

    def __init__(self, ids: array | None = None, ends: array | None = None, blob: bytes = b"",
                 crcs: array | None = None, crc_ids: array | None = None) -> None:  # fmt: skip
        self._ids = ids if ids is not None else array("q")  # ascending
        self._ends = ends if ends is not None else array("Q")  # record i is blob[ends[i-1]:ends[i]]
        self._blob = blob
        self._crcs = crcs if crcs is not None else array("q")  # ascending slug CRC-32 ...
        self._crc_ids = crc_ids if crc_ids is not None else array("q")  # ... and the drama of each
        self._extra: dict[int, _Entry | None] = {}  # overlay: put or removed since the load (None)
        self._extra_slugs: dict[str, int] = {}
        self._count = len(self._ids)
        self._decoded: dict[int, _Entry] = {}  # of packed records, at most DECODED

    @classmethod
    def packed(cls, records: list[tuple[int, str, bytes]]) -> Entries:
        """From (drama_id, slug, record) in ascending id order, ids distinct."""
        ids = array("q", [r[0] for r in records])
        ends = array("Q", itertools.accumulate(len(r[2]) for r in records))
        pairs = sorted((slug_crc(slug), drama_id) for drama_id, slug, _ in records)
        crcs, crc_ids = array("q", [p[0] for p in pairs]), array("q", [p[1] for p in pairs])
        return cls(ids, ends, b"".join(r[2] for r in records), crcs, crc_ids)

    def __len__(self) -> int:
        return self._count

    def _base(self, drama_id: int) -> int:
        ids = self._ids
        if not ids:
            return -1
        i = drama_id - ids[0]  # ids are mostly dense (1, 2, 3, ...): try the direct position first
        if 0 <= i < len(ids) and ids[i] == drama_id:
            return i
        i = bisect_left(ids, drama_id)
        return i if i < len(ids) and ids[i] == drama_id else -1

    def _record(self, i: int) -> bytes:
        return self._blob[self._ends[i - 1] if i else 0 : self._ends[i]]

    def get(self, drama_id: int) -> _Entry | None:
        if drama_id in self._extra:
            return self._extra[drama_id]
        entry = self._decoded.get(drama_id)
        if entry is None:
            i = self._base(drama_id)
            if i < 0:
                return None
            if len(self._decoded) >= DECODED:
                self._decoded.clear()
            entry = self._decoded[drama_id] = unpack(drama_id, self._record(i))
        return entry

    def __contains__(self, drama_id: int) -> bool:
        return self.get(drama_id) is not None

    def __iter__(self) -> Iterator[int]:
        extra = self._extra
        for drama_id in self._ids:
            if drama_id not in extra:
                yield drama_id
        yield from (drama_id for drama_id, entry in extra.items() if entry is not None)

    def slug_id(self, slug: str) -> int | None:
        if slug in self._extra_slugs:
            return self._extra_slugs[slug]
        crc = slug_crc(slug)
        i = bisect_left(self._crcs, crc)
        while i < len(self._crcs) and self._crcs[i] == crc:
            drama_id = self._crc_ids[i]
            record = self._record(self._base(drama_id))
            if drama_id not in self._extra and unpack(drama_id, record).slug == slug:
                return drama_id
            i += 1
        return None

    def put(self, entry: _Entry) -> None:
        if entry.drama_id not in self:
            self._count += 1
        self._extra[entry.drama_id] = entry
        self._extra_slugs[entry.slug] = entry.drama_id

    def pop(self, drama_id: int) -> _Entry | None:
        entry = self.get(drama_id)
        if entry is None:
            return None
        self._count -= 1
        if self._extra_slugs.get(entry.slug) == drama_id:
            del self._extra_slugs[entry.slug]
        if self._base(drama_id) >= 0:
            self._extra[drama_id] = None
        else:
            del self._extra[drama_id]
        return entry

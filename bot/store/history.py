"""Imported history (/import, `import-history`): matching a file's ids to the catalogue, and applying the
matched rows to one member's ratings and watch list.

Applying is idempotent and keeps what the member did since the file was made:
- a score the file has and the member has not: stored; the same score: nothing written;
- another score: the file's when the member's is older than the file's row (`ratings.updated_at <= at`)
  or with `replace`; otherwise the member's stays (a row without a date never overrides a score);
- episode scores likewise, and they raise progress through the ratings triggers, as /rate does;
- the status: the file's when the member's entry is older than the row, or is missing, or with `replace`
  (a new entry without one: Watching, or Completed when every episode was watched);
- progress only moves up (with `replace`: the file's), capped at the drama's episodes; Completed means
  the last episode. Nothing changes when nothing differs, so updated_at stays and a second run is a no-op.
One transaction per CHUNK rows written (a drama's score, its episode scores and its list entry count one
each; at least one drama a chunk), each followed by a pause 3 times as long, so /rate and the rest
get the writer between chunks, and the writer's thread (a third of a core while it writes) leaves the
CPU to the others' interactions most of the time (bench/importer.py measures it; docs/perf-notes/importer.md).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from bot.models import WATCH_STATUSES
from bot.store.db import Db, Tx, marks

CHUNK = 100  # rows written per transaction (bench/importer.py: a few ms each on SQLite)
PAUSE, PAUSE_CAP = 3.0, 0.1  # the pause after a chunk: 3 times its time, at most 100 ms
_IDS = 500  # values per IN list when matching


@dataclass(frozen=True, slots=True)
class HistoryItem:
    """One matched drama of a file: what to apply (scores in half stars, episodes absolute)."""

    drama_id: int
    halves: int | None = None
    status: str | None = None
    progress: int | None = None
    at: datetime | None = None  # when the file says this changed (aware)
    # (episode, half stars or None for "watched", when)
    episodes: tuple[tuple[int, int | None, datetime | None], ...] = ()


@dataclass(slots=True)
class Applied:
    """What applying changed (and kept): counts for the answer."""

    rated: int = 0  # drama scores stored or changed
    episodes_rated: int = 0
    listed: int = 0  # watch-list entries added or changed
    kept: int = 0  # scores or statuses of the member's own, newer than the file, left as they were
    unchanged: int = 0  # dramas where nothing differed
    dramas: set[int] = field(default_factory=set)
    scopes: set[int] = field(default_factory=set)  # rating scopes whose totals changed (0: everyone)

    def add(self, other: Applied) -> None:
        self.rated += other.rated
        self.episodes_rated += other.episodes_rated
        self.listed += other.listed
        self.kept += other.kept
        self.unchanged += other.unchanged
        self.dramas |= other.dramas
        self.scopes |= other.scopes


def _when(value: object) -> datetime | None:
    if value is None:
        return None
    stamp = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return stamp if stamp.tzinfo is not None else stamp.replace(tzinfo=UTC)


def _file_wins(mine_at: object, row_at: datetime | None, replace: bool) -> bool:
    """Whether the file's value replaces the member's (the member's changed at `mine_at`)."""
    if replace:
        return True
    if row_at is None:
        return False
    mine = _when(mine_at)
    return mine is None or mine <= row_at


def _chunks(items: list[HistoryItem]) -> list[list[HistoryItem]]:
    """Items in runs of about CHUNK rows written each (a drama with more episodes is a run of its own)."""
    out: list[list[HistoryItem]] = [[]]
    size = 0
    for item in items:
        weight = 2 + len(item.episodes)
        if out[-1] and size + weight > CHUNK:
            out.append([])
            size = 0
        out[-1].append(item)
        size += weight
    return [c for c in out if c]


class History:
    def __init__(
        self, db: Db, written: Callable[[set[int] | None, tuple[int, ...]], None] | None = None
    ) -> None:
        self._db = db
        self._written = written  # community caches: this member's ratings changed

    # ---- matching --------------------------------------------------------------------
    async def ids_by(self, column: str, values: Iterable[object]) -> dict[object, tuple[int, int]]:
        """Shown dramas whose `column` ("tmdb_id" or "imdb_id") is one of `values`: value -> (drama id,
        episode count)."""
        assert column in ("tmdb_id", "imdb_id")
        wanted = list(dict.fromkeys(v for v in values if v is not None))
        found: dict[object, tuple[int, int]] = {}
        for start in range(0, len(wanted), _IDS):
            part = wanted[start : start + _IDS]
            for r in await self._db.fetch(
                f"SELECT {column} AS v, id, episode_count FROM dramas "
                f"WHERE {column} IN ({marks(len(part))}) AND hidden_at IS NULL",
                part,
            ):
                found[r["v"]] = (r["id"], r["episode_count"])
        return found

    async def facts(self, drama_ids: Iterable[int]) -> dict[int, tuple[str, int | None, int]]:
        """Shown dramas by id: (title, year, episode count)."""
        wanted = list(dict.fromkeys(drama_ids))
        found: dict[int, tuple[str, int | None, int]] = {}
        for start in range(0, len(wanted), _IDS):
            part = wanted[start : start + _IDS]
            for r in await self._db.fetch(
                f"SELECT id, title, year, episode_count FROM dramas WHERE id IN ({marks(len(part))}) "
                "AND hidden_at IS NULL",
                part,
            ):
                found[r["id"]] = (r["title"], r["year"], r["episode_count"])
        return found

    # ---- applying --------------------------------------------------------------------
    async def apply(
        self, *, user_id: int, guild_id: int | None, items: Sequence[HistoryItem], replace: bool = False,
        progress: Callable[[int, int], Awaitable[None]] | None = None,
    ) -> Applied:  # fmt: skip
        """Apply matched rows to one member (ratings stored with `guild_id`, None in DMs), about CHUNK rows
        a transaction; `progress(done, total)` after each chunk. Rows of the same drama: the last one wins."""
        merged: dict[int, HistoryItem] = {}
        for item in items:
            if item.status is not None and item.status not in WATCH_STATUSES:
                raise ValueError(f"unknown watch status {item.status!r}")
            if item.halves is not None and not 1 <= item.halves <= 10:
                raise ValueError(f"half stars must be 1..10, got {item.halves}")
            merged[item.drama_id] = item
        todo = sorted(merged.values(), key=lambda i: i.drama_id)  # neighbours share pages: fewer written
        total = Applied()
        count = 0
        try:
            for chunk in _chunks(todo):
                started = time.monotonic()
                done = await self._db.write(
                    lambda tx, c=chunk: self._apply_chunk(tx, user_id, guild_id, c, replace)
                )
                total.add(done)
                count += len(chunk)
                if progress is not None:
                    await progress(count, len(todo))
                # A pause longer than the chunk took: the import has at most 25% of the writer, and a
                # /rate arriving meanwhile waits one short chunk at most.
                await asyncio.sleep(min(PAUSE * (time.monotonic() - started), PAUSE_CAP))
        finally:
            if self._written is not None and total.rated:  # as /rate: the charts of the scopes touched
                self._written(total.scopes | {0, guild_id or 0}, (user_id,))
        return total

    async def _apply_chunk(
        self, tx: Tx, user_id: int, guild_id: int | None, items: list[HistoryItem], replace: bool
    ) -> Applied:
        out = Applied()
        ids = [i.drama_id for i in items]
        counts = {
            r["id"]: r["episode_count"]
            for r in await tx.fetch(
                f"SELECT id, episode_count FROM dramas WHERE id IN ({marks(len(ids))}) AND hidden_at IS NULL",
                ids,
            )
        }
        rated = {
            (r["drama_id"], r["episode"]): (r["halves"], r["updated_at"], r["guild_id"])
            for r in await tx.fetch(
                f"SELECT drama_id, episode, halves, updated_at, guild_id FROM ratings WHERE user_id = ? "
                f"AND drama_id IN ({marks(len(ids))})",
                (user_id, *ids),
            )
        }
        listed = {
            r["drama_id"]: (r["status"], r["progress"], r["updated_at"])
            for r in await tx.fetch(
                f"SELECT drama_id, status, progress, updated_at FROM watchlist WHERE user_id = ? "
                f"AND drama_id IN ({marks(len(ids))})",
                (user_id, *ids),
            )
        }
        inserts: list[tuple] = []
        updates: list[tuple] = []
        entries: list[tuple] = []
        for item in items:
            count = counts.get(item.drama_id)
            if count is None:  # removed meanwhile
                continue
            changed = False
            scores = [(0, item.halves, item.at)] if item.halves is not None else []
            watched = 0
            for episode, halves, at in item.episodes:
                if not 1 <= episode <= count:
                    continue
                watched = max(watched, episode)
                if halves is not None and 1 <= halves <= 10:
                    scores.append((episode, halves, at))
            for episode, halves, at in scores:
                mine = rated.get((item.drama_id, episode))
                if mine is None:
                    inserts.append((item.drama_id, episode, user_id, guild_id, halves))
                elif mine[0] == halves:
                    continue
                elif _file_wins(mine[1], at, replace):
                    updates.append((halves, guild_id, item.drama_id, episode, user_id))
                    out.scopes.add(mine[2] or 0)  # the scope it leaves
                else:
                    out.kept += 1
                    continue
                changed = True
                if episode == 0:
                    out.rated += 1
                else:
                    out.episodes_rated += 1
                    watched = max(watched, episode)
            entry = self._entry(item, count, watched, listed.get(item.drama_id), replace, out)
            if entry is not None:
                entries.append((user_id, item.drama_id, guild_id, *entry))
                out.listed += 1
                changed = True
            if changed:
                out.dramas.add(item.drama_id)
            else:
                out.unchanged += 1
        if inserts:
            await tx.executemany(
                "INSERT INTO ratings (drama_id, episode, user_id, guild_id, halves) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT (drama_id, episode, user_id) DO NOTHING",
                inserts,
            )
        if updates:
            await tx.executemany(
                f"UPDATE ratings SET halves = ?, guild_id = ?, updated_at = {self._db.now} "
                "WHERE drama_id = ? AND episode = ? AND user_id = ?",
                updates,
            )
        if entries:  # after the ratings: their triggers may have raised progress; ours is at least as high
            await tx.executemany(
                "INSERT INTO watchlist (user_id, drama_id, guild_id, status, progress) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT (user_id, drama_id) DO UPDATE SET guild_id = excluded.guild_id, "
                f"status = excluded.status, progress = excluded.progress, updated_at = {self._db.now}",
                entries,
            )
        return out

    @staticmethod
    def _entry(
        item: HistoryItem, count: int, watched: int, mine: tuple | None, replace: bool, out: Applied
    ) -> tuple[str, int] | None:
        """The (status, progress) to write for `item`, or None when the member's entry stays as it is
        (read before this chunk's ratings: their triggers only ever raise progress)."""
        raw = min(max(item.progress or 0, watched), count)
        if mine is None:
            if item.status is None and raw == 0:
                return None
            status = item.status or ("completed" if raw == count else "watching")  # every episode watched
            return (status, count if status == "completed" else raw)
        status, progress, at = mine[0], min(mine[1], count), mine[2]
        theirs = raw
        if item.status is not None and item.status != status:
            if _file_wins(at, item.at, replace):
                status = item.status
            else:
                out.kept += 1
        elif item.status == "completed":
            theirs = count
        if status == "completed":
            new_progress = count
        elif replace and (item.progress is not None or item.status is not None):
            new_progress = theirs
        else:
            new_progress = max(progress, theirs)
        if (status, new_progress) == (mine[0], mine[1]):
            return None
        return (status, new_progress)

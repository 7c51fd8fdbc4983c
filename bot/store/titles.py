"""The title index every process keeps in memory for autocomplete and lookups (bot/search/index.py).

Kept current on this process's own writes, and reloaded when another process moved `catalogue_rev` (every
catalogue write bumps it): on SQLite `refresh` checks `PRAGMA data_version` then the rev, at most once a
second; on PostgreSQL a LISTEN connection calls `changed()` on NOTIFY and after reconnecting.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import time
from collections.abc import Iterable, Iterator

from bot.models import DramaName
from bot.search.index import TitleIndex
from bot.store.db import Db, Tx

log = logging.getLogger(__name__)

CATALOGUE_REV = "catalogue_rev"  # meta key bumped by every catalogue write

# One (drama_id, slug, title, year, name) row per name, grouped by drama. SQLite returns a drama's names in
# the order they were inserted (title first); PostgreSQL needs the order said. Removed (hidden) dramas are
# left out: members never find them.
_TITLE_ROWS = {
    "sqlite": "SELECT d.id, d.slug, d.title, d.year, n.name FROM dramas d "
    "JOIN drama_names n ON n.drama_id = d.id WHERE d.hidden_at IS NULL ORDER BY d.id",
    "postgres": "SELECT d.id, d.slug, d.title, d.year, n.name FROM dramas d "
    "JOIN drama_names n ON n.drama_id = d.id WHERE d.hidden_at IS NULL ORDER BY d.id, n.id",
}


def build_index(rows: Iterable) -> TitleIndex:
    """The title index from (drama_id, slug, title, year, name) rows ordered by drama."""

    def dramas() -> Iterator[tuple[int, str, str, int | None, list[str]]]:
        current: tuple[int, str, str, int | None, list[str]] | None = None
        for drama_id, slug, title, year, name in rows:
            if current is None or current[0] != drama_id:
                if current is not None:
                    yield current
                current = (drama_id, slug, title, year, [])
            current[4].append(name)
        if current is not None:
            yield current

    index = TitleIndex()
    index.load(dramas())
    return index

INDEX_CHECK_INTERVAL = 1.0  # s: how stale the index may be on changes made by another process (SQLite)


class Titles:
    def __init__(self, db: Db) -> None:
        self._db = db
        self.index = TitleIndex()
        self.rev: str | None = None  # catalogue_rev the index reflects
        self._checked_at = float("-inf")  # time.monotonic() of the last check for other writers
        self._reload_lock = asyncio.Lock()

    async def _rev(self) -> str | None:
        row = await self._db.fetch_one("SELECT value FROM meta WHERE key = ?", (CATALOGUE_REV,))
        return row["value"] if row else None

    async def load(self) -> None:
        """Read the whole index."""
        async with self._reload_lock:
            await self._db.others_wrote()  # what this load reads is the new baseline
            rev = await self._rev()
            index = build_index(await self._db.fetch(_TITLE_ROWS[self._db.dialect]))
            self.index, self.rev = index, rev
            # The index is most of the heap and lives until the next reload: keep the collector's full
            # passes off it (they showed as latency spikes at 100,000 titles).
            gc.freeze()

    async def refresh(self, *, max_age: float = 0.0) -> bool:
        """Reload when another process changed the catalogue; cheap when none did. With `max_age`, the
        database is asked only when it was last asked at least that many seconds ago."""
        now = time.monotonic()
        if max_age > 0 and now - self._checked_at < max_age:
            return False
        self._checked_at = now
        if not await self._db.others_wrote():
            return False
        return await self.changed()

    async def changed(self) -> bool:
        """Another process may have changed the catalogue: reload if `catalogue_rev` moved."""
        if await self._rev() == self.rev:
            return False
        log.info("the catalogue changed in another process: reloading the title index")
        await self.load()
        return True

    async def bump(self, tx: Tx) -> None:
        """Count a catalogue write (inside its transaction); if another process wrote first, the next check
        reloads."""
        row = await tx.fetch_one("SELECT value FROM meta WHERE key = ?", (CATALOGUE_REV,))
        old = row["value"] if row else None
        new = str(int(old or 0) + 1)
        await tx.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (CATALOGUE_REV, new),
        )
        await tx.notify_catalogue(new)
        if old == self.rev:
            self.rev = new

    # ---- in memory -------------------------------------------------------------------
    def search(self, query: str, limit: int = 25) -> list[DramaName]:
        return self.index.search(query, limit)

    def close_titles(self, text: str, limit: int = 5) -> list[str]:
        return self.index.close_titles(text, limit)

    def lookup(self, text: str) -> list[int]:
        return self.index.lookup(text)

    def put(self, drama_id: int, slug: str, title: str, year: int | None, names: list[str] | None) -> None:
        """After a committed write of this process; `names` None: the drama is removed (hidden), not indexed."""
        if names is None:
            self.index.remove(drama_id)
            return
        self.index.put(drama_id, slug, title, year, names)

    def remove(self, drama_id: int) -> None:
        self.index.remove(drama_id)

    def cache_stats(self) -> dict[str, int]:
        return {"titles": len(self.index)}

"""What every process keeps in memory about the catalogue: the title index and recently read Drama rows.

Both are kept current on this process's own writes (the caller updates them after its commit), and
reloaded when another process changed the catalogue: every catalogue write bumps the `catalogue_rev`
meta value in its transaction. How a process learns of a change is the backend's business:

* SQLite: `PRAGMA data_version` on the reader says cheaply that *something* was written by another
  connection; then `catalogue_rev` says whether it was the catalogue (checked at most once a second
  on interactions, see `refresh`).
* PostgreSQL: the write also sends NOTIFY (at commit); a dedicated LISTEN connection in every process
  calls `changed()`, which reloads. After a lost LISTEN connection the backend listens again and calls
  `changed()` as well, since notifications sent meanwhile are lost.

Building the index folds, keys and sorts every name: about 2.7 s of CPU at 100,000 titles. So the index is
also stored as a snapshot (`title_index`, migration 0008) labelled with the `catalogue_rev` it reflects,
and a load whose label is the current rev reads that instead (about 0.1 s). The migration's triggers
delete the snapshot on any change to names or titles, also one made by hand that does not move the rev.
`save()` builds a snapshot from the database (not from memory, which may lag such a change); the store
calls it when it closes (the CLI after an import, the bot when it stops), for catalogues of SNAPSHOT_MIN
titles or more, when the stored one is missing or of another rev. A missing or stale snapshot costs
start-up time, never correctness.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import sqlite3
import time
from collections import OrderedDict
from collections.abc import Iterator

from bot.errors import StoreConflict, StoreUnavailable
from bot.models import Drama, DramaName
from bot.search.index import TitleIndex
from bot.store.db import Db, Tx

log = logging.getLogger(__name__)

CATALOGUE_REV = "catalogue_rev"  # meta key bumped by every catalogue write
DRAMA_CACHE = 4096  # Drama rows kept in memory at most
SNAPSHOT_MIN = 2000  # titles: smaller catalogues build their index in well under 0.1 s, no snapshot kept

# One (drama_id, slug, title, year, name) row per name, grouped by drama. SQLite returns a drama's names in
# the order they were inserted (title first); PostgreSQL needs the order said. Removed (hidden) dramas are
# left out: members never find them.
_TITLE_ROWS = {
    "sqlite": "SELECT d.id, d.slug, d.title, d.year, n.name FROM dramas d "
    "JOIN drama_names n ON n.drama_id = d.id WHERE d.hidden_at IS NULL ORDER BY d.id",
    "postgres": "SELECT d.id, d.slug, d.title, d.year, n.name FROM dramas d "
    "JOIN drama_names n ON n.drama_id = d.id WHERE d.hidden_at IS NULL ORDER BY d.id, n.id",
}


_SNAPSHOT = "SELECT rev, data FROM title_index WHERE id = 1"
_SAVE_SNAPSHOT = (
    "INSERT INTO title_index (id, rev, data) VALUES (1, ?, ?) "
    "ON CONFLICT (id) DO UPDATE SET rev = excluded.rev, data = excluded.data"
)


def build_index(rows: Iterator[tuple]) -> TitleIndex:
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
        # Drama rows next to the index, invalidated with it: a command's option transform then costs no
        # round trip. `_gen` counts invalidations, so a read that raced a write never caches what it read.
        self._dramas: OrderedDict[int, Drama] = OrderedDict()  # least recently used first
        self._gen = 0
        self.hits = self.misses = 0  # Drama cache lookups since open (cache_stats: the benchmark reads them)
        self.from_snapshot = False  # whether the last load read the stored snapshot

    async def _rev(self) -> str | None:
        row = await self._db.fetch_one("SELECT value FROM meta WHERE key = ?", (CATALOGUE_REV,))
        return row["value"] if row else None

    async def load(self) -> None:
        """Read the whole index (streamed: never all name rows at once)."""
        async with self._reload_lock:
            await self._db.others_wrote()  # what this load reads is the new baseline
            rev = await self._rev()
            index = await self._stored(rev)
            self.from_snapshot = index is not None
            if index is None:
                index = await self._db.stream(_TITLE_ROWS[self._db.dialect], build_index)
            self.forget()
            self.index, self.rev = index, rev
            # The index is most of the heap and lives until the next reload: keep the collector's full
            # passes off it (they showed as latency spikes at 100,000 titles).
            gc.freeze()

    async def _stored(self, rev: str | None) -> TitleIndex | None:
        """The stored snapshot when it is of `rev` (and of this code's format), else None."""
        row = await self._db.fetch_one(_SNAPSHOT)
        if row is None or row[0] != (rev or ""):
            return None
        return TitleIndex.from_snapshot(row[1])

    async def save(self, *, min_titles: int = 0) -> bool:
        """Store a snapshot of the catalogue's index unless the stored one is of the current rev. True if
        stored. Built from the database, not taken from memory: this process's index may lag a change
        made without the store. Skipped below `min_titles` titles, where building is quick anyway."""
        rev = await self._rev() or ""
        row = await self._db.fetch_one("SELECT rev FROM title_index WHERE id = 1")
        if (row is not None and row[0] == rev) or len(self.index) < min_titles:
            return False
        # A claim first: any change to the names or titles from here on (the migration's triggers delete
        # the row) makes the final UPDATE find nothing, so a snapshot older than the catalogue is never kept.
        claim = f"building {rev}"  # never a catalogue_rev (a number)
        await self._db.write(lambda tx: tx.execute(_SAVE_SNAPSHOT, (claim, b"")))
        data = (await self._db.stream(_TITLE_ROWS[self._db.dialect], build_index)).snapshot()

        async def store(tx: Tx) -> bool:
            now = await tx.fetch_one("SELECT value FROM meta WHERE key = ?", (CATALOGUE_REV,))
            if (now["value"] if now else "") != rev:
                return False  # the catalogue moved on meanwhile
            if data is None:
                await tx.execute("DELETE FROM title_index WHERE rev = ?", (claim,))
                return False
            done = await tx.fetch_one(
                "UPDATE title_index SET rev = ?, data = ? WHERE id = 1 AND rev = ? RETURNING id",
                (rev, data, claim),
            )
            return done is not None

        return await self._db.write(store)

    async def save_on_close(self) -> None:
        """`save()` when the store closes (catalogues of SNAPSHOT_MIN titles or more): the in-memory index is
        dropped first (nothing searches a closing store) so two are never held at once; a failure is
        logged, never raised."""
        if len(self.index) < SNAPSHOT_MIN:
            return
        self.index, titles = TitleIndex(), len(self.index)
        self.rev = None
        try:
            if await self.save():
                log.info("stored a snapshot of the title index (%d titles)", titles)
        except (sqlite3.Error, OSError, StoreUnavailable, StoreConflict) as exc:
            log.warning("could not store a snapshot of the title index: %s", exc)

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
        """Count a catalogue write (inside its transaction). When the index was current before it, it
        stays current after it (the caller updates it); otherwise another process wrote first and the
        next check reloads."""
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
        self.forget(drama_id)
        if names is None:
            self.index.remove(drama_id)
            return
        self.index.put(drama_id, slug, title, year, names)

    def remove(self, drama_id: int) -> None:
        self.forget(drama_id)
        self.index.remove(drama_id)

    def cache_stats(self) -> dict[str, int]:
        return {"drama_cache_hits": self.hits, "drama_cache_misses": self.misses,
                "drama_cache_size": len(self._dramas), "titles": len(self.index)}  # fmt: skip

    def cached(self, ids: list[int]) -> dict[int, Drama]:
        """The cached rows among `ids`, each now the most recently used."""
        found = {}
        for i in ids:
            drama = self._dramas.get(i)
            if drama is not None:
                self._dramas.move_to_end(i)
                found[i] = drama
        return found

    @property
    def generation(self) -> int:
        return self._gen

    def forget(self, drama_id: int | None = None) -> None:
        """Drop cached Drama rows (one, or all)."""
        self._gen += 1
        if drama_id is None:
            self._dramas.clear()
        else:
            self._dramas.pop(drama_id, None)

    def remember(self, dramas: dict[int, Drama], gen: int) -> None:
        if gen != self._gen:
            return  # a catalogue write happened while these were read
        for drama_id, drama in dramas.items():
            self._dramas[drama_id] = drama
            self._dramas.move_to_end(drama_id)
        while len(self._dramas) > DRAMA_CACHE:  # the least recently used go (it used to empty itself)
            self._dramas.popitem(last=False)


def save_snapshot_sqlite(conn: sqlite3.Connection) -> bool:
    """Build the index from a SQLite file's rows and store its snapshot, as `Titles.save` would: for tools
    that write the catalogue in bulk without the store (bench/generate.py). True if stored."""
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (CATALOGUE_REV,)).fetchone()
    rev = row[0] if row else ""
    data = build_index(conn.execute(_TITLE_ROWS["sqlite"])).snapshot()
    if data is None:
        return False
    with conn:
        conn.execute(_SAVE_SNAPSHOT, (rev, data))
    return True

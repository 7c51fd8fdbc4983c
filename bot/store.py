"""The async SQLite store. All SQL lives here; callers get plain dataclasses.

One writer connection, used only under an asyncio lock with `BEGIN IMMEDIATE`, so tasks
never share a half-done transaction; one read-only reader connection (WAL lets it read
while the writer writes). Both run on aiosqlite's threads. A card's few indexed reads, and a
rating batch when no other process holds the write lock, run on the event loop's thread through
two plain sqlite3 connections instead (`_read_quick`, `_rate_now`: a thread hop costs more than
they do), falling back to the threads when the database is busy. Community scores come from `rating_totals`, kept current by
triggers, so a card reads a handful of rows whatever the number of ratings.

A PostgreSQL backend will implement the same public methods.
"""

from __future__ import annotations

import asyncio
import gc
import hashlib
import json
import logging
import re
import sqlite3
import time
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from contextlib import asynccontextmanager
from dataclasses import asdict, replace
from datetime import date, datetime
from importlib import resources
from pathlib import Path

import aiosqlite

from bot.errors import SchemaTooNew, StoreUnavailable
from bot.models import (
    AuditEntry,
    Availability,
    BundleOutcome,
    CatalogueStats,
    CommunityScores,
    Drama,
    DramaName,
    Episode,
    RateResult,
    ReviewData,
    ScoreSummary,
)
from bot.search import TitleIndex, fold

log = logging.getLogger(__name__)

CATALOGUE_REV = "catalogue_rev"  # meta key bumped by every catalogue write

# A drama with its episodes and availability, as curating reads and writes it.
CatalogueRecord = tuple[Drama, tuple[Episode, ...], tuple[Availability, ...]]

DRAMA_CACHE = 4096  # Drama rows kept in memory at most (see Store._dramas)
RATE_BATCH = 256  # ratings written per transaction at most (see Store.rate)
INDEX_CHECK_INTERVAL = 1.0  # s: how stale the index may be on changes made by another process
BUSY_TIMEOUT_MS = 2000  # a locked database must still let us answer inside Discord's 3 s
QUICK_BUSY_MS = 20  # the loop-thread reader waits at most this long, then the reader's thread takes over
QUICK_CHECKPOINT_EVERY = 200  # rating batches committed on the loop's thread between two WAL checkpoints
_MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")

_DRAMA_COLUMNS = (
    "id, slug, title, episode_count, native_title, country, year, network, genres, synopsis, "
    "poster_url, critic_score, critic_summary, critic_verdict, tmdb_id, wikidata_id, imdb_id, "
    "first_air_date, status"
)


def migrations() -> list[tuple[int, str, str]]:
    """The numbered migrations shipped in bot/migrations, as (number, name, sql), in order."""
    found = []
    for item in resources.files("bot.migrations").iterdir():
        match = _MIGRATION_NAME.match(item.name)
        if match:
            found.append((int(match.group(1)), item.name, item.read_text(encoding="utf-8")))
    found.sort()
    numbers = [n for n, _, _ in found]
    if numbers != list(range(1, len(found) + 1)):
        raise RuntimeError(f"migrations must be numbered 1..N without gaps, found {numbers}")
    return found


def _unavailable(exc: BaseException) -> StoreUnavailable:
    return StoreUnavailable(f"{type(exc).__name__}: {exc}")


@asynccontextmanager
async def _translated() -> AsyncIterator[None]:
    """Turn database-level failures into StoreUnavailable; constraint errors stay bugs."""
    try:
        yield
    except sqlite3.IntegrityError:
        raise
    except (sqlite3.OperationalError, sqlite3.DatabaseError) as exc:
        raise _unavailable(exc) from exc
    except ValueError as exc:  # aiosqlite: "no active connection" after close
        if "connection" in str(exc).lower():
            raise _unavailable(exc) from exc
        raise


class UnavailableStore:
    """Stands in for the store while the database cannot be opened (corrupt, unreadable...).

    Every read and write raises StoreUnavailable, so members get the "temporarily unavailable"
    answer; autocomplete offers nothing. `bot/__main__.py` keeps trying to open the real store.
    """

    closed = False

    def __init__(self, reason: str) -> None:
        self.reason = reason

    def search_titles(self, query: str, limit: int = 25) -> list[DramaName]:
        return []

    def close_titles(self, text: str, limit: int = 5) -> list[str]:
        return []

    async def refresh_index(self, *, max_age: float = 0.0) -> bool:
        return False

    def cache_stats(self) -> dict[str, int]:
        return {}

    async def close(self) -> None:
        return None

    def __getattr__(self, name: str):
        if name.startswith("_"):
            raise AttributeError(name)

        async def unavailable(*args, **kwargs):
            raise StoreUnavailable(f"the database could not be opened: {self.reason}")

        return unavailable


class Store:
    """Open with `await Store.open(path)`, close with `await store.close()`."""

    def __init__(self, path: Path, writer: aiosqlite.Connection, reader: aiosqlite.Connection) -> None:
        self.path = path
        self._writer = writer
        self._reader = reader
        self._write_lock = asyncio.Lock()
        self._index = TitleIndex()
        self._closed = False
        self._rate_queue: list[tuple[tuple, asyncio.Future[RateResult]]] = []  # see rate()
        self._rate_flusher: asyncio.Task[None] | None = None
        # Another process (the catalogue CLI) may change the catalogue while the bot runs: the
        # reader's PRAGMA data_version tells cheaply that something changed, and the
        # `catalogue_rev` meta value whether it was the catalogue (then the index is reloaded).
        self._data_version: int | None = None
        self._catalogue_rev: str | None = None
        self._checked_at = float("-inf")  # time.monotonic() of the last data_version check
        # Drama rows kept in memory next to the title index and invalidated with it: a command's
        # option transform then costs no database round trip. `_drama_gen` counts invalidations so
        # a read that raced a write never caches what it read before the write.
        self._dramas: dict[int, Drama] = {}
        self._drama_gen = 0
        self._drama_hits = self._drama_misses = 0  # counted for cache_stats() (the benchmark reads them)
        # A card's few indexed reads run right on the event loop's thread through this plain sqlite3
        # connection (see _read_quick): a hop to aiosqlite's thread costs more than the reads.
        self._quick: sqlite3.Connection | None = None
        # Likewise a rating batch, when no other process holds the write lock (see _flush_ratings).
        self._quick_writer: sqlite3.Connection | None = None
        self._quick_commits = 0
        self._checkpointer: asyncio.Task[None] | None = None

    # ---- lifetime ----------------------------------------------------------------
    @classmethod
    async def open(cls, path: Path | str) -> Store:
        """Open (creating folders and file as needed), migrate, and load the title index."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        writer = reader = None
        try:
            writer = await aiosqlite.connect(path, isolation_level=None)
            await cls._configure(writer)
            await cls._migrate(writer)  # first: a too-new database must be left byte-for-byte as it was
            await cls._pragma(writer, "PRAGMA journal_mode = WAL")
            reader = await aiosqlite.connect(path, isolation_level=None)
            await cls._configure(reader)
            await cls._pragma(reader, "PRAGMA query_only = ON")
            store = cls(path, writer, reader)
            store._quick = _quick_reader(path)
            store._quick_writer = _quick_writer(path)
            await store._load_index()
            return store
        except BaseException:
            for conn in (reader, writer):
                if conn is not None:
                    await conn.close()
            raise

    @staticmethod
    async def _pragma(conn: aiosqlite.Connection, sql: str) -> None:
        """Run a PRAGMA to completion: a statement left open would keep holding a lock."""
        async with conn.execute(sql) as cur:
            await cur.fetchall()

    @classmethod
    async def _configure(cls, conn: aiosqlite.Connection) -> None:
        conn.row_factory = sqlite3.Row
        await cls._pragma(conn, f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        await cls._pragma(conn, "PRAGMA foreign_keys = ON")
        await cls._pragma(conn, "PRAGMA synchronous = NORMAL")

    @staticmethod
    async def _migrate(conn: aiosqlite.Connection) -> None:
        known = migrations()
        async with conn.execute("PRAGMA user_version") as cur:
            (current,) = await cur.fetchone()
        if current > len(known):
            raise SchemaTooNew(
                f"the database is at schema version {current} but this dramabot knows only up to "
                f"{len(known)}: upgrade dramabot, or point DATABASE_URL at another file"
            )
        for number, name, sql in known[current:]:
            log.info("applying migration %s", name)
            try:
                await conn.executescript(f"BEGIN IMMEDIATE;\n{sql}\nPRAGMA user_version = {number};\nCOMMIT;")
            except BaseException:
                if conn.in_transaction:
                    await conn.rollback()
                raise

    async def close(self) -> None:
        if self._closed:
            return
        for task in (self._rate_flusher, self._checkpointer):
            if task is not None and not task.done():
                await asyncio.wait([task])  # ratings already queued are written first
        self._closed = True
        async with self._write_lock:
            for quick in (self._quick, self._quick_writer):
                if quick is not None:
                    quick.close()
            for conn in (self._reader, self._writer):
                try:
                    await conn.close()
                except Exception:  # closing must not stop the other connection closing
                    log.exception("closing a database connection failed")

    @property
    def closed(self) -> bool:
        return self._closed

    def cache_stats(self) -> dict[str, int]:
        """Counters of the in-memory Drama cache since open: for the log (SIGUSR1) and the benchmark."""
        return {"drama_cache_hits": self._drama_hits, "drama_cache_misses": self._drama_misses,
                "drama_cache_size": len(self._dramas), "titles": len(self._index)}  # fmt: skip

    # ---- plumbing ----------------------------------------------------------------
    @asynccontextmanager
    async def _write(self) -> AsyncIterator[aiosqlite.Connection]:
        """One serialised write transaction: BEGIN IMMEDIATE under the lock, COMMIT or ROLLBACK."""
        async with self._write_lock, _translated():
            if self._closed:
                raise StoreUnavailable("the store is closed")
            await self._writer.execute("BEGIN IMMEDIATE")
            try:
                yield self._writer
            except BaseException:
                if self._writer.in_transaction:
                    await self._writer.rollback()
                raise
            else:
                await self._writer.commit()

    async def _read_all(self, sql: str, params: Iterable = ()) -> list[sqlite3.Row]:
        async with _translated():
            if self._closed:
                raise StoreUnavailable("the store is closed")
            return list(await self._reader.execute_fetchall(sql, tuple(params)))

    async def _read_with(self, fn: Callable, *args):  # noqa: ANN202 - fn's own result
        """Run `fn(conn, *args)` on the reader's thread: several queries for one thread hop."""
        async with _translated():
            if self._closed:
                raise StoreUnavailable("the store is closed")
            return await self._reader._execute(_on_reader, self._reader, fn, *args)

    async def _read_quick(self, fn: Callable, *args):  # noqa: ANN202 - fn's own result
        """Run `fn(conn, *args)` here, on the event loop's thread: for a card's few indexed reads only.

        They take 20-150 us; a hop to the reader's thread and back costs more than that in thread
        wake-ups alone (about 200 us of CPU per hop on a 2-core VM: docs/performance.md). A WAL reader
        does not wait for the writer; if the database is busy anyway (or the read fails), the
        reader's thread does it, with the full busy timeout and the usual error translation.
        """
        if self._closed:
            raise StoreUnavailable("the store is closed")
        if self._quick is not None:
            try:
                return fn(self._quick, *args)
            except sqlite3.IntegrityError:
                raise
            except sqlite3.DatabaseError as exc:  # OperationalError (busy, locked) included
                log.debug("quick read failed (%s): retrying on the reader's thread", exc)
        return await self._read_with(fn, *args)

    def _forget_dramas(self, drama_id: int | None = None) -> None:
        """Drop cached Drama rows (one, or all): called wherever the title index changes."""
        self._drama_gen += 1
        if drama_id is None:
            self._dramas.clear()
        else:
            self._dramas.pop(drama_id, None)

    def _remember(self, dramas: dict[int, Drama], gen: int) -> None:
        if gen != self._drama_gen:
            return  # a catalogue write happened while these were read
        if len(self._dramas) + len(dramas) > DRAMA_CACHE:
            self._dramas.clear()
        self._dramas.update(dramas)

    async def _read_one(self, sql: str, params: Iterable = ()) -> sqlite3.Row | None:
        rows = await self._read_all(sql, params)
        return rows[0] if rows else None

    async def _load_index(self) -> None:
        self._data_version = await self._reader_data_version()
        self._catalogue_rev = await self.get_meta(CATALOGUE_REV)
        # Built on the reader's thread from streamed rows: never all 240,000 name rows at once.
        index = await self._read_with(_title_index)
        self._forget_dramas()
        self._index = index
        # The index is most of the heap and lives until the next reload: keep the collector's
        # full passes off it (they showed as latency spikes at 100,000 titles).
        gc.freeze()

    async def _reader_data_version(self) -> int:
        row = await self._read_one("PRAGMA data_version")
        return row[0]

    async def refresh_index(self, *, max_age: float = 0.0) -> bool:
        """Reload the title index when another process changed the catalogue. Cheap when nothing did.

        With `max_age`, the database is asked only when it was last asked at least that many
        seconds ago (interactions and autocomplete keystrokes pass 1 s: a round trip each saved).
        """
        now = time.monotonic()
        if max_age > 0 and now - self._checked_at < max_age:
            return False
        self._checked_at = now
        version = await self._reader_data_version()
        if version == self._data_version:
            return False
        self._data_version = version
        rev = await self.get_meta(CATALOGUE_REV)
        if rev == self._catalogue_rev:
            return False
        log.info("the catalogue changed in another process: reloading the title index")
        await self._load_index()
        return True

    # ---- catalogue reads ---------------------------------------------------------
    def search_titles(self, query: str, limit: int = 25) -> list[DramaName]:
        """Autocomplete matches, best first. In memory: safe on every keystroke."""
        return self._index.search(query, limit)

    def close_titles(self, text: str, limit: int = 5) -> list[str]:
        """Titles resembling `text`, for "did you mean" answers."""
        return self._index.close_titles(text, limit)

    async def find_dramas(self, text: str) -> list[Drama]:
        """Dramas whose slug or one of whose names equals `text` (case-insensitive)."""
        await self.refresh_index(max_age=INDEX_CHECK_INTERVAL)
        ids = self._index.lookup(text)
        found = await self._get_dramas(ids)
        return [found[i] for i in ids if i in found]

    async def get_drama(self, drama_id: int) -> Drama | None:
        return (await self._get_dramas([drama_id])).get(drama_id)

    async def _get_dramas(self, ids: list[int]) -> dict[int, Drama]:
        """Dramas by id, from memory when cached, the rest in one round trip."""
        found = {i: self._dramas[i] for i in ids if i in self._dramas}
        missing = [i for i in ids if i not in found]
        self._drama_hits += len(found)
        self._drama_misses += len(missing)
        if missing:
            gen = self._drama_gen
            read = await self._read_quick(_dramas_in, missing)
            self._remember(read, gen)
            found.update(read)
        return found

    async def episodes(self, drama_id: int) -> tuple[Episode, ...]:
        return await self._read_quick(_episodes_in, drama_id)

    async def availability(self, drama_id: int) -> tuple[Availability, ...]:
        return await self._read_quick(_availability_in, drama_id)

    async def community_scores(self, drama_id: int, guild_id: int | None) -> CommunityScores:
        return await self._read_quick(_scores_in, drama_id, guild_id)

    async def review(self, drama: Drama | int, guild_id: int | None) -> ReviewData | None:
        """Everything the /review card needs, in one call (a Drama from a transform, or only its id),
        read on the loop's thread: no hop to the reader's thread (see `_read_quick`)."""
        if isinstance(drama, int):
            drama = await self.get_drama(drama)
            if drama is None:
                return None
        return await self._read_quick(_review_in, drama, guild_id)

    async def stats(self) -> CatalogueStats:
        row = await self._read_one(
            "SELECT (SELECT count(*) FROM dramas) AS d, (SELECT count(*) FROM episodes) AS e, "
            "(SELECT count(*) FROM availability) AS a, (SELECT count(*) FROM ratings) AS r"
        )
        return CatalogueStats(row["d"], row["e"], row["a"], row["r"])

    # ---- ratings -----------------------------------------------------------------
    async def rate(
        self, *, user_id: int, guild_id: int | None, drama_id: int, score: float, episode: int | None = None
    ) -> RateResult:
        """Add or replace one member's score (0.5..5 in 0.5 steps) for a drama or one episode.

        Group commit: concurrent calls queue up and are written together, one transaction per
        batch, run in one step on the writer's thread (a burst of ratings costs a handful of
        commits, not one per member). Each caller returns only once its batch has committed; a
        batch-wide failure (locked, read-only, full) fails every caller in it with StoreUnavailable,
        a bad request (unknown drama, episode out of range) fails only its own caller.
        """
        halves = score * 2
        if not (1 <= halves <= 10) or halves != int(halves):
            raise ValueError(f"score must be 0.5..5 in steps of 0.5, got {score!r}")
        if self._closed:
            raise StoreUnavailable("the store is closed")
        future: asyncio.Future[RateResult] = asyncio.get_running_loop().create_future()
        self._rate_queue.append(((user_id, guild_id, drama_id, int(halves), episode), future))
        if self._rate_flusher is None or self._rate_flusher.done():
            self._rate_flusher = asyncio.create_task(self._flush_ratings(), name="store-rate-batches")
        return await future

    async def _flush_ratings(self) -> None:
        while self._rate_queue:
            batch = self._rate_queue[:RATE_BATCH]
            del self._rate_queue[:RATE_BATCH]
            try:
                async with self._write_lock, _translated():
                    if self._closed:
                        raise StoreUnavailable("the store is closed")
                    requests = [request for request, _ in batch]
                    outcomes = self._rate_now(requests)
                    if outcomes is None:
                        # Another process holds the write lock: aiosqlite's worker thread waits for it
                        # (busy timeout) and runs the whole batch: one hop, not ~6 per rating.
                        outcomes = await self._writer._execute(_rate_batch, self._writer._conn, requests)
            except BaseException as exc:
                if isinstance(exc, StoreUnavailable):
                    # Those queued while this batch waited out the busy timeout would only wait it out
                    # again and answer after Discord's 3 s: they fail now, with the same clear answer.
                    batch += self._rate_queue
                    self._rate_queue.clear()
                for _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                if isinstance(exc, asyncio.CancelledError):
                    raise
                continue
            for (_, future), outcome in zip(batch, outcomes, strict=True):
                if future.done():  # the caller went away; its rating is stored all the same
                    continue
                if isinstance(outcome, BaseException):
                    future.set_exception(outcome)
                else:
                    future.set_result(outcome)

    def _rate_now(self, requests: list[tuple]) -> list[RateResult | Exception] | None:
        """The batch on the event loop's thread when the write lock is free at once (None when not).

        A batch of a few ratings takes 50-300 us; the hop to the writer's thread cost about 350 us of
        CPU in wake-ups (profile in docs/performance.md). With WAL and synchronous=NORMAL a commit does
        not wait for the disk; checkpoints (which do) run on the writer's thread (_checkpoint).
        """
        conn = self._quick_writer
        if conn is None:
            return None
        try:
            conn.execute("BEGIN IMMEDIATE")  # busy timeout 0: never waits here
        except sqlite3.OperationalError:
            return None
        outcomes = _rate_batch(conn, requests, begun=True)
        self._quick_commits += 1
        if self._quick_commits >= QUICK_CHECKPOINT_EVERY:
            self._quick_commits = 0
            self._checkpointer = asyncio.create_task(self._checkpoint(), name="store-checkpoint")
        return outcomes

    async def _checkpoint(self) -> None:
        """A passive WAL checkpoint on the writer's thread (the loop-thread writer does none itself)."""
        try:
            async with self._write_lock, _translated():
                if not self._closed:
                    await self._writer._execute(_checkpoint_passive, self._writer._conn)
        except StoreUnavailable as exc:
            log.warning("WAL checkpoint failed: %s", exc)

    async def user_rating(self, *, user_id: int, drama_id: int, episode: int | None = None) -> float | None:
        row = await self._read_one(
            "SELECT halves FROM ratings WHERE drama_id = ? AND episode = ? AND user_id = ?",
            (drama_id, episode or 0, user_id),
        )
        return row["halves"] / 2 if row else None

    # ---- catalogue writes --------------------------------------------------------
    async def upsert_drama(
        self,
        drama: Drama,
        episodes: Iterable[Episode] = (),
        availability: Iterable[Availability] = (),
    ) -> tuple[int, bool]:
        """Insert or update a drama by slug, replacing its names, episodes and availability.

        `drama.id` is ignored. Returns (id, created). Ratings are kept; episode ratings past a
        shortened run are removed with their episodes' numbers.
        """
        async with self._write() as db:
            drama_id, created, names = await self._upsert_in(db, drama, tuple(episodes), tuple(availability))
            await self._bump_catalogue_rev(db)
        # Committed: now the in-memory index may show it.
        self._forget_dramas(drama_id)
        self._index.put(drama_id, drama.slug, drama.title, drama.year, names)
        return drama_id, created

    async def upsert_entries(
        self, entries: Iterable[tuple[Drama, Iterable[Episode], Iterable[Availability]]]
    ) -> list[tuple[str, str]]:
        """Upsert many dramas by slug in ONE transaction: all or nothing.

        Returns (slug, outcome) per entry, outcome one of "added", "changed", "unchanged";
        unchanged entries are not written at all.
        """
        outcomes: list[tuple[str, str]] = []
        indexed: list[tuple[int, Drama, list[str]]] = []
        async with self._write() as db:
            for drama, episodes, availability in entries:
                episodes, availability = tuple(episodes), tuple(availability)
                stored = await self._record_in(db, drama.slug)
                if stored is not None and _stored_comparable(stored) == _comparable(drama, episodes, availability):
                    outcomes.append((drama.slug, "unchanged"))
                    continue
                drama_id, created, names = await self._upsert_in(db, drama, episodes, availability)
                indexed.append((drama_id, drama, names))
                outcomes.append((drama.slug, "added" if created else "changed"))
            if indexed:
                await self._bump_catalogue_rev(db)
        for drama_id, drama, names in indexed:
            self._forget_dramas(drama_id)
            self._index.put(drama_id, drama.slug, drama.title, drama.year, names)
        return outcomes

    async def apply_bundle(self, records: list[CatalogueRecord], digest: str, legacy: Iterable[str] = ()) -> BundleOutcome:
        """Bring the bundled catalogue (bot/data) into this database in ONE transaction.

        New bundled dramas are added; a bundled drama nobody changed since it was loaded takes the
        newer bundle's version; one a curator or the CLI changed is kept as it is, and one that was
        removed stays removed (`bundled_dramas` remembers what was loaded, with its digest; a
        /catalogue removal in the audit table counts too). `legacy`: slugs an older dramabot loaded
        before it tracked them. Runs on the writer's thread in one hop; the index is reloaded after.
        """
        async with self._write_lock, _translated():
            if self._closed:
                raise StoreUnavailable("the store is closed")
            # aiosqlite logs each call with its arguments at DEBUG: the records go in a list with a short repr
            batch = _Records(records)
            outcome = await self._writer._execute(_apply_bundle, self._writer._conn, batch, digest, tuple(legacy))
        if outcome.added or outcome.updated:
            await self._load_index()
        return outcome

    async def catalogue_entries(self) -> list[tuple[Drama, tuple[Episode, ...], tuple[Availability, ...]]]:
        """The whole catalogue (not ratings), in the order dramas were added: for export."""
        rows = await self._read_all("SELECT id FROM dramas ORDER BY id")
        out = []
        for row in rows:
            drama = await self.get_drama(row["id"])
            if drama is not None:
                out.append((drama, await self.episodes(drama.id), await self.availability(drama.id)))
        return out

    async def drama_by_slug(self, slug: str) -> Drama | None:
        row = await self._read_one("SELECT id FROM dramas WHERE slug = ?", (slug,))
        return await self.get_drama(row["id"]) if row else None

    async def _bump_catalogue_rev(self, db: aiosqlite.Connection) -> None:
        """Count a catalogue write. When the index was current before it, it stays current after it
        (the caller updates it); otherwise another process wrote first and the next
        `refresh_index` reloads."""
        async with db.execute("SELECT value FROM meta WHERE key = ?", (CATALOGUE_REV,)) as cur:
            row = await cur.fetchone()
        old = row[0] if row else None
        new = str(int(old or 0) + 1)
        await db.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (CATALOGUE_REV, new),
        )
        if old == self._catalogue_rev:
            self._catalogue_rev = new

    @staticmethod
    async def _upsert_in(
        db: aiosqlite.Connection,
        drama: Drama,
        episodes: tuple[Episode, ...],
        availability: tuple[Availability, ...],
    ) -> tuple[int, bool, list[str]]:
        """The upsert inside an open write transaction: (id, created, the names to index)."""
        values = (
            drama.slug, drama.title, drama.native_title, drama.country, drama.year, drama.episode_count,
            drama.network, json.dumps(list(drama.genres), ensure_ascii=False), drama.synopsis,
            drama.poster_url, drama.critic_score, drama.critic_summary, drama.critic_verdict, drama.tmdb_id,
            drama.wikidata_id, drama.imdb_id,
            drama.first_air_date.isoformat() if drama.first_air_date else None, drama.status,
        )  # fmt: skip
        async with db.execute("SELECT id FROM dramas WHERE slug = ?", (drama.slug,)) as cur:
            existing = await cur.fetchone()
        if existing is None:
            async with db.execute(
                "INSERT INTO dramas (slug, title, native_title, country, year, episode_count, network, "
                "genres, synopsis, poster_url, critic_score, critic_summary, critic_verdict, tmdb_id, "
                "wikidata_id, imdb_id, first_air_date, status) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                values,
            ) as cur:
                drama_id = (await cur.fetchone())[0]
        else:
            drama_id = existing[0]
            await db.execute(
                "UPDATE dramas SET slug = ?, title = ?, native_title = ?, country = ?, year = ?, "
                "episode_count = ?, network = ?, genres = ?, synopsis = ?, poster_url = ?, "
                "critic_score = ?, critic_summary = ?, critic_verdict = ?, tmdb_id = ?, "
                "wikidata_id = ?, imdb_id = ?, first_air_date = ?, status = ?, "
                "updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = ?",
                (*values, drama_id),
            )
            for table in ("drama_names", "episodes", "availability"):
                await db.execute(f"DELETE FROM {table} WHERE drama_id = ?", (drama_id,))
            await db.execute(
                "DELETE FROM ratings WHERE drama_id = ? AND episode > ?", (drama_id, drama.episode_count)
            )
        names = _names(drama)
        for kind, name in names:
            await db.execute(
                "INSERT INTO drama_names (drama_id, kind, name, folded) VALUES (?, ?, ?, ?)",
                (drama_id, kind, name, fold(name)),
            )
        await db.executemany(
            "INSERT INTO episodes (drama_id, number, critic_score, title, note) VALUES (?, ?, ?, ?, ?)",
            [(drama_id, e.number, e.critic_score, e.title, e.note) for e in episodes],
        )
        await db.executemany(
            "INSERT INTO availability (drama_id, service, kind, regions, url, checked_on) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [
                (drama_id, a.service, a.kind, ",".join(a.regions), a.url,
                 a.checked_on.isoformat() if a.checked_on else None)
                for a in availability
            ],
        )  # fmt: skip
        return drama_id, existing is None, [n for _, n in names]

    # ---- TMDB ---------------------------------------------------------------------------
    async def drama_by_tmdb_id(self, tmdb_id: int) -> Drama | None:
        row = await self._read_one("SELECT id FROM dramas WHERE tmdb_id = ?", (tmdb_id,))
        return await self.get_drama(row["id"]) if row else None

    async def linked_dramas(self, *, airing_only: bool = False) -> list[Drama]:
        """Dramas linked to a TMDB series, in the order added (for the TMDB refresh); `airing_only`:
        those not known to have ended."""
        airing = " AND (status IS NULL OR status != 'ended')" if airing_only else ""
        rows = await self._read_all(f"SELECT id FROM dramas WHERE tmdb_id IS NOT NULL{airing} ORDER BY id")
        dramas = [d for d in [await self.get_drama(r["id"]) for r in rows] if d is not None]
        return dramas

    async def tmdb_ids_present(self, tmdb_ids: Iterable[int]) -> set[int]:
        """Which of these TMDB series are already in the catalogue (one query)."""
        ids = [i for i in tmdb_ids if isinstance(i, int)][:100]
        if not ids:
            return set()
        rows = await self._read_all(
            f"SELECT tmdb_id FROM dramas WHERE tmdb_id IN ({','.join('?' * len(ids))})", ids
        )
        return {r["tmdb_id"] for r in rows}

    async def cached_providers(self, drama_id: int) -> tuple[datetime, dict] | None:
        """TMDB watch providers stored for a drama: (fetched at, data), or None."""
        row = await self._read_one("SELECT fetched_at, body FROM tmdb_providers WHERE drama_id = ?", (drama_id,))
        if row is None:
            return None
        try:
            return datetime.fromisoformat(row["fetched_at"]), json.loads(row["body"])
        except ValueError:
            log.warning("ignoring a malformed provider cache row for drama %s", drama_id)
            return None

    async def store_providers(self, drama_id: int, tmdb_id: int, fetched_at: datetime, data: dict) -> None:
        async with self._write() as db:
            await db.execute(
                "INSERT INTO tmdb_providers (drama_id, tmdb_id, fetched_at, body) "
                "SELECT id, ?, ?, ? FROM dramas WHERE id = ? "
                "ON CONFLICT (drama_id) DO UPDATE SET tmdb_id = excluded.tmdb_id, "
                "fetched_at = excluded.fetched_at, body = excluded.body",
                (tmdb_id, fetched_at.isoformat(), json.dumps(data, ensure_ascii=False), drama_id),
            )

    # ---- curating, with the audit trail ----------------------------------------------
    async def curate(
        self,
        slug: str,
        change: Callable[[CatalogueRecord | None], CatalogueRecord | None],
        *,
        action: str,
        actor_id: int,
        actor_name: str | None,
        guild_id: int | None,
    ) -> tuple[CatalogueRecord | None, CatalogueRecord | None]:
        """Read-modify-write one drama in ONE transaction, and record it in the audit table.

        `change` gets the drama as stored (None when there is no such slug) and returns the new
        record (None: remove the drama, its episodes, availability and ratings). An exception
        from `change` rolls everything back. Returns (before, after).
        """
        async with self._write() as db:
            before = await self._record_in(db, slug)
            after = change(before)
            if after is None and before is None:
                return None, None
            if after is None:
                await db.execute("DELETE FROM dramas WHERE id = ?", (before[0].id,))
                names: list[str] = []
                drama_id = before[0].id
            else:
                if before is None and await self._record_in(db, after[0].slug) is not None:
                    raise ValueError(f"slug {after[0].slug!r} is taken")
                drama_id, _created, names = await self._upsert_in(db, *after)
                after = (replace(after[0], id=drama_id), after[1], after[2])
            await self._audit_in(db, action, actor_id, actor_name, guild_id, slug, _snapshot(before), _snapshot(after))
            await self._bump_catalogue_rev(db)
        self._forget_dramas(drama_id)
        if after is None:
            self._index.remove(drama_id)
        else:
            self._index.put(drama_id, after[0].slug, after[0].title, after[0].year, names)
        return before, after

    async def curator_role(self, guild_id: int) -> int | None:
        row = await self._read_one("SELECT curator_role_id FROM guild_settings WHERE guild_id = ?", (guild_id,))
        return row["curator_role_id"] if row else None

    async def set_curator_role(
        self, guild_id: int, role_id: int | None, *, actor_id: int, actor_name: str | None
    ) -> int | None:
        """Set (or clear, with None) a server's curator role; audited. Returns the previous role."""
        async with self._write() as db:
            async with db.execute(
                "SELECT curator_role_id FROM guild_settings WHERE guild_id = ?", (guild_id,)
            ) as cur:
                row = await cur.fetchone()
            previous = row["curator_role_id"] if row else None
            await db.execute(
                "INSERT INTO guild_settings (guild_id, curator_role_id) VALUES (?, ?) "
                "ON CONFLICT (guild_id) DO UPDATE SET curator_role_id = excluded.curator_role_id",
                (guild_id, role_id),
            )
            await self._audit_in(
                db, "curators", actor_id, actor_name, guild_id, f"guild:{guild_id}",
                json.dumps({"curator_role_id": previous}), json.dumps({"curator_role_id": role_id}),
            )  # fmt: skip
        return previous

    async def audit_log(self, limit: int = 50, subject: str | None = None) -> list[AuditEntry]:
        """Catalogue changes, newest first."""
        where, params = ("WHERE subject = ?", (subject,)) if subject else ("", ())
        rows = await self._read_all(
            "SELECT id, at, actor_id, actor_name, guild_id, action, subject, before, after "
            f"FROM catalogue_audit {where} ORDER BY id DESC LIMIT ?",
            (*params, limit),
        )
        return [AuditEntry(**dict(r)) for r in rows]

    @staticmethod
    async def _audit_in(
        db: aiosqlite.Connection, action: str, actor_id: int, actor_name: str | None, guild_id: int | None,
        subject: str, before: str | None, after: str | None,
    ) -> None:  # fmt: skip
        await db.execute(
            "INSERT INTO catalogue_audit (actor_id, actor_name, guild_id, action, subject, before, after) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (actor_id, actor_name, guild_id, action, subject, before, after),
        )

    @staticmethod
    async def _record_in(db: aiosqlite.Connection, slug: str) -> CatalogueRecord | None:
        """A drama with its episodes and availability, read inside the write transaction."""
        async with db.execute(f"SELECT {_DRAMA_COLUMNS} FROM dramas WHERE slug = ?", (slug,)) as cur:
            row = await cur.fetchone()
        if row is None:
            return None
        async with db.execute(
            "SELECT name FROM drama_names WHERE drama_id = ? AND kind = 'alias' ORDER BY rowid", (row["id"],)
        ) as cur:
            aliases = tuple(r["name"] for r in await cur.fetchall())
        async with db.execute(
            "SELECT number, critic_score, title, note FROM episodes WHERE drama_id = ? ORDER BY number",
            (row["id"],),
        ) as cur:
            episodes = tuple(Episode(r["number"], r["critic_score"], r["title"], r["note"]) for r in await cur.fetchall())
        async with db.execute(
            "SELECT service, kind, regions, url, checked_on FROM availability WHERE drama_id = ? "
            "ORDER BY service COLLATE NOCASE, kind",
            (row["id"],),
        ) as cur:
            availability = tuple(_availability(r) for r in await cur.fetchall())
        return _drama(row, aliases), episodes, availability

    # ---- bot state ---------------------------------------------------------------
    async def get_meta(self, key: str) -> str | None:
        row = await self._read_one("SELECT value FROM meta WHERE key = ?", (key,))
        return row["value"] if row else None

    async def set_meta(self, key: str, value: str) -> None:
        async with self._write() as db:
            await db.execute(
                "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, value),
            )

    # ---- maintenance -------------------------------------------------------------
    async def integrity_check(self) -> str:
        row = await self._read_one("PRAGMA integrity_check")
        return row[0]

    async def backup(self, target: Path | str) -> None:
        """A consistent online copy, taken while the bot keeps writing."""
        if self._closed:  # the copy opens its own connection, so check like every other call
            raise StoreUnavailable("the store is closed")
        target = Path(target)
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.exists():
            raise FileExistsError(f"{target} exists; choose a new file")
        def copy() -> None:
            # The backup API in one step copies a single consistent snapshot (WAL lets
            # the writer go on meanwhile); the copy is a plain rollback-journal database.
            src = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000)
            dst = sqlite3.connect(target)
            try:
                src.backup(dst, pages=-1)
                dst.execute("PRAGMA journal_mode = DELETE")
            finally:
                dst.close()
                src.close()

        async with _translated():
            await asyncio.to_thread(copy)

def _title_index(db: sqlite3.Connection) -> TitleIndex:
    """The title index, read in batches: one (drama_id, slug, title, year, names) row per drama."""
    cur = db.cursor()
    cur.row_factory = None  # plain tuples: sqlite3.Row costs more per row
    cur.execute(
        "SELECT d.id, d.slug, d.title, d.year, n.name FROM dramas d "
        "JOIN drama_names n ON n.drama_id = d.id ORDER BY d.id"
    )

    def dramas() -> Iterator[tuple[int, str, str, int | None, list[str]]]:
        current: tuple[int, str, str, int | None, list[str]] | None = None
        while batch := cur.fetchmany(2000):
            for drama_id, slug, title, year, name in batch:
                if current is None or current[0] != drama_id:
                    if current is not None:
                        yield current
                    current = (drama_id, slug, title, year, [])
                current[4].append(name)
        if current is not None:
            yield current

    index = TitleIndex()
    try:
        index.load(dramas())
    finally:
        cur.close()
    return index


def _quick_reader(path: Path) -> sqlite3.Connection:
    """The loop-thread reader: read-only, autocommit, a short busy timeout (Store._read_quick)."""
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    try:
        conn.row_factory = sqlite3.Row
        conn.execute(f"PRAGMA busy_timeout = {QUICK_BUSY_MS}")
        conn.execute("PRAGMA query_only = ON")
    except BaseException:
        conn.close()
        raise
    return conn


def _on_reader(conn: aiosqlite.Connection, fn: Callable, *args):  # noqa: ANN202
    """On the reader's thread: `fn` with the underlying sqlite3 connection."""
    return fn(conn._conn, *args)


def _dramas_in(db: sqlite3.Connection, ids: list[int]) -> dict[int, Drama]:
    marks = ",".join("?" * len(ids))
    rows = db.execute(f"SELECT {_DRAMA_COLUMNS} FROM dramas WHERE id IN ({marks})", ids).fetchall()
    aliases: dict[int, list[str]] = {}
    for drama_id, name in db.execute(
        f"SELECT drama_id, name FROM drama_names WHERE drama_id IN ({marks}) AND kind = 'alias' ORDER BY rowid", ids
    ):
        aliases.setdefault(drama_id, []).append(name)
    return {r["id"]: _drama(r, tuple(aliases.get(r["id"], ()))) for r in rows}


def _episodes_in(db: sqlite3.Connection, drama_id: int) -> tuple[Episode, ...]:
    rows = db.execute(
        "SELECT number, critic_score, title, note FROM episodes WHERE drama_id = ? ORDER BY number", (drama_id,)
    ).fetchall()
    return tuple(Episode(r["number"], r["critic_score"], r["title"], r["note"]) for r in rows)


def _availability_in(db: sqlite3.Connection, drama_id: int) -> tuple[Availability, ...]:
    rows = db.execute(
        "SELECT service, kind, regions, url, checked_on FROM availability WHERE drama_id = ? "
        "ORDER BY service COLLATE NOCASE, kind",
        (drama_id,),
    ).fetchall()
    return tuple(_availability(r) for r in rows)


def _scores_in(db: sqlite3.Connection, drama_id: int, guild_id: int | None) -> CommunityScores:
    rows = db.execute(
        "SELECT scope, episode, n, halves FROM rating_totals WHERE drama_id = ? AND scope IN (0, ?)",
        (drama_id, guild_id or 0),
    ).fetchall()
    server, everyone = ScoreSummary(), ScoreSummary()
    server_eps: dict[int, ScoreSummary] = {}
    everyone_eps: dict[int, ScoreSummary] = {}
    for r in rows:
        summary = ScoreSummary(r["n"], r["halves"])
        if summary.count <= 0:
            continue
        is_server = guild_id is not None and r["scope"] == guild_id
        if r["episode"] == 0:
            if is_server:
                server = summary
            else:
                everyone = summary
        else:
            (server_eps if is_server else everyone_eps)[r["episode"]] = summary
    return CommunityScores(server, everyone, server_eps, everyone_eps)


def _review_in(db: sqlite3.Connection, drama: Drama, guild_id: int | None) -> ReviewData | None:
    """A review card's rows in one go on the reader's thread (None: the drama was just removed)."""
    if db.execute("SELECT 1 FROM dramas WHERE id = ?", (drama.id,)).fetchone() is None:
        return None
    return ReviewData(
        drama=drama,
        episodes=_episodes_in(db, drama.id),
        availability=_availability_in(db, drama.id),
        scores=_scores_in(db, drama.id, guild_id),
        in_guild=guild_id is not None,
    )


def _checkpoint_passive(conn: sqlite3.Connection) -> None:
    conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()


def _rate_batch(
    conn: sqlite3.Connection, requests: list[tuple], begun: bool = False
) -> list[RateResult | Exception]:
    """One transaction (already begun when `begun`); each request in a savepoint of its own."""
    if not begun:
        conn.execute("BEGIN IMMEDIATE")
    try:
        outcomes: list[RateResult | Exception] = []
        for request in requests:
            conn.execute("SAVEPOINT rate_one")
            try:
                outcomes.append(_rate_one(conn, *request))
            except (LookupError, ValueError, sqlite3.IntegrityError) as exc:
                conn.execute("ROLLBACK TO rate_one")
                outcomes.append(exc)
            conn.execute("RELEASE rate_one")
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    return outcomes


def _quick_writer(path: Path) -> sqlite3.Connection:
    """The loop-thread writer for rating batches: never waits for a lock, never checkpoints (_rate_now)."""
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    try:
        conn.row_factory = sqlite3.Row
        pragmas = ("busy_timeout = 0", "foreign_keys = ON", "synchronous = NORMAL", "wal_autocheckpoint = 0")
        for pragma in pragmas:
            conn.execute(f"PRAGMA {pragma}").fetchall()
    except BaseException:
        conn.close()
        raise
    return conn


def _rate_one(
    db: sqlite3.Connection, user_id: int, guild_id: int | None, drama_id: int, halves: int, episode: int | None
) -> RateResult:
    """One rating inside the batch's transaction (synchronous: runs on the writer's thread)."""
    ep = episode or 0
    drama_row = db.execute(f"SELECT {_DRAMA_COLUMNS} FROM dramas WHERE id = ?", (drama_id,)).fetchone()
    if drama_row is None:
        raise LookupError(f"no drama with id {drama_id}")
    if episode is not None and not (1 <= episode <= drama_row["episode_count"]):
        raise ValueError(f"episode must be 1..{drama_row['episode_count']}, got {episode}")
    old = db.execute(
        "SELECT halves, guild_id FROM ratings WHERE drama_id = ? AND episode = ? AND user_id = ?",
        (drama_id, ep, user_id),
    ).fetchone()
    if old is None:
        db.execute(
            "INSERT INTO ratings (drama_id, episode, user_id, guild_id, halves) VALUES (?, ?, ?, ?, ?)",
            (drama_id, ep, user_id, guild_id, halves),
        )
    elif old["halves"] != halves or old["guild_id"] != guild_id:
        db.execute(
            "UPDATE ratings SET halves = ?, guild_id = ?, "
            "updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') "
            "WHERE drama_id = ? AND episode = ? AND user_id = ?",
            (halves, guild_id, drama_id, ep, user_id),
        )
    rows = db.execute(
        "SELECT scope, n, halves FROM rating_totals WHERE drama_id = ? AND episode = ? AND scope IN (0, ?)",
        (drama_id, ep, guild_id or 0),
    ).fetchall()
    totals = {r["scope"]: ScoreSummary(r["n"], r["halves"]) for r in rows}
    return RateResult(
        drama=_drama(drama_row, ()),
        episode=episode,
        score=halves / 2,
        previous=old["halves"] / 2 if old is not None else None,
        server=totals.get(guild_id, ScoreSummary()) if guild_id else ScoreSummary(),
        everyone=totals.get(0, ScoreSummary()),
        in_guild=guild_id is not None,
    )


def _drama(row: sqlite3.Row, aliases: tuple[str, ...]) -> Drama:
    return Drama(
        id=row["id"],
        slug=row["slug"],
        title=row["title"],
        episode_count=row["episode_count"],
        native_title=row["native_title"],
        aliases=aliases,
        country=row["country"],
        year=row["year"],
        network=row["network"],
        genres=tuple(json.loads(row["genres"] or "[]")),
        synopsis=row["synopsis"],
        poster_url=row["poster_url"],
        critic_score=row["critic_score"],
        critic_summary=row["critic_summary"],
        critic_verdict=row["critic_verdict"],
        tmdb_id=row["tmdb_id"],
        wikidata_id=row["wikidata_id"],
        imdb_id=row["imdb_id"],
        first_air_date=date.fromisoformat(row["first_air_date"]) if row["first_air_date"] else None,
        status=row["status"],
    )


def _names(drama: Drama) -> list[tuple[str, str]]:
    """(kind, name) rows for a drama: title, native title, aliases, without folded duplicates."""
    names = [("title", drama.title)]
    if drama.native_title:
        names.append(("native", drama.native_title))
    names += [("alias", a) for a in drama.aliases]
    seen: set[str] = set()
    out = []
    for kind, name in names:
        key = fold(name)
        if key and key not in seen:
            seen.add(key)
            out.append((kind, name))
    return out


def _snapshot(record: CatalogueRecord | None) -> str | None:
    """A drama record as JSON for the audit table."""
    if record is None:
        return None
    drama, episodes, availability = record
    return json.dumps(
        {"drama": asdict(replace(drama, id=0)) | {"id": None}, "episodes": [asdict(e) for e in episodes],
         "availability": [asdict(a) for a in availability]},
        ensure_ascii=False, default=str,
    )  # fmt: skip


def _comparable(drama: Drama, episodes: tuple[Episode, ...], availability: tuple[Availability, ...]) -> tuple:
    """A drama as it would read back after an upsert, to tell "changed" from "unchanged"."""
    aliases = tuple(name for kind, name in _names(drama) if kind == "alias")
    return (replace(drama, id=0, aliases=aliases), frozenset(episodes), frozenset(availability))


def _stored_comparable(record: CatalogueRecord) -> tuple:
    """A stored drama in `_comparable`'s shape."""
    drama, episodes, availability = record
    return (replace(drama, id=0), frozenset(episodes), frozenset(availability))


def _availability(row: sqlite3.Row) -> Availability:
    return Availability(
        service=row["service"],
        kind=row["kind"],
        regions=tuple(r for r in row["regions"].split(",") if r),
        url=row["url"],
        checked_on=date.fromisoformat(row["checked_on"]) if row["checked_on"] else None,
    )


# ---- the bundled catalogue (Store.apply_bundle), synchronous on the writer's thread ------------------
BUNDLE_DIGEST = "bundle_digest"  # meta key: digest of the bundle last applied


class _Records(list):
    """Catalogue records whose repr stays one short line (aiosqlite's DEBUG log prints arguments)."""

    def __repr__(self) -> str:
        return f"<{len(self)} catalogue records>"


def record_digest(record: CatalogueRecord) -> str:
    """A digest of a drama as it reads back from the database: equal digests, equal dramas."""
    drama, episodes, availability = record
    shape = _comparable(drama, episodes, availability)
    text = json.dumps(
        [asdict(shape[0]), sorted((asdict(e) for e in shape[1]), key=lambda e: e["number"]),
         sorted((asdict(a) for a in shape[2]), key=lambda a: (a["service"], a["kind"]))],
        ensure_ascii=False, sort_keys=True, default=str,
    )  # fmt: skip
    return hashlib.sha256(text.encode()).hexdigest()


def _stored_record(db: sqlite3.Connection, drama_id: int) -> CatalogueRecord:
    row = db.execute(f"SELECT {_DRAMA_COLUMNS} FROM dramas WHERE id = ?", (drama_id,)).fetchone()
    aliases = tuple(
        r[0] for r in db.execute(
            "SELECT name FROM drama_names WHERE drama_id = ? AND kind = 'alias' ORDER BY rowid", (drama_id,)
        )
    )  # fmt: skip
    return _drama(row, aliases), _episodes_in(db, drama_id), _availability_in(db, drama_id)


def _drama_values(drama: Drama) -> tuple:
    return (
        drama.slug, drama.title, drama.native_title, drama.country, drama.year, drama.episode_count,
        drama.network, json.dumps(list(drama.genres), ensure_ascii=False), drama.synopsis, drama.poster_url,
        drama.critic_score, drama.critic_summary, drama.critic_verdict, drama.tmdb_id, drama.wikidata_id,
        drama.imdb_id, drama.first_air_date.isoformat() if drama.first_air_date else None, drama.status,
    )  # fmt: skip


def _apply_bundle(
    db: sqlite3.Connection, records: list[CatalogueRecord], digest: str, legacy: tuple[str, ...]
) -> BundleOutcome:
    """Store.apply_bundle's transaction (see there). Inserts go in with executemany."""
    db.execute("BEGIN IMMEDIATE")
    try:
        tracked: dict[str, str | None] = dict(db.execute("SELECT slug, hash FROM bundled_dramas"))
        existing: dict[str, int] = {slug: i for i, slug in db.execute("SELECT id, slug FROM dramas")}
        removed = {r[0] for r in db.execute("SELECT subject FROM catalogue_audit WHERE action = 'remove'")}
        taken = {
            (key, value)
            for key in ("tmdb_id", "wikidata_id", "imdb_id")
            for (value,) in db.execute(f"SELECT {key} FROM dramas WHERE {key} IS NOT NULL")
        }
        track: list[tuple[str, str | None]] = []
        new: list[CatalogueRecord] = []
        updated: list[tuple[int, CatalogueRecord]] = []
        kept: list[str] = []
        for record in records:
            slug, digest_now = record[0].slug, record_digest(record)
            if slug not in tracked and slug in legacy:  # loaded by an older dramabot: never brought back,
                # and taken over only when it is still exactly the bundle's version
                same = slug in existing and record_digest(_stored_record(db, existing[slug])) == digest_now
                tracked[slug] = digest_now if same or slug not in existing else None
                track.append((slug, tracked[slug]))
            if slug in tracked:
                loaded = tracked[slug]
                if slug not in existing or loaded is None or loaded == digest_now:
                    continue  # removed since (never brought back), held by the database, or unchanged
                if record_digest(_stored_record(db, existing[slug])) != loaded:
                    kept.append(slug)  # changed by a curator or the CLI since it was loaded: theirs now
                    continue
                updated.append((existing[slug], record))
                track.append((slug, digest_now))
            elif slug in existing:  # the slug was taken before the bundle offered it
                same = record_digest(_stored_record(db, existing[slug])) == digest_now
                track.append((slug, digest_now if same else None))
            elif slug in removed or any((k, getattr(record[0], k)) in taken for k in ("tmdb_id", "wikidata_id", "imdb_id")):
                track.append((slug, None))  # removed by a curator, or the same series is already here
            else:
                new.append(record)
                track.append((slug, digest_now))
        for drama_id, (drama, _, _) in updated:
            db.execute(
                "UPDATE dramas SET slug = ?, title = ?, native_title = ?, country = ?, year = ?, episode_count = ?, "
                "network = ?, genres = ?, synopsis = ?, poster_url = ?, critic_score = ?, critic_summary = ?, "
                "critic_verdict = ?, tmdb_id = ?, wikidata_id = ?, imdb_id = ?, first_air_date = ?, status = ?, "
                "updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = ?",
                (*_drama_values(drama), drama_id),
            )
            for table in ("drama_names", "episodes", "availability"):
                db.execute(f"DELETE FROM {table} WHERE drama_id = ?", (drama_id,))
            db.execute("DELETE FROM ratings WHERE drama_id = ? AND episode > ?", (drama_id, drama.episode_count))
        ids = [
            db.execute(
                "INSERT INTO dramas (slug, title, native_title, country, year, episode_count, network, genres, "
                "synopsis, poster_url, critic_score, critic_summary, critic_verdict, tmdb_id, wikidata_id, imdb_id, "
                "first_air_date, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                _drama_values(record[0]),
            ).fetchone()[0]
            for record in new
        ]
        written = list(zip(ids, new, strict=True)) + updated
        db.executemany(
            "INSERT INTO drama_names (drama_id, kind, name, folded) VALUES (?, ?, ?, ?)",
            [(i, kind, name, fold(name)) for i, (d, _, _) in written for kind, name in _names(d)],
        )
        db.executemany(
            "INSERT INTO episodes (drama_id, number, critic_score, title, note) VALUES (?, ?, ?, ?, ?)",
            [(i, e.number, e.critic_score, e.title, e.note) for i, (_, eps, _) in written for e in eps],
        )
        db.executemany(
            "INSERT INTO availability (drama_id, service, kind, regions, url, checked_on) VALUES (?, ?, ?, ?, ?, ?)",
            [(i, a.service, a.kind, ",".join(a.regions), a.url, a.checked_on.isoformat() if a.checked_on else None)
             for i, (_, _, avs) in written for a in avs],
        )  # fmt: skip
        db.executemany(
            "INSERT INTO bundled_dramas (slug, hash) VALUES (?, ?) "
            "ON CONFLICT (slug) DO UPDATE SET hash = excluded.hash, loaded_at = excluded.loaded_at",
            track,
        )
        if written:
            (rev,) = db.execute("SELECT coalesce(max(value), 0) FROM meta WHERE key = ?", (CATALOGUE_REV,)).fetchone()
            summary = {"added": [d.slug for d, _, _ in new], "updated": [d.slug for _, (d, _, _) in updated],
                       "kept": kept, "bundle": digest}  # fmt: skip
            db.executemany(
                "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                [(CATALOGUE_REV, str(int(rev) + 1)), (BUNDLE_DIGEST, digest)],
            )
            if existing:  # an upgrade of a catalogue in use is audited; the first load is the starting point
                db.execute(
                    "INSERT INTO catalogue_audit (actor_id, actor_name, guild_id, action, subject, before, after) "
                    "VALUES (0, 'bundled catalogue', NULL, 'bundle', 'bundle', NULL, ?)",
                    (json.dumps(summary, ensure_ascii=False),),
                )
        else:
            db.execute(
                "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (BUNDLE_DIGEST, digest),
            )
        db.execute("COMMIT")
    except BaseException:
        if db.in_transaction:
            db.execute("ROLLBACK")
        raise
    return BundleOutcome(added=len(new), updated=len(updated), kept=tuple(kept))

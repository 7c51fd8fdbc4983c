"""The SQLite backend (aiosqlite): the embedded default.

One writer connection under an asyncio lock with `BEGIN IMMEDIATE`; READERS read-only connections (WAL),
a read going to the one with the fewest reads in flight.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TypeVar

import aiosqlite

from bot.errors import SchemaTooNew, StoreConflict, StoreUnavailable
from bot.store.migrations import migrations

log = logging.getLogger(__name__)
T = TypeVar("T")

BUSY_TIMEOUT_MS = 2000  # a locked database must still let us answer inside Discord's 3 s
READERS = 2  # reader connections (threads); PRAGMA data_version is always asked of the first


def _unavailable(exc: BaseException) -> StoreUnavailable:
    return StoreUnavailable(f"{type(exc).__name__}: {exc}")


@asynccontextmanager
async def translated() -> AsyncIterator[None]:
    """Turn database-level failures into StoreUnavailable, and a broken constraint into StoreConflict."""
    try:
        yield
    except sqlite3.IntegrityError as exc:
        raise StoreConflict(str(exc)) from exc
    except (sqlite3.OperationalError, sqlite3.DatabaseError) as exc:
        raise _unavailable(exc) from exc
    except ValueError as exc:  # aiosqlite: "no active connection" after close
        if "connection" in str(exc).lower():
            raise _unavailable(exc) from exc
        raise


class _Rows(list):
    """Rows whose repr stays one short line: aiosqlite logs each call with its arguments at DEBUG."""

    def __repr__(self) -> str:
        return f"<{len(self)} rows>"


class SqliteTx:
    """A write transaction on the writer connection (see SqliteDb.write)."""

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._connection = conn

    async def fetch(self, sql: str, params: Sequence = ()) -> list[sqlite3.Row]:
        return list(await self._connection.execute_fetchall(sql, tuple(params)))

    async def fetch_one(self, sql: str, params: Sequence = ()) -> sqlite3.Row | None:
        async with self._connection.execute(sql, tuple(params)) as cur:
            return await cur.fetchone()

    async def execute(self, sql: str, params: Sequence = ()) -> None:
        await self._connection.execute(sql, tuple(params))

    async def executemany(self, sql: str, rows: Iterable[Sequence]) -> None:
        await self._connection.executemany(sql, _Rows(tuple(r) for r in rows))

    async def notify_catalogue(self, rev: str) -> None:
        return None  # other processes see PRAGMA data_version move, then catalogue_rev


class SqliteDb:
    dialect = "sqlite"
    now = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')"
    rowid = "rowid"

    def __init__(
        self,
        path: Path,
        writer: aiosqlite.Connection,
        reader: aiosqlite.Connection,
        *more: aiosqlite.Connection,
    ) -> None:
        self.path = path
        self._writer = writer
        self._reader = reader  # the first reader: PRAGMA data_version is per connection (others_wrote)
        self._readers = (reader, *more)
        self._in_flight = dict.fromkeys(range(len(self._readers)), 0)  # reads queued or running, per reader
        self._write_lock = asyncio.Lock()
        self._lock_timeouts = 0  # BEGIN IMMEDIATE that waited out the busy timeout (another process held on)
        self._closed = False
        self._data_version: int | None = None
        self._named_locks: dict[str, asyncio.Lock] = {}  # see exclusive()

    # ---- lifetime ----------------------------------------------------------------
    @classmethod
    async def open(cls, path: Path | str) -> SqliteDb:
        """Open (creating folders and file as needed) and migrate."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        writer = None
        readers: list[aiosqlite.Connection] = []
        try:
            writer = await aiosqlite.connect(path, isolation_level=None)
            await cls._configure(writer)
            await cls._migrate(writer)  # first: a too-new database must be left byte-for-byte as it was
            await cls._pragma(writer, "PRAGMA journal_mode = WAL")
            for _ in range(READERS):
                reader = await aiosqlite.connect(path, isolation_level=None)
                readers.append(reader)
                await cls._configure(reader)
                await cls._pragma(reader, "PRAGMA query_only = ON")
            return cls(path, writer, *readers)
        except BaseException:
            for conn in (*readers, writer):
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
        known = migrations("sqlite")
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
        self._closed = True
        async with self._write_lock:
            for conn in (*self._readers, self._writer):
                try:
                    await conn.close()
                except Exception:  # closing must not stop the other connection closing
                    log.exception("closing a database connection failed")

    @property
    def closed(self) -> bool:
        return self._closed

    def _check_open(self) -> None:
        if self._closed:
            raise StoreUnavailable("the store is closed")

    def pool_use(self) -> tuple[int, int]:
        """(connections running a statement, connections): the writer while it holds the write lock, and
        each reader with reads in flight."""
        busy = sum(1 for n in self._in_flight.values() if n > 0) + self._write_lock.locked()
        return busy, len(self._readers) + 1

    # ---- reads -------------------------------------------------------------------
    async def fetch(self, sql: str, params: Sequence = ()) -> list[sqlite3.Row]:
        async with translated(), self._least_busy() as reader:
            self._check_open()
            return list(await reader.execute_fetchall(sql, tuple(params)))

    @asynccontextmanager
    async def _least_busy(self) -> AsyncIterator[aiosqlite.Connection]:
        """The reader with the fewest reads in flight (the first on a tie), counted while this read runs."""
        index = min(self._in_flight, key=self._in_flight.__getitem__)
        self._in_flight[index] += 1
        try:
            yield self._readers[index]
        finally:
            self._in_flight[index] -= 1

    async def fetch_one(self, sql: str, params: Sequence = ()) -> sqlite3.Row | None:
        found = await self.fetch(sql, params)
        return found[0] if found else None

    async def others_wrote(self) -> bool:
        """Whether another connection committed since the last call (PRAGMA data_version)."""
        async with translated():
            self._check_open()
            async with self._reader.execute("PRAGMA data_version") as cur:  # always the first reader
                (version,) = await cur.fetchone()
        changed = version != self._data_version
        self._data_version = version
        return changed

    # ---- writes ------------------------------------------------------------------
    async def write(self, fn: Callable[[SqliteTx], Awaitable[T]]) -> T:
        """One serialised write transaction: BEGIN IMMEDIATE under the lock. A write that waited while the one
        before it hit the busy timeout fails at once (waiting again would miss Discord's 3 s)."""
        timeouts = self._lock_timeouts
        async with self._write_lock, translated():
            self._check_open()
            if self._lock_timeouts != timeouts:
                raise StoreUnavailable("the database is locked by another process")
            try:
                await self._writer.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError:
                self._lock_timeouts += 1
                raise
            try:
                result = await fn(SqliteTx(self._writer))
            except BaseException:
                if self._writer.in_transaction:
                    await self._writer.rollback()
                raise
            await self._writer.commit()
            return result

    @asynccontextmanager
    async def exclusive(self, name: str) -> AsyncIterator[None]:
        """Held by one task at a time in this process (a SQLite database serves one bot process)."""
        lock = self._named_locks.setdefault(name, asyncio.Lock())
        async with lock:
            self._check_open()
            yield

    @asynccontextmanager
    async def try_exclusive(self, name: str) -> AsyncIterator[bool]:
        """As `exclusive`, without waiting: yields whether this task got it."""
        lock = self._named_locks.setdefault(name, asyncio.Lock())
        if lock.locked():
            yield False
            return
        async with lock:
            self._check_open()
            yield True

    # ---- maintenance -------------------------------------------------------------
    async def integrity_check(self) -> str:
        row = await self.fetch_one("PRAGMA integrity_check")
        return row[0]

    async def backup(self, target: Path | str) -> None:
        """A consistent online copy, taken while the bot keeps writing."""
        self._check_open()  # the copy opens its own connection, so check like every other call
        target = Path(target)
        target.parent.mkdir(parents=True, exist_ok=True)
        try:  # owner-only from its creation (no moment where others may read it); never an existing file
            os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        except FileExistsError:
            raise FileExistsError(f"{target} exists; choose a new file") from None

        def copy() -> None:
            # The backup API in one step copies a single consistent snapshot (WAL lets the writer go on
            # meanwhile); the copy is a plain rollback-journal database. SQLite opens the empty 0600 file
            # (an empty database) and gives its journal the same mode.
            src = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000)
            dst = sqlite3.connect(target)
            try:
                src.backup(dst, pages=-1)
                dst.execute("PRAGMA journal_mode = DELETE")
            finally:
                dst.close()
                src.close()

        try:
            async with translated():
                await asyncio.to_thread(copy)
        except BaseException:
            target.unlink(missing_ok=True)  # no half copy left to be taken for a backup
            raise

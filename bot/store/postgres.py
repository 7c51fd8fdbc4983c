"""The PostgreSQL backend (asyncpg, optional extra `postgres`): a connection pool; transactions that
hit a deadlock or serialization failure run again; migrations once under an advisory lock (pg_schema.py);
catalogue writes NOTIFY the other processes' title index (pg_listen.py). Values keep SQLite's shapes.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import random
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from datetime import date, datetime
from typing import Any, TypeVar

from bot.errors import StoreConflict, StoreUnavailable
from bot.store.db import numbered
from bot.store.pg_listen import Listener
from bot.store.pg_schema import migrate

log = logging.getLogger(__name__)
T = TypeVar("T")

CATALOGUE_CHANNEL = "dramabot_catalogue"
POOL_MIN = 2
POOL_MAX = 10  # per process: N processes need N * POOL_MAX + N (LISTEN) below max_connections
RETRIES = 8  # tries of a transaction that hit a deadlock or a serialization failure
COMMAND_TIMEOUT = 10.0
SERVER_SETTINGS = {"TimeZone": "UTC", "DateStyle": "ISO, YMD", "application_name": "dramabot"}


def _iso_date(value: Any) -> str:
    return value.isoformat() if isinstance(value, date) else str(value)


def _iso_datetime_in(value: Any) -> str:
    return value.isoformat() if isinstance(value, datetime) else str(value)


def _iso_datetime_out(text: str) -> str:
    return datetime.fromisoformat(text).isoformat()


async def init_connection(conn: Any) -> None:
    """Codecs so date and timestamptz cross the seam as ISO text, as on SQLite."""
    await conn.set_type_codec("date", schema="pg_catalog", encoder=_iso_date, decoder=str, format="text")
    await conn.set_type_codec(
        "timestamptz", schema="pg_catalog", encoder=_iso_datetime_in, decoder=_iso_datetime_out, format="text"
    )


async def reset_connection(may_hold_locks: set[int], conn: Any) -> None:
    """The pool's reset when a connection goes back: instead of asyncpg's round trip after every query,
    only a connection whose advisory unlock may not have run (its pid in `may_hold_locks`) is unlocked."""
    pid = conn.get_server_pid()
    if pid in may_hold_locks:
        await conn.execute("SELECT pg_advisory_unlock_all()")
        may_hold_locks.discard(pid)


def _is_unavailable(exc: BaseException) -> bool:
    import asyncpg

    return isinstance(
        exc,
        OSError | TimeoutError | asyncpg.InterfaceError | asyncpg.PostgresConnectionError
        | asyncpg.exceptions.OperatorInterventionError | asyncpg.exceptions.InsufficientResourcesError
        | asyncpg.exceptions.ReadOnlySQLTransactionError,
    )  # fmt: skip


def _is_lost(exc: BaseException) -> bool:
    """The connection went away under the query (asyncpg may report it as an internal state error)."""
    import asyncpg

    return _is_unavailable(exc) or isinstance(exc, asyncpg.InternalClientError)


def _is_retryable(exc: BaseException) -> bool:
    import asyncpg

    return isinstance(exc, asyncpg.exceptions.DeadlockDetectedError | asyncpg.exceptions.SerializationError)


@asynccontextmanager
async def translated() -> AsyncIterator[None]:
    """Connection-level failures become StoreUnavailable, a broken constraint StoreConflict; bugs stay."""
    try:
        yield
    except StoreUnavailable:
        raise
    except Exception as exc:
        if _is_unavailable(exc):
            raise StoreUnavailable(f"{type(exc).__name__}: {exc}") from exc
        import asyncpg

        if isinstance(exc, asyncpg.IntegrityConstraintViolationError):
            raise StoreConflict(str(exc)) from exc
        raise


class PgTx:
    """A write transaction on one pool connection."""

    def __init__(self, conn: Any) -> None:
        self.conn = conn

    async def fetch(self, sql: str, params: Sequence = ()) -> list[Any]:
        return await self.conn.fetch(numbered(sql), *params)

    async def fetch_one(self, sql: str, params: Sequence = ()) -> Any:
        return await self.conn.fetchrow(numbered(sql), *params)

    async def execute(self, sql: str, params: Sequence = ()) -> None:
        await self.conn.execute(numbered(sql), *params)

    async def executemany(self, sql: str, rows: Iterable[Sequence]) -> None:
        listed = [tuple(r) for r in rows]
        if listed:
            await self.conn.executemany(numbered(sql), listed)

    async def notify_catalogue(self, rev: str) -> None:
        # Delivered at commit, to every process listening (this one included: it finds its index current).
        await self.conn.execute("SELECT pg_notify($1, $2)", CATALOGUE_CHANNEL, rev)


class PostgresDb:
    dialect = "postgres"
    now = "now()"
    rowid = "id"

    def __init__(
        self, url: str, pool: Any, pool_max: int = POOL_MAX, may_hold_locks: set[int] | None = None
    ) -> None:
        self.url = url
        self._pool = pool
        # Pids of pooled connections that may hold an advisory lock (shared with reset_connection).
        self._may_hold_locks: set[int] = may_hold_locks if may_hold_locks is not None else set()
        self._closed = False
        self.listener = Listener(url, CATALOGUE_CHANNEL)

    @classmethod
    async def open(cls, url: str, *, pool_max: int = POOL_MAX) -> PostgresDb:
        """Migrate (exactly once across processes starting together), then open the pool."""
        try:
            import asyncpg
        except ImportError as exc:
            raise StoreUnavailable(
                "PostgreSQL needs the asyncpg driver: pip install 'dramabot[postgres]'"
            ) from exc
        try:
            return await cls._open(url, pool_max)
        except asyncpg.PostgresError as exc:  # no such database, wrong password, ...: not a bug here
            raise StoreUnavailable(f"{type(exc).__name__}: {exc}") from exc

    @classmethod
    async def _open(cls, url: str, pool_max: int) -> PostgresDb:
        import asyncpg

        async with translated():
            conn = await asyncpg.connect(url, server_settings=SERVER_SETTINGS)
            try:
                await migrate(conn)  # SchemaTooNew leaves a newer database as it is
            finally:
                await conn.close()
            may_hold_locks: set[int] = set()
            pool = await asyncpg.create_pool(
                url, min_size=min(POOL_MIN, pool_max), max_size=pool_max, init=init_connection,
                reset=functools.partial(reset_connection, may_hold_locks), server_settings=SERVER_SETTINGS,
                command_timeout=COMMAND_TIMEOUT,
            )  # fmt: skip
        return cls(url, pool, pool_max, may_hold_locks)

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        await self.listener.stop()
        try:
            await asyncio.wait_for(self._pool.close(), 10)
        except (TimeoutError, Exception):  # closing must not hang or fail the shutdown
            log.exception("closing the PostgreSQL pool failed; terminating it")
            self._pool.terminate()

    @property
    def closed(self) -> bool:
        return self._closed

    def _check_open(self) -> None:
        if self._closed:
            raise StoreUnavailable("the store is closed")

    def pool_use(self) -> tuple[int, int]:
        """(pooled connections handed out, the pool's maximum size); the LISTEN connection and the
        cluster's lock connection are outside the pool and not counted."""
        return self._pool.get_size() - self._pool.get_idle_size(), self._pool.get_max_size()

    # ---- reads -------------------------------------------------------------------
    async def fetch(self, sql: str, params: Sequence = ()) -> list[Any]:
        return await self._read("fetch", sql, params)

    async def fetch_one(self, sql: str, params: Sequence = ()) -> Any:
        return await self._read("fetchrow", sql, params)

    async def _read(self, method: str, sql: str, params: Sequence) -> Any:
        """A read on a pooled connection; once more on a fresh one if that one was lost (server restart)."""
        async with translated():
            self._check_open()
            query = numbered(sql)
            try:
                return await getattr(self._pool, method)(query, *params)
            except Exception as exc:
                if not _is_lost(exc) or self._closed:
                    raise
                log.info("a pooled connection was lost (%s): reconnecting the pool, reading again", exc)
                await self._pool.expire_connections()  # where one was lost, the others likely were too
            return await getattr(self._pool, method)(query, *params)

    async def others_wrote(self) -> bool:
        """Whether the index must check `catalogue_rev` itself: only while the LISTEN connection is down
        (otherwise NOTIFY tells it, see Listener)."""
        return not self.listener.listening

    # ---- writes ------------------------------------------------------------------
    async def write(self, fn: Callable[[PgTx], Awaitable[T]]) -> T:
        """`fn` in one transaction, again on a deadlock or serialization failure, or on a fresh connection
        when the pooled one was dead before it began; a connection lost later raises StoreUnavailable."""
        lost_before_begin = False
        for attempt in range(1, RETRIES + 1):
            began = False
            async with translated():
                self._check_open()
                try:
                    async with self._pool.acquire() as conn, conn.transaction():
                        began = True
                        return await fn(PgTx(conn))
                except Exception as exc:
                    if _is_lost(exc) and not self._closed:
                        await self._pool.expire_connections()
                        if began or lost_before_begin:
                            raise
                        lost_before_begin = True
                        log.info("a pooled connection was lost (%s): writing on a fresh one", exc)
                        continue
                    if not _is_retryable(exc) or attempt == RETRIES:
                        raise
                    log.info("retrying a transaction after %s (try %d)", type(exc).__name__, attempt)
            await asyncio.sleep(random.uniform(0.005, 0.02) * attempt)
        raise AssertionError("unreachable")

    @asynccontextmanager
    async def exclusive(self, name: str) -> AsyncIterator[None]:
        """One holder at a time across every process: a session advisory lock on a pooled connection,
        released when the block ends, or by the server if this process dies."""
        async with translated():
            self._check_open()
            async with self._pool.acquire() as conn:
                pid = conn.get_server_pid()
                self._may_hold_locks.add(pid)  # until the unlock below has run (see reset_connection)
                await conn.execute("SELECT pg_advisory_lock(hashtext($1))", name)
                try:
                    yield
                finally:
                    if not conn.is_closed():
                        await conn.execute("SELECT pg_advisory_unlock(hashtext($1))", name)
                        self._may_hold_locks.discard(pid)

    @asynccontextmanager
    async def try_exclusive(self, name: str) -> AsyncIterator[bool]:
        """As `exclusive`, without waiting: yields whether this process got it (False: another holds it)."""
        async with translated():
            self._check_open()
            async with self._pool.acquire() as conn:
                pid = conn.get_server_pid()
                self._may_hold_locks.add(pid)
                got = await conn.fetchval("SELECT pg_try_advisory_lock(hashtext($1))", name)
                try:
                    yield got
                finally:
                    if not got:
                        self._may_hold_locks.discard(pid)
                    elif not conn.is_closed():
                        await conn.execute("SELECT pg_advisory_unlock(hashtext($1))", name)
                        self._may_hold_locks.discard(pid)

    # ---- maintenance -------------------------------------------------------------
    async def integrity_check(self) -> str:
        """PostgreSQL checks its own pages; here: the maintained totals against the ratings."""
        row = await self.fetch_one(
            "SELECT count(*) FROM (SELECT drama_id, episode, scope, n, halves FROM rating_totals WHERE n <> 0 "
            "EXCEPT SELECT drama_id, episode, 0, count(*), sum(halves) FROM ratings GROUP BY drama_id, episode "
            "EXCEPT SELECT drama_id, episode, guild_id, count(*), sum(halves) FROM ratings "
            "WHERE guild_id IS NOT NULL GROUP BY drama_id, episode, guild_id) AS wrong"
        )
        return "ok" if row[0] == 0 else f"{row[0]} rating totals differ from the ratings"

    async def backup(self, target: object) -> None:
        raise StoreUnavailable("backup on PostgreSQL: use pg_dump (see docs/deploy.md)")

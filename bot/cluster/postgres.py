"""The PostgreSQL coordinator: session advisory locks on one dedicated connection per process (a
pool would reset them). Locks die with the session, so a process cut off loses them and others take over;
it notices (heartbeat) before the server's `idle_session_timeout`. Each reconnection is a new generation.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from bot.cluster.base import ClusterUnavailable, Coordinator

log = logging.getLogger("bot.cluster")

APPLICATION_NAME = "dramabot-cluster"  # how the lock connection shows in pg_stat_activity
HEARTBEAT = 5.0
HEARTBEAT_TIMEOUT = 5.0
IDLE_SESSION_TIMEOUT = 30.0  # > HEARTBEAT + HEARTBEAT_TIMEOUT: the server drops a silent session after this
CONNECT_TIMEOUT = 10.0
RECONNECT_MAX = 10.0


class PgCluster(Coordinator):
    def __init__(self, url: str, *, heartbeat: float = HEARTBEAT, heartbeat_timeout: float = HEARTBEAT_TIMEOUT,
                 idle_session_timeout: float = IDLE_SESSION_TIMEOUT, **options: float) -> None:  # fmt: skip
        super().__init__(**options)
        self.url = url
        self.heartbeat = heartbeat
        self.heartbeat_timeout = heartbeat_timeout
        self.idle_session_timeout = idle_session_timeout
        self._connection: Any = None  # asyncpg.Connection
        self._generation = 0
        self._gone: dict[int, asyncio.Event] = {}
        self._connected = asyncio.Event()
        self._io = asyncio.Lock()  # asyncpg runs one statement at a time per connection

    @property
    def takeover_grace(self) -> float:
        """A leader cut off notices within a heartbeat and its timeout, and stops its job."""
        return self.heartbeat + self.heartbeat_timeout

    async def start(self) -> None:
        if not await self._connect():
            log.warning("cluster coordination waits for PostgreSQL: retrying in the background")
        self._background(self._supervise(), "dramabot-cluster-connection")

    async def close(self) -> None:
        await super().close()  # the supervisor too
        conn, self._connection = self._connection, None
        if conn is not None and not conn.is_closed():
            try:
                await asyncio.wait_for(conn.close(), 5)
            except Exception:  # noqa: BLE001 - closing anyway
                conn.terminate()
        for event in self._gone.values():
            event.set()

    async def _connect(self) -> bool:
        import asyncpg

        try:
            conn = await asyncio.wait_for(
                asyncpg.connect(self.url, server_settings={"application_name": APPLICATION_NAME}),
                CONNECT_TIMEOUT,
            )
        except (OSError, TimeoutError, ValueError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            log.debug("cluster connection failed: %s", exc)
            return False
        try:
            await conn.execute(f"SET idle_session_timeout = {int(self.idle_session_timeout * 1000)}")
        except asyncpg.PostgresError as exc:  # before PostgreSQL 14: silent sessions last until TCP notices
            log.info("idle_session_timeout not available (%s)", exc)
        self._generation += 1
        generation = self._generation
        self._gone[generation] = asyncio.Event()
        conn.add_termination_listener(lambda _conn: self._dropped(generation))
        self._connection = conn
        self._connected.set()
        return True

    def _dropped(self, generation: int) -> None:
        event = self._gone.get(generation)
        if event is None or event.is_set():
            return
        event.set()
        if generation == self._generation:
            self._connection = None
            self._connected.clear()
            log.warning("lost the cluster's PostgreSQL connection, its locks and leadership: reconnecting")

    async def _supervise(self) -> None:
        """Reconnect with backoff (1 s doubling to RECONNECT_MAX); a heartbeat every `heartbeat` s."""
        delay = 1.0
        while True:
            try:
                if self._connection is None:
                    if not await self._connect():
                        await asyncio.sleep(delay)
                        delay = min(delay * 2, RECONNECT_MAX)
                        continue
                    delay = 1.0
                    log.info("cluster coordination connected to PostgreSQL again")
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._gone[self._generation].wait(), self.heartbeat)
                    continue
                with contextlib.suppress(ClusterUnavailable):
                    await self._query(lambda c: c.fetchval("SELECT 1"))
            except Exception:  # noqa: BLE001 - never leave the process without its lock connection
                log.exception("cluster connection supervisor failed; going on")
                await asyncio.sleep(1.0)

    async def _query(
        self, run: Callable[[Any], Awaitable[Any]], generation: int | None = None
    ) -> tuple[int, Any]:
        """Run one statement on the lock connection: (generation, result); a failure ends the connection."""
        import asyncpg

        async with self._io:
            conn, current = self._connection, self._generation
            if conn is None or conn.is_closed():
                raise ClusterUnavailable("no connection to PostgreSQL")
            if generation is not None and generation != current:
                raise ClusterUnavailable("that connection is gone")
            try:
                return current, await asyncio.wait_for(run(conn), self.heartbeat_timeout)
            except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
                conn.terminate()
                self._dropped(current)
                raise ClusterUnavailable(f"{type(exc).__name__}: {exc}") from exc

    async def _wait_connected(self, seconds: float) -> None:
        try:
            await asyncio.wait_for(self._connected.wait(), seconds)
        except TimeoutError:
            raise ClusterUnavailable(f"PostgreSQL unreachable for {seconds:g} s") from None

    async def _try_lock(self, key: int) -> tuple[bool, int, datetime]:
        generation, row = await self._query(
            lambda c: c.fetchrow("SELECT pg_try_advisory_lock($1) AS taken, clock_timestamp() AS at", key)
        )
        return row["taken"], generation, row["at"]

    async def _unlock(self, key: int, generation: int) -> None:
        with contextlib.suppress(ClusterUnavailable):  # gone with its connection otherwise
            await self._query(lambda c: c.fetchval("SELECT pg_advisory_unlock($1)", key), generation)

    def _lost(self, generation: int) -> asyncio.Event:
        return self._gone[generation]

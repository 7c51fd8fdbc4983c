"""LISTEN on a dedicated PostgreSQL connection (a pooled one would stop listening), with reconnection.

`on_change` is called (as a task, one at a time, bursts coalesced) on a notification and after every
reconnection, since notifications sent while down are lost.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

log = logging.getLogger(__name__)

RECONNECT_MIN = 0.05  # s: first pause before reconnecting; doubles up to RECONNECT_MAX
RECONNECT_MAX = 2.0
HEALTH_INTERVAL = 5.0  # s: how often the connection is checked (a half-open TCP connection says nothing)


class Listener:
    def __init__(self, url: str, channel: str) -> None:
        self._url = url
        self._channel = channel
        self._connection: Any = None
        self._on_change: Callable[[], Awaitable[object]] | None = None
        self._keeper: asyncio.Task[None] | None = None
        self._lost = asyncio.Event()
        self._dirty = asyncio.Event()
        self._notifier: asyncio.Task[None] | None = None
        self._stopping = False
        self.reconnects = 0  # how many times the connection was made again (tests and logs)

    @property
    def listening(self) -> bool:
        return self._connection is not None and not self._connection.is_closed()

    async def start(self, on_change: Callable[[], Awaitable[object]]) -> None:
        """Listen now (raises if the first connection fails), and keep listening until stop()."""
        self._on_change = on_change
        await self._connect()
        self._keeper = asyncio.create_task(self._keep(), name="store-listen-keeper")
        self._notifier = asyncio.create_task(self._notify_loop(), name="store-listen-notifier")

    async def _connect(self) -> None:
        import asyncpg

        conn = await asyncpg.connect(self._url, server_settings={"application_name": "dramabot-listen"})
        try:
            await conn.add_listener(self._channel, self._notified)
        except BaseException:
            await conn.close()
            raise
        conn.add_termination_listener(self._terminated)
        self._connection = conn

    def _terminated(self, conn: Any) -> None:
        if conn is self._connection:  # not one this listener closed itself
            self._lost.set()

    def _notified(self, _conn: Any, _pid: int, _channel: str, _payload: str) -> None:
        self._dirty.set()

    async def _notify_loop(self) -> None:
        """Run on_change once per burst of notifications (never two at once)."""
        while True:
            await self._dirty.wait()
            self._dirty.clear()
            try:
                await self._on_change()
            except Exception as exc:  # the database is away: try again shortly (a change may be pending)
                log.warning(
                    "reloading after a catalogue notification failed (%s): again in %.0f s",
                    exc,
                    RECONNECT_MAX,
                )
                await asyncio.sleep(RECONNECT_MAX)
                self._dirty.set()

    async def _keep(self) -> None:
        """Reconnect after a lost connection (and tell on_change); check the connection now and then."""
        while not self._stopping:
            try:
                await asyncio.wait_for(self._lost.wait(), HEALTH_INTERVAL)
            except TimeoutError:
                if self.listening:
                    try:
                        await asyncio.wait_for(self._connection.fetchval("SELECT 1"), HEALTH_INTERVAL)
                        continue
                    except Exception as exc:
                        log.warning("the LISTEN connection does not answer (%s): reconnecting", exc)
            if self._stopping:
                return
            self._lost.clear()
            await self._drop()
            pause = RECONNECT_MIN
            while not self._stopping:
                try:
                    await self._connect()
                except Exception as exc:
                    log.warning("LISTEN reconnection failed (%s): again in %.2f s", exc, pause)
                    await asyncio.sleep(pause)
                    pause = min(pause * 2, RECONNECT_MAX)
                    continue
                self.reconnects += 1
                log.info("listening for catalogue changes again (reconnection %d)", self.reconnects)
                self._dirty.set()  # what was sent meanwhile is lost: check now
                break

    async def _drop(self) -> None:
        conn, self._connection = self._connection, None
        if conn is not None and not conn.is_closed():
            try:
                await asyncio.wait_for(conn.close(), 2)
            except Exception:
                conn.terminate()

    async def stop(self) -> None:
        self._stopping = True
        for task in (self._keeper, self._notifier):
            if task is not None:
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
        await self._drop()

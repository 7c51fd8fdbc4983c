"""Background jobs started and stopped with the bot, on one process of all.

`BackgroundJob` owns the task: `start(leader)` runs the job's `_loop` through `leader` (the cluster's
`run_as_leader`: one process of a cluster at a time, taken over when it dies), `stop()` cancels it.
`RepeatingJob` is the common loop: once the client is ready, `run_once(store)` every `interval`; a cycle
that fails is logged and tried again at the next one, and a cycle with the database away is skipped.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import discord

from bot.store import Store

if TYPE_CHECKING:
    from bot.airing.times import Clock

log = logging.getLogger(__name__)

Leader = Callable[[str, Callable[[], Awaitable[None]]], Coroutine[Any, Any, None]]


class BackgroundJob:
    """A job's one task. Subclasses set `name` (the leader lock and the task's name) and write `_loop`."""

    name = "job"

    def __init__(self) -> None:
        self._task: asyncio.Task[None] | None = None

    def start(self, leader: Leader | None = None) -> None:
        """Start it; through `leader` (cluster.run_as_leader) on one process of a cluster."""
        if self._task is None:
            work = self._loop() if leader is None else leader(self.name, self._loop)
            self._task = asyncio.get_running_loop().create_task(work, name=self.name)

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    async def _loop(self) -> None:
        raise NotImplementedError


class RepeatingJob(BackgroundJob):
    """`run_once(store)` every `interval` once `client` is ready."""

    def __init__(
        self, client: discord.Client, store: Callable[[], Any], clock: Clock, interval: timedelta
    ) -> None:
        super().__init__()
        self.client, self._store, self.clock, self.interval = client, store, clock, interval

    async def run_once(self, store: Store) -> Any:
        raise NotImplementedError

    async def _loop(self) -> None:
        await self.client.wait_until_ready()
        while True:
            store = self._store()
            if isinstance(store, Store):  # not while the database is away (bot/store/unavailable.py)
                try:
                    await self.run_once(store)
                except asyncio.CancelledError:
                    raise
                except Exception:
                    log.exception("%s failed; trying again in %s", self.name, self.interval)
            await asyncio.sleep(self.interval.total_seconds())

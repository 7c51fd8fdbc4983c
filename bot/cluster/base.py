"""What the bot processes sharing one database agree on: `exclusive(name)`, `identify_turn` (one
IDENTIFY per bucket per `identify_spacing` s) and `run_as_leader` (background work on one process).

Every lock is first a local asyncio.Lock per key, the whole cluster for one process (`LocalCluster`).
PgCluster adds session advisory locks: re-entrant within a session (hence the local lock), and polled.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from datetime import datetime
from typing import Any

log = logging.getLogger("bot.cluster")

IDENTIFY_SPACING = 5.5  # Discord: one IDENTIFY per bucket per 5 s; half a second more for the network
LOCK_POLL = 0.1  # how often a waiting exclusive()/identify_turn() tries the lock again
TAKEOVER_POLL = 5.0  # how often a non-leader tries to take leadership
JOB_RETRY = 60.0  # a leader job that failed starts again after this long


class ClusterUnavailable(Exception):
    """The coordinating database cannot be reached: the cluster cannot be asked right now."""


def lock_key(name: str) -> int:
    """The advisory lock key (a signed 64-bit integer) for a name, stable across processes."""
    digest = hashlib.sha256(f"dramabot:cluster:{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


class Coordinator:
    """The shared logic, with the primitives of one process alone: local locks, never lost."""

    def __init__(self, *, identify_spacing: float = IDENTIFY_SPACING, lock_poll: float = LOCK_POLL,
                 takeover_poll: float = TAKEOVER_POLL, job_retry: float = JOB_RETRY) -> None:  # fmt: skip
        self.identify_spacing = identify_spacing
        self.lock_poll = lock_poll
        self.takeover_poll = takeover_poll
        self.job_retry = job_retry
        self._local: dict[int, asyncio.Lock] = {}
        self._tasks: set[asyncio.Task[None]] = set()  # in the background until close()
        self._never = asyncio.Event()

    @property
    def takeover_grace(self) -> float:
        """How long a leader whose lock is gone may still run before it notices (0: one process alone)."""
        return 0.0

    async def start(self) -> None:
        """Connect (a backend that cannot connect yet keeps trying in the background)."""

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    def _background(self, work: Coroutine[Any, Any, None], name: str) -> None:
        task = asyncio.create_task(work, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _try_lock(self, key: int) -> tuple[bool, int, datetime]:
        """Try to take `key`: (taken, generation, time on the lock's clock), or ClusterUnavailable."""
        return True, 0, datetime.now().astimezone()  # the key's local lock, held by the caller, is enough

    async def _unlock(self, key: int, generation: int) -> None:
        """Give `key` back (a gone generation's locks are gone already)."""

    def _lost(self, generation: int) -> asyncio.Event:
        """Set once the locks taken in `generation` are gone."""
        return self._never

    async def _wait_connected(self, seconds: float) -> None:
        """Return once the database can be asked, or raise ClusterUnavailable after `seconds`."""

    async def _acquire(self, key: int, poll: float, connect_timeout: float | None) -> tuple[int, datetime]:
        """Poll until `key` is ours: (generation, when); the caller holds its local lock. Unreachable: wait
        (ClusterUnavailable after `connect_timeout`), or without a timeout keep polling."""
        while True:
            try:
                taken, generation, at = await self._try_lock(key)
            except ClusterUnavailable:
                if connect_timeout is not None:
                    await self._wait_connected(connect_timeout)
                    continue
                taken = False
            if taken:
                return generation, at
            await asyncio.sleep(poll)

    @contextlib.asynccontextmanager
    async def exclusive(self, name: str, *, connect_timeout: float = 30.0) -> AsyncIterator[None]:
        """Hold the cluster-wide lock `name` for the body (a lost connection loses it: be idempotent)."""
        key = lock_key(name)
        async with self._local.setdefault(key, asyncio.Lock()):
            generation, _ = await self._acquire(key, self.lock_poll, connect_timeout)
            try:
                yield
            finally:
                await self._unlock(key, generation)

    async def sync_once(
        self, store: Any, key: str, digest: str, sync: Callable[[], Awaitable[object]], *, force: bool = False
    ) -> bool:
        """Run `sync()` under the cluster lock unless `digest` is recorded under `key` (or `force`); True
        if it ran."""
        async with self.exclusive("command-sync"):
            if not force and await store.get_meta(key) == digest:
                scope = key.partition(":")[2] or key
                log.info("commands unchanged since the last sync (%s): not syncing", scope)
                return False
            await sync()
            await store.set_meta(key, digest)
            return True

    async def identify_turn(
        self, shard_id: int, max_concurrency: int, *, connect_timeout: float = 10.0
    ) -> datetime:
        """Wait for `shard_id`'s turn to IDENTIFY and hold its bucket `identify_spacing` s; returns when, on
        the lock's clock."""
        bucket = shard_id % max(1, max_concurrency)
        key = lock_key(f"identify:{bucket}")
        local = self._local.setdefault(key, asyncio.Lock())
        await local.acquire()
        note = ""
        try:
            generation, at = await self._acquire(key, self.lock_poll, connect_timeout)
        except ClusterUnavailable as exc:
            generation, at, note = -1, datetime.now().astimezone(), f" (this process only: {exc})"
        except BaseException:
            local.release()
            raise
        log.info("IDENTIFY turn: shard %d, bucket %d of %d, at %s%s", shard_id, bucket, max(1, max_concurrency),
                 at.isoformat(), note)  # fmt: skip
        self._background(self._hold_then_release(key, generation, local), f"identify-{bucket}")
        return at

    async def _hold_then_release(self, key: int, generation: int, local: asyncio.Lock) -> None:
        try:
            await asyncio.sleep(self.identify_spacing)
            if generation >= 0:
                await self._unlock(key, generation)
        finally:
            local.release()

    async def run_as_leader(self, name: str, job: Callable[[], Awaitable[None]]) -> None:
        """Run `job()` whenever this process holds the leader lock `name`, until cancelled; leadership lost
        cancels it, and a job that ends or fails gives leadership back for `job_retry` s."""
        key = lock_key(f"leader:{name}")
        local = self._local.setdefault(key, asyncio.Lock())
        while True:
            async with local:
                generation, _ = await self._acquire(key, self.takeover_poll, None)
                log.info("this process now runs %r for the cluster", name)
                running = asyncio.create_task(job(), name=f"leader-{name}")
                lost = asyncio.create_task(self._lost(generation).wait(), name=f"leader-{name}-watch")
                try:
                    await asyncio.wait({running, lost}, return_when=asyncio.FIRST_COMPLETED)
                finally:
                    lost.cancel()
                    if not running.done():
                        running.cancel()
                    await asyncio.gather(running, lost, return_exceptions=True)
                    if self._lost(generation).is_set():
                        log.warning("lost the leadership of %r (database connection gone): paused", name)
                    else:
                        await asyncio.shield(self._unlock(key, generation))
                if not running.cancelled() and running.exception() is not None:
                    error = running.exception()
                    log.error("%r failed; trying again in %g s", name, self.job_retry, exc_info=error)
            if not self._lost(generation).is_set():
                await asyncio.sleep(self.job_retry)


class LocalCluster(Coordinator):
    """One process is the whole cluster (SQLite)."""

"""What every cluster coordinator does, on top of three primitives its backend provides.

A coordinator answers three questions for the bot processes sharing one database:

* `exclusive(name)`: one holder at a time across the cluster (the command sync decision).
* `identify_turn(shard_id, max_concurrency)`: may this shard IDENTIFY now? One IDENTIFY per
  max_concurrency bucket (`shard_id % max_concurrency`) per `identify_spacing` seconds, cluster-wide.
* `run_as_leader(name, job)` / `run_every(name, fn, interval)`: background work on one process only;
  it stops when leadership is lost and another process takes over.

The backend gives `_try_lock(key)` (non-blocking, returns whether it holds the lock and the time on
the lock's clock), `_unlock(key, generation)` and `_lost(generation)` (an event set when the locks of
that generation are gone, e.g. the database connection dropped). Locks are polled, never waited on
inside the database, so one connection serves every lock of the process.

Session-level advisory locks are re-entrant within one session, so the process's own holders are kept
apart by a local asyncio.Lock per key, taken before the database lock.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

log = logging.getLogger("bot.cluster")

IDENTIFY_SPACING = 5.5  # Discord: one IDENTIFY per bucket per 5 s; half a second more for the network
LOCK_POLL = 0.1  # how often a waiting exclusive()/identify_turn() tries the lock again
TAKEOVER_POLL = 5.0  # how often a non-leader tries to take leadership
JOB_RETRY = 60.0  # a leader job that failed starts again after this long


class ClusterUnavailable(Exception):
    """The coordinating database cannot be reached: the cluster cannot be asked right now."""


@dataclass(frozen=True, slots=True)
class IdentifyTurn:
    """One IDENTIFY let through: which bucket, which shard, when (on the lock's clock), and whether it
    was coordinated across the cluster (False: the database was unreachable; spaced in-process only)."""

    bucket: int
    shard_id: int
    at: datetime
    coordinated: bool


@dataclass(frozen=True, slots=True)
class LeaderEvent:
    name: str
    event: str  # "acquired", "lost" (connection gone), "released" (job ended or stopped)
    at: datetime


def lock_key(name: str) -> int:
    """The advisory lock key (a signed 64-bit integer) for a name, stable across processes."""
    digest = hashlib.sha256(f"dramabot:cluster:{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


class Coordinator:
    """The shared logic; subclasses implement the three lock primitives and start/close."""

    kind = "?"

    def __init__(self, *, identify_spacing: float = IDENTIFY_SPACING, lock_poll: float = LOCK_POLL,
                 takeover_poll: float = TAKEOVER_POLL, job_retry: float = JOB_RETRY) -> None:  # fmt: skip
        self.identify_spacing = identify_spacing
        self.lock_poll = lock_poll
        self.takeover_poll = takeover_poll
        self.job_retry = job_retry
        self._local: dict[int, asyncio.Lock] = {}
        self._releases: set[asyncio.Task[None]] = set()
        self.identify_log: list[IdentifyTurn] = []
        self.leader_log: list[LeaderEvent] = []
        self._leading: set[str] = set()

    # ---- backend primitives --------------------------------------------------------
    async def start(self) -> None:
        """Connect (a backend that cannot connect yet keeps trying in the background)."""

    async def close(self) -> None:
        for task in list(self._releases):
            task.cancel()
        await asyncio.gather(*self._releases, return_exceptions=True)

    async def _try_lock(self, key: int) -> tuple[bool, int, datetime]:
        """Try to take `key` without waiting: (taken, generation, time on the lock's clock).
        Raises ClusterUnavailable when the database cannot be asked."""
        raise NotImplementedError

    async def _unlock(self, key: int, generation: int) -> None:
        """Give `key` back (nothing to do when `generation`'s connection is gone: so are its locks)."""
        raise NotImplementedError

    def _lost(self, generation: int) -> asyncio.Event:
        """Set once the locks taken in `generation` are gone."""
        raise NotImplementedError

    async def _wait_connected(self, seconds: float) -> None:
        """Return once the database can be asked, or raise ClusterUnavailable after `seconds`."""

    # ---- shared logic --------------------------------------------------------------
    def _local_lock(self, key: int) -> asyncio.Lock:
        return self._local.setdefault(key, asyncio.Lock())

    async def _acquire(self, key: int, *, connect_timeout: float) -> tuple[int, datetime]:
        """Poll until `key` is ours: (generation, when). The caller holds the key's local lock."""
        while True:
            try:
                taken, generation, at = await self._try_lock(key)
            except ClusterUnavailable:
                await self._wait_connected(connect_timeout)
                continue
            if taken:
                return generation, at
            await asyncio.sleep(self.lock_poll)

    @contextlib.asynccontextmanager
    async def exclusive(self, name: str, *, connect_timeout: float = 30.0) -> AsyncIterator[None]:
        """Hold the cluster-wide lock `name` for the body. Raises ClusterUnavailable when the database
        stays unreachable for `connect_timeout` seconds. (If the connection drops inside the body, the
        lock is gone with it: keep bodies short and idempotent.)"""
        key = lock_key(name)
        async with self._local_lock(key):
            generation, _ = await self._acquire(key, connect_timeout=connect_timeout)
            try:
                yield
            finally:
                await self._unlock(key, generation)

    async def identify_turn(
        self, shard_id: int, max_concurrency: int, *, connect_timeout: float = 10.0
    ) -> IdentifyTurn:
        """Wait for `shard_id`'s turn to IDENTIFY, and keep its bucket for `identify_spacing` seconds
        from now (released in the background). Call it right before sending IDENTIFY."""
        bucket = shard_id % max(1, max_concurrency)
        key = lock_key(f"identify:{bucket}")
        local = self._local_lock(key)
        await local.acquire()
        try:
            try:
                generation, at = await self._acquire(key, connect_timeout=connect_timeout)
                coordinated = True
            except ClusterUnavailable as exc:
                log.warning("IDENTIFY of shard %s not coordinated across processes (%s): spaced in this process only",
                            shard_id, exc)  # fmt: skip
                generation, at, coordinated = -1, datetime.now().astimezone(), False
        except BaseException:
            local.release()
            raise
        turn = IdentifyTurn(bucket, shard_id, at, coordinated)
        self.identify_log.append(turn)
        log.info("IDENTIFY turn: shard %d, bucket %d of %d, at %s%s", shard_id, bucket, max(1, max_concurrency),
                 at.isoformat(), "" if coordinated else " (this process only)")  # fmt: skip
        task = asyncio.create_task(
            self._hold_then_release(key, generation, local), name=f"identify-bucket-{bucket}"
        )
        self._releases.add(task)
        task.add_done_callback(self._releases.discard)
        return turn

    async def _hold_then_release(self, key: int, generation: int, local: asyncio.Lock) -> None:
        try:
            await asyncio.sleep(self.identify_spacing)
            if generation >= 0:
                await self._unlock(key, generation)
        finally:
            local.release()

    def is_leader(self, name: str) -> bool:
        return name in self._leading

    async def run_as_leader(self, name: str, job: Callable[[], Awaitable[None]]) -> None:
        """Run `job()` (typically a loop) whenever this process holds the leader lock `name`; runs until
        cancelled. Leadership lost (the connection dropped): the job is cancelled at once and this process
        tries again every `takeover_poll` seconds, as the others do. A job that ends or fails gives
        leadership back; it is tried again after `job_retry` seconds."""
        key = lock_key(f"leader:{name}")
        local = self._local_lock(key)
        while True:
            async with local:
                generation = await self._lead(key)
                self._leading.add(name)
                self._note(name, "acquired")
                log.info("this process now runs %r for the cluster", name)
                running = asyncio.create_task(job(), name=f"leader-{name}")
                lost = asyncio.create_task(self._lost(generation).wait(), name=f"leader-{name}-watch")
                try:
                    await asyncio.wait({running, lost}, return_when=asyncio.FIRST_COMPLETED)
                finally:
                    self._leading.discard(name)
                    lost.cancel()
                    if not running.done():
                        running.cancel()
                    await asyncio.gather(running, lost, return_exceptions=True)
                    if self._lost(generation).is_set():
                        self._note(name, "lost")
                        log.warning("lost the leadership of %r (database connection gone): paused", name)
                    else:
                        self._note(name, "released")
                        await asyncio.shield(self._unlock(key, generation))
                failed = not running.cancelled() and running.exception() is not None
                if failed:
                    log.error(
                        "%r failed; trying again in %g s", name, self.job_retry, exc_info=running.exception()
                    )
            if not self._lost(generation).is_set():
                await asyncio.sleep(self.job_retry)

    async def run_every(self, name: str, fn: Callable[[], Awaitable[None]], interval: float) -> None:
        """`run_as_leader` for a job run every `interval` seconds (the first run right away)."""

        async def every() -> None:
            while True:
                await fn()
                await asyncio.sleep(interval)

        await self.run_as_leader(name, every)

    async def _lead(self, key: int) -> int:
        """Poll (every takeover_poll seconds) until the leader lock is ours; returns its generation."""
        while True:
            try:
                taken, generation, _ = await self._try_lock(key)
            except ClusterUnavailable:
                taken, generation = False, -1
            if taken:
                return generation
            await asyncio.sleep(self.takeover_poll)

    def _note(self, name: str, event: str) -> None:
        self.leader_log.append(LeaderEvent(name, event, datetime.now().astimezone()))

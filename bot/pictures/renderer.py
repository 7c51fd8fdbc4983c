"""Runs the chart renderers off the event loop, caches what they drew, and never fails a card.

``picture = await renderer.render(charts.episode_chart, data)`` returns a
:class:`bot.pictures.charts.Picture`, or None when rendering failed or took longer than the timeout
(logged): the card then goes out without its picture.

* Off the loop: renders run on a small thread pool of its own (2 threads by default), so a
  burst of cards queues there instead of stalling other interactions.
* Cached by the data shown: a bounded LRU keyed by (renderer, data). The data are frozen
  dataclasses, so equal data hit the same entry (the dataclass's hash finds it, equality
  confirms it: no collisions). Equal renders already running are awaited, not repeated.
* Interactions first: :meth:`render_when_quiet` (a chart joining a card already sent) waits until
  the event loop keeps time again, so a burst of cards is answered before its charts are drawn and
  sent (each chart costs a render and an upload; in a burst they competed with the answers for the
  cores and the loop). Such charts are drawn one at a time, each after a quiet check; none waits
  longer than ``quiet_max`` for quiet.
* Nothing is started at import; the pool starts on the first render and :meth:`close` stops it.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from bot.pictures.charts import Picture

log = logging.getLogger(__name__)

D = TypeVar("D", bound=Hashable)
CACHE_SIZE = 256  # a few MB at most: pictures are 10 to 40 kB
# Render threads: one core is left to the event loop, so a burst of cards never starves interactions
# (on 2 cores: one render thread; the charts queue and join their cards a little later).
THREADS = max(1, min(2, (os.cpu_count() or 2) - 1))
TIMEOUT = 2.0  # seconds: the card must still go out within Discord's 3 s
# The quiet check: a short sleep that comes back (nearly) on time says the loop has no backlog; one that
# comes back late says interactions are being handled. A chart waits at most QUIET_MAX for quiet.
QUIET_PROBE = 0.002  # s
QUIET_LATE = 0.005  # s: later than this, the loop is busy (a burst makes it tens of ms)
QUIET_MAX = 2.0  # s


class ChartRenderer:
    def __init__(
        self, *, threads: int = THREADS, cache_size: int = CACHE_SIZE, timeout: float = TIMEOUT,
        quiet_max: float = QUIET_MAX,
    ) -> None:  # fmt: skip
        if threads < 1 or cache_size < 0 or quiet_max < 0:
            raise ValueError("threads must be >= 1, cache_size and quiet_max >= 0")
        self.threads, self.cache_size, self.timeout, self.quiet_max = threads, cache_size, timeout, quiet_max
        self._turn: asyncio.Lock | None = None  # render_when_quiet: one waiting chart at a time
        self._pool: ThreadPoolExecutor | None = None
        self._cache: OrderedDict[tuple[Callable, Hashable], Picture] = OrderedDict()
        self._running: dict[tuple[Callable, Hashable], asyncio.Future[Picture]] = {}

    def cached(self, renderer: Callable[[D], Picture], data: D) -> Picture | None:
        """The cached picture for this data, without rendering."""
        key = (renderer, data)
        picture = self._cache.get(key)
        if picture is not None:
            self._cache.move_to_end(key)
        return picture

    async def render(self, renderer: Callable[[D], Picture], data: D) -> Picture | None:
        picture = self.cached(renderer, data)
        if picture is not None:
            return picture
        key = (renderer, data)
        running = self._running.get(key)
        if running is None:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(max_workers=self.threads, thread_name_prefix="charts")
            running = asyncio.get_running_loop().run_in_executor(self._pool, renderer, data)
            self._running[key] = running
            running.add_done_callback(lambda done: self._finished(key, done))
        try:
            # shield: one caller timing out must not cancel the render others are waiting for.
            return await asyncio.wait_for(asyncio.shield(running), self.timeout)
        except TimeoutError:
            log.warning(
                "%s took longer than %.1f s: the card goes out without it", _name(renderer), self.timeout
            )
        except Exception:
            log.exception("%s failed: the card goes out without it", _name(renderer))
        return None

    async def render_when_quiet(self, renderer: Callable[[D], Picture], data: D) -> Picture | None:
        """As :meth:`render`, for a picture nobody waits on to be answered (a chart joining a card
        already sent): drawn once the event loop keeps time again (at most `quiet_max` later), one
        such picture at a time. A cached picture is returned at once."""
        if self.cached(renderer, data) is not None:
            return await self.render(renderer, data)
        loop = asyncio.get_running_loop()
        since = loop.time()
        if self._turn is None:
            self._turn = asyncio.Lock()
        async with self._turn:
            await self._wait_for_quiet(since + self.quiet_max)
            return await self.render(renderer, data)

    async def _wait_for_quiet(self, deadline: float) -> None:
        """Sleep QUIET_PROBE at a time until one comes back no later than QUIET_LATE, or `deadline`
        (loop time) passes."""
        loop = asyncio.get_running_loop()
        while True:
            started = time.perf_counter()
            await asyncio.sleep(QUIET_PROBE)
            if time.perf_counter() - started - QUIET_PROBE <= QUIET_LATE or loop.time() >= deadline:
                return

    def _finished(self, key: tuple[Callable, Hashable], done: asyncio.Future[Picture]) -> None:
        self._running.pop(key, None)
        if done.cancelled() or done.exception() is not None:
            return
        if self.cache_size:
            self._cache[key] = done.result()
            self._cache.move_to_end(key)
            while len(self._cache) > self.cache_size:
                self._cache.popitem(last=False)

    def close(self) -> None:
        """Stop the pool (renders in progress finish; queued ones are dropped)."""
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None


def _name(renderer: Callable) -> str:
    return getattr(renderer, "__name__", repr(renderer))

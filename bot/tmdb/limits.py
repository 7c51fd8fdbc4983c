"""Limiters and caches for calls to TMDB; each takes a `clock` so tests drive time by hand."""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class TokenBucket:
    """At most `capacity` requests at once, refilled at `rate` per second; `acquire` serves in order."""

    def __init__(self, capacity: int, rate: float, clock: Callable[[], float] = time.monotonic) -> None:
        if capacity < 1 or rate <= 0:
            raise ValueError("a token bucket needs capacity >= 1 and rate > 0")
        self.capacity, self.rate, self.clock = capacity, rate, clock
        self._tokens = float(capacity)
        self._at = clock()
        self._lock = asyncio.Lock()

    def _refill(self) -> None:
        now = self.clock()
        self._tokens = min(self.capacity, self._tokens + (now - self._at) * self.rate)
        self._at = now

    @property
    def level(self) -> float:
        """The tokens in the bucket now (negative while paused)."""
        self._refill()
        return self._tokens

    def try_take(self) -> float:
        """Take a token now and return 0, or return how many seconds until one is free."""
        self._refill()
        if self._tokens >= 1:
            self._tokens -= 1
            return 0.0
        return (1 - self._tokens) / self.rate

    def pause(self, seconds: float) -> None:
        """Empty the bucket for `seconds` (a 429's Retry-After): every caller waits it out."""
        self._refill()
        self._tokens = min(self._tokens, 0.0) - seconds * self.rate

    async def acquire(self) -> None:
        async with self._lock:
            for _ in range(1000):  # each wait refills at least one token unless paused again
                wait = self.try_take()
                if wait <= 0:
                    return
                await asyncio.sleep(wait)
            raise RuntimeError("token bucket: no token after 1000 waits")


class MemberWindow:
    """At most `limit` uses per key in any `per` seconds (a sliding window)."""

    def __init__(self, limit: int, per: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit, self.per, self.clock = limit, per, clock
        self._uses: dict[int, deque[float]] = {}

    def retry_after(self, key: int) -> float:
        """0 when `key` may go now, else the seconds until its oldest use leaves the window."""
        now = self.clock()
        uses = self._uses.get(key)
        if not uses:
            return 0.0
        while uses and uses[0] <= now - self.per:
            uses.popleft()
        if not uses:
            del self._uses[key]
            return 0.0
        return uses[0] + self.per - now if len(uses) >= self.limit else 0.0

    def hit(self, key: int) -> None:
        self._uses.setdefault(key, deque()).append(self.clock())
        if len(self._uses) > 10_000:  # members long idle: forget them
            start = self.clock() - self.per
            self._uses = {k: q for k, q in self._uses.items() if q and q[-1] > start}


class TTLCache(Generic[K, V]):
    """A bounded mapping whose entries expire `ttl` seconds after they were put (least recent out first)."""

    def __init__(self, maxsize: int, ttl: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.maxsize, self.ttl, self.clock = maxsize, ttl, clock
        self._data: OrderedDict[K, tuple[float, V]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._data)

    def get(self, key: K) -> V | None:
        item = self._data.get(key)
        if item is None:
            return None
        if self.clock() >= item[0]:
            del self._data[key]
            return None
        self._data.move_to_end(key)
        return item[1]

    def put(self, key: K, value: V, ttl: float | None = None) -> None:
        self._data[key] = (self.clock() + (self.ttl if ttl is None else ttl), value)
        self._data.move_to_end(key)
        while len(self._data) > self.maxsize:
            self._data.popitem(last=False)


class SingleFlight(Generic[K, V]):
    """One running task per key: callers asking for the same key at once share its result."""

    def __init__(self) -> None:
        self._tasks: dict[K, asyncio.Task[V]] = {}

    def __len__(self) -> int:
        return len(self._tasks)

    def __contains__(self, key: object) -> bool:
        return key in self._tasks

    def run(self, key: K, start: Callable[[], object], name: str = "single-flight") -> asyncio.Task[V]:
        task = self._tasks.get(key)
        if task is None:
            task = asyncio.get_running_loop().create_task(start(), name=f"{name}-{key}")  # type: ignore[arg-type]
            self._tasks[key] = task
            task.add_done_callback(lambda t, k=key: self._done(k, t))
        return task

    def _done(self, key: K, task: asyncio.Task[V]) -> None:
        if self._tasks.get(key) is task:
            del self._tasks[key]
        if not task.cancelled():
            task.exception()  # retrieved: a caller that gave up waiting does not leave a warning behind

    async def cancel_all(self) -> None:
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

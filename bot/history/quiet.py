"""Keeping the bot's event loop free while a 20,000-row import runs (bench/importer.py measures it).

- `collector_paused()`: no full (generation 2) garbage collection while an import plans or stores. The
  import keeps tens of thousands of objects alive (the parsed rows, the plan, the chunks it stores), so the
  collector ran full passes every few seconds, each walking the whole heap with the loop stopped: the
  others' interactions waited behind them. The younger generations are still collected, and what the
  import leaves is freed by reference counting; the next full pass comes after it (docs/perf-notes/importer.md).
- `Slices`: after each SLICE of work, however long a row takes, the loop is left alone for as long again
  (a sleep, not a bare yield: an interaction needs several turns of the loop, and with bare yields it
  would wait a whole slice at each of them).
"""

from __future__ import annotations

import asyncio
import gc
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

SLICE = 0.004  # s of work on the loop between two yields
_PAUSED = 1 << 30  # generation 2's threshold while paused: never reached

_holders = 0  # imports running with the collector paused (several members may import at once)
_saved: tuple[int, ...] | None = None  # the thresholds to restore when the last one ends


@contextmanager
def collector_paused() -> Iterator[None]:
    """While inside: no full garbage collection (nested and concurrent uses count; the last one out restores
    the thresholds as they were)."""
    global _holders, _saved
    if _holders == 0:
        _saved = gc.get_threshold()
        gc.set_threshold(_saved[0], _saved[1] if len(_saved) > 1 else 10, _PAUSED)
    _holders += 1
    try:
        yield
    finally:
        _holders -= 1
        if _holders == 0 and _saved is not None:
            gc.set_threshold(*_saved)
            _saved = None


class Slices:
    """`await slices.tick()` once per row: once `budget` seconds of work have run since the last yield, sleeps
    `rest` seconds (the budget again unless given)."""

    def __init__(
        self, budget: float = SLICE, clock: Callable[[], float] = time.perf_counter, rest: float | None = None
    ) -> None:
        self.budget, self.clock = budget, clock
        self.rest = budget if rest is None else rest
        self.yields = 0
        self._since = clock()

    async def tick(self) -> None:
        if self.clock() - self._since >= self.budget:
            await asyncio.sleep(self.rest)
            self.yields += 1
            self._since = self.clock()

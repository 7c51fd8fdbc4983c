"""Request budgets: where the pacer takes its slots. Each gives n slots `interval` s apart, after every slot
given before (GCRA: one "theoretical arrival time" moved forward n intervals per claim).

`LocalBudget`: in memory, for one process alone (SQLite, or PostgreSQL unreachable). `SharedBudget`: the
row in PostgreSQL all the bot's processes claim from (`store.pacing.claim`), falling back to a local
budget while the database cannot be reached.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot.store import Store

log = logging.getLogger(__name__)

SHARED_TIMEOUT = 2.0  # a claim that takes longer falls back to the local budget (the database is in trouble)
SHARED_RETRY = 10.0  # after a failed claim: the local budget for this long, then PostgreSQL again


@dataclass(frozen=True, slots=True)
class Grant:
    """n slots: the first `wait` s after `at` (the local clock's reading when the slots were known)."""

    at: float
    wait: float
    n: int
    interval: float

    def start(self, i: int) -> float:
        """When slot `i` starts, on the local clock."""
        return self.at + self.wait + i * self.interval


def bot_key(token: str) -> str:
    """The budget's name for a bot token: Discord counts per token, and the token itself is never stored."""
    return "token:" + hashlib.sha256(token.encode()).hexdigest()[:32]


class LocalBudget:
    """The budget of one process, in memory."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._tat = float("-inf")

    async def claim(self, n: int, interval: float) -> Grant:
        now = self.clock()
        first = max(self._tat, now)
        self._tat = first + n * interval
        return Grant(now, first - now, n, interval)

    def hold_until(self, at: float) -> None:
        """No slot before `at` (local clock): the shared budget had given slots until then."""
        self._tat = max(self._tat, at)


class SharedBudget:
    """The budget in PostgreSQL, shared by every process of the bot; local while it cannot be reached."""

    def __init__(
        self, store: Callable[[], Any], bot: str, clock: Callable[[], float] = time.monotonic,
        timeout: float = SHARED_TIMEOUT, retry: float = SHARED_RETRY,
    ) -> None:  # fmt: skip
        self._store, self.bot, self.clock = store, bot, clock
        self.timeout, self.retry = timeout, retry
        self.local = LocalBudget(clock)
        self._local_until = float("-inf")  # the local budget is used until then (after a failure)
        self._warned = False
        self.fallbacks = 0  # claims served locally because PostgreSQL could not be asked

    def _shared_store(self) -> Store | None:
        store = self._store()
        return store if isinstance(store, Store) and store.pacing.shared and not store.closed else None

    async def claim(self, n: int, interval: float) -> Grant:
        store = self._shared_store()
        if store is None or self.clock() < self._local_until:
            return await self._locally(n, interval, None)
        try:
            async with asyncio.timeout(self.timeout):
                slots = await store.pacing.claim(self.bot, n, interval)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # unreachable, pool exhausted, timed out: pace this process alone for now
            self._local_until = self.clock() + self.retry
            return await self._locally(n, interval, exc)
        now = self.clock()
        if self._warned:
            log.info("pacing Discord requests through PostgreSQL again (shared by the bot's processes)")
            self._warned = False
        grant = Grant(now, max(0.0, slots.wait), n, interval)
        self.local.hold_until(grant.start(n))  # a fallback later does not reuse these slots
        return grant

    async def _locally(self, n: int, interval: float, error: BaseException | None) -> Grant:
        if error is not None:
            self.fallbacks += 1
            if not self._warned:
                self._warned = True
                log.warning("cannot pace through PostgreSQL (%s: %s): pacing this process alone for now",
                            type(error).__name__, error)  # fmt: skip
        return await self.local.claim(n, interval)

"""Each member's import in progress and preview waiting for Import or Cancel (kept in memory, per process).

A member has at most one import running (reading, matching or storing) and one preview; a new preview
replaces the old one, whose buttons then find theirs gone (each preview has its own number). A preview
is kept PREVIEW_TTL seconds; after that its buttons say it expired.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from bot.errors import UserError
from bot.history.matching import Plan

PREVIEW_TTL = 900.0  # s: as long as Discord lets the bot edit the answer


@dataclass(frozen=True)
class Pending:
    plan: Plan
    replace: bool
    guild_id: int | None
    number: int
    expires: float


class Sessions:
    def __init__(self, ttl: float = PREVIEW_TTL, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl, self.clock = ttl, clock
        self._running: set[int] = set()
        self._pending: dict[int, Pending] = {}
        self._numbers = itertools.count(1)

    @contextmanager
    def running(self, member_id: int) -> Iterator[None]:
        """`with sessions.running(member):` the member's one import; UserError "import.busy" if one runs."""
        if member_id in self._running:
            raise UserError.keyed("import.busy")
        self._running.add(member_id)
        try:
            yield
        finally:
            self._running.discard(member_id)

    def keep(self, member_id: int, plan: Plan, *, replace: bool, guild_id: int | None) -> Pending:
        now = self.clock()
        self._pending = {k: p for k, p in self._pending.items() if p.expires > now}  # the expired go
        pending = Pending(plan, replace, guild_id, next(self._numbers), now + self.ttl)
        self._pending[member_id] = pending
        return pending

    def get(self, member_id: int, number: int) -> Pending | None:
        """The member's preview `number`, kept; None when it expired or another replaced it."""
        pending = self._pending.get(member_id)
        if pending is None or pending.number != number or pending.expires <= self.clock():
            return None
        return pending

    def take(self, member_id: int, number: int) -> Pending | None:
        """The member's preview `number`, removed; None when it expired or another replaced it."""
        pending = self._pending.get(member_id)
        if pending is None or pending.number != number:
            return None
        del self._pending[member_id]
        return pending if pending.expires > self.clock() else None

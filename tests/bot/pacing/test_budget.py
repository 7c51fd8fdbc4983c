"""The request budgets (bot/pacing/budget.py): the local one's spacing on an injected clock, and the shared
one falling back to the local one while PostgreSQL cannot be asked."""

from __future__ import annotations

import asyncio
import logging

import pytest

from bot.pacing.budget import LocalBudget, SharedBudget, bot_key
from bot.pacing.pacer import Pacer
from bot.store import Store, UnavailableStore
from tests.bot.conftest import Raw


class Clock:
    def __init__(self, now: float = 100.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


async def starts(budget, n: int, interval: float) -> list[float]:  # noqa: ANN001
    grant = await budget.claim(n, interval)
    return [grant.start(i) for i in range(n)]


async def test_local_slots_are_spaced_one_interval_apart_and_never_reused():
    clock = Clock()
    budget = LocalBudget(clock)
    first = await starts(budget, 3, 0.1)
    second = await starts(budget, 2, 0.1)  # asked at the same moment: after the first three
    assert first + second == pytest.approx([100.0, 100.1, 100.2, 100.3, 100.4])
    clock.now = 100.45  # one slot left before now was never used: the next starts now, not in the past
    assert await starts(budget, 1, 0.1) == pytest.approx([100.5])
    clock.now = 200.0  # idle: no burst saved up, the next slot is now
    grant = await budget.claim(2, 0.1)
    assert grant.wait == 0.0 and [grant.start(i) for i in range(2)] == pytest.approx([200.0, 200.1])


async def test_local_slots_put_at_most_rate_requests_in_any_second():
    clock, rate = Clock(0.0), 20.0
    budget = LocalBudget(clock)
    times: list[float] = []
    for n in (8, 1, 8, 3, 8, 8, 8, 8, 8):
        times += await starts(budget, n, 1 / rate)
        clock.now += 0.01
    for t in times:
        assert sum(1 for u in times if t <= u < t + 1.0 - 1e-9) <= rate


def test_the_budget_is_named_by_a_hash_of_the_token():
    key = bot_key("secret.token")
    assert key.startswith("token:") and "secret" not in key and key == bot_key("secret.token")
    assert key != bot_key("another.token")


async def test_without_postgresql_the_shared_budget_paces_locally(db_path):
    clock = Clock()
    sqlite = await Store.open(db_path)
    try:
        for store in (sqlite, UnavailableStore("down")):
            budget = SharedBudget(lambda s=store: s, "token:x", clock)
            assert await starts(budget, 2, 0.5) == pytest.approx([100.0, 100.5])
            assert budget.fallbacks == 0  # not a failure: one process, nothing to share
    finally:
        await sqlite.close()


async def test_a_failing_shared_budget_falls_back_to_local_and_logs_once(pg_migrated_url, caplog):
    store = await Store.open(pg_migrated_url)
    clock = Clock()
    try:
        budget = SharedBudget(lambda: store, "token:x", clock, retry=5.0)
        shared = await budget.claim(2, 0.5)
        assert shared.wait == pytest.approx(0.0, abs=0.05)
        await Raw(pg_migrated_url).execute("DROP TABLE pacing_budget")  # from now on every claim fails
        with caplog.at_level(logging.WARNING, logger="bot.pacing.budget"):
            # Locally, after the slots PostgreSQL gave: no slot is used twice.
            assert await starts(budget, 1, 0.5) == pytest.approx([101.0])
            clock.now += 6.0  # tried again after `retry`: fails again, still locally, logged once
            assert await starts(budget, 1, 0.5) == pytest.approx([106.0])
        assert budget.fallbacks == 2
        assert len([r for r in caplog.records if "cannot pace through PostgreSQL" in r.message]) == 1
    finally:
        await store.close()


class Granted(SharedBudget):
    """The shared budget, keeping the start of every slot it gave (on the local clock)."""

    def __init__(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003
        super().__init__(*args, **kwargs)
        self.starts: list[float] = []

    async def claim(self, n: int, interval: float):  # noqa: ANN201
        grant = await super().claim(n, interval)
        self.starts += [grant.start(i) for i in range(n)]
        return grant


async def test_two_processes_pacers_share_one_budget_through_postgresql(pg_migrated_url):
    rate = 50.0
    stores = [await Store.open(pg_migrated_url) for _ in range(2)]
    given: list[float] = []  # every slot PostgreSQL gave, on its own clock
    for store in stores:
        claim = store.pacing.claim

        async def recording(bot: str, n: int, interval: float, claim=claim):  # noqa: ANN202
            slots = await claim(bot, n, interval)
            given.extend(slots.times())
            return slots

        store.pacing.claim = recording
    budgets = [Granted(lambda s=s: s, "token:bot") for s in stores]
    pacers = [Pacer(b, rate, base=lambda: "http://discord") for b in budgets]
    try:
        await asyncio.gather(*(p.wait() for p in pacers for _ in range(40)))  # 80 requests, at once
    finally:
        for pacer in pacers:
            await pacer.close()
        for store in stores:
            await store.close()
    assert [p.stats.paced for p in pacers] == [40, 40] and all(b.fallbacks == 0 for b in budgets)
    assert len(given) == 80 and sum(len(b.starts) for b in budgets) == 80
    # Both processes' slots, together, on the one clock that gives them: 1/rate apart, so never more than
    # `rate` in a second. (Each process reaches its slot on its own clock, later by the answer's trip from
    # PostgreSQL: under load that trip varies, so the local times are not what is checked.)
    given.sort()
    assert min(b - a for a, b in zip(given, given[1:], strict=False)) >= 1 / rate - 1e-6
    for t in given:
        assert sum(1 for u in given if t <= u < t + 1.0 - 1e-6) <= rate

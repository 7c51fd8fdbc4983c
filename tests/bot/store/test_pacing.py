"""The request budget shared through PostgreSQL (bot/store/pacing.py): several stores (as several bot
processes) claiming at once never get slots that put more than `rate` requests in any second."""

from __future__ import annotations

import asyncio
import random

import pytest

from bot.store import Store
from bot.store.pacing import Slots


async def test_sqlite_has_no_shared_budget(db_path):
    store = await Store.open(db_path)
    try:
        assert not store.pacing.shared
        with pytest.raises(NotImplementedError):
            await store.pacing.claim("token:x", 1, 0.1)
    finally:
        await store.close()


async def test_processes_sharing_the_budget_never_exceed_the_rate(pg_migrated_url):
    rate = 20.0
    stores = [await Store.open(pg_migrated_url) for _ in range(3)]
    try:
        assert all(s.pacing.shared for s in stores)
        claims: list[Slots] = []

        async def process(store: Store, seed: int) -> None:
            pick = random.Random(seed)
            for _ in range(12):
                claims.append(await store.pacing.claim("token:bot", pick.randint(1, 8), 1 / rate))
                await asyncio.sleep(0)

        # Another bot's budget is its own: it neither takes nor gives slots.
        other = await stores[0].pacing.claim("token:other", 8, 1 / rate)
        await asyncio.gather(*(process(s, i) for i, s in enumerate(stores)))
        times = sorted(t for c in claims for t in c.times())
        assert len(times) == sum(c.n for c in claims) > 3 * 12
        gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
        assert min(gaps) >= 1 / rate - 1e-6  # no two requests closer than 1/rate, whichever process
        for t in times:  # any second (less the float rounding of epoch seconds): at most `rate` slots
            assert sum(1 for u in times if t <= u < t + 1.0 - 1e-4) <= rate
        assert all(c.wait >= -1e-3 for c in claims) and other.wait == pytest.approx(0.0, abs=0.05)
        # The budget ran ahead of the clock: later claims wait for their slots.
        assert max(c.wait for c in claims) > 1.0
    finally:
        for store in stores:
            await store.close()

"""The neighbours' background job: it rebuilds when the store says it is due (never built, enough new scores,
or any change after a day on the bot's clock), and only then."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.recommend.job import NeighbourJob
from bot.store import Store
from bot.store import recommend as recommend_store
from tests.bot.conftest import Records
from tests.bot.store.readbacks import upsert
from tests.clocks import ManualClock


async def test_the_job_rebuilds_when_due(db_path, monkeypatch):
    monkeypatch.setattr(recommend_store, "REBUILD_MIN", 2)
    store = await Store.open(db_path)
    try:
        clock = ManualClock(datetime(2026, 12, 7, tzinfo=UTC))
        job = NeighbourJob(lambda: store, clock)
        assert await job.run_once()  # never built: built (empty)
        assert (await store.recommend.built()).ratings == 0
        assert not await job.run_once()
        ids = [(await upsert(store, Records.drama(f"job-{i}"), Records.episodes(2), ()))[0] for i in range(3)]
        await store.ratings.rate(user_id=1, guild_id=None, drama_id=ids[0], score=4)
        assert not await job.run_once()  # one new score: not enough
        await store.ratings.rate(user_id=1, guild_id=None, drama_id=ids[1], score=5)
        assert await job.run_once()
        assert (await store.recommend.built()).ratings == 2
        await store.ratings.rate(user_id=2, guild_id=None, drama_id=ids[2], score=3)
        assert not await job.run_once()
        clock.advance(timedelta(days=1, seconds=1))  # a day later any change rebuilds
        assert await job.run_once()
        assert not await job.run_once()
    finally:
        await store.close()

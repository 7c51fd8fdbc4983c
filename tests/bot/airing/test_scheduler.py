"""Small parts of the scheduler: the store while unavailable, when the next cycle runs at once, and a new
leader taking over the leases its predecessor left."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, time, timedelta

import discord
import pytest

from bot.airing.announcer import Delivery, Intent, Outcome, Status
from bot.airing.scheduler import LEASE, AiringJob, CycleReport
from bot.errors import StoreUnavailable
from bot.models import Episode
from bot.store import Store, UnavailableStore
from tests.bot.store.readbacks import upsert
from tests.clocks import ManualClock


async def test_the_airing_part_answers_unavailable_while_the_database_is_away():
    with pytest.raises(StoreUnavailable):
        await UnavailableStore("locked").airing.followed(1)


def outcome(status: Status) -> Outcome:
    intent = Intent("remind:1:1:1", discord.Embed(title="x"), user_id=1)
    return Outcome(intent, Delivery(status))


def test_a_full_page_runs_the_next_cycle_at_once_only_when_it_moved():
    moved = CycleReport(outcomes=[outcome(Status.POSTED), outcome(Status.RETRY)], more=True)
    assert moved.again_now
    refused = CycleReport(outcomes=[outcome(Status.GONE), outcome(Status.DMS_CLOSED)], more=True)
    assert refused.again_now  # settled (paused): the next page is different
    stuck = CycleReport(outcomes=[outcome(Status.RETRY), outcome(Status.UNKNOWN)], more=True)
    assert not stuck.again_now  # Discord unreachable: the same page again would be a retry storm
    assert not CycleReport(outcomes=[outcome(Status.POSTED)], more=False).again_now


async def test_a_new_leader_releases_the_leases_left_only_when_there_are_some(db_path, records):
    clock = ManualClock(datetime(2026, 12, 1, 12, 30, tzinfo=UTC))
    store = await Store.open(db_path)
    try:
        eps = (Episode(1, air_date=date(2026, 12, 1), air_time=time(21, 0)),)
        drama_id, _ = await upsert(store, records.drama("airs", country="KR", status="airing"), eps)
        await store.airing.remind(5, drama_id, now=clock.now())
        (key,) = await store.airing.record_reminders([(5, drama_id, 1)], now=clock.now())
        job = AiringJob(discord.Client(intents=discord.Intents.none()), lambda: store, clock,
                        timedelta(minutes=1), takeover_grace=3600.0)  # fmt: skip
        assert job.backlog == 0 and job.totals == {}
        # Nothing leased: no grace waited (an hour here), nothing released.
        assert await asyncio.wait_for(job.take_over(store), 10) == 0
        assert await store.airing.begin(key, now=clock.now(), lease=LEASE) == 0  # a leader died posting it
        job.takeover_grace = 0.0
        assert await job.take_over(store) == 1
        assert [e.key for e in await store.airing.pending(clock.now())] == [key]
        assert await store.airing.begin(key, now=clock.now(), lease=LEASE) == 1  # checked before posting
    finally:
        await store.close()

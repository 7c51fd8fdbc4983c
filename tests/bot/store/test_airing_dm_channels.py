"""Members' DM channels remembered for reminders, and the leases a new airing leader releases (bot/store/
airing.py), on both backends."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from bot.models import DeletedData, Episode
from bot.store import Store
from bot.store.airing import remind_key
from tests.bot.store.readbacks import upsert

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
LEASE = timedelta(minutes=5)
MEMBER, OTHER, NOBODY = 7001, 7002, 7003


@pytest.fixture
async def drama_id(store: Store, records) -> int:
    eps = (Episode(1, air_date=date(2026, 12, 1), air_time=time(21, 0)), Episode(2))
    drama_id, _ = await upsert(store, records.drama("airs", country="KR", status="airing"), eps)
    return drama_id


async def test_a_dm_channel_is_remembered_across_stores_and_forgotten_when_discord_forgets_it(
    store: Store, store_location, drama_id: int
):
    for user in (MEMBER, OTHER):
        await store.airing.remind(user, drama_id, now=NOW)
    assert await store.airing.dm_channels([MEMBER, OTHER]) == {}
    assert await store.airing.remember_dm_channel(MEMBER, 9001)
    assert await store.airing.remember_dm_channel(OTHER, 9002)
    assert not await store.airing.remember_dm_channel(NOBODY, 9003)  # no reminder: nothing kept about them
    other = await Store.open(store_location)  # another process, or the bot after a restart
    try:
        assert await other.airing.dm_channels([MEMBER, OTHER, NOBODY]) == {MEMBER: 9001, OTHER: 9002}
        await other.airing.forget_dm_channel(MEMBER, 9999)  # not the one remembered: kept
        assert await store.airing.dm_channels([MEMBER]) == {MEMBER: 9001}
        await other.airing.forget_dm_channel(MEMBER, 9001)
        assert await store.airing.dm_channels([MEMBER, OTHER]) == {OTHER: 9002}
        assert await other.airing.remember_dm_channel(MEMBER, 9004)  # opened again
        assert await store.airing.dm_channels([MEMBER]) == {MEMBER: 9004}
    finally:
        await other.close()


async def test_delete_my_data_erases_the_dm_channel_and_says_so(store: Store, drama_id: int):
    for user in (MEMBER, OTHER):
        await store.airing.remind(user, drama_id, now=NOW)
        await store.airing.remember_dm_channel(user, user + 100)
    held = await store.erasure.counts(MEMBER)
    assert held == DeletedData(0, 0, 0, reminders=1, dm_channels=1)
    assert await store.erasure.erase(MEMBER) == held
    assert await store.airing.dm_channels([MEMBER, OTHER]) == {OTHER: OTHER + 100}
    assert not await store.airing.remember_dm_channel(MEMBER, 1)  # a DM opened before the erasure: not kept
    assert await store.airing.dm_channels([MEMBER]) == {}


async def test_a_new_leader_releases_its_predecessors_leases_and_their_attempts_stay_counted(
    store: Store, drama_id: int
):
    keys = [remind_key(u, drama_id, 1) for u in (MEMBER, OTHER)]
    for user in (MEMBER, OTHER):
        await store.airing.remind(user, drama_id, now=NOW)
    await store.airing.record_reminders([(MEMBER, drama_id, 1), (OTHER, drama_id, 1)], now=NOW)
    assert await store.airing.begin(keys[0], now=NOW, lease=LEASE) == 0  # the old leader died posting it
    assert await store.airing.leased(NOW) == 1
    assert [e.key for e in await store.airing.pending(NOW)] == [keys[1]]  # leased: not offered
    later = NOW + timedelta(seconds=30)
    assert await store.airing.release_leases(later) == 1
    assert await store.airing.leased(later) == 0
    assert sorted(e.key for e in await store.airing.pending(later)) == sorted(keys)
    # Posted again only after a look in the channel: the attempt with no outcome is still counted.
    assert await store.airing.begin(keys[0], now=later, lease=LEASE) == 1
    assert await store.airing.release_leases(later + LEASE) == 0  # a lease already run out: nothing to do

"""store.parties (bot/store/parties.py) and the server's time zone, on both backends (the `store` fixture):
due parties, the one claim that may post, settling cancelled ones, erasure of who made one."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from bot.models import Drama, WatchParty
from tests.bot.store.readbacks import upsert

START = datetime(2026, 12, 24, 12, tzinfo=UTC)
MEMBER = 7_000_001


async def party(
    store, event_id: int, *, ends: timedelta = timedelta(minutes=90), by: int = MEMBER
) -> WatchParty:  # noqa: ANN001
    drama_id, _ = await upsert(store, Drama(0, "moonlit-ferry", "Moonlit Ferry", 8))
    made = WatchParty(event_id, 10, 20, drama_id, 3, START, START + ends, by, "ko")
    await store.parties.add(made)
    return made


async def test_a_party_is_stored_and_due_after_its_end(store):
    made = await party(store, 900_000_000_000_000_001)
    assert await store.parties.get(made.event_id) == made
    assert await store.parties.due(START + timedelta(minutes=89)) == []
    assert await store.parties.due(START + timedelta(minutes=90)) == [made]


async def test_only_one_claim_posts_even_when_raced(store):
    made = await party(store, 11)
    claims = await asyncio.gather(*(store.parties.claim(made.event_id) for _ in range(5)))
    assert sorted(claims) == [False, False, False, False, True]
    assert await store.parties.due(START + timedelta(days=1)) == []
    assert (await store.parties.get(11)).posted == 1


async def test_a_cancelled_party_is_settled_and_never_claimed(store):
    await party(store, 12)
    assert await store.parties.settle(12) is True
    assert await store.parties.claim(12) is False
    assert await store.parties.due(START + timedelta(days=1)) == []
    assert (await store.parties.get(12)).posted == 2
    assert await store.parties.settle(12) is False


async def test_due_parties_come_oldest_first(store):
    late = await party(store, 13, ends=timedelta(hours=3))
    early = await party(store, 14, ends=timedelta(hours=1))
    assert [p.event_id for p in await store.parties.due(START + timedelta(days=1))] == [
        early.event_id,
        late.event_id,
    ]
    assert await store.parties.forget_guild(10) == 2


async def test_the_same_event_twice_is_refused(store, integrity_error):
    await party(store, 15)
    try:
        await party(store, 15)
    except integrity_error:
        pass
    else:
        raise AssertionError("a second row for one event was stored")
    assert len(await store.parties.due(START + timedelta(days=1))) == 1


async def test_erasure_clears_who_made_it_and_keeps_the_party(store):
    await party(store, 16)
    other = await party(store, 17, by=MEMBER + 1)
    before = await store.erasure.counts(MEMBER)
    erased = await store.erasure.erase(MEMBER)
    assert erased.named >= 1 and erased == before
    kept = await store.parties.get(16)
    assert kept is not None and kept.created_by is None
    assert await store.parties.get(17) == other


async def test_the_servers_time_zone(store):
    assert (await store.curation.guild_settings(5)).timezone is None
    assert await store.curation.set_guild_timezone(5, "Asia/Seoul", actor_id=1, actor_name="a") is None
    assert await store.curation.set_guild_region(5, "KR", actor_id=1, actor_name="a") is None
    settings = await store.curation.guild_settings(5)
    assert (settings.region, settings.timezone) == ("KR", "Asia/Seoul")
    assert await store.curation.set_guild_timezone(5, None, actor_id=1, actor_name="a") == "Asia/Seoul"
    assert (await store.curation.guild_settings(5)).timezone is None
    audit = await store.curation.audit_log(subject="guild:5")
    assert [e.action for e in audit][:2] == ["timezone", "region"]

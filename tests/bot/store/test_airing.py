"""The airing part of the store (issue 13) on both backends: settings, follows, reminders, the ledger."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, time, timedelta

import pytest

from bot.models import AnnounceSettings, Episode
from bot.store import Store
from bot.store.airing import announce_key, recorded_sql, remind_key
from tests.bot.store.readbacks import announcing_guilds, reminders_of, upsert

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
LEASE = timedelta(minutes=5)


@pytest.fixture
async def drama_id(store: Store, records) -> int:
    eps = (
        Episode(1, air_date=date(2026, 12, 1), air_time=time(21, 0)),
        Episode(2, air_date=date(2026, 12, 2)),
        Episode(3),
    )
    drama_id, _ = await upsert(store, records.drama("airs", country="KR", status="airing"), eps)
    return drama_id


async def test_announce_settings_round_trip_and_delay_range(store: Store):
    assert await store.airing.announce_settings(5) is None
    await store.airing.set_announce(AnnounceSettings(5, 50, True, 6), set_by=1, now=NOW)
    assert await store.airing.announce_settings(5) == AnnounceSettings(5, 50, True, 6)
    await store.airing.set_announce(AnnounceSettings(5, 51), set_by=1, now=NOW)
    assert await store.airing.announce_settings(5) == AnnounceSettings(5, 51, False, 0)
    for bad in (-1, 49):
        with pytest.raises(ValueError):
            await store.airing.set_announce(AnnounceSettings(5, 52, False, bad), set_by=1, now=NOW)
    assert await store.airing.announce_settings(5) == AnnounceSettings(5, 51, False, 0)


async def test_follows_and_announcing_guilds(store: Store, drama_id: int):
    await store.airing.set_announce(AnnounceSettings(5, 50), set_by=1, now=NOW)
    await store.airing.set_announce(AnnounceSettings(6, 60), set_by=1, now=NOW)
    assert await announcing_guilds(store) == []
    assert await store.airing.follow(5, drama_id, by=1, now=NOW) is True
    assert await store.airing.follow(5, drama_id, by=1, now=NOW) is False
    assert await store.airing.followed(5) == (drama_id,)
    assert [s.guild_id for s in await announcing_guilds(store)] == [5]
    assert await store.airing.unfollow(5, drama_id) is True
    assert await store.airing.unfollow(5, drama_id) is False
    assert await store.airing.followed(5) == ()


async def test_scheduled_episodes_and_air_dates(store: Store, drama_id: int):
    got = await store.airing.scheduled(date(2026, 11, 30), date(2026, 12, 1))
    assert [(e.drama_id, e.number, e.air_date, e.air_time, e.country) for e in got] == [
        (drama_id, 1, date(2026, 12, 1), time(21, 0), "KR")
    ]
    assert [
        e.number for e in await store.airing.scheduled(date(2026, 12, 1), date(2026, 12, 9), [drama_id])
    ] == [1, 2]
    assert await store.airing.scheduled(date(2026, 12, 1), date(2026, 12, 9), []) == []
    assert await store.airing.has_air_dates(drama_id) is True


async def test_reminders_pause_on_closed_dms_and_tell_once(store: Store, drama_id: int):
    assert await store.airing.remind(7, drama_id, now=NOW) is True
    assert await store.airing.remind(7, drama_id, now=NOW) is False
    assert await store.airing.reminded([drama_id]) == [(7, drama_id)]
    (key,) = await store.airing.record_reminders([(7, drama_id, 1)], now=NOW)
    assert await store.airing.begin(key, now=NOW, lease=LEASE) == 0
    await store.airing.finish(key, outcome="paused", now=NOW, detail="DMs closed")
    assert await reminders_of(store, 7) == [(drama_id, True)]
    assert await store.airing.reminded([drama_id]) == []
    assert await store.airing.take_paused_notice(7) == (drama_id,)
    assert await store.airing.take_paused_notice(7) == ()  # told once
    assert await store.airing.remind(7, drama_id, now=NOW) is True  # resumed
    assert await reminders_of(store, 7) == [(drama_id, False)]
    assert await store.airing.remind_off(7, drama_id) is True
    assert await store.airing.remind_off(7, drama_id) is False


async def test_ledger_keys_are_unique_per_server_and_episode(store: Store, drama_id: int):
    s = AnnounceSettings(5, 50, True)
    assert await store.airing.record_posts(s, [(drama_id, 1)], now=NOW) == [announce_key(5, drama_id, 1)]
    assert await store.airing.record_posts(s, [(drama_id, 1)], now=NOW) == []
    # a digest recorded later leaves out what was recorded already
    key = await store.airing.record_digest(s, [(drama_id, 1), (drama_id, 2)], now=NOW)
    assert key is not None
    assert await store.airing.record_digest(s, [(drama_id, 1), (drama_id, 2)], now=NOW) is None
    assert await store.airing.announced(5) == {(drama_id, 1), (drama_id, 2)}
    pending = {e.key: e for e in await store.airing.pending(NOW)}
    assert set(pending) == {announce_key(5, drama_id, 1), key}
    assert pending[key].episodes == ((drama_id, 2),)
    assert pending[announce_key(5, drama_id, 1)].thread is True
    assert await store.airing.begin(key, now=NOW, lease=LEASE) == 0
    await store.airing.finish(key, outcome="done", now=NOW, message_id=99)
    assert (await store.airing.entry(announce_key(5, drama_id, 2))).state == "done"
    assert (await store.airing.entry(key)).message_id == 99


async def test_begin_leases_counts_unknown_attempts_and_settles(store: Store, drama_id: int):
    (key,) = await store.airing.record_posts(AnnounceSettings(5, 50), [(drama_id, 1)], now=NOW)
    assert await store.airing.begin(key, now=NOW, lease=LEASE) == 0
    assert await store.airing.begin(key, now=NOW + timedelta(minutes=1), lease=LEASE) is None  # leased
    assert await store.airing.pending(NOW + timedelta(minutes=1)) == []
    # the process died after posting: the lease runs out, the next attempt learns of the open one
    assert await store.airing.begin(key, now=NOW + LEASE, lease=LEASE) == 1
    await store.airing.finish(key, outcome="unknown", now=NOW + LEASE)
    assert await store.airing.begin(key, now=NOW + LEASE, lease=LEASE) == 2
    await store.airing.finish(key, outcome="retry", now=NOW + LEASE, retry_after=timedelta(hours=1))
    assert await store.airing.begin(key, now=NOW + LEASE, lease=LEASE) is None  # not before the hour
    assert await store.airing.begin(key, now=NOW + LEASE + timedelta(hours=1), lease=LEASE) == 2
    await store.airing.finish(key, outcome="done", now=NOW + LEASE, message_id=1)
    assert await store.airing.begin(key, now=NOW + timedelta(days=1), lease=LEASE) is None
    assert (await store.airing.entry(key)).state == "done"


async def test_expire_settles_old_pending_intents(store: Store, drama_id: int):
    (old,) = await store.airing.record_posts(AnnounceSettings(5, 50), [(drama_id, 1)], now=NOW)
    await store.airing.remind(7, drama_id, now=NOW)
    (new,) = await store.airing.record_reminders([(7, drama_id, 1)], now=NOW + timedelta(days=8))
    assert await store.airing.expire(NOW + timedelta(days=1)) == 1
    assert (await store.airing.entry(old)).state == "skipped"
    assert (await store.airing.entry(new)).state == "pending"
    assert new == remind_key(7, drama_id, 1)


async def test_two_processes_begin_the_same_intent_once(store: Store, store_location, drama_id: int):
    (key,) = await store.airing.record_posts(AnnounceSettings(5, 50), [(drama_id, 1)], now=NOW)
    other = await Store.open(store_location)
    try:
        for _ in range(3):
            got = await asyncio.gather(
                store.airing.begin(key, now=NOW, lease=LEASE), other.airing.begin(key, now=NOW, lease=LEASE)
            )
            assert got.count(None) == 1 and 0 in got  # one process holds it, the other is told no
            await store.airing.finish(key, outcome="retry", now=NOW)
        # both record the same episodes at once: each key is created once
        made = await asyncio.gather(
            store.airing.record_posts(AnnounceSettings(5, 50), [(drama_id, 2), (drama_id, 3)], now=NOW),
            other.airing.record_digest(AnnounceSettings(5, 50), [(drama_id, 2), (drama_id, 3)], now=NOW),
        )
        posts, digest = made
        covered = await store.airing.pending(NOW)
        assert sorted(posts + [k for e in covered if e.kind == "digest" for k in
                               (announce_key(5, d, n) for d, n in e.episodes)]) == sorted(
            [announce_key(5, drama_id, 2), announce_key(5, drama_id, 3)])  # fmt: skip
        assert (digest is None) == (len(posts) == 2)
    finally:
        await other.close()


async def test_a_reminder_keeps_the_members_language(store: Store, drama_id: int):
    await store.airing.remind(7, drama_id, now=NOW, locale="ko")
    assert await store.airing.reminder_locale(7, drama_id) == "ko"
    await store.airing.remind(7, drama_id, now=NOW, locale="en")  # asked again from an English client
    assert await store.airing.reminder_locale(7, drama_id) == "en"
    assert await store.airing.reminder_locale(8, drama_id) == "en"


async def test_a_pause_seen_by_another_process_within_the_refresh_window(
    store: Store, drama_id: int, monkeypatch
):
    """Every interaction asks whether its member is to be told; the answer comes from memory, read again
    at most every TELL_REFRESH_S. A pause made by another process is told after that window."""
    from bot.store import airing as airing_part

    assert await store.airing.take_paused_notice(8) == ()  # this process has read the (empty) list now
    await store.airing.remind(8, drama_id, now=NOW)
    (key,) = await store.airing.record_reminders([(8, drama_id, 1)], now=NOW)
    assert await store.airing.begin(key, now=NOW, lease=LEASE) == 0
    # as another process would: pause it in the database directly, not through this Airing part
    await store.airing._db.write(
        lambda tx: tx.execute("UPDATE reminders SET paused = 1, tell = 1 WHERE user_id = ?", (8,))
    )
    assert await store.airing.take_paused_notice(8) == ()  # not seen yet: read less than 30 s ago
    monkeypatch.setattr(airing_part, "TELL_REFRESH_S", 0.0)
    assert await store.airing.take_paused_notice(8) == (drama_id,)  # the window is over: told
    assert await store.airing.take_paused_notice(8) == ()  # and only once


async def test_the_cycle_reads_the_ledger_of_the_given_episodes_only(store: Store, drama_id: int, records):
    other, _ = await upsert(
        store, records.drama("other", country="KR", status="airing"), (Episode(1),)
    )
    for guild in (5, 6):
        await store.airing.record_posts(
            AnnounceSettings(guild, guild * 10), [(drama_id, 1), (drama_id, 2)], now=NOW
        )
    await store.airing.record_digest(AnnounceSettings(7, 70), [(drama_id, 2), (drama_id, 3)], now=NOW)
    await store.airing.record_posts(AnnounceSettings(5, 50), [(other, 1)], state="skipped", now=NOW)
    await store.airing.remind(9, drama_id, now=NOW)
    await store.airing.remind(8, other, now=NOW)
    await store.airing.record_reminders([(9, drama_id, 1), (9, drama_id, 3), (8, other, 1)], now=NOW)
    announced, reminded = await store.airing.recorded({drama_id: (2, 3)})
    assert announced == {(5, drama_id, 2), (6, drama_id, 2), (7, drama_id, 2), (7, drama_id, 3)}
    assert reminded == {(9, drama_id, 3)}
    announced, reminded = await store.airing.recorded({drama_id: (1, 1), other: (1, 1)})
    assert announced == {(5, drama_id, 1), (6, drama_id, 1), (5, other, 1)}
    assert reminded == {(9, drama_id, 1), (8, other, 1)}
    assert await store.airing.recorded({}) == (set(), set())


async def test_the_ledger_read_by_episode_uses_its_index(store: Store, raw, drama_id: int):
    """The cycle's read of the ledger goes through announcements(drama_id, episode) (migration 0011), so
    it reads the rows of the episodes that may be due, not every row of the ever-growing ledger."""
    s = AnnounceSettings(5, 50)
    await store.airing.record_posts(s, [(drama_id, n) for n in (1, 2, 3)], now=NOW)
    if raw.backend == "postgres":
        rows = await raw.fetch("SELECT indexdef FROM pg_indexes WHERE indexname = 'announcements_episode'")
        assert rows and "(drama_id, episode)" in rows[0][0]
        return
    plan = " | ".join(
        str(r[-1])
        for r in await raw.fetch("EXPLAIN QUERY PLAN " + recorded_sql(2), drama_id, 2, 3, drama_id + 1, 1, 1)
    )
    assert "announcements_episode" in plan, plan
    assert "SCAN announcements" not in plan, plan  # without the index: one scan of the whole ledger


async def test_servers_and_their_follows_in_one_read_and_their_posts_in_one_write(
    store: Store, drama_id: int, records
):
    other, _ = await upsert(
        store, records.drama("other", country="KR", status="airing"), (Episode(1),)
    )
    await store.airing.set_announce(AnnounceSettings(5, 50, True, 6), set_by=1, now=NOW)
    await store.airing.set_announce(AnnounceSettings(6, 60), set_by=1, now=NOW)
    for guild, drama in ((5, drama_id), (5, other), (6, other), (7, drama_id)):  # 7: no channel set
        await store.airing.follow(guild, drama, by=1, now=NOW)
    assert await store.airing.announcing_follows([drama_id]) == [
        (AnnounceSettings(5, 50, True, 6), (drama_id,))
    ]
    assert await store.airing.announcing_follows([drama_id, other]) == [
        (AnnounceSettings(5, 50, True, 6), tuple(sorted((drama_id, other)))),
        (AnnounceSettings(6, 60), (other,)),
    ]
    batch = [
        (AnnounceSettings(5, 50, True, 6), [(drama_id, 1)], "pending"),
        (AnnounceSettings(6, 60), [(other, 1)], "skipped"),
    ]
    made = await store.airing.record_many(batch, now=NOW)
    assert made == [announce_key(5, drama_id, 1), announce_key(6, other, 1)]
    assert await store.airing.record_many(batch, now=NOW) == []  # recorded once, whoever comes second
    assert (await store.airing.entry(announce_key(6, other, 1))).state == "skipped"
    assert [e.key for e in await store.airing.pending(NOW)] == [announce_key(5, drama_id, 1)]
    assert (await store.airing.entry(announce_key(5, drama_id, 1))).thread is True


async def test_one_cycle_records_every_server_once_in_batches(store: Store, records):
    """The scheduler's record_due over several servers (batched reads and one write for the posts): on
    time and late episodes posted, two late ones as a digest, one too old skipped, nothing twice."""
    from bot.airing.scheduler import CycleReport, record_due

    eps = tuple(Episode(n, air_date=date(2026, 12, n), air_time=time(21, 0)) for n in (1, 2, 3))  # 12:00 UTC
    a, _ = await upsert(store, records.drama("a", country="KR", status="airing"), eps)
    old = (Episode(1, air_date=date(2026, 11, 25), air_time=time(21, 0)),)
    b, _ = await upsert(store, records.drama("b", country="KR", status="airing"), old)
    now = datetime(2026, 12, 3, 12, 5, tzinfo=UTC)
    for guild, delay, follows in ((5, 0, (a,)), (6, 6, (a,)), (8, 0, (b,))):
        await store.airing.set_announce(AnnounceSettings(guild, guild * 10, False, delay), set_by=1, now=NOW)
        for drama in follows:
            await store.airing.follow(guild, drama, by=1, now=NOW)
    await store.airing.follow(7, a, by=1, now=NOW)  # no announcement channel: nothing for it
    await store.airing.record_posts(AnnounceSettings(5, 50), [(a, 1)], now=NOW)  # posted before
    report = CycleReport()
    await record_due(store, now, report)
    assert (report.recorded, report.skipped) == (3, 1)
    pending = {e.key: e for e in await store.airing.pending(now)}
    digest = next(k for k in pending if k.startswith("digest:6:"))
    assert set(pending) == {announce_key(5, a, 1), announce_key(5, a, 2), announce_key(5, a, 3), digest}
    assert pending[digest].episodes == ((a, 1), (a, 2))  # episode 3 waits for server 6's delay
    assert (await store.airing.entry(announce_key(8, b, 1))).state == "skipped"
    again = CycleReport()
    await record_due(store, now, again)
    assert (again.recorded, again.skipped) == (0, 0)


# ---- a channel Discord refused is paused (no retry storm) ----------------------------------------------


async def test_a_blocked_channel_is_paused_its_posts_wait_and_announce_resumes_it(store: Store, drama_id: int):
    settings = AnnounceSettings(5, 50)
    await store.airing.set_announce(settings, set_by=1, now=NOW)
    await store.airing.follow(5, drama_id, by=1, now=NOW)
    (key,) = await store.airing.record_posts(settings, [(drama_id, 1)], now=NOW)
    await store.airing.remind(7, drama_id, now=NOW)  # a DM is recorded only for a reminder that exists
    (dm,) = await store.airing.record_reminders([(7, drama_id, 1)], now=NOW)
    assert await store.airing.begin(key, now=NOW, lease=LEASE) == 0
    await store.airing.finish(key, outcome="blocked", now=NOW, detail="Missing Access (50001)")
    paused = await store.airing.announce_settings(5)
    assert paused is not None and paused.paused_reason == "Missing Access (50001)"
    assert (await store.airing.entry(key)).state == "pending"  # waits, its attempt closed
    later = NOW + timedelta(days=1)
    assert [e.key for e in await store.airing.pending(later)] == [dm]  # the member's DM still goes
    assert await store.airing.announcing_follows([drama_id]) == []  # nothing new recorded for it
    # /announce set again: resumed, the waiting post is offered again, with no unknown attempt to check
    await store.airing.set_announce(settings, set_by=1, now=later)
    assert await store.airing.announce_settings(5) == settings
    assert {e.key for e in await store.airing.pending(later)} == {key, dm}
    assert await store.airing.begin(key, now=later, lease=LEASE) == 0
    assert [s.guild_id for s, _ in await store.airing.announcing_follows([drama_id])] == [5]


async def test_a_blocked_post_for_a_channel_no_longer_chosen_fails_and_pauses_nothing(
    store: Store, drama_id: int
):
    (key,) = await store.airing.record_posts(AnnounceSettings(5, 50), [(drama_id, 1)], now=NOW)
    await store.airing.set_announce(AnnounceSettings(5, 51), set_by=1, now=NOW)  # moved since
    await store.airing.finish(key, outcome="blocked", now=NOW, detail="Unknown Channel (10003)")
    assert (await store.airing.entry(key)).state == "failed"
    assert (await store.airing.announce_settings(5)).paused_reason is None


async def test_a_refused_body_is_failed_not_done(store: Store, drama_id: int):
    (key,) = await store.airing.record_posts(AnnounceSettings(5, 50), [(drama_id, 1)], now=NOW)
    assert await store.airing.begin(key, now=NOW, lease=LEASE) == 0
    await store.airing.finish(key, outcome="failed", now=NOW, detail="400 50035: Invalid Form Body")
    entry = await store.airing.entry(key)
    assert entry.state == "failed" and entry.message_id is None
    assert await store.airing.pending(NOW + timedelta(days=1)) == []


async def test_a_member_with_closed_dms_gets_no_attempt_until_remind_on(store: Store, drama_id: int):
    assert await store.airing.remind(7, drama_id, now=NOW) is True
    first, second = await store.airing.record_reminders([(7, drama_id, 1), (7, drama_id, 2)], now=NOW)
    assert await store.airing.begin(first, now=NOW, lease=LEASE) == 0
    await store.airing.finish(first, outcome="paused", now=NOW, detail="DMs closed")
    assert (await store.airing.entry(first)).state == "paused"  # that episode: never tried again
    assert await reminders_of(store, 7) == [(drama_id, True)]
    assert await store.airing.pending(NOW + timedelta(hours=1)) == []  # the other one waits: no request
    assert await store.airing.remind(7, drama_id, now=NOW) is True  # /remind on: resumed
    assert [e.key for e in await store.airing.pending(NOW + timedelta(hours=1))] == [second]

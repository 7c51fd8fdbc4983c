"""/pick's store part on both backends: the candidates (Plan to watch counts, ties by the Bayesian score),
one poll per channel, and an ended poll settled once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.store.polls import RESERVATION

GUILD, OTHER_GUILD = 9001, 9002
CHANNEL, OTHER_CHANNEL = 7001, 7002
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
LEASE = timedelta(minutes=5)


async def plan(store, drama_id: int, *users: int, guild: int = GUILD) -> None:
    for user in users:
        await store.watchlists.set(user_id=user, guild_id=guild, drama_id=drama_id, status="plan")


async def test_candidates_count_this_servers_plans_and_break_ties_by_the_bayesian_score(store, add_drama):
    a, b, c, d, e = [await add_drama(f"d{i}", title=f"Drama {i}") for i in range(5)]
    await plan(store, a, 1, 2, 3)
    await plan(store, b, 1, 2)
    await plan(store, c, 4, 5)
    await plan(store, d, 6)
    await plan(store, e, 7, 8, 9, 10, guild=OTHER_GUILD)  # another server's plans do not count here
    await store.watchlists.set(user_id=11, guild_id=GUILD, drama_id=d, status="watching")  # not a plan
    # b and c tie on plans; c is rated better in this server
    for user, score in ((20, 5), (21, 4.5), (22, 5)):
        await store.ratings.rate(user_id=user, guild_id=GUILD, drama_id=c, score=score)
    for user, score in ((20, 2), (21, 2.5), (22, 2)):
        await store.ratings.rate(user_id=user, guild_id=GUILD, drama_id=b, score=score)
    found = await store.polls.candidates(GUILD, 10)
    assert [x.drama_id for x in found] == [a, c, b, d]
    assert [x.plans for x in found] == [3, 2, 2, 1]
    assert found[1].server_score > found[2].server_score
    assert found[0].server_score is not None and found[0].title == "Drama 0"
    assert [x.drama_id for x in await store.polls.candidates(GUILD, 2)] == [a, c]
    assert await store.polls.candidates(12345, 5) == []


async def test_ties_without_server_ratings_go_to_everyones_score_then_the_lower_id(store, add_drama):
    a, b, c = [await add_drama(f"t{i}") for i in range(3)]
    for drama in (a, b, c):
        await plan(store, drama, 1)
    for user in (30, 31, 32):  # rated elsewhere only: everyone's chart decides
        await store.ratings.rate(user_id=user, guild_id=OTHER_GUILD, drama_id=c, score=5)
        await store.ratings.rate(user_id=user, guild_id=None, drama_id=a, score=1)
    found = await store.polls.candidates(GUILD, 5)
    assert [x.drama_id for x in found] == [c, b, a]
    assert found[0].server_score is None and found[0].everyone_score > found[1].everyone_score


async def test_a_removed_drama_is_no_candidate(store, add_drama):
    a, b = await add_drama("keep"), await add_drama("gone")
    await plan(store, a, 1)
    await plan(store, b, 1, 2)
    await store.db.write(
        lambda tx: tx.execute(f"UPDATE dramas SET hidden_at = {store.db.now} WHERE id = ?", (b,))
    )
    assert [x.drama_id for x in await store.polls.candidates(GUILD, 5)] == [a]


async def test_one_poll_per_channel_until_it_is_settled(store, raw):
    ends = NOW + timedelta(hours=24)
    assert await store.polls.open(
        channel_id=CHANNEL, guild_id=GUILD, drama_ids=[3, 1, 2], ends_at=ends, now=NOW
    )
    # a second poll in the channel, reserved or posted, is refused and changes nothing
    assert not await store.polls.open(
        channel_id=CHANNEL, guild_id=GUILD, drama_ids=[4, 5], ends_at=ends, now=NOW
    )
    await store.polls.posted(CHANNEL, 555)
    later = NOW + timedelta(hours=30)  # ended, but not settled yet: still refused
    assert not await store.polls.open(
        channel_id=CHANNEL, guild_id=GUILD, drama_ids=[4, 5], ends_at=later + timedelta(hours=1), now=later
    )
    poll = await store.polls.in_channel(CHANNEL)
    assert (poll.message_id, poll.drama_ids, poll.ends_at, poll.done) == (555, (3, 1, 2), ends, False)
    # another channel is free
    assert await store.polls.open(
        channel_id=OTHER_CHANNEL, guild_id=GUILD, drama_ids=[4, 5], ends_at=ends, now=NOW
    )
    assert await store.polls.finish(poll, outcome="winner", now=later, winner_id=3, posted=777)
    assert await store.polls.outcome(CHANNEL) == ("winner", 3, 777)
    assert await store.polls.open(
        channel_id=CHANNEL, guild_id=GUILD, drama_ids=[4, 5], ends_at=later + timedelta(hours=1), now=later
    )
    fresh = await store.polls.in_channel(CHANNEL)
    assert (fresh.message_id, fresh.drama_ids, fresh.done) == (None, (4, 5), False)
    assert await store.polls.outcome(CHANNEL) == (None, None, None)


async def test_a_failed_post_or_a_stale_reservation_frees_the_channel(store):
    ends = NOW + timedelta(hours=1)
    assert await store.polls.open(channel_id=CHANNEL, guild_id=GUILD, drama_ids=[1, 2], ends_at=ends, now=NOW)
    await store.polls.cancel(CHANNEL)
    assert await store.polls.in_channel(CHANNEL) is None
    assert await store.polls.open(channel_id=CHANNEL, guild_id=GUILD, drama_ids=[1, 2], ends_at=ends, now=NOW)
    soon = NOW + RESERVATION - timedelta(seconds=1)
    assert not await store.polls.open(
        channel_id=CHANNEL, guild_id=GUILD, drama_ids=[1, 2], ends_at=ends, now=soon
    )
    late = NOW + RESERVATION + timedelta(seconds=1)  # its process died before posting
    assert await store.polls.open(
        channel_id=CHANNEL, guild_id=GUILD, drama_ids=[2, 1], ends_at=ends, now=late
    )
    await store.polls.posted(CHANNEL, 9)
    await store.polls.cancel(CHANNEL)  # a posted poll is not cancelled
    assert (await store.polls.in_channel(CHANNEL)).message_id == 9


@pytest.mark.parametrize("ids", [[1], list(range(11))])
async def test_a_poll_needs_two_to_ten_dramas_and_a_future_end(store, ids):
    with pytest.raises(ValueError):
        await store.polls.open(
            channel_id=CHANNEL, guild_id=GUILD, drama_ids=ids, ends_at=NOW + LEASE, now=NOW
        )
    with pytest.raises(ValueError):
        await store.polls.open(channel_id=CHANNEL, guild_id=GUILD, drama_ids=[1, 2], ends_at=NOW, now=NOW)
    assert await store.polls.in_channel(CHANNEL) is None


async def test_an_ended_poll_is_due_leased_once_and_settled_once(store):
    ends = NOW + timedelta(hours=2)
    await store.polls.open(channel_id=CHANNEL, guild_id=GUILD, drama_ids=[1, 2], ends_at=ends, now=NOW)
    assert await store.polls.due(ends) == []  # not posted yet
    await store.polls.posted(CHANNEL, 42)
    assert await store.polls.due(ends - timedelta(seconds=1)) == []
    [poll] = await store.polls.due(ends)
    assert await store.polls.claim(poll, now=ends, lease=LEASE)
    assert not await store.polls.claim(poll, now=ends, lease=LEASE)  # another process: leased
    assert await store.polls.due(ends) == []
    await store.polls.release(poll)
    assert await store.polls.claim(poll, now=ends, lease=LEASE)
    after = ends + LEASE  # the holder died: the lease runs out
    assert [p.channel_id for p in await store.polls.due(after)] == [CHANNEL]
    assert await store.polls.claim(poll, now=after, lease=LEASE)
    assert await store.polls.finish(poll, outcome="no_votes", now=after, posted=43)
    assert not await store.polls.finish(poll, outcome="winner", now=after, winner_id=1, posted=44)
    assert await store.polls.outcome(CHANNEL) == ("no_votes", None, 43)
    assert await store.polls.due(after + timedelta(days=1)) == []
    with pytest.raises(ValueError):
        await store.polls.finish(poll, outcome="maybe", now=after)


async def test_scores_of_a_polls_dramas_include_one_no_longer_planned(store, add_drama):
    a, b, c = await add_drama("s1"), await add_drama("s2"), await add_drama("s3")
    await plan(store, a, 1)
    for user in (1, 2, 3):  # b above the server's mean, a unrated (at the mean)
        await store.ratings.rate(user_id=user, guild_id=GUILD, drama_id=b, score=5)
        await store.ratings.rate(user_id=user, guild_id=GUILD, drama_id=c, score=1)
    found = await store.polls.scores(GUILD, [a, b])
    assert found[a].plans == 1 and found[b].plans == 0
    assert found[b].server_score is not None and found[b].server_score > (found[a].server_score or 0)

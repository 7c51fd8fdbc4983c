"""The announcement scheduler through simulated days (issue 13): a real discord.py client in the test
process, the Discord stand-in (every body checked against the OpenAPI description), a real store, and a
ManualClock. Episodes air, the bot is away for days, crashes between a post and its bookkeeping, and two
processes run a cycle at once: every aired episode is announced exactly once per server and reminded at
most once per member, and nothing older than 7 days is posted.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest

from bot.airing.announcer import Delivery, Dispatcher, Status
from bot.airing.scheduler import LEASE, AiringJob, StoreLedger, run_cycle
from bot.models import AnnounceSettings, Drama, Episode
from bot.store import Store
from tests.bot.store.readbacks import reminders_of, upsert
from tests.clocks import ManualClock

from .inprocess import connected_client
from .standin import DiscordStandIn

# 21:00 in Seoul is 12:00 UTC: episode n airs on 1 December + (n - 1) days.
FIRST = date(2026, 12, 1)
RUNNER = Drama(
    id=0, slug="lovely-runner", title="Lovely Runner", episode_count=10, country="KR", status="airing"
)


@pytest.fixture(params=["sqlite", "postgres"])
def location(request: pytest.FixtureRequest, tmp_path: Path) -> Path | str:
    """The store's database: a SQLite file, or a fresh migrated PostgreSQL database."""
    return tmp_path / "bot.db" if request.param == "sqlite" else request.getfixturevalue("pg_migrated_url")


def episodes(count: int = 10) -> tuple[Episode, ...]:
    return tuple(
        Episode(n, air_date=FIRST + timedelta(days=n - 1), air_time=time(21, 0)) for n in range(1, count + 1)
    )


class CrashingLedger(StoreLedger):
    """The process dies after the post and before the bookkeeping: `finish` never reaches the store."""

    async def finish(self, key: str, delivery: Delivery) -> None:
        raise RuntimeError("killed between the post and the bookkeeping")


def titles(world, channel_id: str) -> list[str]:
    return [m["embeds"][0]["title"] for m in world.messages_in(channel_id)]


async def test_simulated_days_announce_every_episode_once(discord_stub: DiscordStandIn, location: Path | str):
    world = discord_stub.world
    world.nonce_window = 0  # restarts come later than Discord remembers nonces: only the ledger can tell
    channel = await world.add_text_channel("announcements")
    fan, shy = world.add_user("fan"), world.add_user("shy", dms_open=False)
    guild = int(discord_stub.guild_id)
    clock = ManualClock(datetime(2026, 12, 1, 12, 30, tzinfo=UTC))
    store = await Store.open(location)
    other = await Store.open(location)  # a second process on the same database
    try:
        drama_id, _ = await upsert(store, RUNNER, episodes())
        await store.airing.set_announce(
            AnnounceSettings(guild, int(channel), thread=True), set_by=1, now=clock.now()
        )
        await store.airing.follow(guild, drama_id, by=1, now=clock.now())
        for user in (fan, shy):
            await store.airing.remind(int(user["id"]), drama_id, now=clock.now())
        async with connected_client(discord_stub) as client:

            async def cycle(on: Store = store, ledger: StoreLedger | None = None):
                return await run_cycle(on, clock, Dispatcher(client, ledger or StoreLedger(on, clock)))

            # day 1: episode 1 airs; the fan gets a DM, the member with closed DMs is paused (no error)
            first = await cycle()
            assert sorted(o.status.value for o in first.outcomes) == ["dms_closed", "posted", "posted"]
            assert titles(world, channel) == ["Lovely Runner · Episode 1"]
            assert await reminders_of(store, int(shy["id"])) == [(drama_id, True)]
            assert (await cycle()).outcomes == []  # the same minute again: nothing

            # day 2
            clock.advance(timedelta(days=1))
            await cycle()
            assert titles(world, channel)[-1] == "Lovely Runner · Episode 2"

            # away for three days: episodes 3 and 4 come in one digest, 5 (just aired) on its own
            clock.advance(timedelta(days=3))
            await cycle()
            assert sorted(titles(world, channel)[2:]) == [
                "Lovely Runner · Episode 5",
                "While I was away: 2 new episodes",
            ]
            digest = next(
                m for m in world.messages_in(channel) if m["embeds"][0]["title"].startswith("While")
            )
            assert "Episodes 3–4" in digest["embeds"][0]["description"]

            # day 6: the post goes out, then the process dies before recording it
            clock.advance(timedelta(days=1))
            crashed = await cycle(ledger=CrashingLedger(store, clock))
            assert Status.POSTED in {o.status for o in crashed.outcomes}
            assert titles(world, channel).count("Lovely Runner · Episode 6") == 1
            assert (await cycle()).outcomes == []  # the lease still holds it: no second attempt yet
            clock.advance(LEASE + timedelta(minutes=1))
            recovered = await cycle()  # the restarted process checks the channel before posting
            assert {o.status for o in recovered.outcomes} == {Status.FOUND}
            assert titles(world, channel).count("Lovely Runner · Episode 6") == 1

            # day 7: two processes run a cycle at the same moment
            clock.advance(timedelta(days=1) - LEASE - timedelta(minutes=1))
            a, b = await asyncio.gather(cycle(store), cycle(other))
            statuses = [o.status for o in a.outcomes + b.outcomes]
            assert statuses.count(Status.POSTED) == 2  # the episode post and the fan's DM, once each

            # away for ten days: episodes 8-10 aired more than 7 days ago and are never posted
            clock.advance(timedelta(days=10, hours=1))
            late = await cycle()
            assert late.outcomes == [] and late.skipped == 6  # 3 posts, 3 of the fan's reminders

        posts = titles(world, channel)
        expected = [f"Lovely Runner · Episode {n}" for n in (1, 2, 5, 6, 7)]
        assert sorted(p for p in posts if not p.startswith("While")) == sorted(expected)
        assert len(posts) == len(set(posts)) == 6  # and one digest: no duplicate, nothing missed
        assert len(world.threads) == 5  # one spoiler thread under each episode post
        dms = titles(world, world.dm_channel_of(fan["id"])["id"])
        assert dms == [f"Lovely Runner · Episode {n}" for n in (1, 2, 5, 6, 7)]
        assert (
            world.dm_channel_of(shy["id"]) is None
            or titles(world, world.dm_channel_of(shy["id"])["id"]) == []
        )
        assert await store.airing.take_paused_notice(int(shy["id"])) == (drama_id,)
        for n in (8, 9, 10):
            assert (await store.airing.entry(f"announce:{guild}:{drama_id}:{n}")).state == "skipped"
        bodies = [
            r.body for r in discord_stub.requests if r.method == "POST" and r.path.endswith("/messages")
        ]
        assert bodies and all(b["allowed_mentions"] == {"parse": []} for b in bodies)
    finally:
        await other.close()
        await store.close()


async def test_delay_and_a_blocked_channel(discord_stub: DiscordStandIn, tmp_path: Path):
    from .channels import EMBED_LINKS, overwrite

    world = discord_stub.world
    gid = discord_stub.guild_id
    channel = await world.add_text_channel("subs", overwrites=[overwrite(gid, deny=EMBED_LINKS)])
    clock = ManualClock(datetime(2026, 12, 1, 12, 30, tzinfo=UTC))
    store = await Store.open(tmp_path / "bot.db")
    try:
        drama_id, _ = await upsert(store, RUNNER, episodes(2))
        await store.airing.set_announce(
            AnnounceSettings(int(gid), int(channel), delay_hours=6), set_by=1, now=clock.now()
        )
        await store.airing.follow(int(gid), drama_id, by=1, now=clock.now())
        async with connected_client(discord_stub) as client:
            dispatcher = Dispatcher(client, StoreLedger(store, clock))
            assert (await run_cycle(store, clock, dispatcher)).outcomes == []  # the delay is not over
            clock.advance(timedelta(hours=6))
            (blocked,) = (await run_cycle(store, clock, dispatcher)).outcomes
            assert blocked.status is Status.MISSING_PERMISSIONS and world.messages_in(channel) == []
            paused = await store.airing.announce_settings(int(gid))
            assert paused is not None and paused.paused_reason == "Embed Links"  # paused, not retried
            await world.set_overwrites(channel, [])  # an admin fixes the channel
            clock.advance(timedelta(hours=2))
            assert (await run_cycle(store, clock, dispatcher)).outcomes == []  # still paused ...
            await store.airing.set_announce(  # ... until /announce is set again
                AnnounceSettings(int(gid), int(channel), delay_hours=6), set_by=1, now=clock.now()
            )
            (posted,) = (await run_cycle(store, clock, dispatcher)).outcomes
            assert posted.status is Status.POSTED
        assert titles(world, channel) == ["Lovely Runner · Episode 1"]
    finally:
        await store.close()


async def test_dm_channels_are_remembered_across_restarts_and_a_new_leader_takes_over_at_once(
    discord_stub: DiscordStandIn, location: Path | str
):
    world = discord_stub.world
    world.nonce_window = 0  # only the check in the channel can stop a second post
    channel = await world.add_text_channel("announcements")
    fan = world.add_user("fan")
    guild = int(discord_stub.guild_id)
    clock = ManualClock(datetime(2026, 12, 1, 12, 30, tzinfo=UTC))

    def dms_opened() -> int:
        return sum(1 for r in discord_stub.requests if r.method == "POST" and r.path == "/users/@me/channels")

    store = await Store.open(location)
    try:
        drama_id, _ = await upsert(store, RUNNER, episodes(3))
        await store.airing.set_announce(AnnounceSettings(guild, int(channel)), set_by=1, now=clock.now())
        await store.airing.follow(guild, drama_id, by=1, now=clock.now())
        await store.airing.remind(int(fan["id"]), drama_id, now=clock.now())
        async with connected_client(discord_stub) as client:  # day 1: the DM channel is opened
            report = await run_cycle(store, clock, Dispatcher(client, StoreLedger(store, clock)))
            assert [o.status for o in report.outcomes] == [Status.POSTED] * 2 and dms_opened() == 1
            clock.advance(timedelta(days=1))  # day 2, same process: posted to the channel remembered
            await run_cycle(store, clock, Dispatcher(client, StoreLedger(store, clock)))
            assert dms_opened() == 1
            clock.advance(timedelta(days=1))  # day 3: the leader posts, then dies before the bookkeeping
            crashed = await run_cycle(store, clock, Dispatcher(client, CrashingLedger(store, clock)))
            assert [o.status for o in crashed.outcomes] == [Status.POSTED] * 2
    finally:
        await store.close()

    restarted = await Store.open(location)  # another process (or the same after a restart) leads now
    try:
        async with connected_client(discord_stub) as client:  # a new client: discord.py knows no DM channel
            job = AiringJob(client, lambda: restarted, clock, timedelta(minutes=1))
            clock.advance(timedelta(seconds=30))  # well within the dead leader's 5-minute leases
            assert (
                await run_cycle(restarted, clock, Dispatcher(client, StoreLedger(restarted, clock)))
            ).outcomes == []
            assert await job.take_over(restarted) == 2
            dispatcher = Dispatcher(client, StoreLedger(restarted, clock), totals=job.totals)
            recovered = await run_cycle(restarted, clock, dispatcher)
            assert [o.status for o in recovered.outcomes] == [Status.FOUND] * 2  # checked, not posted again
            assert job.totals == {"found": 2} and dispatcher.backlog == 0
    finally:
        await restarted.close()
    assert titles(world, channel) == [f"Lovely Runner · Episode {n}" for n in (1, 2, 3)]
    assert titles(world, world.dm_channel_of(fan["id"])["id"]) == [
        f"Lovely Runner · Episode {n}" for n in (1, 2, 3)
    ]
    assert dms_opened() == 1  # once, across waves, processes and restarts


async def test_a_wave_larger_than_a_page_goes_on_at_once_but_a_page_of_retries_waits(
    discord_stub: DiscordStandIn, tmp_path: Path
):
    world = discord_stub.world
    fans = [world.add_user(f"fan{i}") for i in range(5)]
    clock = ManualClock(datetime(2026, 12, 1, 12, 30, tzinfo=UTC))
    store = await Store.open(tmp_path / "bot.db")
    try:
        drama_id, _ = await upsert(store, RUNNER, episodes(2))
        for fan in fans:
            await store.airing.remind(int(fan["id"]), drama_id, now=clock.now())
        async with connected_client(discord_stub) as client:
            dispatcher = Dispatcher(client, StoreLedger(store, clock))
            first = await run_cycle(store, clock, dispatcher, page=2)
            assert len(first.outcomes) == 2 and first.more and first.again_now
            second = await run_cycle(store, clock, dispatcher, page=2)
            assert len(second.outcomes) == 2 and second.again_now
            last = await run_cycle(store, clock, dispatcher, page=2)
            assert len(last.outcomes) == 1 and not last.more and not last.again_now
            assert sorted(len(world.messages_in(world.dm_channel_of(f["id"])["id"])) for f in fans) == [1] * 5
            # Discord unreachable for a full page: not asked again at once.
            clock.advance(timedelta(days=1))
            discord_stub.fail_requests(lambda method, path: method == "POST", 503, n=100)
            down = await run_cycle(
                store, clock, Dispatcher(client, StoreLedger(store, clock), tries=1), page=2
            )
            assert down.more and [o.status for o in down.outcomes] == [Status.UNKNOWN] * 2
            assert not down.again_now
    finally:
        await store.close()

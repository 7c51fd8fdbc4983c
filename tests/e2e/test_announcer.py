"""bot.airing.announcer end to end: a real discord.py client in the test process posts intents to the Discord
stand-in, which checks every body against the OpenAPI description and keeps what was posted.

The outcomes the dispatcher returns are checked against what the stand-in holds: one message per
intent, whatever Discord does in between (429s, lost answers, a crash between post and bookkeeping).
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import discord
import pytest

from bot.airing.announcer import Delivery, Dispatcher, Intent, Status
from bot.cards.airing import AiringEpisode, announcement_card, reminder_card, thread_name
from bot.models import Drama

from .channels import CREATE_PUBLIC_THREADS, EMBED_LINKS, overwrite
from .inprocess import connected_client
from .standin import DiscordStandIn

AIRED = datetime(2026, 11, 27, 11, 50, tzinfo=UTC)
RUNNER = Drama(id=1, slug="lovely-runner", title="Lovely Runner", episode_count=16, country="KR")


def announce(channel_id: str, number: int, *, thread: bool = True, **kw) -> Intent:
    card = announcement_card(AiringEpisode(RUNNER, number, AIRED))
    return Intent(
        key=f"announce:{channel_id}:1:{number}",
        embed=card,
        channel_id=int(channel_id),
        thread_name=thread_name(number) if thread else None,
        **kw,
    )


def remind(user_id: str, number: int) -> Intent:
    return Intent(
        key=f"remind:{user_id}:1:{number}",
        embed=reminder_card(AiringEpisode(RUNNER, number, AIRED)),
        user_id=int(user_id),
    )


def creates(stand_in: DiscordStandIn, channel_id: str) -> list[int | None]:
    return [
        r.status
        for r in stand_in.requests
        if r.method == "POST" and r.path == f"/channels/{channel_id}/messages"
    ]


class Crash(Exception):
    pass


class MemoryLedger:
    """A real (in-memory) implementation of bot.airing.announcer.Ledger, as the store will provide it durably."""

    def __init__(self, crash_in_finish: bool = False) -> None:
        self.attempts: dict[str, int] = {}
        self.done: dict[str, Delivery] = {}
        self.crash_in_finish = crash_in_finish
        self.active = self.max_active = 0
        self.dms: dict[int, int] = {}  # remembered DM channels
        self.forgotten: list[tuple[int, int]] = []

    async def begin(self, key: str) -> int | None:
        if key in self.done:
            return None
        earlier = self.attempts.get(key, 0)
        self.attempts[key] = earlier + 1
        self.active += 1
        self.max_active = max(self.max_active, self.active)
        return earlier

    async def finish(self, key: str, delivery: Delivery) -> None:
        self.active -= 1
        if self.crash_in_finish:
            raise Crash("the store went away after the post, before the bookkeeping")
        if delivery.status.done:
            self.done[key] = delivery
            self.attempts.pop(key, None)
        elif delivery.status is not Status.UNKNOWN:
            self.attempts.pop(key, None)  # certainly not posted: the next try needs no check

    async def remember_dm(self, user_id: int, channel_id: int) -> None:
        self.dms[user_id] = channel_id

    async def forget_dm(self, user_id: int, channel_id: int) -> None:
        self.forgotten.append((user_id, channel_id))
        if self.dms.get(user_id) == channel_id:
            del self.dms[user_id]


async def test_each_intent_is_posted_once_with_its_thread(discord_stub: DiscordStandIn):
    world = discord_stub.world
    a = await world.add_text_channel("announcements")
    b = await world.add_text_channel("k-drama")
    intents = [announce(a, 5), announce(a, 6), announce(b, 5, thread=False)]
    async with connected_client(discord_stub) as client:
        outcomes = await Dispatcher(client).run(intents)
    assert [o.status for o in outcomes] == [Status.POSTED] * 3
    posted_a = world.messages_in(a)
    assert [m["embeds"][0]["title"] for m in posted_a] == [
        "Lovely Runner · Episode 5",
        "Lovely Runner · Episode 6",
    ]
    assert [o.delivery.message_id for o in outcomes[:2]] == [int(m["id"]) for m in posted_a]
    assert [world.threads[m["id"]]["name"] for m in posted_a] == [
        "Episode 5 discussion",
        "Episode 6 discussion",
    ]
    assert outcomes[0].delivery.thread_id == int(posted_a[0]["id"])
    assert len(world.messages_in(b)) == 1 and outcomes[2].delivery.thread_id is None
    bodies = [r.body for r in discord_stub.requests if r.method == "POST" and r.path.endswith("/messages")]
    assert {b["nonce"] for b in bodies} == {i.nonce for i in intents}
    assert all(b["enforce_nonce"] is True and b["allowed_mentions"] == {"parse": []} for b in bodies)


async def test_reminders_by_dm_and_closed_dms_are_reported(discord_stub: DiscordStandIn):
    world = discord_stub.world
    fan, shy = world.add_user("fan"), world.add_user("shy", dms_open=False)
    async with connected_client(discord_stub) as client:
        outcomes = await Dispatcher(client).run([remind(fan["id"], 5), remind(shy["id"], 5), remind("42", 5)])
    assert [o.status for o in outcomes] == [Status.POSTED, Status.DMS_CLOSED, Status.GONE]
    assert outcomes[1].delivery.detail == "DMs closed"
    assert len(world.messages_in(world.dm_channel_of(fan["id"])["id"])) == 1
    assert world.messages_in(world.dm_channel_of(shy["id"])["id"]) == []


async def test_missing_permissions_are_named_and_nothing_is_sent(discord_stub: DiscordStandIn):
    world = discord_stub.world
    gid = discord_stub.guild_id
    plain = await world.add_text_channel("plain", overwrites=[overwrite(gid, deny=EMBED_LINKS)])
    no_threads = await world.add_text_channel(
        "no-threads", overwrites=[overwrite(gid, deny=CREATE_PUBLIC_THREADS)]
    )
    async with connected_client(discord_stub) as client:
        blocked, threadless = await Dispatcher(client).run([announce(plain, 5), announce(no_threads, 5)])
    assert blocked.status is Status.MISSING_PERMISSIONS and blocked.delivery.detail == "Embed Links"
    assert creates(discord_stub, plain) == []  # known from the cache: no request at all
    # the post still goes out when only the thread cannot be opened; the caller hears why
    assert threadless.status is Status.POSTED and threadless.delivery.thread_id is None
    assert threadless.delivery.thread_problem == "missing Create Public Threads"
    assert len(world.messages_in(no_threads)) == 1


async def test_rate_limits_are_waited_out_by_discord_py_and_nothing_doubles(discord_stub: DiscordStandIn):
    world = discord_stub.world
    cid = await world.add_text_channel("announcements")
    world.rate_limit(3, retry_after=0.1, kinds=("message", "thread"))
    async with connected_client(discord_stub) as client:
        outcomes = await Dispatcher(client).run([announce(cid, n) for n in (5, 6, 7)])
    assert [o.status for o in outcomes] == [Status.POSTED] * 3
    assert creates(discord_stub, cid).count(429) >= 1
    assert [m["embeds"][0]["title"][-1] for m in world.messages_in(cid)] == ["5", "6", "7"]
    assert len(world.threads) == 3


async def test_a_lost_answer_is_deduplicated_by_the_nonce(discord_stub: DiscordStandIn):
    world = discord_stub.world
    cid = await world.add_text_channel("announcements")
    world.lose_responses(1, status=502)  # discord.py repeats the create itself after a 502
    async with connected_client(discord_stub) as client:
        (outcome,) = await Dispatcher(client).run([announce(cid, 5)])
    assert creates(discord_stub, cid) == [502, 200]
    (message,) = world.messages_in(cid)
    assert outcome.status is Status.POSTED and outcome.delivery.message_id == int(message["id"])


async def test_a_dropped_connection_is_checked_before_any_second_post(discord_stub: DiscordStandIn):
    world = discord_stub.world
    cid = await world.add_text_channel("announcements")
    world.lose_responses(1, status=None)  # the message is made, the bot never hears back
    async with connected_client(discord_stub) as client:
        (outcome,) = await Dispatcher(client).run([announce(cid, 5, since=datetime.now(UTC))])
    (message,) = world.messages_in(cid)
    assert outcome.status is Status.FOUND and outcome.delivery.message_id == int(message["id"])
    assert outcome.delivery.thread_id == int(message["id"])  # the thread is opened under the found post
    assert len(creates(discord_stub, cid)) == 1  # one create (its answer lost), then only the history check
    assert any(r.method == "GET" and r.path == f"/channels/{cid}/messages" for r in discord_stub.requests)


async def test_a_crash_between_post_and_bookkeeping_does_not_post_twice(discord_stub: DiscordStandIn):
    world = discord_stub.world
    cid = await world.add_text_channel("announcements")
    world.nonce_window = 0  # the restart comes later than Discord remembers nonces: only the check can tell
    since = datetime.now(UTC)
    intents = [announce(cid, 5, since=since), announce(cid, 6, since=since)]
    crashing = MemoryLedger(crash_in_finish=True)
    async with connected_client(discord_stub) as client:
        (first,) = await Dispatcher(client, ledger=crashing).run(
            intents[:1]
        )  # posted; the bookkeeping failed
    assert first.status is Status.POSTED and crashing.done == {}
    # a new process: the store still says episode 5 was attempted (no outcome), 6 never was
    ledger = MemoryLedger()
    ledger.attempts = dict(crashing.attempts)
    async with connected_client(discord_stub) as client:
        outcomes = await Dispatcher(client, ledger=ledger).run(intents)
        assert [o.status for o in outcomes] == [Status.FOUND, Status.POSTED]
        again = await Dispatcher(client, ledger=ledger).run(intents)
    assert [o.status for o in again] == [Status.SKIPPED, Status.SKIPPED]
    titles = [m["embeds"][0]["title"] for m in world.messages_in(cid)]
    assert titles == ["Lovely Runner · Episode 5", "Lovely Runner · Episode 6"]
    assert set(ledger.done) == {i.key for i in intents} and len(world.threads) == 2


async def test_nothing_is_posted_when_the_attempt_cannot_be_recorded_first(discord_stub: DiscordStandIn):
    class StoreDown(MemoryLedger):
        async def begin(self, key: str) -> int | None:
            raise Crash("database is locked")

    cid = await discord_stub.world.add_text_channel("announcements")
    async with connected_client(discord_stub) as client:
        (outcome,) = await Dispatcher(client, ledger=StoreDown()).run([announce(cid, 5)])
    assert outcome.status is Status.RETRY and outcome.delivery.detail == "store unavailable"
    assert discord_stub.world.messages_in(cid) == [] and creates(discord_stub, cid) == []


async def test_batches_run_in_the_background_with_bounded_concurrency(discord_stub: DiscordStandIn):
    world = discord_stub.world
    channels = [await world.add_text_channel(f"c{i}") for i in range(6)]
    world.rate_limit(6, retry_after=0.3)
    ledger = MemoryLedger()
    async with connected_client(discord_stub) as client:
        dispatcher = Dispatcher(client, ledger=ledger, concurrency=2)
        task = dispatcher.start([announce(c, 5, thread=False) for c in channels])
        assert not task.done()
        # meanwhile the client answers other requests (as it would interactions)
        fetched = await client.fetch_channel(int(discord_stub.channel_id))
        assert fetched.id == int(discord_stub.channel_id) and not task.done()
        outcomes = await task
    assert [o.status for o in outcomes] == [Status.POSTED] * 6
    assert ledger.max_active == 2
    assert all(len(world.messages_in(c)) == 1 for c in channels)


def test_an_intent_has_one_destination_and_a_stable_short_nonce():
    embed = discord.Embed(title="x")
    with pytest.raises(ValueError):
        Intent(key="k", embed=embed)
    with pytest.raises(ValueError):
        Intent(key="k", embed=embed, channel_id=1, user_id=2)
    a, b = Intent(key="k", embed=embed, channel_id=1), Intent(key="k", embed=discord.Embed(), user_id=3)
    assert a.nonce == b.nonce and len(a.nonce) == 25
    assert Intent(key="k2", embed=embed, channel_id=1).nonce != a.nonce


async def test_a_refused_channel_gets_no_second_request_in_the_batch(discord_stub: DiscordStandIn):
    world = discord_stub.world
    channel = await world.add_text_channel("lost")
    path = f"/channels/{channel}/messages"
    discord_stub.fail_requests(lambda m, p: m == "POST" and p == path, 403, n=100,
                               body={"code": 50001, "message": "Missing Access"})  # fmt: skip
    async with connected_client(discord_stub) as client:
        outcomes = await Dispatcher(client, MemoryLedger()).run([announce(channel, n) for n in (5, 6, 7)])
    assert [o.status for o in outcomes] == [Status.GONE, Status.SKIPPED, Status.SKIPPED]
    assert outcomes[0].delivery.detail == "Missing Access (50001)" and outcomes[0].status.blocks
    assert creates(discord_stub, channel) == [403]


async def test_a_refused_body_is_a_logged_failure_never_done(discord_stub: DiscordStandIn, caplog):
    world = discord_stub.world
    channel = await world.add_text_channel("strict")
    path = f"/channels/{channel}/messages"
    discord_stub.fail_requests(lambda m, p: m == "POST" and p == path, 400, n=1,
                               body={"code": 50035, "message": "Invalid Form Body"})  # fmt: skip
    ledger = MemoryLedger()
    async with connected_client(discord_stub) as client:
        (outcome,) = await Dispatcher(client, ledger).run([announce(channel, 5)])
    assert outcome.status is Status.REJECTED and not outcome.status.done and ledger.done == {}
    assert "400 50035" in outcome.delivery.detail
    (warning,) = [r for r in caplog.records if r.levelname == "WARNING" and "refused by Discord" in r.message]
    assert f"channel {channel}" in warning.message and "50035" in warning.message


async def test_a_check_refused_with_403_blocks_instead_of_staying_unknown(discord_stub: DiscordStandIn):
    world = discord_stub.world
    channel = await world.add_text_channel("no-history")
    path = f"/channels/{channel}/messages"
    discord_stub.fail_requests(lambda m, p: m == "GET" and p == path, 403, n=100,
                               body={"code": 50013, "message": "Missing Permissions"})  # fmt: skip
    async with connected_client(discord_stub) as client:
        (outcome,) = await Dispatcher(client).run(
            [announce(channel, 5, attempts=1)]
        )  # an earlier try was lost
    assert outcome.status is Status.MISSING_PERMISSIONS  # the caller pauses the channel: no check every cycle
    assert creates(discord_stub, channel) == []
    assert [r.status for r in discord_stub.requests if r.method == "GET" and r.path == path] == [403]


def posts(stand_in: DiscordStandIn) -> list[str]:
    """The channels the bot posted to, in the order the posts arrived."""
    found = [
        r.path.split("/")[2] for r in stand_in.requests if r.method == "POST" and r.path.endswith("/messages")
    ]
    return found


async def test_a_wave_goes_to_servers_first_then_dms_one_post_per_destination_per_turn(
    discord_stub: DiscordStandIn,
):
    world = discord_stub.world
    a, b = await world.add_text_channel("a"), await world.add_text_channel("b")
    fan, other = world.add_user("fan"), world.add_user("other")
    intents = [remind(fan["id"], 5), announce(a, 5, thread=False), announce(a, 6, thread=False),
               announce(a, 7, thread=False), announce(b, 5, thread=False), remind(other["id"], 5)]  # fmt: skip
    ledger = MemoryLedger()
    async with connected_client(discord_stub) as client:
        dispatcher = Dispatcher(client, ledger=ledger, concurrency=1)
        outcomes = await dispatcher.run(intents)
    assert [o.intent for o in outcomes] == intents and {o.status for o in outcomes} == {Status.POSTED}
    fan_dm, other_dm = (world.dm_channel_of(u["id"])["id"] for u in (fan, other))
    # Servers first (a's three posts do not hold the worker while b waits), then DMs, in recorded order.
    assert posts(discord_stub) == [a, b, a, a, fan_dm, other_dm]
    assert [m["embeds"][0]["title"][-1] for m in world.messages_in(a)] == ["5", "6", "7"]
    assert dispatcher.backlog == 0 and dispatcher.totals == {"posted": 6}


async def test_a_dm_channel_is_opened_once_remembered_and_opened_again_when_discord_forgot_it(
    discord_stub: DiscordStandIn,
):
    world = discord_stub.world
    fan = world.add_user("fan")
    uid = int(fan["id"])
    ledger = MemoryLedger()

    def opened() -> int:
        return sum(1 for r in discord_stub.requests if r.method == "POST" and r.path == "/users/@me/channels")

    async with connected_client(discord_stub) as client:
        dispatcher = Dispatcher(client, ledger=ledger)
        first = await dispatcher.run([remind(fan["id"], 5), remind(fan["id"], 6)])  # one member, two dramas
        assert [o.status for o in first] == [Status.POSTED] * 2 and opened() == 1
        channel = int(world.dm_channel_of(fan["id"])["id"])
        assert ledger.dms == {uid: channel}
        # The next wave knows the channel (the scheduler reads it from the store): no request to open it.
        known = dataclasses.replace(remind(fan["id"], 7), dm_channel_id=channel)
        (second,) = await dispatcher.run([known])
        assert second.status is Status.POSTED and opened() == 1
        # A remembered channel Discord no longer knows (10003): forgotten, opened again, posted once.
        stale = dataclasses.replace(remind(fan["id"], 8), dm_channel_id=channel + 1)
        (third,) = await dispatcher.run([stale])
        assert creates(discord_stub, str(channel + 1)) == [404]
        assert third.status is Status.POSTED and opened() == 1  # discord.py still had the DM channel
        assert ledger.forgotten == [(uid, channel + 1)] and ledger.dms == {uid: channel}
    titles = [m["embeds"][0]["title"][-1] for m in world.messages_in(str(channel))]
    assert titles == ["5", "6", "7", "8"]
    assert dispatcher.totals == {"posted": 4} and dispatcher.backlog == 0

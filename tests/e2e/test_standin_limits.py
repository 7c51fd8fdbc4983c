"""Tests of the stand-in's Discord limits (tests/e2e/ratelimits.py): the global limit over every client of
a token, route buckets and their headers, 429 bodies, the invalid-request count and the ban.

The limiter's clock is frozen (``stand_in.limits.clock``), so a window never turns mid-test.
"""

from __future__ import annotations

import re
import time
from datetime import timedelta
from typing import Any

import aiohttp
import pytest

from .standin import DiscordStandIn
from .test_announce_paused import aired_at
from .test_announce_paused import start as start_announcing
from .test_standin import PING_DEFINITION, sync_directly
from .waiting import eventually

MESSAGES = "/channels/{channel_id}/messages"


class FrozenClock:
    """A monotonic clock that moves only when the test says so."""

    def __init__(self) -> None:
        self.now = 1000.25

    def __call__(self) -> float:
        return self.now


class PausableClock:
    """The monotonic clock, which the test may stop (:meth:`pause`) and start again further on."""

    def __init__(self) -> None:
        self.offset, self.paused_at = 0.0, None

    def __call__(self) -> float:
        return self.paused_at if self.paused_at is not None else time.monotonic() + self.offset

    def pause(self) -> None:
        self.paused_at = self()

    def resume(self, later_by: float) -> None:
        assert self.paused_at is not None
        self.offset = self.paused_at + later_by - time.monotonic()
        self.paused_at = None


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock()


def frozen(stand_in: DiscordStandIn, clock: FrozenClock) -> DiscordStandIn:
    stand_in.limits.clock = clock
    return stand_in


def auth(stand_in: DiscordStandIn) -> dict[str, str]:
    return {"Authorization": f"Bot {stand_in.token}"}


async def post_message(
    session: aiohttp.ClientSession, stand_in: DiscordStandIn, channel: str, content: str = "hello"
) -> tuple[int, Any, Any]:
    url = f"{stand_in.api_base}/channels/{channel}/messages"
    body = {"content": content, "allowed_mentions": {"parse": []}}
    async with session.post(url, json=body, headers=auth(stand_in)) as resp:
        return (
            resp.status,
            await resp.json(content_type=None) if resp.status != 429 or "Via" in resp.headers else None,
            resp.headers,
        )


async def get_me(session: aiohttp.ClientSession, stand_in: DiscordStandIn) -> tuple[int, Any, Any]:
    async with session.get(f"{stand_in.api_base}/users/@me", headers=auth(stand_in)) as resp:
        return resp.status, await resp.json(content_type=None), resp.headers


# ----------------------------------------------------------------------------- route buckets


async def test_a_bucketed_route_answers_with_discords_headers(clock: FrozenClock) -> None:
    async with DiscordStandIn() as stand_in, aiohttp.ClientSession() as session:
        frozen(stand_in, clock)
        other = await stand_in.world.add_text_channel("other")
        before = time.time()
        status, _, first = await post_message(session, stand_in, stand_in.channel_id)
        clock.now += 1.5
        _, _, second = await post_message(session, stand_in, stand_in.channel_id)
        _, _, elsewhere = await post_message(session, stand_in, other)
        _, _, login = await get_me(session, stand_in)
    assert status == 200
    assert (first["X-RateLimit-Limit"], first["X-RateLimit-Remaining"]) == ("5", "4")
    assert first["X-RateLimit-Reset-After"] == "5.000" and second["X-RateLimit-Reset-After"] == "3.500"
    assert before + 5 <= float(first["X-RateLimit-Reset"]) <= time.time() + 5
    assert re.fullmatch(r"[0-9a-f]{32}", first["X-RateLimit-Bucket"])
    assert second["X-RateLimit-Remaining"] == "3"
    # another channel: the same route (same hash), its own bucket
    assert elsewhere["X-RateLimit-Bucket"] == first["X-RateLimit-Bucket"]
    assert elsewhere["X-RateLimit-Remaining"] == "4"
    assert "X-RateLimit-Bucket" not in login  # not a bucketed route
    assert stand_in.limits.route_429s == [] and stand_in.limits.counted == 4


async def test_over_a_route_bucket_is_a_429_shaped_like_discords(clock: FrozenClock) -> None:
    async with DiscordStandIn() as stand_in, aiohttp.ClientSession() as session:
        frozen(stand_in, clock)
        answers = [await post_message(session, stand_in, stand_in.channel_id, f"m{i}") for i in range(5)]
        clock.now += 2.0
        status, body, headers = await post_message(session, stand_in, stand_in.channel_id, "sixth")
        posted = [m["content"] for m in stand_in.world.messages_in(stand_in.channel_id)]
        clock.now += 3.0  # the bucket's 5 s are over
        again, _, renewed = await post_message(session, stand_in, stand_in.channel_id, "later")
    assert [a[0] for a in answers] == [200] * 5 and answers[-1][2]["X-RateLimit-Remaining"] == "0"
    assert status == 429
    assert body == {"message": "You are being rate limited.", "retry_after": 3.0, "global": False}
    assert headers["X-RateLimit-Scope"] == "user" and headers["Via"] and headers["Retry-After"] == "3"
    assert headers["X-RateLimit-Remaining"] == "0" and headers["X-RateLimit-Reset-After"] == "3.000"
    assert "X-RateLimit-Global" not in headers
    assert posted == [f"m{i}" for i in range(5)]  # the refused message was not made
    assert again == 200 and renewed["X-RateLimit-Remaining"] == "4"
    limits = stand_in.limits
    assert limits.route_429s == [1002.25] and limits.global_429s == []
    assert limits.route_429s_by_route == {f"POST {MESSAGES}": 1}
    assert limits.invalid_requests() == 1


async def test_dm_channels_have_buckets_and_opening_dms_is_not_stricter_than_the_global_limit(
    clock: FrozenClock,
) -> None:
    async with DiscordStandIn() as stand_in, aiohttp.ClientSession() as session:
        frozen(stand_in, clock)
        users = [stand_in.world.add_user(f"fan{i}") for i in range(50)]
        opened = []
        for user in users:
            url = f"{stand_in.api_base}/users/@me/channels"
            async with session.post(url, json={"recipient_id": user["id"]}, headers=auth(stand_in)) as resp:
                opened.append((resp.status, await resp.json()))
        dm = opened[0][1]["id"]
        clock.now += 1.0  # the global limit's next second
        posts = [(await post_message(session, stand_in, dm))[0] for _ in range(6)]
    assert [s for s, _ in opened] == [200] * 50  # 50 DMs opened in one second: the global limit's worth
    assert posts == [200] * 5 + [429]


async def test_route_limits_off_means_no_buckets(clock: FrozenClock) -> None:
    async with DiscordStandIn(route_limits=False) as stand_in, aiohttp.ClientSession() as session:
        frozen(stand_in, clock)
        answers = [await post_message(session, stand_in, stand_in.channel_id) for _ in range(8)]
    assert [a[0] for a in answers] == [200] * 8
    assert all("X-RateLimit-Bucket" not in a[2] for a in answers)


# ----------------------------------------------------------------------------- the global limit


async def test_the_global_limit_is_shared_by_every_client_of_the_token(clock: FrozenClock) -> None:
    """Two HTTP sessions (two processes of one bot) share the token's 10 requests a second."""
    async with (
        DiscordStandIn(global_limit=10) as stand_in,
        aiohttp.ClientSession() as one,
        aiohttp.ClientSession() as two,
    ):
        frozen(stand_in, clock)
        clock.now = 1000.0
        statuses = [(await get_me(one if i % 2 else two, stand_in))[0] for i in range(10)]
        clock.now = 1000.75
        status, body, headers = await get_me(one, stand_in)
        other_status, _, _ = await get_me(two, stand_in)
        clock.now = 1001.0  # the next second
        later, _, _ = await get_me(two, stand_in)
    assert statuses == [200] * 10
    assert (status, other_status, later) == (429, 429, 200)
    assert body == {"message": "You are being rate limited.", "retry_after": 0.25, "global": True}
    assert headers["X-RateLimit-Global"] == "true" and headers["X-RateLimit-Scope"] == "global"
    assert headers["Via"] and headers["Retry-After"] == "1"
    limits = stand_in.limits
    assert limits.global_429s == [1000.75, 1000.75] and limits.route_429s == []
    assert limits.counted == 11 and limits.times == [1000.0] * 10 + [1001.0]  # refused ones do not count
    assert limits.peak() == 10 and limits.peak(window=1.5) == 11


async def test_no_global_limit_with_none(clock: FrozenClock) -> None:
    async with DiscordStandIn(global_limit=None) as stand_in, aiohttp.ClientSession() as session:
        frozen(stand_in, clock)
        statuses = [(await get_me(session, stand_in))[0] for _ in range(60)]
    assert statuses == [200] * 60 and stand_in.limits.counted == 60


async def test_interaction_callbacks_and_webhooks_do_not_count_against_the_global_limit(
    clock: FrozenClock,
) -> None:
    async with DiscordStandIn(global_limit=2) as stand_in, aiohttp.ClientSession() as session:
        frozen(stand_in, clock)
        assert (await sync_directly(stand_in, session, [PING_DEFINITION])).status == 200
        assert (await get_me(session, stand_in))[0] == 200  # the second and last of this second
        result = await stand_in.dispatch_command("ping")
        base = f"{stand_in.api_base}/interactions/{result.id}/{result.token}/callback"
        async with session.post(base, json={"type": 5}) as resp:
            callback = resp.status
        hook = f"{stand_in.api_base}/webhooks/{stand_in.application_id}/{result.token}"
        body = {"content": "done", "allowed_mentions": {"parse": []}}
        async with session.patch(f"{hook}/messages/@original", json=body) as resp:
            edit, edit_headers = resp.status, resp.headers
        async with session.post(hook, json=body) as resp:
            followup = resp.status
        over, _, _ = await get_me(session, stand_in)
    assert (callback, edit, followup, over) == (200, 200, 204, 429)
    assert edit_headers["X-RateLimit-Limit"] == "5"  # interaction webhooks still have route buckets
    assert stand_in.limits.counted == 2 and len(stand_in.limits.global_429s) == 1


# ----------------------------------------------------------------------------- invalid requests


async def test_invalid_requests_are_counted_and_too_many_get_the_address_banned(clock: FrozenClock) -> None:
    async with DiscordStandIn() as stand_in, aiohttp.ClientSession() as session:
        limits = frozen(stand_in, clock).limits
        limits.invalid_limit = 6  # Discord's 10,000, scaled down
        limits.set_route("GET", "/guilds/{guild_id}", limit=1, per=60.0, scope="shared")
        statuses = []
        async with session.get(f"{stand_in.api_base}/users/@me", headers={"Authorization": "Bot nope"}) as r:
            statuses.append(r.status)  # 401
        async with session.get(f"{stand_in.api_base}/guilds/1", headers=auth(stand_in)) as r:
            statuses.append(r.status)  # 403: not a guild of the bot (the shared bucket is used now)
        async with session.get(f"{stand_in.api_base}/guilds/1", headers=auth(stand_in)) as r:
            statuses.append(r.status)  # 429 of scope shared: Discord does not count it
        statuses += [(await post_message(session, stand_in, stand_in.channel_id))[0] for _ in range(6)]
        counts = [limits.invalid_requests()]
        clock.now += 5.0  # the channel's bucket is renewed
        counts.append(limits.invalid_requests(window=4.0))
        assert not limits.banned
        statuses += [(await post_message(session, stand_in, stand_in.channel_id))[0] for _ in range(10)]
        assert limits.banned and limits.bans == 1
        async with session.get(f"{stand_in.api_base}/users/@me", headers=auth(stand_in)) as r:
            banned = (r.status, await r.text(), r.headers)
        posted = len(stand_in.world.messages_in(stand_in.channel_id))
        clock.now += 3601.0
        after = (await get_me(session, stand_in))[0]
    assert statuses[:9] == [401, 403, 429, 200, 200, 200, 200, 200, 429]
    assert counts == [3, 0]
    # 5 posts pass, then route 429s: the sixth invalid answer in 10 minutes bans the address, and the
    # ban's answers are not counted
    assert statuses[9:] == [200] * 5 + [429] * 5
    status, text, headers = banned
    assert status == 429 and "Via" not in headers and text == "error code: 1015"
    assert posted == 10
    assert limits.invalid_requests() == 0 and limits.invalid_requests(window=10_000) == 6
    assert after == 200 and not limits.banned


# ----------------------------------------------------------------------------- many guilds, shards


async def gateway_bot(session: aiohttp.ClientSession, stand_in: DiscordStandIn) -> dict[str, Any]:
    async with session.get(f"{stand_in.api_base}/gateway/bot", headers=auth(stand_in)) as resp:
        return await resp.json()


async def identify(session: aiohttp.ClientSession, stand_in: DiscordStandIn, shard: list[int] | None):
    ws = await session.ws_connect(stand_in.gateway_url, max_msg_size=0)
    assert (await ws.receive_json())["op"] == 10
    data: dict[str, Any] = {"token": stand_in.token, "intents": 1, "properties": {}}
    if shard is not None:
        data["shard"] = shard
    await ws.send_json({"op": 2, "d": data})
    return ws


async def test_gateway_bot_recommends_one_shard_per_thousand_guilds() -> None:
    async with DiscordStandIn() as stand_in, aiohttp.ClientSession() as session:
        alone = (await gateway_bot(session, stand_in))["shards"]
        stand_in.add_guilds(999)
        thousand = (await gateway_bot(session, stand_in))["shards"]
        stand_in.add_guilds(1)
        more = (await gateway_bot(session, stand_in))["shards"]
    async with DiscordStandIn(shard_count=3) as fixed, aiohttp.ClientSession() as session:
        fixed.add_guilds(5000)
        pinned = (await gateway_bot(session, fixed))["shards"]
    assert (alone, thousand, more) == (1, 1, 2)
    assert pinned == 3  # a stand-in given a shard count accepts only that one, and says so


async def test_a_session_of_more_than_2500_guilds_is_closed_with_4011_and_shards_get_their_guilds() -> None:
    async with DiscordStandIn() as stand_in, aiohttp.ClientSession() as session:
        guilds = stand_in.add_guilds(2500)
        assert stand_in.extra_guilds[guilds[-1]].name == "Drama Club 2500"
        ws = await identify(session, stand_in, None)  # 2,501 guilds in one session
        closing = await ws.receive()
        await ws.close()
        assert (closing.type, closing.data) == (aiohttp.WSMsgType.CLOSE, 4011)
        assert "Sharding required" in closing.extra and stand_in.identifies == 0

        seen: dict[int, list[str]] = {}
        sockets = []
        for shard in (0, 1):
            ws = await identify(session, stand_in, [shard, 2])
            sockets.append(ws)
            ready = await ws.receive_json()
            assert ready["t"] == "READY" and ready["d"]["shard"] == [shard, 2]
            listed = ready["d"]["guilds"]
            assert all(g["unavailable"] for g in listed)
            created = [(await ws.receive_json()) for _ in listed]
            assert [c["t"] for c in created] == ["GUILD_CREATE"] * len(listed)
            assert [c["d"]["id"] for c in created] == [g["id"] for g in listed]
            assert all(len(c["d"]["channels"]) >= 3 and len(c["d"]["roles"]) >= 2 for c in created)
            seen[shard] = [g["id"] for g in listed]
        assert stand_in.shard_count == 2 and stand_in.connected
        for ws in sockets:
            await ws.close()
    assert sorted(seen[0] + seen[1]) == sorted(stand_in.all_guilds())
    assert all(int(g) >> 22 & 1 == shard for shard, ids in seen.items() for g in ids)
    assert 0 < len(seen[0]) <= 2500 and 0 < len(seen[1]) <= 2500


async def test_a_fixed_shard_count_still_refuses_a_shard_of_more_than_2500_guilds() -> None:
    async with DiscordStandIn(shard_count=1) as stand_in, aiohttp.ClientSession() as session:
        stand_in.add_guilds(2500)
        ws = await identify(session, stand_in, [0, 1])
        closing = await ws.receive()
        await ws.close()
    assert (closing.type, closing.data) == (aiohttp.WSMsgType.CLOSE, 4011)


# ----------------------------------------------------------------------------- the real bot


async def test_the_real_bot_waits_out_a_route_429_and_posts_once(discord_stub, start_bot, bot_env, tmp_path):
    """dramabot (discord.py) meets an exhausted channel bucket: it waits the 429's retry_after and posts the
    announcement once. The limiter's clock stands still until the 429 was given, so the bucket is
    exhausted when the bot comes, however slow the machine."""
    bot, channel, day = await start_announcing(discord_stub, start_bot, bot_env, tmp_path)
    limits = discord_stub.limits
    limits.set_route("POST", MESSAGES, limit=1, per=1.0)
    clock = limits.clock = PausableClock()
    clock.pause()
    async with aiohttp.ClientSession() as session:  # another process of the bot uses the channel's bucket
        mine = await post_message(session, discord_stub, channel, "from the other process")
    assert mine[0] == 200 and mine[2]["X-RateLimit-Remaining"] == "0"
    day.write_text((aired_at(1) + timedelta(minutes=1)).isoformat())
    await eventually(lambda: limits.route_429s)
    clock.resume(later_by=1.0)  # the bucket's second is over
    bots = lambda: [m for m in discord_stub.world.messages_in(channel) if m["embeds"]]  # noqa: E731
    await eventually(lambda: bots())
    await bot.wait_for_output("rate limited")
    path = f"/channels/{channel}/messages"
    tries = [
        r for r in discord_stub.requests if r.method == "POST" and r.path == path and r.body.get("embeds")
    ]
    assert [r.status for r in tries] == [429, 200]
    assert tries[1].at - tries[0].at >= 0.99  # it waited the retry_after (1 s) before trying again
    assert len(bots()) == 1 and "Episode 1" in bots()[0]["embeds"][0]["title"]
    assert limits.route_429s_by_route == {f"POST {MESSAGES}": 1} and limits.global_429s == []

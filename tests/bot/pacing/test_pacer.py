"""The pacer (bot/pacing/pacer.py) on real aiohttp and discord.py, against a small local HTTP server (the
network edge): counted requests go through slots 1/rate apart, a batch per claim; interaction callbacks and
webhooks go at once; 429s are counted by scope while discord.py retries them."""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections.abc import AsyncIterator

import aiohttp
import discord
import pytest
from aiohttp import web

from bot.pacing.budget import Grant, LocalBudget
from bot.pacing.pacer import Pacer, paced_rate

APP_ID = 4242


class Recording(LocalBudget):
    """The local budget, keeping every grant it made."""

    def __init__(self) -> None:
        super().__init__()
        self.grants: list[Grant] = []

    async def claim(self, n: int, interval: float) -> Grant:
        grant = await super().claim(n, interval)
        self.grants.append(grant)
        return grant


def answer(body: dict, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    """JSON as Discord sends it: discord.py wants the content type exactly `application/json`."""
    headers = {"Content-Type": "application/json", **(headers or {})}
    return web.Response(body=json.dumps(body).encode(), status=status, headers=headers)


class Server:
    """Answers every path with `{}`; `throttle` lists 429s to answer first, as (headers, body)."""

    def __init__(self) -> None:
        self.throttle: list[tuple[dict[str, str], dict]] = []
        self.paths: list[str] = []
        self.base = ""

    async def handle(self, request: web.Request) -> web.Response:
        self.paths.append(request.path)
        if request.path.endswith("/users/@me"):
            user = {"id": "1", "username": "bot", "discriminator": "0", "avatar": None, "bot": True}
            return answer(user)
        if request.path.endswith("/applications/@me"):
            owner = {"id": "2", "username": "owner", "discriminator": "0", "avatar": None}
            return answer(
                {
                    "id": str(APP_ID),
                    "name": "bot",
                    "icon": None,
                    "description": "",
                    "bot_public": True,
                    "bot_require_code_grant": False,
                    "verify_key": "00",
                    "owner": owner,
                    "flags": 0,
                }
            )
        if request.path.endswith("/channels/77") and self.throttle:
            headers, body = self.throttle.pop(0)
            headers = {"Via": "1.1 google", "Retry-After": "1", **headers}  # the body's 0.01 s is what counts
            return answer(body, 429, headers)
        if request.path.endswith("/channels/77"):
            return answer({"id": "77", "type": 1, "recipients": []})
        return answer({"message": "Unknown", "code": 0}, 404)


@pytest.fixture
async def server() -> AsyncIterator[Server]:
    found = Server()
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", found.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    found.base = f"http://127.0.0.1:{port}/api/v10"
    try:
        yield found
    finally:
        await runner.cleanup()


def test_the_rate_is_a_little_under_the_limit():
    assert paced_rate(50) == 48 and paced_rate(20) == 19 and paced_rate(1000) == 960
    assert 0 < paced_rate(1) <= 1


def test_interaction_callbacks_and_webhooks_are_not_counted():
    app: list[int | None] = [None]
    pacer = Pacer(
        LocalBudget(), 10, base=lambda: "https://discord.com/api/v10", application_id=lambda: app[0]
    )
    api = "https://discord.com/api/v10"
    assert not pacer.counted(f"{api}/interactions/123/tok-en/callback?with_response=true")
    assert not pacer.counted(f"{api}/webhooks/{APP_ID}/tok-en/messages/@original")
    assert not pacer.counted(f"{api}/webhooks/{APP_ID}/tok-en?wait=true")
    assert pacer.counted(f"{api}/channels/1/messages")
    assert pacer.counted(f"{api}/users/@me/channels")
    assert pacer.counted(f"{api}/interactions/123/tok-en/callback/extra")  # not a callback's path
    assert pacer.counted(f"{api}/webhooks/99")  # a webhook by id, with the bot's token
    assert not pacer.counted("https://cdn.discordapp.com/avatars/1/a.png")  # not the REST API
    assert not pacer.counted("wss://gateway.discord.gg/?v=10")
    app[0] = APP_ID  # once the application is known, only its own webhooks are interaction webhooks
    assert not pacer.counted(f"{api}/webhooks/{APP_ID}/tok-en")
    assert pacer.counted(f"{api}/webhooks/99/tok-en")


async def test_counted_requests_get_slots_in_batches_and_exempt_ones_go_at_once(server):
    budget = Recording()
    rate = 400.0
    pacer = Pacer(budget, rate, base=lambda: server.base, application_id=lambda: APP_ID)
    async with aiohttp.ClientSession(trace_configs=[pacer.trace_config()]) as session:

        async def get(path: str) -> int:
            async with session.post(server.base + path) as response:
                return response.status

        paths = [f"/channels/{i}/messages" for i in range(40)]
        paths += ["/interactions/5/tok/callback", f"/webhooks/{APP_ID}/tok/messages/@original"] * 3
        await asyncio.gather(*(get(p) for p in paths))
    await pacer.close()
    assert pacer.stats.paced == 40 and pacer.stats.exempt == 6
    assert sum(g.n for g in budget.grants) == 40
    assert all(g.n <= 8 for g in budget.grants) and len(budget.grants) < 40  # batched: few claims
    starts = sorted(g.start(i) for g in budget.grants for i in range(g.n))
    assert all(b - a >= 1 / rate - 1e-9 for a, b in itertools.pairwise(starts))
    assert pacer.stats.waited_seconds > 0 and pacer.stats.invalid == 0 and not pacer.stats.throttled


async def test_429s_are_counted_by_scope_while_discord_py_retries_them(server):
    server.throttle = [
        ({"X-RateLimit-Scope": "user", "X-RateLimit-Bucket": "b1"}, {"message": "slow", "retry_after": 0.01,
                                                                      "global": False}),
        ({"X-RateLimit-Global": "true", "X-RateLimit-Scope": "global"}, {"message": "You are being rate "
                                                                         "limited.", "retry_after": 0.01, "global": True}),
        ({}, {"message": "You are being rate limited.", "retry_after": 0.01, "global": True}),  # the body says
        ({"X-RateLimit-Scope": "shared"}, {"message": "shared", "retry_after": 0.01, "global": False}),
    ]  # fmt: skip
    pacer = Pacer(LocalBudget(), 500.0, base=lambda: server.base)
    client = discord.Client(intents=discord.Intents.none(), http_trace=pacer.trace_config())
    before = discord.http.Route.BASE
    discord.http.Route.BASE = server.base
    try:
        async with client:
            await client.login("a.b.c")
            channel = await client.fetch_channel(77)  # four 429s, then the channel: discord.py retried
            assert channel.id == 77
    finally:
        discord.http.Route.BASE = before
        await pacer.close()
    assert server.paths.count("/api/v10/channels/77") == 5
    assert pacer.stats.throttled == {"user": 1, "global": 2, "shared": 1}
    assert 4 * 0.01 <= pacer.stats.waited_seconds < 1.0  # the bodies' retry_after (not the header's 1 s)
    assert pacer.stats.invalid == 4
    assert pacer.stats.paced == len(server.paths)  # every request to the API went through a slot


async def test_after_a_stall_requests_leave_at_the_limits_pace_not_at_once():
    rate, limit = 100.0, 125.0
    pacer = Pacer(LocalBudget(), rate, base=lambda: "http://discord", limit=limit)
    left: list[float] = []

    async def request() -> None:
        await pacer.wait()
        left.append(pacer.clock())

    tasks = [asyncio.create_task(request()) for _ in range(12)]
    await asyncio.sleep(0)  # the slots are given: 10 ms apart from now
    await asyncio.sleep(0)
    time.sleep(0.15)  # the event loop stalls past most of them  # noqa: ASYNC251
    await asyncio.gather(*tasks)
    await pacer.close()
    # Not a burst of the late ones: 8 ms apart (1/limit), so never 6 in 20 ms (all 12 at once unpaced).
    assert len(left) == 12 and max(sum(1 for u in left if t <= u < t + 0.02) for t in left) <= 5


async def test_requests_that_waited_for_a_connection_leave_spaced_not_together():
    """Four slow answers free four connections at once: the requests queued for them meanwhile (their slots
    long passed) still leave 1/limit apart."""
    arrivals: list[tuple[str, float]] = []

    async def handle(request: web.Request) -> web.Response:
        arrivals.append((request.path, time.monotonic()))
        if request.path.endswith("/slow"):
            await asyncio.sleep(0.2)
        return answer({})

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    base = f"http://127.0.0.1:{runner.addresses[0][1]}/api/v10"
    pacer = Pacer(LocalBudget(), 50.0, base=lambda: base, limit=50.0)  # 20 ms apart
    try:
        connector = aiohttp.TCPConnector(limit=4)
        async with aiohttp.ClientSession(connector=connector, trace_configs=[pacer.trace_config()]) as session:

            async def post(path: str) -> None:
                async with session.post(base + path) as response:
                    await response.read()

            slow = [asyncio.create_task(post(f"/channels/{i}/slow")) for i in range(4)]
            await asyncio.sleep(0.1)  # the four connections are taken
            await asyncio.gather(*slow, *(post(f"/channels/{i}/messages") for i in range(4)))
    finally:
        await pacer.close()
        await runner.cleanup()
    queued = [at for path, at in arrivals if path.endswith("/messages")]
    assert len(queued) == 4
    assert min(b - a for a, b in itertools.pairwise(sorted(queued))) >= 0.01  # unspaced: all within ~1 ms

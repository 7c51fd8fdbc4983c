"""A real discord.py client inside the test process, connected to the Discord stand-in.

For testing code that takes a connected ``discord.Client`` (the announcer) end to end without a bot
process: ``async with connected_client(stand_in) as client: ...``. discord.py's endpoints are class
attributes (``Route.BASE``, ``DiscordWebSocket.DEFAULT_GATEWAY``); they are pointed at the stand-in for
the block and restored after it.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from typing import Any

import discord
import yarl
from discord.gateway import DiscordWebSocket
from discord.http import Route

from .standin import DiscordStandIn


@contextlib.asynccontextmanager
async def connected_client(
    stand_in: DiscordStandIn,
    *,
    timeout: float = 20.0,  # noqa: ASYNC109
    **options: Any,
) -> AsyncIterator[discord.Client]:
    """A started ``discord.Client`` (no mentions allowed, default intents) that has seen its guilds."""
    saved = Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY
    Route.BASE = stand_in.api_base
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(stand_in.gateway_url)
    options.setdefault("intents", discord.Intents.default())
    options.setdefault("allowed_mentions", discord.AllowedMentions.none())
    options.setdefault("guild_ready_timeout", 0.2)
    client = discord.Client(**options)
    runner = asyncio.create_task(client.start(stand_in.token))
    try:
        ready = asyncio.create_task(client.wait_until_ready())
        done, _ = await asyncio.wait({ready, runner}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        if ready not in done:
            ready.cancel()
            if runner in done:
                runner.result()  # the start failed: raise why
            raise TimeoutError("the in-process client did not become ready")
        yield client
    finally:
        await client.close()
        runner.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await runner
        Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY = saved


async def until(predicate: Callable[[], bool], timeout: float = 5.0) -> None:  # noqa: ASYNC109
    """Wait until ``predicate()`` holds for the in-process client's state (it changes as gateway events are
    processed, which the stand-in is not told about), checking every few milliseconds."""
    async with asyncio.timeout(timeout):
        while not predicate():  # noqa: ASYNC110 - the client has no event for "state changed"
            await asyncio.sleep(0.005)

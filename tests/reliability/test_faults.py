"""3. Gateway and REST faults: a dropped connection, an invalid session, 429s and a 500 on callbacks."""

from __future__ import annotations

import asyncio

from tests.e2e.standin import DiscordStandIn

from . import figures
from .drive import DRAMA, late, rate_stream, settle


async def _rates(stub: DiscordStandIn, n: int, prefix: str) -> list:
    users = [stub.make_user(f"{prefix}{i}") for i in range(n)]
    return list(
        await asyncio.gather(
            *(stub.dispatch_command("rate", {"drama": DRAMA, "score": 4.0}, user=u) for u in users)
        )
    )


async def test_gateway_drop_mid_stream_resumes(discord_stub: DiscordStandIn, start_bot) -> None:
    stub = discord_stub
    await start_bot()
    entries: list = []
    stop = asyncio.Event()
    stream = asyncio.create_task(rate_stream(stub, stop, entries, width=3, prefix="drop"))
    await stub.wait_for(lambda: len(entries) >= 10, 10)
    resumes = stub.resumes
    await stub.drop_gateway()  # TCP reset mid-stream
    await stub.wait_for(lambda: stub.resumes > resumes and stub.connected, 15)
    mark = len(entries)
    await stub.wait_for(lambda: len(entries) >= mark + 20, 15)
    stop.set()
    await stream
    after = [r for r, _, _ in entries[mark:]]
    answered, failed = await settle(stub, after, timeout=10)
    assert failed == 0 and late(after) == 0
    everything = [r for r, _, _ in entries]
    all_answered, _ = await settle(stub, everything, timeout=10)
    figures.add("Gateway drop (resume)", "interactions", len(everything))
    figures.add("Gateway drop (resume)", "answered", all_answered)
    figures.add("Gateway drop (resume)", "interactions after the resume (all answered)", len(after))
    figures.add("Gateway drop (resume)", "late", late(everything))


async def test_invalid_session_reidentifies(discord_stub: DiscordStandIn, start_bot) -> None:
    stub = discord_stub
    await start_bot()
    before = await _rates(stub, 5, "pre")
    assert (await settle(stub, before))[1] == 0
    identifies = stub.identifies
    await stub.send_invalid_session(resumable=False)
    await stub.wait_for(lambda: stub.identifies > identifies and stub.connected, 20)  # discord.py waits ~5 s
    after = await _rates(stub, 20, "post")
    answered, failed = await settle(stub, after)
    assert failed == 0
    figures.add("Invalid session (re-identify)", "interactions", len(before) + len(after))
    figures.add("Invalid session (re-identify)", "answered", answered + len(before))
    figures.add("Invalid session (re-identify)", "late", late(before + after))


async def test_callbacks_rate_limited_then_answered(discord_stub: DiscordStandIn, start_bot) -> None:
    stub = discord_stub
    await start_bot()
    fault = stub.fail_next_callbacks(429, n=3, retry_after=0.4)
    results = await _rates(stub, 3, "limited")
    answered, failed = await settle(stub, results)
    assert failed == 0 and late(results) == 0
    assert fault.served == 3
    figures.add("REST 429 on callbacks", "429s served", fault.served)
    figures.add("REST 429 on callbacks", "interactions", len(results))
    figures.add("REST 429 on callbacks", "answered", answered)
    figures.add("REST 429 on callbacks", "late", late(results))


async def test_callback_500_once_is_retried(discord_stub: DiscordStandIn, start_bot) -> None:
    stub = discord_stub
    await start_bot()
    fault = stub.fail_next_callbacks(500, n=1)
    results = await _rates(stub, 1, "fivehundred")
    answered, failed = await settle(stub, results)
    assert failed == 0 and late(results) == 0
    assert fault.served == 1
    figures.add("REST 500 once", "interactions", len(results))
    figures.add("REST 500 once", "answered", answered)
    figures.add("REST 500 once", "late", late(results))

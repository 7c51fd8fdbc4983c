"""A channel Discord refuses is paused, not tried every cycle; a refused body is a logged failure.

The real bot process, its announcement cycle every 0.2 s on a clock file (tests/e2e/launch.py), the
Discord stand-in answering the channel's posts with 403 Missing Access, 404 Unknown Channel or 400. Discord
bans an IP after 10,000 refused requests (401, 403, 429) in 10 minutes: the stand-in counts the requests
the bot sends to that channel over many cycles.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.models import Drama, Episode
from bot.store import Store
from tests.bot.store.readbacks import upsert

from .standin import DEFAULT_MEMBER_PERMISSIONS
from .waiting import db_rows, eventually

MANAGER = str(int(DEFAULT_MEMBER_PERMISSIONS) | (1 << 5))  # Manage Server
BASE = datetime.now(UTC).date()


def aired_at(n: int) -> datetime:
    """Episode n airs at 23:00 in Seoul (14:00 UTC), one a day from BASE."""
    return datetime.combine(BASE + timedelta(days=n - 1), datetime.min.time(), UTC) + timedelta(hours=14)




async def seed(path: str) -> None:
    store = await Store.open(Path(path))
    try:
        drama = Drama(0, "paused-runner", "Paused Runner", 4, country="KR", status="airing")
        await upsert(
            store, drama, [Episode(n, air_date=BASE + timedelta(days=n - 1)) for n in range(1, 5)]
        )
    finally:
        await store.close()


async def start(discord_stub, start_bot, bot_env, tmp_path: Path):
    """The bot with its cycle on the test clock, announcing the seeded drama in a fresh channel."""
    channel = await discord_stub.world.add_text_channel("episodes")
    clock = tmp_path / "clock.txt"
    clock.write_text(aired_at(1).replace(hour=10).isoformat())
    await seed(bot_env["DATABASE_URL"])
    bot = await start_bot({"AIRING_CYCLE_SECONDS": "0.2"}, clock=clock)
    ok = await discord_stub.invoke("announce", {"channel": channel}, permissions=MANAGER)
    assert f"<#{channel}>" in ok.content
    followed = await discord_stub.invoke("follow", {"drama": "paused-runner"}, permissions=MANAGER)
    assert "now follows" in followed.content
    return bot, channel, clock


def posts_to(discord_stub, channel: str) -> list[int | None]:
    return [r.status for r in discord_stub.requests if r.method == "POST" and r.path == f"/channels/{channel}/messages"]


@pytest.mark.parametrize(
    ("status", "code", "message"), [(403, 50001, "Missing Access"), (404, 10003, "Unknown Channel")]
)
async def test_a_refused_channel_is_paused_shown_and_resumed_by_announce(
    discord_stub, start_bot, bot_env, tmp_path, status, code, message
):
    bot, channel, clock = await start(discord_stub, start_bot, bot_env, tmp_path)
    path = f"/channels/{channel}/messages"
    fault = discord_stub.fail_requests(
        lambda method, p: method == "POST" and p == path, status, n=10_000, body={"code": code, "message": message}
    )
    clock.write_text((aired_at(1) + timedelta(minutes=1)).isoformat())
    await eventually(lambda: db_rows(bot_env["DATABASE_URL"], "SELECT paused_at FROM announce_settings")[0][0])
    assert posts_to(discord_stub, channel) == [status]
    # Days go by, episodes air, the cycle runs every 0.2 s: not one more request to the paused channel.
    for n in (2, 3):
        clock.write_text((aired_at(n) + timedelta(minutes=1)).isoformat())
        await asyncio.sleep(1.0)
    assert posts_to(discord_stub, channel) == [status] and fault.served == 1
    await bot.wait_for_output(f"channel {channel} out of reach")
    shown = await discord_stub.invoke("server settings", {}, permissions=MANAGER)
    announce = next(f for f in shown.embeds[0]["fields"] if f["name"] == "New-episode announcements")["value"]
    assert "**Paused**" in announce and f"({code})" in announce and "/announce" in announce
    # The admin fixes it and sets /announce again: resumed; what waited and what aired since goes out once.
    fault.remaining = 0
    again = await discord_stub.invoke("announce", {"channel": channel}, permissions=MANAGER)
    assert f"<#{channel}>" in again.content
    await eventually(lambda: len(discord_stub.world.messages_in(channel)) >= 2)
    await asyncio.sleep(1.0)
    titles = [m["embeds"][0]["title"] for m in discord_stub.world.messages_in(channel)]
    assert len(titles) == len(set(titles)) and any("Episode 1" in t for t in titles)
    resumed = await discord_stub.invoke("server settings", {}, permissions=MANAGER)
    assert "Paused" not in str(resumed.embeds[0])


async def test_a_refused_body_is_failed_logged_and_not_done(discord_stub, start_bot, bot_env, tmp_path):
    bot, channel, clock = await start(discord_stub, start_bot, bot_env, tmp_path)
    path = f"/channels/{channel}/messages"
    discord_stub.fail_requests(
        lambda method, p: method == "POST" and p == path, 400, n=1,
        body={"code": 50035, "message": "Invalid Form Body"},
    )  # fmt: skip
    clock.write_text((aired_at(1) + timedelta(minutes=1)).isoformat())
    db = bot_env["DATABASE_URL"]
    await eventually(lambda: db_rows(db, "SELECT state FROM announcements WHERE kind = 'announce'") == [("failed",)])
    await bot.wait_for_output("refused by Discord in channel")
    assert "50035" in bot.output()
    await asyncio.sleep(1.0)  # more cycles: failed is settled, never tried again, never done
    assert posts_to(discord_stub, channel) == [400]
    assert db_rows(db, "SELECT state, message_id FROM announcements WHERE kind = 'announce'") == [("failed", None)]
    assert db_rows(db, "SELECT paused_at FROM announce_settings") == [(None,)]  # a bad body pauses nothing

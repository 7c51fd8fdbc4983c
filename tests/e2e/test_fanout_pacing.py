"""An announcement wave through the real bot process, paced under Discord's global rate limit (bot/pacing/).

The stand-in enforces a global limit of 20 requests/s (a 429 with "global": true over it) and the bot runs
with DISCORD_RATE_LIMIT=20: 30 servers and 30 members are due a post at once (30 posts, 30 DM channels
opened, 30 DMs). The counted requests' arrivals are never more than 20 in any second, not one global 429,
and every server and member gets exactly one post.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.models import AnnounceSettings, Drama, Episode
from bot.store import Store
from tests.bot.store.readbacks import upsert

from .waiting import eventually

LIMIT = 20
BASE = datetime.now(UTC).date()
AIRS = datetime.combine(BASE, datetime.min.time(), UTC) + timedelta(hours=14)  # 23:00 in Seoul


async def seed(path: str, channels: dict[str, str], users: list[str]) -> None:
    store = await Store.open(Path(path))
    try:
        drama = Drama(0, "wave-runner", "Wave Runner", 4, country="KR", status="airing")
        drama_id, _ = await upsert(
            store, drama, [Episode(n, air_date=BASE + timedelta(days=n - 1)) for n in (1, 2)]
        )
        for guild, channel in channels.items():
            await store.airing.set_announce(AnnounceSettings(int(guild), int(channel)), set_by=1, now=AIRS)
            await store.airing.follow(int(guild), drama_id, by=1, now=AIRS)
        for user in users:
            await store.airing.remind(int(user), drama_id, now=AIRS)
    finally:
        await store.close()


def most_in_a_second(times: list[float]) -> int:
    """The most arrivals in any one-second window starting at an arrival."""
    ordered = sorted(times)
    return max((sum(1 for u in ordered if t <= u < t + 1.0) for t in ordered), default=0)


@pytest.mark.standin(global_limit=LIMIT)
async def test_a_wave_is_paced_under_the_global_limit_and_each_post_goes_once(
    discord_stub, start_bot, bot_env, tmp_path
):
    world = discord_stub.world
    guilds = discord_stub.add_guilds(30)
    channels = {g: discord_stub.extra_guilds[g].channel_id for g in guilds}
    users = [world.add_user(f"fan{i}")["id"] for i in range(30)]
    await seed(bot_env["DATABASE_URL"], channels, users)
    clock = tmp_path / "clock.txt"
    clock.write_text((AIRS - timedelta(hours=1)).isoformat())
    await start_bot({"AIRING_CYCLE_SECONDS": "0.2", "DISCORD_RATE_LIMIT": str(LIMIT)}, clock=clock)

    clock.write_text((AIRS + timedelta(minutes=1)).isoformat())  # the episode airs: 90 requests are due

    def posted() -> tuple[list[int], list[int]]:
        per_channel = [len(world.messages_in(c)) for c in channels.values()]
        dms = [world.dm_channel_of(u) for u in users]
        per_member = [0 if d is None else len(world.messages_in(d["id"])) for d in dms]
        return per_channel, per_member

    await eventually(lambda: sum(map(sum, posted())) >= 60, timeout=60)
    per_channel, per_member = posted()
    assert per_channel == [1] * 30 and per_member == [1] * 30  # every server and member, once

    limits = discord_stub.limits
    assert limits.counted >= 90 and len(limits.times) == limits.counted
    assert most_in_a_second(limits.times) <= LIMIT
    assert limits.global_429s == [] and limits.invalid_requests() == 0
    opened = [r for r in discord_stub.requests if r.method == "POST" and r.path == "/users/@me/channels"]
    assert len(opened) == 30  # one DM channel each, opened once

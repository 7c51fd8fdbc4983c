"""An announcement wave through the real bot process, paced under Discord's global rate limit (bot/pacing/).

The stand-in enforces a global limit of 20 requests/s (a 429 with "global": true over it) and the bot runs
with DISCORD_RATE_LIMIT=20: 30 servers and 30 members are due a post at once (30 posts, 30 DM channels
opened, 30 DMs). The counted requests' arrivals are never more than 20 in any second, not one global 429,
and every server and member gets exactly one post. On PostgreSQL the bot paces through the budget its
processes share (one row for the bot, named by a hash of its token).
"""

from __future__ import annotations

import collections
import math
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.models import AnnounceSettings, Drama, Episode
from bot.store import Store
from tests.bot.store.readbacks import upsert

from .waiting import eventually

LIMIT = 20
EXEMPT = re.compile(r"^/interactions/\d+/[^/]+/callback$|^/webhooks/\d+/[^/]+")  # not counted by Discord
BASE = datetime.now(UTC).date()
AIRS = datetime.combine(BASE, datetime.min.time(), UTC) + timedelta(hours=14)  # 23:00 in Seoul


@pytest.fixture(params=["sqlite", "postgres"])
def database(request: pytest.FixtureRequest, bot_env: dict[str, str]) -> str:
    """The bot's DATABASE_URL: a SQLite file, or a new empty PostgreSQL database."""
    return bot_env["DATABASE_URL"] if request.param == "sqlite" else request.getfixturevalue("pg_url")


def store_at(location: str) -> Store:
    return Store.open(location if "://" in location else Path(location))


async def seed(location: str, channels: dict[str, str], users: list[str]) -> None:
    store = await store_at(location)
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
    """The most arrivals in one second, counted as Discord (and the stand-in) count: in the seconds of the
    clock (the stand-in's monotonic times)."""
    return max(collections.Counter(math.floor(t) for t in times).values(), default=0)


@pytest.mark.standin(global_limit=LIMIT)
async def test_a_wave_is_paced_under_the_global_limit_and_each_post_goes_once(
    discord_stub, start_bot, database, tmp_path
):
    world = discord_stub.world
    guilds = discord_stub.add_guilds(30)
    channels = {g: discord_stub.extra_guilds[g].channel_id for g in guilds}
    users = [world.add_user(f"fan{i}")["id"] for i in range(30)]
    await seed(database, channels, users)
    clock = tmp_path / "clock.txt"
    clock.write_text((AIRS - timedelta(hours=1)).isoformat())
    env = {"DATABASE_URL": database, "AIRING_CYCLE_SECONDS": "0.2", "DISCORD_RATE_LIMIT": str(LIMIT)}
    await start_bot(env, clock=clock)

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
    # Every request that arrived and counts (refused ones too), on the stand-in's clock.
    arrivals = [discord_stub.started_at + r.at for r in discord_stub.requests if not EXEMPT.match(r.path)]
    assert len(arrivals) >= limits.counted and most_in_a_second(arrivals) <= LIMIT
    assert limits.global_429s == [] and limits.invalid_requests() == 0
    opened = [r for r in discord_stub.requests if r.method == "POST" and r.path == "/users/@me/channels"]
    assert len(opened) == 30  # one DM channel each, opened once
    store = await store_at(database)
    try:
        budget = [tuple(r) for r in await store.db.fetch("SELECT bot FROM pacing_budget")]
    finally:
        await store.close()
    if "://" in database:  # shared through PostgreSQL: the bot's row, its token not in it
        assert len(budget) == 1 and budget[0][0].startswith("token:")
        assert discord_stub.token not in budget[0][0]
    else:  # one process: in memory
        assert budget == []

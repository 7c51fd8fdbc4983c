"""Two real bot processes on one PostgreSQL database and one token: the airing leader is SIGKILLed in the
middle of a wave (30 servers' posts and 30 members' DMs), the other takes the wave over: the posts the
dead leader had begun are released at takeover (not after their 5-minute lease), each is looked for in
its channel first, and every server and member ends up with exactly one post. Both processes pace through
the budget they share: never more than the limit in one of the stand-in's seconds.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from bot.client import READY_MARKER

from .test_fanout_pacing import AIRS, EXEMPT, LIMIT, most_in_a_second, seed
from .waiting import eventually

LEADING = "now runs 'airing-scheduler' for the cluster"


@pytest.mark.standin(shard_count=2, global_limit=LIMIT)
async def test_a_leader_killed_mid_wave_is_taken_over_and_each_post_goes_once(
    discord_stub, start_bot, pg_url, tmp_path
):
    world = discord_stub.world
    world.nonce_window = 0  # only the check in the channel can stop a second post
    guilds = discord_stub.add_guilds(30)
    channels = {g: discord_stub.extra_guilds[g].channel_id for g in guilds}
    users = [world.add_user(f"fan{i}")["id"] for i in range(30)]
    await seed(pg_url, channels, users)
    clock = tmp_path / "clock.txt"
    clock.write_text((AIRS - timedelta(hours=1)).isoformat())
    env = {"DATABASE_URL": pg_url, "AIRING_CYCLE_SECONDS": "0.2", "DISCORD_RATE_LIMIT": str(LIMIT),
           "SHARD_COUNT": "2", "DEV_GUILD_ID": None}  # fmt: skip
    bots = [await start_bot({**env, "SHARD_IDS": str(s)}, clock=clock, wait_ready=False) for s in (0, 1)]
    await asyncio.gather(*(bot.wait_for_output(READY_MARKER, 60) for bot in bots))
    await eventually(lambda: sum(LEADING in b.output() for b in bots) == 1)
    (leader,) = [b for b in bots if LEADING in b.output()]
    (other,) = [b for b in bots if b is not leader]

    def posts() -> int:
        in_channels = sum(len(world.messages_in(c)) for c in channels.values())
        dms = [world.dm_channel_of(u) for u in users]
        return in_channels + sum(len(world.messages_in(d["id"])) for d in dms if d is not None)

    clock.write_text((AIRS + timedelta(minutes=1)).isoformat())  # the episode airs
    await eventually(lambda: posts() >= 15)
    leader.kill()  # SIGKILL mid-wave: posts begun, some answered, none recorded after this
    await leader.wait(10)
    killed_at = posts()
    assert killed_at < 60, "the wave was over before the kill: nothing to take over"
    await eventually(lambda: posts() >= 60, timeout=60)
    await asyncio.sleep(1.0)  # five more cycles: nothing posted twice late either
    assert LEADING in other.output() and "took over" in other.output()

    per_channel = [len(world.messages_in(c)) for c in channels.values()]
    per_member = [len(world.messages_in(world.dm_channel_of(u)["id"])) for u in users]
    assert per_channel == [1] * 30 and per_member == [1] * 30  # every server and member exactly once
    arrivals = [discord_stub.started_at + r.at for r in discord_stub.requests if not EXEMPT.match(r.path)]
    assert most_in_a_second(arrivals) <= LIMIT and discord_stub.limits.global_429s == []

"""One bot process running four shards against a gateway that allows two IDENTIFYs at once
(max_concurrency 2): the bot reads max_concurrency from /gateway/bot and spaces IDENTIFYs per bucket
(shard_id % 2), not one at a time. SQLite, so the coordinator is the local one."""

from __future__ import annotations

import re
from datetime import datetime

import pytest

from .standin import DiscordStandIn

TURN = re.compile(r"IDENTIFY turn: shard (\d+), bucket (\d+) of (\d+), at (\S+)")


@pytest.mark.standin(shard_count=4, max_concurrency=2)
async def test_identify_is_spaced_per_max_concurrency_bucket(discord_stub: DiscordStandIn, start_bot) -> None:
    bot = await start_bot({"SHARD_COUNT": "4", "DEV_GUILD_ID": None}, ready_timeout=60)
    assert "shards [0, 1, 2, 3] of 4" in bot.output()
    turns = [
        (int(m[1]), int(m[2]), int(m[3]), datetime.fromisoformat(m[4])) for m in TURN.finditer(bot.output())
    ]
    assert [(shard, bucket, of) for shard, bucket, of, _ in turns] == [
        (0, 0, 2),
        (1, 1, 2),
        (2, 0, 2),
        (3, 1, 2),
    ]
    at = {shard: when for shard, _, _, when in turns}
    assert (at[2] - at[0]).total_seconds() >= 5.0 and (at[3] - at[1]).total_seconds() >= 5.0
    assert sorted(p["shard"] for p in discord_stub.identify_payloads) == [[i, 4] for i in range(4)]

"""Two real bot processes (shards 0 and 1 of 2) on ONE PostgreSQL database, against the Discord stand-in:
started together they sync the commands once in all, take their IDENTIFY turns at least 5 s apart (one
max_concurrency bucket), both answer their own shards, a rolling restart syncs nothing again, and after
one is SIGKILLed the other keeps answering. Ratings given through either process count on the cards
the other serves, and a catalogue import by the CLI (a third process) reaches both autocompletes.
"""

from __future__ import annotations

import asyncio
import json
import re
from datetime import datetime

import pytest

from bot.client import READY_MARKER

from .standin import DiscordStandIn
from .test_postgres_e2e import RECORD, WAIT, run_cli

TITLE = "Soundtrack #1"
TURN = re.compile(r"IDENTIFY turn: shard (\d+), bucket (\d+) of (\d+), at (\S+)")


def identify_turns(output: str) -> list[tuple[int, int, datetime]]:
    """(shard, bucket, time on PostgreSQL's clock) of every IDENTIFY turn a bot process logged."""
    return [(int(m[1]), int(m[2]), datetime.fromisoformat(m[4])) for m in TURN.finditer(output)]


async def rate(stub: DiscordStandIn, guild: str, who: str, score: int):
    return await stub.invoke(
        "rate", {"drama": TITLE, "score": score}, user=stub.make_user(who), guild_id=guild
    )


def everyone(card) -> str:
    (embed,) = card.embeds
    return {f["name"]: f["value"] for f in embed["fields"]}["Everyone"]


async def offered(stub: DiscordStandIn, guild: str, text: str) -> list[str]:
    choices = await stub.autocomplete("review", {"drama": text}, "drama", guild_id=guild)
    return [c["name"] for c in choices]


@pytest.mark.standin(shard_count=2, max_concurrency=1)
async def test_two_processes_on_one_postgres_sync_once_space_identify_and_outlive_each_other(
    discord_stub: DiscordStandIn, start_bot, bot_env, pg_url: str, tmp_path
) -> None:
    guilds = {shard: discord_stub.add_guild(shard=shard) for shard in (0, 1)}
    env = {"SHARD_COUNT": "2", "DATABASE_URL": pg_url, "DEV_GUILD_ID": None}  # global commands
    # Started together (each waits for the other only through PostgreSQL).
    bots = [await start_bot({**env, "SHARD_IDS": str(shard)}, wait_ready=False) for shard in (0, 1)]
    await asyncio.gather(*(bot.wait_for_output(READY_MARKER, 60) for bot in bots))
    for shard, bot in enumerate(bots):
        assert f"shards [{shard}] of 2" in bot.output()

    assert len(discord_stub.sync_calls) == 1  # one sync in total; the other process found it recorded
    outputs = [bot.output() for bot in bots]
    assert sum("synced " in out for out in outputs) == 1
    assert sum("commands unchanged since the last sync" in out for out in outputs) == 1

    turns = sorted(turn for out in outputs for turn in identify_turns(out))
    assert [(shard, bucket) for shard, bucket, _ in turns] == [(0, 0), (1, 0)]
    first, second = sorted(at for _, _, at in turns)
    assert (second - first).total_seconds() >= 5.0  # max_concurrency 1: one IDENTIFY per 5 s, cluster-wide

    for shard in (0, 1):
        result = await rate(discord_stub, guilds[shard], f"member-{shard}", 4)
        assert result.answered and result.callback_status == 200 and not result.rejections
    # each process's card counts the rating given through the other one
    for shard in (0, 1):
        card = await discord_stub.invoke("review", {"drama": TITLE}, guild_id=guilds[shard])
        assert everyone(card).startswith("★★★★☆") and "(2 ratings)" in everyone(card), everyone(card)

    # a catalogue import by the CLI reaches both processes' autocomplete (NOTIFY), nothing asking them
    assert await offered(discord_stub, guilds[0], "North Star") == []
    catalogue = tmp_path / "import.json"
    catalogue.write_text(json.dumps({"format": "dramabot-catalogue/1", "dramas": [RECORD]}), encoding="utf-8")
    code, out = await run_cli(bot_env | {"DATABASE_URL": pg_url}, tmp_path, "catalogue", "import", str(catalogue))
    assert code == 0, out
    for shard in (0, 1):
        names: list[str] = []
        for _ in range(int(WAIT / 0.1)):
            names = await offered(discord_stub, guilds[shard], "North Star")
            if names:
                break
            await asyncio.sleep(0.1)
        assert names and names[0].startswith("North Star Inn"), (shard, names)

    # A rolling restart of process 0: the definitions did not change, so nobody syncs again.
    assert await bots[0].stop() == 0
    bots[0] = await start_bot({**env, "SHARD_IDS": "0"}, ready_timeout=60)
    assert "commands unchanged since the last sync" in bots[0].output()
    assert len(discord_stub.sync_calls) == 1
    assert (await rate(discord_stub, guilds[0], "after-restart", 5)).answered

    # One process gone for good: the other still answers its shard.
    bots[1].kill()
    await bots[1].wait(10)
    after = await rate(discord_stub, guilds[0], "after-kill", 3)
    assert after.answered and "You rated" in after.embeds[0]["description"]

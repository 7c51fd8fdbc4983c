"""Two real bot processes share the gateway's shards (SHARD_COUNT=2, SHARD_IDS 0 and 1) against the
Discord stand-in: each one gets, and answers, only the interactions of the guilds on its own shard.

For now each process has a SQLite file of its own (a shared PostgreSQL database comes with the store's
PostgreSQL backend), which makes "who answered" visible: a rating lands in the database of the process
that handled the interaction.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from .standin import DiscordStandIn

TITLE = "Soundtrack #1"


def discord_shard(guild_id: str) -> int:
    """Discord's rule, computed here independently of the stand-in: (guild_id >> 22) % num_shards."""
    return (int(guild_id) >> 22) % 2


def ratings_in(path: Path) -> list[tuple[int | None, int]]:
    """(guild_id, user_id) of every rating in a bot's database (read-only)."""
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
        return sorted(db.execute("SELECT guild_id, user_id FROM ratings").fetchall(), key=str)


@pytest.mark.standin(shard_count=2)
async def test_two_processes_each_answer_only_their_own_shards_guilds(
    discord_stub: DiscordStandIn, start_bot, tmp_path: Path
) -> None:
    guilds = {shard: [discord_stub.add_guild(shard=shard) for _ in range(2)] for shard in (0, 1)}
    databases = {shard: tmp_path / f"shard{shard}.sqlite3" for shard in (0, 1)}
    bots = [
        await start_bot(
            {
                "SHARD_COUNT": "2",
                "SHARD_IDS": str(shard),
                "DATABASE_URL": str(databases[shard]),
                "DEV_GUILD_ID": None,  # global commands: every guild, on either shard, can use them
            }
        )
        for shard in (0, 1)
    ]
    for shard, bot in enumerate(bots):
        assert f"shards [{shard}] of 2" in bot.output()
    shards = sorted(p["shard"] for p in discord_stub.identify_payloads)
    assert shards == [[0, 2], [1, 2]]  # one IDENTIFY per shard, each from its own process

    users = {}
    results = []
    everywhere = [discord_stub.guild_id, *guilds[0], *guilds[1]]
    assert [discord_shard(g) for g in guilds[0] + guilds[1]] == [0, 0, 1, 1]
    for shard in (0, 1):
        for guild in [g for g in everywhere if discord_shard(g) == shard]:
            user = discord_stub.make_user(f"member-{guild[-4:]}")
            users[user["id"]] = guild
            results.append(
                await discord_stub.invoke("rate", {"drama": TITLE, "score": 4}, user=user, guild_id=guild)
            )
    dm_user = discord_stub.make_user("dm")
    results.append(await discord_stub.invoke("rate", {"drama": TITLE, "score": 2}, user=dm_user, guild=False))
    choices = await discord_stub.autocomplete("review", {"drama": "soundt"}, "drama", guild_id=guilds[1][0])
    assert any(c["name"].startswith(TITLE) for c in choices)

    for result in results:  # answered once: one accepted callback, nothing rejected
        assert result.answered and result.callback_status == 200 and not result.rejections
        assert [a.kind for a in result.arrivals].count("callback") == 1

    stored = {shard: ratings_in(databases[shard]) for shard in (0, 1)}
    for shard in (0, 1):
        expected = {(int(users[u]), int(u)) for u in users if discord_shard(users[u]) == shard}
        if shard == 0:
            expected.add((None, int(dm_user["id"])))  # DMs go to shard 0
        assert set(stored[shard]) == expected

    # One process gone: the other still answers its own shard's guilds.
    bots[1].kill()
    await bots[1].wait(10)
    after = await discord_stub.invoke(
        "rate", {"drama": TITLE, "score": 5}, user=discord_stub.make_user("later"), guild_id=guilds[0][1]
    )
    assert after.answered and "You rated" in after.embeds[0]["description"]
    assert len(ratings_in(databases[0])) == len(stored[0]) + 1

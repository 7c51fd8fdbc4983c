"""/catalogue remove, restore and merge through the real bot process, on SQLite and on PostgreSQL: members'
data is kept, averages come back to the half star, a merge keeps every total exact (checked against a
recount of the ratings). DRAMABOT_TEST_BACKENDS narrows the backends, as for the store tests."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import sys
from pathlib import Path

import pytest

from .standin import DEFAULT_MEMBER_PERMISSIONS

MANAGER = str(int(DEFAULT_MEMBER_PERMISSIONS) | 1 << 5)  # Manage Server: sees /catalogue, is no curator
ROOT = Path(__file__).resolve().parents[2]
SIGNAL = "signal-2016"  # a bundled drama

RECOUNT = (
    "SELECT drama_id, episode, 0, count(*), sum(halves) FROM ratings GROUP BY drama_id, episode "
    "UNION ALL SELECT drama_id, episode, guild_id, count(*), sum(halves) FROM ratings "
    "WHERE guild_id IS NOT NULL GROUP BY drama_id, episode, guild_id"
)


@pytest.fixture(params=[b.strip() for b in os.environ.get("DRAMABOT_TEST_BACKENDS", "sqlite,postgres").split(",")
                        if b.strip()])  # fmt: skip
def database(request: pytest.FixtureRequest, bot_env: dict[str, str]) -> str:
    """The bot's DATABASE_URL: the e2e SQLite file, or a new empty PostgreSQL database."""
    return bot_env["DATABASE_URL"] if request.param == "sqlite" else request.getfixturevalue("pg_url")


async def rows(url: str, sql: str, *params) -> list[tuple]:
    if url.startswith("postgresql"):
        import asyncpg

        from bot.store.db import numbered

        conn = await asyncpg.connect(url)
        try:
            return [tuple(r) for r in await conn.fetch(numbered(sql), *params)]
        finally:
            await conn.close()
    conn = sqlite3.connect(url)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


async def assert_totals_exact(url: str) -> None:
    expected = {(r[0], r[1], r[2]): (r[3], r[4]) for r in await rows(url, RECOUNT)}
    stored = {
        (r[0], r[1], r[2]): (r[3], r[4])
        for r in await rows(url, "SELECT drama_id, episode, scope, n, halves FROM rating_totals WHERE n <> 0")
    }
    assert stored == expected


def scores(card: dict) -> tuple[str, str]:
    fields = {f["name"]: f["value"] for f in card["fields"]}
    return fields["This server"], fields["Everyone"]


async def test_remove_then_restore_by_the_owner_gives_back_every_rating(discord_stub, start_bot, database):
    await start_bot({"DATABASE_URL": database})
    members = [discord_stub.make_user(n) for n in ("alice", "bob", "carol")]
    for member, score in zip(members, (4.5, 3.0, 5.0), strict=True):
        await discord_stub.invoke("rate", {"drama": SIGNAL, "score": score}, user=member)
        await discord_stub.invoke("rate", {"drama": SIGNAL, "score": score, "episode": 2}, user=member)
    await discord_stub.invoke(
        "watchlist set", {"drama": SIGNAL, "status": "watching", "episode": 5}, user=members[0]
    )
    before = (await discord_stub.invoke("review", {"drama": SIGNAL})).embeds[0]
    assert "4.17 (3 ratings)" in scores(before)[1]
    stored = await rows(database, "SELECT drama_id, episode, user_id, halves FROM ratings ORDER BY 1, 2, 3")

    owner = discord_stub.owner
    confirm = await discord_stub.invoke(
        "catalogue remove", {"drama": SIGNAL, "confirm": "signal"}, user=owner, permissions=MANAGER
    )
    assert confirm.ephemeral and "to confirm" in confirm.content  # a wrong confirmation removes nothing
    removed = await discord_stub.invoke(
        "catalogue remove", {"drama": SIGNAL, "confirm": SIGNAL}, user=owner, permissions=MANAGER
    )
    assert removed.ephemeral and "Removed *Signal*" in removed.content and "restore" in removed.content
    assert (
        await rows(database, "SELECT drama_id, episode, user_id, halves FROM ratings ORDER BY 1, 2, 3")
        == stored
    )

    # Members no longer find it, and are told why when they pick it anyway.
    gone = await discord_stub.invoke("review", {"drama": SIGNAL})
    assert gone.ephemeral and "*Signal* was removed from the catalogue" in gone.content
    rate = await discord_stub.invoke("rate", {"drama": SIGNAL, "score": 1}, user=members[1])
    assert rate.ephemeral and "was removed" in rate.content
    assert all(
        c["value"] != SIGNAL for c in await discord_stub.autocomplete("review", {"drama": "Signal"}, "drama")
    )
    listed = await discord_stub.invoke("watchlist show", {}, user=members[0])
    assert "Signal" not in str(listed.embeds)

    # Curators see removed dramas in restore's autocomplete; others see nothing there.
    offered = await discord_stub.autocomplete(
        "catalogue restore", {"drama": "sig"}, "drama", user=owner, permissions=MANAGER
    )
    assert [c["value"] for c in offered] == [SIGNAL]
    assert (
        await discord_stub.autocomplete("catalogue restore", {"drama": "sig"}, "drama", permissions=MANAGER)
        == []
    )
    refused = await discord_stub.invoke("catalogue restore", {"drama": SIGNAL}, permissions=MANAGER)
    assert refused.ephemeral and "Only the bot's global curators" in refused.content

    restored = await discord_stub.invoke(
        "catalogue restore", {"drama": SIGNAL}, user=owner, permissions=MANAGER
    )
    assert restored.ephemeral and "Restored *Signal*" in restored.content
    after = (await discord_stub.invoke("review", {"drama": SIGNAL})).embeds[0]
    assert scores(after) == scores(before)
    assert [f for f in after["fields"] if f["name"].startswith("Episode guide")] == [
        f for f in before["fields"] if f["name"].startswith("Episode guide")
    ]
    assert "Signal" in str((await discord_stub.invoke("watchlist show", {}, user=members[0])).embeds)
    assert [r[1:3] for r in await rows(database, "SELECT id, action, subject FROM catalogue_audit ORDER BY id")] == [
        ("remove", SIGNAL), ("restore", SIGNAL)]  # fmt: skip
    await assert_totals_exact(database)


async def test_restore_and_merge_refuse_bad_input_and_non_curators(discord_stub, start_bot, database):
    await start_bot({"DATABASE_URL": database})
    owner = discord_stub.owner
    unknown = await discord_stub.invoke(
        "catalogue restore", {"drama": "no-such-drama"}, user=owner, permissions=MANAGER
    )
    assert unknown.ephemeral and "No drama has the id `no-such-drama`" in unknown.content
    shown = await discord_stub.invoke("catalogue restore", {"drama": SIGNAL}, user=owner, permissions=MANAGER)
    assert shown.ephemeral and "is not removed" in shown.content
    same = await discord_stub.invoke(
        "catalogue merge",
        {"from": SIGNAL, "into": SIGNAL, "confirm": SIGNAL},
        user=owner,
        permissions=MANAGER,
    )
    assert same.ephemeral and "cannot be merged into itself" in same.content
    missing = await discord_stub.invoke(
        "catalogue merge",
        {"from": "no-such-drama", "into": SIGNAL, "confirm": "x"},
        user=owner,
        permissions=MANAGER,
    )
    assert missing.ephemeral and "No drama called 'no-such-drama'" in missing.content
    unconfirmed = await discord_stub.invoke(
        "catalogue merge",
        {"from": SIGNAL, "into": "soundtrack-1-2022", "confirm": "signal"},
        user=owner,
        permissions=MANAGER,
    )
    assert unconfirmed.ephemeral and "Not merged" in unconfirmed.content
    assert await rows(database, "SELECT count(*) FROM catalogue_audit") == [(0,)]
    assert await rows(database, "SELECT count(*) FROM dramas WHERE slug = ?", SIGNAL) == [(1,)]


async def test_a_merge_through_discord_keeps_every_total_exact(discord_stub, start_bot, database):
    await start_bot({"DATABASE_URL": database})
    owner = discord_stub.owner
    added = await discord_stub.invoke(
        "catalogue add",
        {"title": "Signal TMDB", "episodes": 16, "year": 2016, "slug": "signal-tmdb"},
        user=owner,
        permissions=MANAGER,
    )
    assert added.ephemeral and "Added" in added.content
    alice, bob, carol = (discord_stub.make_user(n) for n in ("alice", "bob", "carol"))
    await discord_stub.invoke("rate", {"drama": SIGNAL, "score": 2}, user=alice)
    await asyncio.sleep(0.01)  # scores are timed to the millisecond
    await discord_stub.invoke("rate", {"drama": "signal-tmdb", "score": 5}, user=alice)  # later: it wins
    await discord_stub.invoke("rate", {"drama": "signal-tmdb", "score": 4}, user=bob)
    await discord_stub.invoke("rate", {"drama": "signal-tmdb", "score": 3, "episode": 4}, user=bob)
    await discord_stub.invoke("rate", {"drama": SIGNAL, "score": 1}, user=carol)
    await discord_stub.invoke("rate", {"drama": SIGNAL, "score": 3}, user=carol)
    merged = await discord_stub.invoke(
        "catalogue merge",
        {"from": "signal-tmdb", "into": SIGNAL, "confirm": "signal-tmdb"},
        user=owner,
        permissions=MANAGER,
    )
    assert merged.ephemeral and "Merged *Signal TMDB*" in merged.content, merged.content
    assert "3 scores moved (1 older duplicates dropped)" in merged.content
    await assert_totals_exact(database)
    card = (await discord_stub.invoke("review", {"drama": SIGNAL})).embeds[0]
    assert "4.0 (3 ratings)" in scores(card)[1]  # Alice 5 (her later), Bob 4, Carol 3
    assert await rows(database, "SELECT count(*) FROM dramas WHERE slug = 'signal-tmdb'") == [(0,)]
    (hit,) = [c for c in await discord_stub.autocomplete("review", {"drama": "Signal TMDB"}, "drama")
              if c["value"] == SIGNAL]  # fmt: skip
    assert "Signal TMDB" in hit["name"]  # its name is now an alias of the drama kept

    # The command line merges too, and refuses what it cannot do.
    env = {**os.environ, "DATABASE_URL": database, "DISCORD_TOKEN": ""}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "catalogue", "merge", SIGNAL, SIGNAL, cwd=ROOT, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    _, err = await proc.communicate()
    assert proc.returncode == 1 and "cannot merge 'signal-2016' into itself" in err.decode()
    assert [r[0] for r in await rows(database, "SELECT action FROM catalogue_audit ORDER BY id")][-2:] == [
        "merge",
        "merge",
    ]

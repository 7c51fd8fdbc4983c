"""rating_totals on PostgreSQL stays exact: random changes, and concurrent batched upserts from many
connections, each compared with a recomputation from the ratings themselves."""

from __future__ import annotations

import asyncio
import random

import asyncpg
import pytest

from bot.store.pg_schema import migrate

DRAMAS = 4
EPISODES = 3  # 0 (the drama itself) .. 2
GUILDS = (None, 101, 202, 303)
COUNTRIES = ("KR", "JP", "TH", None)

RECOMPUTED = """
SELECT drama_id, episode, 0::bigint AS scope, count(*) AS n, sum(halves) AS halves
  FROM ratings GROUP BY drama_id, episode
UNION ALL
SELECT drama_id, episode, guild_id, count(*), sum(halves)
  FROM ratings WHERE guild_id IS NOT NULL GROUP BY drama_id, episode, guild_id
"""

# Group commit as the store will do it: one statement per batch, the batch sorted by key and without
# duplicate keys (ON CONFLICT cannot touch one row twice in a statement).
UPSERT = """
INSERT INTO ratings (drama_id, episode, user_id, guild_id, halves)
SELECT * FROM unnest($1::bigint[], $2::int[], $3::bigint[], $4::bigint[], $5::int[])
ON CONFLICT (drama_id, episode, user_id)
DO UPDATE SET halves = excluded.halves, guild_id = excluded.guild_id, updated_at = now()
"""


async def check_totals(conn: asyncpg.Connection) -> int:
    """Assert rating_totals equals the recomputation (rows at n = 0 must be all zero); the row count."""
    expected = {
        (r["drama_id"], r["episode"], r["scope"]): (r["n"], r["halves"]) for r in await conn.fetch(RECOMPUTED)
    }
    rows = await conn.fetch("SELECT drama_id, episode, scope, n, halves FROM rating_totals")
    kept = {}
    for r in rows:
        key, value = (r["drama_id"], r["episode"], r["scope"]), (r["n"], r["halves"])
        if value == (0, 0):
            continue
        assert r["n"] > 0 and r["halves"] > 0, f"impossible total {key}: {value}"
        kept[key] = value
    assert kept == expected
    wrong_country = await conn.fetch(
        "SELECT t.drama_id, t.episode, t.scope FROM rating_totals t JOIN dramas d ON d.id = t.drama_id "
        "WHERE t.country IS DISTINCT FROM d.country"
    )
    assert wrong_country == []  # each total carries its drama's country (migration 0013)
    return len(expected)


async def setup(url: str) -> asyncpg.Connection:
    conn = await asyncpg.connect(url)
    await migrate(conn)
    await conn.executemany(
        "INSERT INTO dramas (slug, title, episode_count, country) VALUES ($1, $2, $3, $4)",
        [(f"d{i}", f"Drama {i}", EPISODES, COUNTRIES[i % len(COUNTRIES)]) for i in range(1, DRAMAS + 1)],
    )
    return conn


def batch(rng: random.Random, size: int, users: range) -> list[tuple[int, int, int, int | None, int]]:
    rows = {}
    for _ in range(size):
        key = (rng.randint(1, DRAMAS), rng.randrange(EPISODES), rng.choice(users))
        rows[key] = (*key, rng.choice(GUILDS), rng.randint(1, 10))
    return [rows[k] for k in sorted(rows)]


async def upsert(conn: asyncpg.Connection, rows: list[tuple]) -> None:
    """One batch, retried after a deadlock as the store retries it (bot/store/postgres.py).

    Sorting by key orders the locks on ratings and on each (drama, episode)'s totals, but the watch
    list trigger (migration 0005) also touches (member, drama) rows, and two batches can reach those
    in opposite orders through different episodes: PostgreSQL then aborts one of them, which is
    rolled back whole and run again.
    """
    columns = [list(column) for column in zip(*rows, strict=True)]
    for attempt in range(20):
        try:
            await conn.execute(UPSERT, *columns)
            return
        except asyncpg.exceptions.DeadlockDetectedError:
            await asyncio.sleep(0.001 * (attempt + 1))
    raise AssertionError("a batch deadlocked 20 times in a row")


async def random_change(conn: asyncpg.Connection, rng: random.Random) -> str:
    """One random change of the kinds the bot, the CLI or a migration make; returns its kind."""
    users = range(1, 12)
    kind = rng.choice(
        ["insert", "upsert", "score", "guild", "delete", "delete-user", "move", "no-op", "drama", "country"]
    )
    d, ep, user = rng.randint(1, DRAMAS), rng.randrange(EPISODES), rng.choice(users)
    if kind == "insert":
        await conn.execute(
            "INSERT INTO ratings (drama_id, episode, user_id, guild_id, halves) VALUES ($1, $2, $3, $4, $5) "
            "ON CONFLICT DO NOTHING", d, ep, user, rng.choice(GUILDS), rng.randint(1, 10),
        )  # fmt: skip
    elif kind == "upsert":
        await upsert(conn, batch(rng, rng.randint(1, 20), users))
    elif kind == "score":
        await conn.execute(
            "UPDATE ratings SET halves = $1 WHERE drama_id = $2 AND user_id = $3", rng.randint(1, 10), d, user
        )
    elif kind == "guild":
        await conn.execute("UPDATE ratings SET guild_id = $1 WHERE user_id = $2", rng.choice(GUILDS), user)
    elif kind == "delete":
        await conn.execute(
            "DELETE FROM ratings WHERE drama_id = $1 AND episode = $2 AND user_id = $3", d, ep, user
        )
    elif kind == "delete-user":
        await conn.execute("DELETE FROM ratings WHERE user_id = $1", user)
    elif kind == "move":  # a key change (not something the bot does, but the totals must follow it too)
        await conn.execute(
            "UPDATE ratings SET episode = $1 WHERE drama_id = $2 AND user_id = $3 AND episode = $4 "
            "AND NOT EXISTS (SELECT 1 FROM ratings r WHERE r.drama_id = $2 AND r.user_id = $3 AND r.episode = $1)",
            rng.randrange(EPISODES), d, user, ep,
        )  # fmt: skip
    elif kind == "no-op":
        await conn.execute("UPDATE ratings SET updated_at = now() WHERE drama_id = $1", d)
    elif kind == "country":  # a catalogue edit: the drama's totals take its new country
        await conn.execute("UPDATE dramas SET country = $1 WHERE id = $2", rng.choice(COUNTRIES), d)
    else:  # a drama removed and added again: its ratings and totals go with it
        await conn.execute("DELETE FROM dramas WHERE id = $1", d)
        await conn.execute(
            "INSERT INTO dramas (id, slug, title, episode_count, country) VALUES ($1, $2, $3, $4, $5)",
            d,
            f"d{d}",
            f"Drama {d}",
            EPISODES,
            rng.choice(COUNTRIES),
        )
    return kind


@pytest.mark.parametrize("seed", range(4))
async def test_totals_follow_random_changes_exactly(pg_url: str, seed: int) -> None:
    rng = random.Random(seed)
    conn = await setup(pg_url)
    try:
        kinds = set()
        for step in range(250):
            if rng.random() < 0.3:  # some changes together in one transaction, some alone
                async with conn.transaction():
                    for _ in range(rng.randint(2, 5)):
                        kinds.add(await random_change(conn, rng))
            else:
                kinds.add(await random_change(conn, rng))
            if step % 10 == 0:
                await check_totals(conn)
        assert await check_totals(conn) > 0
        assert len(kinds) == 10  # every kind of change happened
    finally:
        await conn.close()


async def test_a_rolled_back_transaction_leaves_no_trace_in_the_totals(pg_url: str) -> None:
    conn = await setup(pg_url)
    try:
        await upsert(conn, [(1, 0, 1, 101, 8), (1, 0, 2, None, 4)])
        before = await conn.fetch("SELECT * FROM rating_totals ORDER BY 1, 2, 3")
        with pytest.raises(RuntimeError):
            async with conn.transaction():
                await upsert(conn, [(1, 0, 1, 202, 2), (1, 0, 3, 101, 10)])
                raise RuntimeError("abort")
        assert await conn.fetch("SELECT * FROM rating_totals ORDER BY 1, 2, 3") == before
        assert await check_totals(conn) == 2
        assert {(r["scope"], r["n"], r["halves"]) for r in before} == {(0, 2, 12), (101, 1, 8)}
    finally:
        await conn.close()


async def test_concurrent_batched_upserts_from_many_connections_keep_totals_exact(pg_url: str) -> None:
    """24 connections each commit 15 batches (one unnest upsert per transaction) over a few hot dramas and
    overlapping members, with single deletes in between: no lost update, exact totals (a batch
    aborted by a deadlock is retried, as the store does)."""
    setup_conn = await setup(pg_url)
    writers = [await asyncpg.connect(pg_url) for _ in range(24)]
    committed = 0

    async def writer(conn: asyncpg.Connection, seed: int) -> None:
        nonlocal committed
        rng = random.Random(seed)
        users = range(1, 60)  # shared by every writer: real conflicts on the same rating rows
        for _ in range(15):
            rows = batch(rng, 40, users)
            await upsert(conn, rows)
            committed += len(rows)
            if rng.random() < 0.3:
                await conn.execute(
                    "DELETE FROM ratings WHERE drama_id = $1 AND episode = $2 AND user_id = $3",
                    rng.randint(1, DRAMAS), rng.randrange(EPISODES), rng.choice(users),
                )  # fmt: skip

    try:
        await asyncio.gather(*(writer(c, i) for i, c in enumerate(writers)))
        assert committed > 24 * 15 * 20
        assert await check_totals(setup_conn) > DRAMAS * EPISODES
        # Every (drama, episode) was rated by someone: the "everyone" totals are all there.
        assert (
            await setup_conn.fetchval("SELECT count(*) FROM rating_totals WHERE scope = 0 AND n > 0")
            == DRAMAS * EPISODES
        )
    finally:
        for c in [setup_conn, *writers]:
            await c.close()

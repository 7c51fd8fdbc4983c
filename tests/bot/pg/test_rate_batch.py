"""rate_batch() (PostgreSQL migration 0009), the one statement a batch of ratings is: called directly,
with what the store's Python side (bot/store/pg_ratings.py) cannot see coming, a drama removed or
shortened between its read and the batch, and a score another transaction stored meanwhile."""

from __future__ import annotations

import asyncio

import asyncpg

from bot.store.pg_ratings import _RATE, CURRENT, REFUSED, TOTAL

GUILD = 4242


async def call(conn: asyncpg.Connection, keys: list[tuple], wanted: list[tuple]) -> dict[int, set[tuple]]:
    """keys: (drama, episode, user, guild, halves), sorted; wanted: (drama, episode, scope). Rows by kind."""
    columns = [list(c) for c in zip(*keys, strict=True)] + [list(c) for c in zip(*wanted, strict=True)]
    found: dict[int, set[tuple]] = {CURRENT: set(), TOTAL: set(), REFUSED: set()}
    for row in await conn.fetch(_RATE, *columns):
        found[row["kind"]].add(tuple(row)[1:])
    return found


async def test_refused_keys_write_nothing_and_the_others_are_written(pg_migrated_url: str) -> None:
    conn = await asyncpg.connect(pg_migrated_url)
    try:
        drama = await conn.fetchval(
            "INSERT INTO dramas (slug, title, episode_count) VALUES ('short', 'Short', 2) RETURNING id"
        )
        gone = drama + 1000  # no such drama (removed since the store read it)
        keys = [
            (drama, 0, 1, GUILD, 8),
            (drama, 2, 1, None, 6),
            (drama, 3, 1, None, 4),
            (gone, 0, 1, None, 2),
        ]
        wanted = [(drama, 0, 0), (drama, 0, GUILD), (drama, 2, 0)]
        found = await call(conn, keys, wanted)
        assert found[REFUSED] == {(drama, 3, 1, 2, 2), (gone, 0, 1, 1, None)}  # 2 = no such episode, of 2
        assert found[CURRENT] == set()  # nobody had a score
        assert found[TOTAL] == {(drama, 0, 0, 1, 8), (drama, 0, GUILD, 1, 8), (drama, 2, 0, 1, 6)}
        stored = await conn.fetch("SELECT drama_id, episode, user_id, halves FROM ratings ORDER BY episode")
        assert [tuple(r) for r in stored] == [(drama, 0, 1, 8), (drama, 2, 1, 6)]

        # Again, with new scores: the previous ones come back, the totals move, nothing is counted twice.
        found = await call(conn, [(drama, 0, 1, GUILD, 10), (drama, 2, 1, None, 6)], wanted)
        assert found[CURRENT] == {(drama, 0, 1, 8, None), (drama, 2, 1, 6, None)}
        assert found[TOTAL] == {(drama, 0, 0, 1, 10), (drama, 0, GUILD, 1, 10), (drama, 2, 0, 1, 6)}
        assert found[REFUSED] == set()
    finally:
        await conn.close()


async def test_a_score_stored_by_another_transaction_meanwhile_is_the_previous_one(
    pg_migrated_url: str,
) -> None:
    """The other transaction inserts the key after rate_batch() read the stored scores: its INSERT ... ON
    CONFLICT DO NOTHING waits, finds the key, and the score the other stored is read (and replaced)."""
    first = await asyncpg.connect(pg_migrated_url)
    second = await asyncpg.connect(pg_migrated_url)
    try:
        drama = await first.fetchval(
            "INSERT INTO dramas (slug, title, episode_count) VALUES ('raced', 'Raced', 1) RETURNING id"
        )
        other = second.transaction()
        await other.start()
        await second.execute(
            "INSERT INTO ratings (drama_id, episode, user_id, halves) VALUES ($1, 0, 7, 3)", drama
        )
        batch = asyncio.create_task(call(first, [(drama, 0, 7, None, 9)], [(drama, 0, 0)]))
        await asyncio.sleep(0.3)  # rate_batch() read no score for the key and waits on the insert
        assert not batch.done()
        await other.commit()
        found = await batch
        assert found[CURRENT] == {(drama, 0, 7, 3, None)}
        assert found[TOTAL] == {(drama, 0, 0, 1, 9)}
        assert await first.fetchval("SELECT halves FROM ratings WHERE drama_id = $1", drama) == 9
    finally:
        await first.close()
        await second.close()

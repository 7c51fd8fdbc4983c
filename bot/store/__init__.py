"""The store: all SQL, on SQLite (the embedded default) or PostgreSQL.

`store = await open_store(url)`: a path or `sqlite:///...` opens SQLite, a `postgresql://...` URL opens
PostgreSQL (the `postgres` extra). Callers use its parts: `store.ratings.rate(...)` (base.py wires them).
"""

from __future__ import annotations

from pathlib import Path

from bot.store.base import Store
from bot.store.bundle import BUNDLE_DIGEST, record_digest
from bot.store.migrations import migrations
from bot.store.rows import CatalogueRecord
from bot.store.suggestions import SuggestionClosed
from bot.store.titles import CATALOGUE_REV, INDEX_CHECK_INTERVAL
from bot.store.unavailable import UnavailableStore

__all__ = [
    "BUNDLE_DIGEST",
    "CATALOGUE_REV",
    "INDEX_CHECK_INTERVAL",
    "CatalogueRecord",
    "Store",
    "SuggestionClosed",
    "UnavailableStore",
    "is_postgres_url",
    "migrations",
    "open_store",
    "record_digest",
]

POSTGRES_SCHEMES = ("postgresql", "postgres")


def is_postgres_url(location: Path | str) -> bool:
    return isinstance(location, str) and location.partition("://")[0].lower() in POSTGRES_SCHEMES


async def open_store(location: Path | str, *, pool_max: int | None = None) -> Store:
    """Open the store at a SQLite path (or sqlite:///path) or a postgresql:// URL: migrated (a newer
    schema raises SchemaTooNew), title index loaded."""
    if is_postgres_url(location):
        from bot.store.postgres import POOL_MAX, PostgresDb

        db = await PostgresDb.open(str(location), pool_max=pool_max or POOL_MAX)
    else:
        from bot.settings import database_path_from_url
        from bot.store.sqlite import SqliteDb

        path = location if isinstance(location, Path) else database_path_from_url(location)
        db = await SqliteDb.open(path)
    store = Store(db)
    try:
        if db.dialect == "postgres":  # listening first: a change made during the load is not missed
            await db.listener.start(store.titles.changed)
        await store.titles.load()
    except BaseException:
        await db.close()
        raise
    return store

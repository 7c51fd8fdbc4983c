"""Cluster coordination (base.py): the coordinator follows DATABASE_URL, as the store's backend does:
PostgreSQL advisory locks (postgres.py) for a `postgresql://` URL, local locks for SQLite."""

from __future__ import annotations

from pathlib import Path

from bot.cluster.base import IDENTIFY_SPACING, ClusterUnavailable, Coordinator, LocalCluster, lock_key
from bot.store import is_postgres_url

__all__ = [
    "IDENTIFY_SPACING", "ClusterUnavailable", "Coordinator", "LocalCluster", "is_postgres_url", "lock_key",
    "open_cluster",
]  # fmt: skip


async def open_cluster(location: Path | str, **options: float) -> Coordinator:
    """The coordinator for a database location, started (a PostgreSQL one that cannot connect yet keeps
    trying in the background; its locks wait for it)."""
    if is_postgres_url(location):
        from bot.cluster.postgres import PgCluster

        cluster: Coordinator = PgCluster(str(location), **options)
    else:
        cluster = LocalCluster(**options)
    await cluster.start()
    return cluster

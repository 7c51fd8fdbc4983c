"""Cluster coordination: PostgreSQL advisory locks for a `postgresql://` DATABASE_URL, else local locks."""

from __future__ import annotations

from pathlib import Path

from bot.cluster.base import IDENTIFY_SPACING, ClusterUnavailable, Coordinator, LocalCluster, lock_key
from bot.store import is_postgres_url

__all__ = [
    "IDENTIFY_SPACING", "ClusterUnavailable", "Coordinator", "LocalCluster", "is_postgres_url", "lock_key",
    "open_cluster",
]  # fmt: skip


async def open_cluster(location: Path | str, **options: float) -> Coordinator:
    """The coordinator for a database location, started (PostgreSQL: connecting in the background)."""
    if is_postgres_url(location):
        from bot.cluster.postgres import PgCluster

        cluster: Coordinator = PgCluster(str(location), **options)
    else:
        cluster = LocalCluster(**options)
    await cluster.start()
    return cluster

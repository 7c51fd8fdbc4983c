"""Cluster coordination: what bot processes sharing one database agree on (base.py).

The coordinator follows DATABASE_URL, as the store's backend does: PostgreSQL session advisory locks
(postgres.py) for a `postgresql://` URL; local asyncio locks (local.py) for SQLite, whose one process
is the whole cluster.
"""

from __future__ import annotations

from pathlib import Path

from bot.cluster.base import IDENTIFY_SPACING, ClusterUnavailable, Coordinator, lock_key
from bot.cluster.local import LocalCluster

__all__ = [
    "IDENTIFY_SPACING", "ClusterUnavailable", "Coordinator", "LocalCluster", "is_postgres_url", "lock_key",
    "open_cluster",
]  # fmt: skip


def is_postgres_url(location: Path | str) -> bool:
    return isinstance(location, str) and location.partition("://")[0].lower() in ("postgresql", "postgres")


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

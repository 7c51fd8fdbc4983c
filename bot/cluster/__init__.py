"""Cluster coordination: what bot processes sharing one database agree on.

`open_cluster(location)` picks the coordinator from DATABASE_URL, as the store picks its backend:

* a `postgresql://` URL: `PgCluster` (postgres.py), session advisory locks on one dedicated asyncpg
  connection per process: one command sync across the cluster, IDENTIFY spaced by Discord's
  max_concurrency buckets across processes, background jobs on one leader;
* a SQLite path: `LocalCluster` (local.py), the same API with local asyncio locks: one process is the
  whole cluster.

The shared logic (exclusive, identify_turn, run_as_leader, run_every) is in base.py.
"""

from __future__ import annotations

from pathlib import Path

from bot.cluster.base import (
    IDENTIFY_SPACING,
    ClusterUnavailable,
    Coordinator,
    IdentifyTurn,
    LeaderEvent,
    lock_key,
)
from bot.cluster.local import LocalCluster

__all__ = [
    "IDENTIFY_SPACING",
    "ClusterUnavailable",
    "Coordinator",
    "IdentifyTurn",
    "LeaderEvent",
    "LocalCluster",
    "is_postgres_url",
    "lock_key",
    "open_cluster",
]

POSTGRES_SCHEMES = ("postgresql", "postgres")


def is_postgres_url(location: Path | str) -> bool:
    return isinstance(location, str) and location.partition("://")[0].lower() in POSTGRES_SCHEMES


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

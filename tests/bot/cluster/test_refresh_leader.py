"""The TMDB refresh job (bot/tmdb/ondemand.py) through the cluster's leader lock: of two processes' jobs on one
PostgreSQL cluster only the leader's refreshes; when its lock connection is terminated the other leads and
picks up the schedule recorded in the database (not due again: no second refresh)."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from pathlib import Path

import asyncpg
import pytest

from bot.cluster import open_cluster
from bot.store import Store
from bot.tmdb.bulk import REFRESHED_AT
from bot.tmdb.client import TMDB
from bot.tmdb.ondemand import LEADER_NAME, RefreshJob
from tests.bot.cluster.test_postgres_cluster import FAST, eventually, lock_holder, lock_sessions
from tests.tmdb_standin import FakeTMDB

OVERDUE = "2000-01-01T00:00:00+00:00"


async def test_only_the_leader_refreshes_and_another_takes_over(
    pg_url: str, tmp_path: Path, fake_tmdb: FakeTMDB, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bot.tmdb.ondemand")
    store = await Store.open(tmp_path / "shared.sqlite3")  # the data; the locks are PostgreSQL's
    await store.set_meta(REFRESHED_AT, OVERDUE)
    clusters = [await open_cluster(pg_url, **FAST) for _ in range(2)]
    clients = [TMDB("k", fake_tmdb.base, timeout=3.0) for _ in range(2)]
    jobs = [RefreshJob(lambda: store, client, timedelta(hours=24)) for client in clients]
    admin = await asyncpg.connect(pg_url)
    try:
        for job, cluster in zip(jobs, clusters, strict=True):
            job.start(cluster.run_as_leader)
        await eventually(lambda: _refreshed(store))
        await asyncio.sleep(0.5)  # several takeover polls: the other job still waits
        sessions = await lock_sessions(admin)
        leader = await lock_holder(admin, LEADER_NAME)
        assert len(sessions) == 2 and leader in sessions
        refreshes = [r for r in caplog.records if r.getMessage().startswith("TMDB refresh:")]
        assert len(refreshes) == 1

        assert await admin.fetchval("SELECT pg_terminate_backend($1)", leader)
        other = (sessions - {leader}).pop()
        await eventually(lambda: _holder_is(admin, other))  # the other process leads now
        await asyncio.sleep(0.3)
        assert len([r for r in caplog.records if r.getMessage().startswith("TMDB refresh:")]) == 1  # not due
    finally:
        for job in jobs:
            await job.stop()
        for client in clients:
            await client.close()
        for cluster in clusters:
            await cluster.close()
        await admin.close()
        await store.close()


async def _refreshed(store: Store) -> bool:
    return await store.get_meta(REFRESHED_AT) != OVERDUE


async def _holder_is(admin: asyncpg.Connection, pid: int) -> bool:
    return await lock_holder(admin, LEADER_NAME) == pid

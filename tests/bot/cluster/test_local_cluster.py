"""bot/cluster's single-process coordinator (SQLite) and the parts of the shared logic that need no server."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.cluster import LocalCluster, is_postgres_url, lock_key, open_cluster
from tests.bot.cluster.worker import every


class Meta:
    def __init__(self) -> None:
        self.values: dict[str, str] = {}

    async def get_meta(self, key: str) -> str | None:
        return self.values.get(key)

    async def set_meta(self, key: str, value: str) -> None:
        self.values[key] = value


@pytest.mark.parametrize(
    ("location", "postgres"),
    [
        ("postgresql://bot@db/dramabot", True),
        ("postgres://bot@db/dramabot", True),
        ("POSTGRESQL://bot@db/dramabot", True),
        ("sqlite:///data/x.sqlite3", False),
        ("data/dramabot.sqlite3", False),
        (Path("postgresql://not-a-url-but-a-path"), False),
    ],
)
def test_the_coordinator_follows_database_url(location, postgres):
    assert is_postgres_url(location) is postgres


async def test_a_sqlite_location_gets_the_local_coordinator(tmp_path: Path) -> None:
    cluster = await open_cluster(tmp_path / "db.sqlite3")
    try:
        assert isinstance(cluster, LocalCluster)
    finally:
        await cluster.close()


def test_lock_keys_are_stable_signed_64_bit_and_distinct():
    keys = {lock_key(name) for name in ("command-sync", "identify:0", "identify:1", "leader:tmdb-refresh")}
    assert len(keys) == 4
    assert all(-(2**63) <= k < 2**63 for k in keys)
    assert lock_key("command-sync") == lock_key("command-sync")


async def test_sync_once_syncs_on_a_new_digest_only_and_when_forced() -> None:
    cluster, meta, synced = LocalCluster(), Meta(), []

    async def sync() -> None:
        synced.append(1)

    assert await cluster.sync_once(meta, "command_sync:global", "d1", sync)
    assert not await cluster.sync_once(meta, "command_sync:global", "d1", sync)
    assert await cluster.sync_once(meta, "command_sync:global", "d1", sync, force=True)
    assert await cluster.sync_once(meta, "command_sync:global", "d2", sync)
    assert len(synced) == 3 and meta.values == {"command_sync:global": "d2"}


async def test_concurrent_syncs_in_one_process_sync_once() -> None:
    cluster, meta, synced = LocalCluster(), Meta(), []

    async def sync() -> None:
        synced.append(1)
        await asyncio.sleep(0.05)

    results = await asyncio.gather(*(cluster.sync_once(meta, "k", "d", sync) for _ in range(5)))
    assert sorted(results) == [False] * 4 + [True] and len(synced) == 1


async def test_local_identify_turns_space_each_bucket_in_this_process() -> None:
    cluster = LocalCluster(identify_spacing=0.2)
    try:
        turns = [await cluster.identify_turn(shard, max_concurrency=3) for shard in range(6)]
        for bucket in range(3):  # shards `bucket` and `bucket + 3`
            assert (turns[bucket + 3] - turns[bucket]).total_seconds() >= 0.2
    finally:
        await cluster.close()


async def test_the_local_process_always_leads() -> None:
    cluster = LocalCluster(job_retry=0.01)
    runs: list[int] = []
    three = asyncio.Event()

    async def job() -> None:
        runs.append(1)
        if len(runs) == 3:
            three.set()

    for _ in range(2):  # cancelled, the job gives the leadership back: it leads again at once
        task = asyncio.create_task(cluster.run_as_leader("refresh", every(job, 0.01)))
        try:
            await asyncio.wait_for(three.wait(), 30)
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        runs.clear()
        three.clear()

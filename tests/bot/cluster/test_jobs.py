"""bot/cluster/jobs.py: a repeating job runs its cycle every interval once the client is ready, skips the
cycles while the database is away, carries on after a failed cycle, runs on the leader, and stops."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from bot.airing.times import SystemClock
from bot.cluster.base import LocalCluster
from bot.cluster.jobs import RepeatingJob
from bot.store import Store, open_store
from tests.e2e.waiting import eventually as until


class Ready:
    """The one part of discord.Client a job calls: ready once `ready` is set."""

    def __init__(self) -> None:
        self.ready = asyncio.Event()

    async def wait_until_ready(self) -> None:
        await self.ready.wait()


class Counting(RepeatingJob):
    name = "counting"

    def __init__(self, client: Ready, store_of, fail_first: bool = False) -> None:  # noqa: ANN001
        super().__init__(client, store_of, SystemClock(), timedelta(seconds=0.01))  # type: ignore[arg-type]
        self.cycles: list[Store] = []
        self.fail_first = fail_first

    async def run_once(self, store: Store) -> None:
        self.cycles.append(store)
        if self.fail_first and len(self.cycles) == 1:
            raise RuntimeError("the first cycle fails")


@pytest.fixture
async def store(tmp_path) -> Store:  # noqa: ANN001
    opened = await open_store(tmp_path / "jobs.sqlite3")
    yield opened
    await opened.close()


async def test_cycles_start_when_ready_skip_an_absent_store_and_survive_a_failure(store, caplog):
    client, current = Ready(), {"store": None}
    job = Counting(client, lambda: current["store"], fail_first=True)
    job.start()
    await asyncio.sleep(0.05)
    assert job.cycles == []  # not before the client is ready
    client.ready.set()
    await asyncio.sleep(0.05)
    assert job.cycles == []  # the database is away (not a Store): no cycle
    current["store"] = store
    await until(lambda: len(job.cycles) >= 3)  # the first failed, the next ones still ran
    assert "counting failed" in caplog.text
    await job.stop()
    ran = len(job.cycles)
    await asyncio.sleep(0.05)
    assert len(job.cycles) == ran and job._task is None  # noqa: SLF001 - stopped for good


async def test_through_the_leader_one_of_two_runs(store):
    client, cluster = Ready(), LocalCluster()
    client.ready.set()
    first, second = Counting(client, lambda: store), Counting(client, lambda: store)
    first.start(cluster.run_as_leader)
    second.start(cluster.run_as_leader)
    await until(lambda: len(first.cycles) + len(second.cycles) >= 3)
    assert not (first.cycles and second.cycles)  # one leader at a time
    await first.stop()
    await second.stop()

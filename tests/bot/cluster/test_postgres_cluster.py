"""bot/cluster on a real PostgreSQL server: one command sync among N processes, IDENTIFY spaced per
max_concurrency bucket across coordinators, one leader, and takeover when the leader's connection is
terminated or its process is SIGKILLed.

Each PgCluster has its own dedicated connection, i.e. its own PostgreSQL session: two coordinators in
one test process contend for advisory locks exactly as two bot processes do. Where the point is a
separate process (N syncing processes, a SIGKILLed leader), real processes run tests/bot/cluster/worker.py.
Waits have generous limits that only guard against a hang; nothing asserts how long things took.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path

import asyncpg
import pytest

from bot.cluster import lock_key, open_cluster
from bot.cluster.postgres import APPLICATION_NAME, PgCluster
from tests.bot.cluster.worker import every

ROOT = Path(__file__).resolve().parents[3]
FAST = {"lock_poll": 0.02, "takeover_poll": 0.1, "heartbeat": 0.5, "heartbeat_timeout": 2.0, "job_retry": 0.2}


async def eventually(check: Callable[[], Awaitable[bool] | bool], limit: float = 30.0) -> None:
    """Poll `check` until true; fail after `limit` seconds (a hang guard, not a timing assertion)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit
    while True:
        result = check()
        if not isinstance(result, bool):
            result = await result
        if result:
            return
        if loop.time() > deadline:
            pytest.fail(f"still not true after {limit} s: {getattr(check, '__name__', check)}")
        await asyncio.sleep(0.05)


async def clusters(url: str, n: int, **options: float) -> list[PgCluster]:
    started = []
    for _ in range(n):
        cluster = await open_cluster(url, **{**FAST, **options})
        assert isinstance(cluster, PgCluster)
        started.append(cluster)
    return started


async def close_all(items: list[PgCluster]) -> None:
    await asyncio.gather(*(c.close() for c in items))


async def lock_holder(admin: asyncpg.Connection, name: str) -> int | None:
    """The server pid of the session holding the advisory lock of `name` (as a leader lock), if any."""
    key = lock_key(f"leader:{name}") & 0xFFFFFFFFFFFFFFFF  # a bigint key: classid high, objid low 32 bits
    return await admin.fetchval(
        "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 1 "
        "AND classid::bigint = $1 AND objid::bigint = $2", key >> 32, key & 0xFFFFFFFF,
    )  # fmt: skip


async def lock_sessions(admin: asyncpg.Connection) -> set[int]:
    """The server pids of every cluster lock connection."""
    rows = await admin.fetch("SELECT pid FROM pg_stat_activity WHERE application_name = $1", APPLICATION_NAME)
    return {r["pid"] for r in rows}


async def sessions_are(admin: asyncpg.Connection, n: int) -> bool:
    return len(await lock_sessions(admin)) == n


async def spawn(*args: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.bot.cluster.worker", *args, cwd=ROOT,
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip


async def read_line(proc: asyncio.subprocess.Process) -> str:
    assert proc.stdout is not None
    return (await asyncio.wait_for(proc.stdout.readline(), 60)).decode().strip()


async def stop(procs: list[asyncio.subprocess.Process]) -> None:
    for proc in procs:
        if proc.returncode is None:
            proc.kill()
        await proc.wait()


# ---- 1. one command sync across the cluster ------------------------------------------------------


async def run_sync_race(url: str, kind: str, n: int) -> tuple[list[str], list[int]]:
    admin = await asyncpg.connect(url)
    try:
        await admin.execute("CREATE TABLE syncs (pid integer NOT NULL)")
        procs = [await spawn("sync", url, kind) for _ in range(n)]
        try:
            for proc in procs:  # all connected, then all at once
                assert await read_line(proc) == "ready"
            for proc in procs:
                assert proc.stdin is not None
                proc.stdin.write(b"go\n")
                await proc.stdin.drain()
            answers = [await read_line(proc) for proc in procs]
            for proc in procs:
                assert await asyncio.wait_for(proc.wait(), 60) == 0
        finally:
            await stop(procs)
        pids = [r["pid"] for r in await admin.fetch("SELECT pid FROM syncs")]
        return answers, pids
    finally:
        await admin.close()


async def test_exactly_one_of_n_processes_starting_together_syncs(pg_url: str) -> None:
    answers, pids = await run_sync_race(pg_url, "postgres", 5)
    assert sorted(answers) == ["skipped"] * 4 + ["synced"]
    assert len(pids) == 1  # the stand-in for Discord's PUT ran once in all
    admin = await asyncpg.connect(pg_url)
    try:  # and the digest is recorded for the next start
        assert await admin.fetchval("SELECT value FROM meta WHERE key = 'command_sync:global'") == (
            "digest-of-the-new-commands"
        )
    finally:
        await admin.close()


async def test_without_the_shared_lock_the_same_race_syncs_more_than_once(pg_url: str) -> None:
    # The control: processes with only their local lock (what SQLite's single process uses) all read the
    # old digest before anyone records the new one. So the test above would catch a lock that did nothing.
    answers, pids = await run_sync_race(pg_url, "local", 5)
    assert answers.count("synced") > 1 and len(pids) == answers.count("synced")


# ---- 2. IDENTIFY spacing per max_concurrency bucket ---------------------------------------------


async def test_identify_turns_per_bucket_are_spaced_across_coordinators(pg_url: str) -> None:
    spacing = 0.3
    a, b = await clusters(pg_url, 2, identify_spacing=spacing)
    try:

        turns: dict[int, datetime] = {}  # shard -> when its turn came, on the server's clock

        async def launch(cluster: PgCluster, shards: list[int]) -> None:
            for shard in shards:  # as discord.py launches a process's shards: one after another
                turns[shard] = await cluster.identify_turn(shard, max_concurrency=2)

        await asyncio.gather(launch(a, [0, 1, 2, 3]), launch(b, [4, 5, 6, 7]))
        assert sorted(turns) == list(range(8))
        for bucket in (0, 1):
            times = sorted(at for shard, at in turns.items() if shard % 2 == bucket)
            gaps = [
                (later - earlier).total_seconds() for earlier, later in zip(times, times[1:], strict=False)
            ]
            assert min(gaps) >= spacing, gaps  # one IDENTIFY per bucket per spacing, across both
    finally:
        await close_all([a, b])


async def test_different_buckets_do_not_wait_for_each_other(pg_url: str) -> None:
    (a,) = await clusters(pg_url, 1, identify_spacing=60.0)
    watcher = await asyncpg.connect(pg_url)
    try:
        await a.identify_turn(0, max_concurrency=16)
        await a.identify_turn(1, max_concurrency=16)  # bucket 1: returns while bucket 0 is still held
        held = {
            r["objid"]
            for r in await watcher.fetch(
                "SELECT objid::bigint FROM pg_locks WHERE locktype = 'advisory' AND granted"
            )
        }
        for bucket in (0, 1):  # a bigint key shows as (classid = high 32 bits, objid = low 32 bits)
            assert lock_key(f"identify:{bucket}") & 0xFFFFFFFF in held
    finally:
        await watcher.close()
        await a.close()


async def test_identify_turn_of_a_busy_bucket_waits_for_the_other_coordinator(pg_url: str) -> None:
    a, b = await clusters(pg_url, 2, identify_spacing=60.0)
    try:
        first = await a.identify_turn(3, max_concurrency=2)  # bucket 1, held for a minute
        waiting = asyncio.create_task(b.identify_turn(5, max_concurrency=2))  # bucket 1 too
        await b.identify_turn(4, max_concurrency=2)  # bucket 0: goes through meanwhile
        assert not waiting.done()
        await a.close()  # the session ends, its locks with it: b's turn comes
        assert await asyncio.wait_for(waiting, 30) > first
    finally:
        await close_all([a, b])


# ---- 3. and 4. one leader; takeover when the leader's connection or process dies ----------------


class Job:
    """A leader job that runs until cancelled, noting who runs it."""

    def __init__(self) -> None:
        self.running: set[int] = set()
        self.started: list[int] = []
        self.cancelled: list[int] = []

    def for_cluster(self, index: int) -> Callable[[], Awaitable[None]]:
        async def job() -> None:
            self.running.add(index)
            self.started.append(index)
            try:
                await asyncio.Event().wait()
            except asyncio.CancelledError:
                self.cancelled.append(index)
                raise
            finally:
                self.running.discard(index)

        return job


async def test_one_leader_among_several_and_a_takeover_when_its_connection_is_terminated(pg_url: str) -> None:
    members = await clusters(pg_url, 3)
    job = Job()
    tasks = [
        asyncio.create_task(c.run_as_leader("tmdb-refresh", job.for_cluster(i)))
        for i, c in enumerate(members)
    ]
    admin = await asyncpg.connect(pg_url)
    try:
        await eventually(lambda: len(job.running) == 1)
        await asyncio.sleep(0.5)  # several takeover polls later: still one
        assert len(job.running) == 1 and job.started == list(job.running)
        leader = job.started[0]
        sessions = await lock_sessions(admin)
        pid = await lock_holder(admin, "tmdb-refresh")
        assert len(sessions) == 3 and pid in sessions

        assert await admin.fetchval("SELECT pg_terminate_backend($1)", pid)

        await eventually(lambda: len(job.running) == 1 and leader not in job.running)
        assert job.cancelled == [leader]  # the old leader's job stopped
        assert await lock_holder(admin, "tmdb-refresh") in sessions - {pid}  # a surviving connection
        # The old leader reconnects and waits its turn instead of leading again.
        await eventually(lambda: sessions_are(admin, 3))
        await asyncio.sleep(0.5)
        assert len(job.running) == 1 and leader not in job.running
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await admin.close()
        await close_all(members)


async def test_a_sigkilled_leader_process_is_replaced(pg_url: str) -> None:
    admin = await asyncpg.connect(pg_url)
    await admin.execute(
        "CREATE TABLE leader_runs (pid integer NOT NULL, at timestamptz NOT NULL DEFAULT now())"
    )
    proc = await spawn("lead", pg_url, "tmdb-refresh")
    (here,) = await clusters(pg_url, 1)
    runs: list[str] = []

    async def run() -> None:
        runs.append("here")

    follower = None
    try:
        assert await read_line(proc) == "ready"
        assert await read_line(proc) == "leader"
        follower = asyncio.create_task(here.run_as_leader("tmdb-refresh", every(run, 0.1)))
        await eventually(
            lambda: admin.fetchval("SELECT count(*) >= 3 FROM leader_runs WHERE pid = $1", proc.pid)
        )
        await asyncio.sleep(0.5)  # the other process leads: this one only waits
        assert runs == []

        proc.send_signal(signal.SIGKILL)
        assert await asyncio.wait_for(proc.wait(), 30) == -signal.SIGKILL
        await eventually(lambda: len(runs) >= 2)  # the lock died with the session: taken over
        killed_runs = await admin.fetchval("SELECT count(*) FROM leader_runs WHERE pid = $1", proc.pid)
        await asyncio.sleep(0.3)
        assert (
            await admin.fetchval("SELECT count(*) FROM leader_runs WHERE pid = $1", proc.pid) == killed_runs
        )
    finally:
        if follower is not None:
            follower.cancel()
            await asyncio.gather(follower, return_exceptions=True)
        await stop([proc])
        await here.close()
        await admin.close()


async def test_a_frozen_leader_loses_its_lock_after_idle_session_timeout(pg_url: str) -> None:
    # SIGSTOP: the socket stays open, as when the network between a process and the server is cut and no
    # reset arrives. The server ends the silent session after idle_session_timeout, and its locks with it.
    admin = await asyncpg.connect(pg_url)
    await admin.execute(
        "CREATE TABLE leader_runs (pid integer NOT NULL, at timestamptz NOT NULL DEFAULT now())"
    )
    proc = await spawn("lead", pg_url, "tmdb-refresh", "1.0")
    (here,) = await clusters(pg_url, 1)
    runs: list[str] = []

    async def run() -> None:
        runs.append("here")

    follower = None
    try:
        assert await read_line(proc) == "ready"
        assert await read_line(proc) == "leader"
        follower = asyncio.create_task(here.run_as_leader("tmdb-refresh", every(run, 0.1)))
        await asyncio.sleep(2.0)  # twice the idle timeout: a live leader's heartbeats keep its session
        assert runs == [] and len(await lock_sessions(admin)) == 2

        proc.send_signal(signal.SIGSTOP)
        await eventually(lambda: len(runs) >= 2)  # its session ended on the server: taken over
        assert len(await lock_sessions(admin)) == 1  # the frozen process's lock connection is gone
    finally:
        if follower is not None:
            follower.cancel()
            await asyncio.gather(follower, return_exceptions=True)
        if proc.returncode is None:
            proc.send_signal(signal.SIGCONT)
        await stop([proc])
        await here.close()
        await admin.close()


async def test_the_lock_connection_is_dedicated_and_sets_idle_session_timeout(pg_url: str) -> None:
    (a,) = await clusters(pg_url, 1, idle_session_timeout=7.0)
    try:
        _, value = await a._query(lambda c: c.fetchval("SHOW idle_session_timeout"))
        assert value == "7s"
        _, name = await a._query(lambda c: c.fetchval("SHOW application_name"))
        assert name == APPLICATION_NAME
    finally:
        await a.close()


async def test_a_leader_job_that_fails_hands_leadership_back_and_is_retried(pg_url: str) -> None:
    (a,) = await clusters(pg_url, 1)
    calls = 0

    async def flaky() -> None:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RuntimeError("TMDB said no")
        await asyncio.Event().wait()

    task = asyncio.create_task(a.run_as_leader("flaky", flaky))
    admin = await asyncpg.connect(pg_url)
    try:
        await eventually(lambda: calls == 2)  # retried after job_retry, leading again
        assert await lock_holder(admin, "flaky") in await lock_sessions(admin)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await admin.close()
        await a.close()


async def test_an_unreachable_database_makes_exclusive_raise_not_hang(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from bot.cluster import ClusterUnavailable

    caplog.set_level(logging.INFO, logger="bot.cluster")
    url = f"postgresql://nobody@/nothing?host={tmp_path}"  # a socket directory with no server in it
    cluster = await open_cluster(url)
    try:
        with pytest.raises(ClusterUnavailable):
            async with cluster.exclusive("command-sync", connect_timeout=0.3):
                pass
        await cluster.identify_turn(0, 1, connect_timeout=0.3)  # not coordinated, but not stuck
        assert "this process only" in caplog.text
    finally:
        await cluster.close()

"""A smoke run of `python -m bench.servers` with a few servers: every server is counted once in the ready
lines, every shard is ready and answers an interaction, one process or several on PostgreSQL. Timings and
memory are never checked (the benchmark measures them; docs/performance.md has the figures)."""

from __future__ import annotations

import math
import random

import pytest

from bench.postgres import load
from bench.run import prepared_database
from bench.servers import measure

pytestmark = pytest.mark.long  # one IDENTIFY per shard, 5.5 s apart: 10 to 20 s a run


async def test_servers_over_two_shards_in_one_process(tmp_path):
    db = prepared_database("small", tmp_path)
    report = await measure(41, 2, 1, str(db), tmp_path, lambda _: None, "SQLite")
    assert report.guilds_per_shard in ([21, 20], [20, 21])
    (process,) = report.processes
    assert process.servers == 41 and process.shards == [0, 1]
    assert report.answered == [True, True] and report.ok
    assert len(report.identifies) == 2 and report.identifies[1] > report.identifies[0]
    assert math.isfinite(process.ready_s) and process.hwm_mb > 0
    assert "41 servers over 2 shards" in report.text()


async def test_two_processes_share_the_shards_on_postgres(tmp_path, pg_server):
    db = prepared_database("small", tmp_path)
    url = await load(pg_server.url, f"servers_{random.randrange(1 << 30)}", db, lambda _: None)
    report = await measure(30, 2, 2, url, tmp_path, lambda _: None, "PostgreSQL")
    assert sorted(p.shards for p in report.processes) == [[0], [1]]
    assert sorted(p.servers for p in report.processes) == [15, 15]
    assert report.answered == [True, True] and report.ok

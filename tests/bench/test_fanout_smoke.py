"""The fan-out benchmark at a tiny size (20 servers, 10 members) through real bot processes, with a global
limit of 5 requests/s so the pacing shows: the counts are asserted (exactly once, DM channels opened once,
no global 429 after the wave's first second, bad destinations paused), never the timings (they are measured
by `python -m bench.fanout`, docs/perf-notes/fanout.md)."""

from __future__ import annotations

import pytest

from bench.fanout import Config, Figures, Run, run_all, write_section
from bench.run import HEADER, Row

LIMIT = 5.0


def check_counts(run: Run, f: Figures) -> None:
    world = run.world
    assert not run.timed_out
    assert f.exactly_once, f
    assert f.servers_once == len(world.channels) == 18  # 20 servers, one deleted channel, one without Send
    assert f.members_once == len(world.members) == 9  # 10 members, one with closed DMs
    assert all(f.dm_opens[user] == 1 for user in [*world.members, *world.closed]), f.dm_opens
    assert f.limits, "the stand-in models the global limit"
    assert f.global_429s_late == 0
    assert f.busiest_fixed <= LIMIT  # arrivals of all the processes together, per 1 s window of the stand-in
    assert f.needed >= len(world.channels) + 2 * len(world.members)  # a post each, a DM channel and a DM each
    assert len(f.bad_requests) >= 1 and max(f.bad_requests.values()) <= 2  # paused, not retried
    assert f.bad_posts == 0 and f.elsewhere == 0
    assert f.dms_before_last_server == 0  # servers first, then DMs
    assert run.errors == 0


@pytest.mark.long
async def test_tiny_wave_on_sqlite(tmp_path):
    [(_, run, f, rows)] = await run_all([Config("tiny", global_limit=LIMIT)], lambda _: None, tmp_path)
    check_counts(run, f)
    assert [r.measure.split(": ", 1)[1] for r in rows] == [
        "/about, idle", "/about, during the wave", "/review, idle", "/review, during the wave", "exactly once",
        "DM channels opened", "drain", "clean", "bad destinations", "order", "start-up",
    ]  # fmt: skip
    assert all(r.samples for r in rows[:4]) and all(r.missed == 0 for r in rows[:4])


@pytest.mark.long
async def test_tiny_wave_on_postgres_with_two_processes(tmp_path):
    config = Config("tiny", backend="postgres", processes=2, global_limit=LIMIT)
    [(_, run, f, rows)] = await run_all([config], lambda _: None, tmp_path)
    check_counts(run, f)
    assert f.unknown_process == 0 and sum(f.by_process.values()) >= f.needed  # every request traced to a bot
    assert set(f.by_process) <= set(run.pids)
    # No channel is asked for before its post, whichever process holds its server's shard: a post each, a
    # DM channel and a DM each, and one refused request per bad destination at most.
    fewest = len(run.world.channels) + 2 * len(run.world.members) + len(run.world.closed)
    assert f.needed <= fewest + 4, (f.needed, fewest)


def test_the_section_keeps_the_rest_of_the_file(tmp_path):
    out = tmp_path / "performance.md"
    out.write_text(
        "# Performance\n\n## Capacity\n\nkept\n\n## Fan-out\n\n(placeholder)\n\n## 10,000 servers\n\nkept too\n"
    )
    row = Row("tiny: drain", value="1.0 s")
    write_section(out, Config("tiny"), [row], "python -m bench.fanout --size tiny")
    write_section(out, Config("tiny", backend="postgres", processes=2), [row], "python -m bench.fanout ...")
    row.value = "2.0 s"
    write_section(out, Config("tiny"), [row], "python -m bench.fanout --size tiny")  # replaced, not added
    text = out.read_text()
    assert text.count("<!-- fanout:tiny-sqlite-1:start -->") == 1 and "2.0 s" in text and "1.0 s" in text
    head, section = text.split("## Fan-out", 1)
    section, tail = section.split("## 10,000 servers")
    assert "## Capacity\n\nkept" in head and "kept too" in tail and "(placeholder)" in section
    assert section.index("tiny-sqlite-1:start") < section.index("tiny-postgres-2:start")
    assert "| " + " | ".join(HEADER) + " |" in section


@pytest.mark.long
async def test_tiny_wave_survives_the_sending_process_killed(tmp_path):
    config = Config("tiny", backend="postgres", processes=2, kill=True, global_limit=LIMIT)
    [(_, run, f, rows)] = await run_all([config], lambda _: None, tmp_path)
    assert run.killed is not None and run.killed[0] in run.pids
    assert not run.timed_out and f.exactly_once, f  # its share was taken over: every post once, none twice
    assert f.servers_once == 18 and f.members_once == 9
    assert f.takeover_s > 0 and f.takeover_s != float("inf")
    assert f.global_429s_late == 0 and f.busiest_fixed <= LIMIT
    # a DM channel opened by the killed process just before it died may be opened again, never more
    assert all(1 <= n <= 2 for n in f.dm_opens.values())
    assert rows[-1].measure.endswith("processes") and "SIGKILLed" in rows[-1].value

"""bench/importer.py: the generated history file is one the bot reads (the rows asked for, films and
unknown titles among them), and (long) a small run reports every kind with and without the import.
Timings are never checked."""

from __future__ import annotations

import sqlite3

import pytest

from bench.importer import MIX, Phase, Report, history_file, run
from bot.history import parse_upload


def test_the_history_file_is_read_back_whole(tmp_path):
    db = tmp_path / "c.sqlite3"
    conn = sqlite3.connect(db)
    conn.execute(
        "CREATE TABLE dramas (id INTEGER PRIMARY KEY, title TEXT, year INTEGER, episode_count INTEGER)"
    )
    conn.executemany(
        "INSERT INTO dramas VALUES (?, ?, ?, ?)", [(i, f"Drama {i}", 2000 + i % 20, 8) for i in range(1, 201)]
    )
    conn.commit()
    conn.close()
    data, dramas = history_file(db, 1_000)
    parsed = parse_upload(data, "history.csv")
    assert parsed.format == "dramabot" and dramas == 200
    assert sum(1 + len(r.episodes) for r in parsed.rows) == 1_000
    assert (
        sum(r.kind == "movie" for r in parsed.rows) == 2
        and sum(r.title.startswith("Nowhere") for r in parsed.rows) == 4
    )


@pytest.mark.long  # a bot process on the small catalogue, its warm-up, one round
async def test_a_small_run_reports_every_kind(tmp_path):
    report = await run("small", tmp_path, lambda _: None, rate=20, seconds=2.0, rows=2_000, rounds=1)
    assert isinstance(report, Report) and isinstance(report.during, Phase)
    assert report.timings and report.result.startswith("Scores stored:")
    assert all(report.without.latencies(k) for k in MIX) and report.during.latencies()
    assert "| all |" in report.text()

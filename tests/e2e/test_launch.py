"""The end-to-end launcher's file clock (tests/e2e/launch.py)."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.e2e.launch import FileClock


def test_file_clock_reads_the_file_at_every_call(tmp_path):
    path = tmp_path / "clock.txt"
    path.write_text("2026-12-01T21:00:00+09:00\n")
    clock = FileClock(path)
    assert clock.now() == datetime(2026, 12, 1, 12, 0, tzinfo=UTC) and clock.now().tzinfo is UTC
    path.write_text("2026-12-02T12:00:00")  # naive: taken as UTC
    assert clock.now() == datetime(2026, 12, 2, 12, 0, tzinfo=UTC)


def test_file_clock_falls_back_to_real_time(tmp_path):
    path = tmp_path / "clock.txt"
    path.write_text("not a time")
    before = datetime.now(UTC)
    assert FileClock(path).now() >= before
    assert FileClock(tmp_path / "missing.txt").now() >= before

"""Small parts of the scheduler (issue 13): the test-only file clock, the store while unavailable."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.airing.times import SystemClock
from bot.errors import StoreUnavailable
from bot.airing.scheduler import FileClock, clock_for
from bot.store import UnavailableStore


def test_file_clock_reads_the_file_at_every_call(tmp_path):
    path = tmp_path / "clock.txt"
    path.write_text("2026-12-01T21:00:00+09:00\n")
    clock = clock_for(path)
    assert isinstance(clock, FileClock)
    assert clock.now() == datetime(2026, 12, 1, 12, 0, tzinfo=UTC) and clock.now().tzinfo is UTC
    path.write_text("2026-12-02T12:00:00")  # naive: taken as UTC
    assert clock.now() == datetime(2026, 12, 2, 12, 0, tzinfo=UTC)


def test_file_clock_falls_back_to_real_time_and_production_uses_the_system_clock(tmp_path):
    path = tmp_path / "clock.txt"
    path.write_text("not a time")
    before = datetime.now(UTC)
    assert FileClock(path).now() >= before
    assert FileClock(tmp_path / "missing.txt").now() >= before
    assert isinstance(clock_for(None), SystemClock)


async def test_the_airing_part_answers_unavailable_while_the_database_is_away():
    with pytest.raises(StoreUnavailable):
        await UnavailableStore("locked").airing.followed(1)

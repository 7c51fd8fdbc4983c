"""Run the real bot with its airing clock read from a file, so a test moves it through simulated days.

    python tests/e2e/launch.py CLOCK_FILE [python -m bot arguments ...]
    python -m tests.e2e.launch CLOCK_FILE ...   (with the repository on PYTHONPATH, as bench/ does)

CLOCK_FILE holds an ISO 8601 time (2026-12-01T12:00:00+00:00), read at every `now()`; while it is
missing or unreadable the clock is the real time. See the ``start_bot(clock=...)`` fixture.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

from bot.__main__ import main


class FileClock:
    """The time written in a file; the real time while the file is missing or unreadable."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def now(self) -> datetime:
        try:
            at = datetime.fromisoformat(self.path.read_text(encoding="utf-8").strip())
        except (OSError, ValueError):
            return datetime.now(UTC)
        return at.astimezone(UTC) if at.tzinfo is not None else at.replace(tzinfo=UTC)


if __name__ == "__main__":
    sys.exit(main(sys.argv[2:], clock=FileClock(Path(sys.argv[1]))))

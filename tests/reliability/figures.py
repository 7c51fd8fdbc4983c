"""The figures a reliability run measures, written to docs/reliability.md by a --long run."""

from __future__ import annotations

import platform
import sys
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

REPORT = Path(__file__).resolve().parents[2] / "docs" / "reliability.md"

# section -> figure -> value (ints are summed over tests, other values replace)
FIGURES: dict[str, dict[str, object]] = defaultdict(dict)
OUTCOMES: dict[str, str] = {}


def add(section: str, name: str, value: int | float | str) -> None:
    current = FIGURES[section].get(name)
    if isinstance(value, int) and isinstance(current, int):
        FIGURES[section][name] = current + value
    else:
        FIGURES[section][name] = value


TOTALS = (
    ("interactions", "interactions sent"),
    ("answered", "interactions answered"),
    ("late", "answers late (> 3 s)"),
    ("lost", "rows lost"),
    ("tracebacks", "tracebacks shown to users"),
    ("pings", "bodies that could ping"),
)


WHAT = [
    "* **Concurrent load** (`test_load.py`): 1,000 members send `/rate` at once, mixed with `/review`, `/where`",
    "  and autocomplete (one in ten); then the same members re-rate at once. Every interaction must be answered",
    "  inside Discord's 3 s (the stand-in rejects later callbacks), 1,000 rows must hold the latest scores and",
    "  the card must count 1,000.",
    "* **Crash safety** (`test_crash.py`): SIGKILL at a random moment of a 4-wide `/rate` stream, 20 rounds;",
    "  after each, `PRAGMA integrity_check` and every rating whose confirmation card reached the user must be",
    "  stored. SIGTERM during a 40-interaction burst: all answered, exit status 0.",
    "* **Gateway / REST faults** (`test_faults.py`): TCP reset of the gateway mid-stream (RESUME), a",
    "  non-resumable INVALID_SESSION (re-IDENTIFY), 429 with `retry_after` on callbacks, one 500.",
    "* **Fuzzing** (`test_fuzz.py`, hypothesis): arbitrary text (empty, 10,000 characters, control characters,",
    "  Hangul, emoji, RTL marks, markdown, mentions, SQL metacharacters, `%`/`_`) into `/rate`, `/review`,",
    "  `/where` and autocomplete; arbitrary numbers into `/rate` score and episode, sent as a modified client",
    "  could. Always answered, errors ephemeral, no traceback text, nothing stored from a rejected call.",
    "  NaN and infinities cannot travel in JSON: `checked_score` is tested with them directly.",
    "* **Database faults** (`test_database.py`): file made immutable (`chattr +i`; root ignores chmod), locked by",
    "  another process past the 2 s busy timeout, a full 4 MiB tmpfs, a corrupt file at start, a newer schema.",
    "* **Security** (`test_security.py`): token grep over everything printed (DEBUG logging, a rejected token)",
    "  and every body sent; catalogue changes refused to server admins (only global curators);",
    "  per-member `/rate` limit (10 per 30 s); interactions for another application id get no answer.",
    "  `allowed_mentions` is checked by the stand-in on every body of every test.",
    "* **Backup** (`test_backup.py`): `python -m bot backup PATH` while the bot rates; the copy passes",
    "  `integrity_check` and holds every rating confirmed before the backup started.",
]


def write_report(long_mode: bool) -> None:
    if not long_mode or not FIGURES:
        return
    totals: dict[str, int] = defaultdict(int)
    for figures in FIGURES.values():
        for key, _ in TOTALS:
            value = figures.get(key)
            if isinstance(value, int):
                totals[key] += value
    lines = [
        "# Reliability figures",
        "",
        "Measured through the end-to-end Discord stand-in (`tests/e2e/standin.py`) against the real bot",
        "process. Regenerate with:",
        "",
        "    .venv/bin/python -m pytest tests/reliability --long",
        "",
        "(the default `pytest tests/reliability` is the short run: fewer interactions, kills and examples,",
        "and does not rewrite this file).",
        "",
        f"Last run: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, Python {sys.version.split()[0]}, "
        f"{platform.system()} {platform.machine()}.",
        "",
        "## Totals",
        "",
        "| figure | value |",
        "|---|---|",
    ]
    lines += [f"| {label} | {totals.get(key, 0):,} |" for key, label in TOTALS]
    lines += ["", "## What is measured", "", *WHAT]
    lines += ["", "## Tests", "", "| test | outcome |", "|---|---|"]
    lines += [f"| `{name}` | {outcome} |" for name, outcome in sorted(OUTCOMES.items())]
    for section in sorted(FIGURES):
        lines += ["", f"## {section}", "", "| figure | value |", "|---|---|"]
        for name, value in FIGURES[section].items():
            shown = f"{value:,}" if isinstance(value, int) else str(value)
            lines.append(f"| {name} | {shown} |")
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text("\n".join(lines) + "\n", encoding="utf-8")

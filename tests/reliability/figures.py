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
    lines += ["", "## Tests", "", "| test | outcome |", "|---|---|"]
    lines += [f"| `{name}` | {outcome} |" for name, outcome in sorted(OUTCOMES.items())]
    for section in sorted(FIGURES):
        lines += ["", f"## {section}", "", "| figure | value |", "|---|---|"]
        for name, value in FIGURES[section].items():
            shown = f"{value:,}" if isinstance(value, int) else str(value)
            lines.append(f"| {name} | {shown} |")
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text("\n".join(lines) + "\n", encoding="utf-8")

"""`python -m bench.stacks FILE [--top N] [--match TEXT]`: read a `py-spy record --format raw` profile
(what `python -m bench --profile FILE` writes) and print where the bot's busy CPU went.

Idle samples (the event loop waiting in select/epoll, aiosqlite's worker waiting for work, other
threads parked) are left out. Each function is counted once per sample ("inclusive": it or something
it called was running) and "self" (it was the innermost frame).
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter
from pathlib import Path

IDLE = (
    "select (selectors.py",
    "EpollSelector.select",
    "_connection_worker_thread (aiosqlite/core.py:59)",  # aiosqlite 0.22 (pinned): its worker in tx.get()
    "Queue.get (queue.py",
    "_wait_for_tstate_lock",
    "Condition.wait (threading.py",
    "Event.wait (threading.py",
)
_LINE = re.compile(r"^(?P<stack>.*) (?P<count>\d+)$")
_FRAME = re.compile(r"^(?P<func>.+?) \((?P<file>[^:()]+)(?::\d+)?\)$")


def function(frame: str) -> str:
    """'Store._get_dramas (bot/store.py:342)' -> 'Store._get_dramas (bot/store.py)': lines merged."""
    match = _FRAME.match(frame)
    return f"{match['func']} ({match['file']})" if match else frame


def read(path: Path) -> tuple[list[tuple[list[str], int]], int]:
    busy, idle = [], 0
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        match = _LINE.match(line)
        if not match:
            continue
        frames, count = match["stack"].split(";"), int(match["count"])
        if any(marker in frames[-1] for marker in IDLE):
            idle += count
            continue
        busy.append(([function(f) for f in frames], count))
    return busy, idle


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.stacks")
    parser.add_argument("file", type=Path)
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--match", default="", help="only functions whose name contains this text")
    args = parser.parse_args(argv)
    busy, idle = read(args.file)
    total = sum(c for _, c in busy)
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    for frames, count in busy:
        for name in set(frames):
            inclusive[name] += count
        own[frames[-1]] += count
    print(f"{total} busy samples ({idle} idle left out)")
    print(f"{'incl %':>7} {'self %':>7}  function")
    for name, count in inclusive.most_common():
        if args.match and args.match not in name:
            continue
        print(f"{count / total:7.1%} {own[name] / total:7.1%}  {name}")
        args.top -= 1
        if args.top <= 0:
            break
    return 0


if __name__ == "__main__":
    sys.exit(main())

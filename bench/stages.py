"""`python -m bench.stages [--size small|large] [--calls N] [--backend sqlite|postgres]`: where each
community command's time goes inside the bot.

The benchmark's community pass (bench/community.py: warm-up, then sequential blocks of every kind), with
the bot's process timing each interaction's stages and each store call (bench/stage_hooks). It prints
the median time between stages per command, then the store calls made while each command's own code
ran. Medians of in-process stamps are much steadier than end-to-end latency on a noisy machine, so a
change of 50 us in a command shows here when the benchmark's p50 cannot tell it from noise.

Not a benchmark row and not judged: a tool for finding what to make faster (docs/perf-notes/community7.md).
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import contextlib
import json
import os
import random
import statistics
import sys
import tempfile
from collections import Counter, defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HOOKS = Path(__file__).resolve().parent / "stage_hooks"
STAGES = ("recv", "parse", "tree", "cmd", "body", "send", "req", "resp")
# (column, from stage, to stage)
SPANS = (
    ("gateway>parsed", "recv", "parse"),
    ("parsed>tree", "parse", "tree"),
    ("tree>command", "tree", "cmd"),
    ("options", "cmd", "body"),
    ("own code", "body", "send"),
    ("send>request", "send", "req"),
    ("request>reply", "req", "resp"),
)
MIN_SAMPLES = 20


@dataclass(frozen=True)
class StoreCall:
    start: float
    end: float
    name: str


def read_records(lines: list[str]) -> tuple[list[dict], list[StoreCall]]:
    """The hook's JSON lines: interactions (their stage stamps) and store calls, in start order."""
    interactions, calls = [], []
    for line in lines:
        record = json.loads(line)
        if "interaction" in record:
            interactions.append(record["interaction"])
        else:
            calls.append(StoreCall(record["start"], record["end"], record["store"]))
    calls.sort(key=lambda c: c.start)
    return interactions, calls


def stage_table(interactions: list[dict], calls: list[StoreCall]) -> list[str]:
    """Per command (with every stage stamped, at least MIN_SAMPLES times): the median of each span in us,
    then the median store time in its own code and the store calls it made per interaction."""
    by_command: dict[str, list[dict]] = defaultdict(list)
    for entry in interactions:
        if all(stage in entry for stage in STAGES):
            by_command[entry["name"]].append(entry)
    starts = [c.start for c in calls]
    header = (
        f"{'command':16s} {'n':>5s} "
        + " ".join(f"{name:>14s}" for name, _, _ in SPANS)
        + f" {'store':>7s}  calls each"
    )
    lines = [header]
    for name, entries in sorted(by_command.items()):
        if len(entries) < MIN_SAMPLES:
            continue
        spans = [statistics.median(e[b] - e[a] for e in entries) * 1e6 for _, a, b in SPANS]
        store_us, made = [], Counter()
        for e in entries:
            inside = calls[bisect.bisect_left(starts, e["body"]) : bisect.bisect_left(starts, e["send"])]
            store_us.append(sum(c.end - c.start for c in inside) * 1e6)
            made.update(c.name for c in inside)
        each = ", ".join(f"{call} {count / len(entries):.2g}" for call, count in made.most_common())
        lines.append(
            f"{name:16s} {len(entries):5d} " + " ".join(f"{us:14.0f}" for us in spans)
            + f" {statistics.median(store_us):7.0f}  {each}"
        )  # fmt: skip
    return lines


def store_table(calls: list[StoreCall]) -> list[str]:
    """Each store method's median and p90 time in us, over every call made."""
    by_name: dict[str, list[float]] = defaultdict(list)
    for c in calls:
        by_name[c.name].append((c.end - c.start) * 1e6)
    lines = [f"{'store call':20s} {'n':>6s} {'median':>7s} {'p90':>7s}"]
    for name, times in sorted(by_name.items(), key=lambda kv: -len(kv[1])):
        if len(times) >= MIN_SAMPLES:
            times.sort()
            lines.append(
                f"{name:20s} {len(times):6d} {statistics.median(times):7.0f} {times[int(len(times) * 0.9)]:7.0f}"
            )
    return lines


@contextlib.asynccontextmanager
async def hooked_community(size: str, backend: str, workdir: Path, env: dict[str, str]) -> AsyncIterator[Any]:
    """The community pass's Community (bench/community.py), warmed up, against a bot on the `size` world in
    `workdir` whose process has bench/stage_hooks on its PYTHONPATH and `env` (which hook, and its file or
    folder) in its environment. The bot has exited when this returns."""
    from bench import community
    from bench.run import ROOT, Session, _database, load_world, prepared_database

    rng = random.Random(2026)
    with contextlib.ExitStack() as stack:
        db = prepared_database(size, workdir)
        world = load_world(db, rng, None)
        pg_server = None
        if backend == "postgres":
            from bench.postgres import BenchPostgres

            pg_server = stack.enter_context(BenchPostgres()).url
        session = Session(await _database(size, db, pg_server, print), workdir, rng)
        session.extra_env = {**env, "PYTHONPATH": f"{HOOKS}{os.pathsep}{ROOT}"}
        async with session as s:
            c = community.Community(s, world, community.load_members(db, size, random.Random(12)))
            await c.warm_up()
            yield c


async def measure(size: str, calls: int, backend: str) -> list[str]:
    from bench import community

    with tempfile.TemporaryDirectory(prefix="dramabot-stages-") as tmp:
        out = Path(tmp) / "stages.jsonl"
        async with hooked_community(size, backend, Path(tmp), {"DRAMABOT_STAGES": str(out)}) as c:
            await community.sequential(c, dict.fromkeys(c.kinds(), calls), "")
        # the bot has exited: its hook wrote the file
        interactions, store_calls = read_records(out.read_text(encoding="utf-8").splitlines())
    return [*stage_table(interactions, store_calls), "", *store_table(store_calls)]


def run_tool(
    argv: list[str] | None, prog: str, doc: str, measure: Callable[[str, int, str], Awaitable[list[str]]],
    calls_help: str, footer: str,
) -> int:  # fmt: skip
    """The command line of the hooked tools (this one and bench/shapes.py): --size, --calls, --backend."""
    parser = argparse.ArgumentParser(prog=prog, description=doc.split("\n\n")[0])
    parser.add_argument("--size", choices=("small", "large"), default="large")
    parser.add_argument("--calls", type=int, default=300, help=calls_help)
    parser.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    args = parser.parse_args(argv)
    print("\n".join(asyncio.run(measure(args.size, args.calls, args.backend))))
    print(footer)
    return 0


def main(argv: list[str] | None = None) -> int:
    return run_tool(
        argv, "python -m bench.stages", __doc__, measure, "sequential calls per community kind (default 300)",
        "\nmedian us between stages (bench/stage_hooks/sitecustomize.py); store: in the command's own code",
    )  # fmt: skip


if __name__ == "__main__":
    sys.exit(main())

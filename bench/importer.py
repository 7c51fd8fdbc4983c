"""A 20,000-row /import while the community mix runs (issue 26): does it slow everyone else?

`python -m bench.importer [--size small|large] [--backend sqlite|postgres] [--rate N] [--seconds N] [--rounds N]`

The real bot (`python -m bot`, member cooldowns off) against the stand-in (bench/run.py's Session) on the
synthetic catalogue. A dramabot CSV of ROWS rows is generated from that catalogue (each drama's score,
status and progress, then episode scores; some titles the catalogue does not know, some films), sent as
one member's /import (the attachment on the stand-in's CDN), previewed, and imported with its Import
button. The community mix of bench/capacity.py (autocomplete, /review, /rate, /where, /top, /watchlist
show, /profile, /match, /about) is offered open-loop at `--rate` per second, in `--rounds` rounds of:
1. the mix alone, for `--seconds`;
2. the mix while one member's import runs (reading, matching, preview, storing), in steps of
   STEP_DURING seconds until it is done (each round's member is new: every import writes everything).
Reported: each kind's p99 with and without (all rounds pooled) and their ratio, the target being every
ratio within 1.5; and each round's p99 (all kinds) during its import over the mix alone just before it:
on a machine shared with other work, a round disturbed by it shows up there alone.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import csv
import io
import math
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from bench.capacity import MIX, Step, kinds, offer, settle_bot
from bench.community import Community, load_members

if TYPE_CHECKING:
    from tests.e2e.standin import Result

ROWS = 20_000
RATIO = 1.5  # p99 with the import over p99 without, per kind (issue 26)
STEP = 5.0  # s: the mix is offered in steps this long (without the import)
STEP_DURING = 2.0  # s: ... and while it runs, each step counted in the phase it started in
HEADER = ("title", "year", "tmdb_id", "imdb_id", "status", "progress", "episode", "stars", "rated_at", "kind")
STATUSES = ("completed", "watching", "plan", "on_hold", "dropped")
PROGRESS = ("Reading ", "Matching ", "Searching ", "Storing ", "Importing ")


def history_file(db: Path, rows: int = ROWS, seed: int = 26) -> tuple[bytes, int]:
    """A dramabot CSV of `rows` rows from the catalogue in `db` (and the number of dramas it names):
    per drama a row with its score, status and progress, then episode scores; one row in 50 a title the
    catalogue does not know, one in 100 a film."""
    rng = random.Random(seed)
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        dramas = conn.execute("SELECT title, year, episode_count FROM dramas ORDER BY id").fetchall()
    finally:
        conn.close()
    rng.shuffle(dramas)
    per = max(1, rows // len(dramas))  # rows per drama: its own, then episode scores
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    written, named = 0, 0
    for title, year, count in dramas:
        if written >= rows:
            break
        named += 1
        kind = "show"
        if named % 50 == 0:
            title = f"Nowhere Story {named}"
        elif named % 100 == 1:
            kind = "movie"
        status = rng.choice(STATUSES)
        progress = count if status == "completed" else rng.randint(0, count)
        stamp = f"2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        writer.writerow(
            (title, year or "", "", "", status, progress, "", rng.randint(1, 10) / 2, stamp, kind)
        )
        written += 1
        for episode in range(1, min(per - 1, count) + 1):
            if written >= rows:
                break
            writer.writerow((title, year or "", "", "", "", "", episode, rng.randint(1, 10) / 2, stamp, kind))
            written += 1
    return out.getvalue().encode("utf-8"), named


@dataclass
class Phase:
    """The mix's answers over one phase, per kind."""

    steps: list[Step] = field(default_factory=list)

    def latencies(self, kind: str | None = None) -> list[float]:
        out: list[float] = []
        for step in self.steps:
            if kind is None:
                out += step.latencies
            else:
                out += [x for x in step.per_kind.get(kind, []) if math.isfinite(x)]
        return out

    def p99(self, kind: str | None = None) -> float:
        ordered = sorted(self.latencies(kind))
        if not ordered:
            return math.nan
        return ordered[min(len(ordered) - 1, max(0, math.ceil(0.99 * len(ordered)) - 1))]

    @property
    def missed(self) -> int:
        return sum(s.misses for s in self.steps)

    @property
    def sent(self) -> int:
        return sum(s.sent for s in self.steps)


@dataclass
class Report:
    size: str
    backend: str
    rows: int
    dramas: int
    rate: int
    without: Phase
    during: Phase
    planning: Phase = field(default_factory=Phase)  # steps started before the preview showed
    storing: Phase = field(default_factory=Phase)  # steps started after Import was pressed
    timings: list[str] = field(default_factory=list)  # each round's import
    rounds: list[tuple[Phase, Phase]] = field(default_factory=list)  # each round's (without, during)
    result: str = ""

    def ratio(self, kind: str | None = None) -> float:
        return self.during.p99(kind) / self.without.p99(kind)

    def round_ratios(self) -> list[float]:
        return [during.p99() / alone.p99() for alone, during in self.rounds]

    @property
    def met(self) -> bool:
        ratios = [self.ratio(k) for k in MIX if self.without.latencies(k) and self.during.latencies(k)]
        return bool(ratios) and all(r <= RATIO for r in ratios) and not self.during.missed

    def text(self) -> str:
        lines = [
            f"/import of {self.rows:,} rows ({self.dramas:,} dramas), {self.size}, {self.backend}, mix at "
            f"{self.rate}/s, {len(self.timings)} rounds; p99 within {RATIO}x for every kind: "
            f"{'met' if self.met else 'NOT MET'}",
            *(
                f"round {n + 1}: {timing}; the mix alone just before: p99 {alone.p99() * 1000:.1f} ms "
                f"({during.p99() / alone.p99():.2f}x)"
                for n, (timing, (alone, during)) in enumerate(zip(self.timings, self.rounds, strict=True))
            ),
            f"median of the rounds' ratios (all kinds): {statistics.median(self.round_ratios()):.2f}x",
            f"the import's answer: {self.result}",
            "",
            "| kind | p99 ms without | p99 ms during the import | ratio | sent without / during |",
            "|---|---|---|---|---|",
        ]
        for kind in [*MIX, None]:
            label = kind or "all"
            a, b = self.without.latencies(kind), self.during.latencies(kind)
            lines.append(f"| {label} | {self.without.p99(kind) * 1000:.1f} | {self.during.p99(kind) * 1000:.1f} | "
                         f"{self.ratio(kind):.2f} | {len(a)} / {len(b)} |")  # fmt: skip
        for name, phase in (("reading and matching", self.planning), ("storing", self.storing)):
            lines.append(f"| all, steps started while {name} | | {phase.p99() * 1000:.1f} | "
                         f"{phase.p99() / self.without.p99():.2f} | / {len(phase.latencies())} |")  # fmt: skip
        lines.append(f"\nmissed: {self.without.missed} without, {self.during.missed} during")
        return "\n".join(lines) + "\n"


def _settled(result: Result) -> bool:
    data = (result.message or {}) if result.answered else {}
    return bool(data.get("embeds")) or not str(data.get("content") or "").startswith(PROGRESS)


async def _import_during(
    s, mix, rate: int, rng: random.Random, data: bytes, name: str, report: Report
) -> str:  # noqa: ANN001
    """One member's /import of `data` (preview, then Import) while the mix runs in STEP_DURING steps, each
    counted in `report.during` and in the phase it started in; the import's timings, as text."""
    from tests.e2e.attachments import Attachment

    member = s.stand_in.make_user(name)
    times: dict[str, float] = {}

    async def importing() -> None:
        started = time.monotonic()
        asked = await s.stand_in.dispatch_command(
            "import", {"file": Attachment("history.csv", data)}, user=member
        )
        await asked.wait_until(lambda r: r.answered and _settled(r), timeout=600)
        times["plan"] = time.monotonic() - started
        go = next(i for i in asked.custom_ids() if i.startswith("import:go:"))
        clicked = await s.stand_in.click(asked, go, user=member, timeout=30)
        stored = time.monotonic()
        done = await clicked.wait_until(
            lambda r: (
                bool((r.message or {}).get("embeds"))
                and str(r.message["embeds"][0].get("title", "")).startswith("Imported")
            ),
            timeout=1200,
        )
        times["store"], times["all"] = time.monotonic() - stored, time.monotonic() - started
        report.result = " / ".join(str(done.message["embeds"][0].get("description", "")).splitlines())

    task = asyncio.create_task(importing())
    during = Phase()
    while not task.done():
        planning = "plan" not in times
        step = await offer(s, mix, MIX, rate, STEP_DURING, rng)
        during.steps.append(step)
        report.during.steps.append(step)
        (report.planning if planning else report.storing).steps.append(step)
    await task
    return (f"{times['all']:.1f} s ({times['plan']:.1f} s to the preview, {times['store']:.1f} s storing); "
            f"the mix's p99 {during.p99() * 1000:.1f} ms over {during.sent} ({during.missed} missed)")  # fmt: skip


async def run(size: str, workroot: Path, log, *, rate: int = 30, seconds: float = 15.0, rows: int = ROWS,  # noqa: ANN001
              rounds: int = 3, pg_server: str | None = None, backend: str = "SQLite") -> Report:  # fmt: skip
    from bench.run import Session, _database, load_world, prepared_database

    rng = random.Random(2626)
    workdir = workroot / f"importer-{size}"
    workdir.mkdir(parents=True, exist_ok=True)
    db = prepared_database(size, workdir)
    data, dramas = history_file(db, rows)
    log(f"history file: {rows:,} rows, {dramas:,} dramas, {len(data) / 1e6:.2f} MB")
    world = load_world(db, rng)
    world.zipf = True
    members = load_members(db, size, random.Random(12))
    database = await _database(size, db, pg_server, log)
    s = Session(database, workdir, rng)
    async with s:
        log(f"{size}: bot ready in {s.startup_s:.2f} s (pid {s.pid}), {backend}")
        c = Community(s, world, members)
        await c.warm_up()
        mix = kinds(c)
        s.stand_in.validate = False  # as in bench/capacity.py: this process must not be the bottleneck
        warm = await offer(s, mix, MIX, min(rate, 50), 3.0, rng)
        log(f"  warm-up: {warm.sent} sent, {warm.misses} missed")
        report = Report(size, backend, rows, dramas, rate, Phase(), Phase())
        # Rounds of (the mix alone, then the mix while one member's import runs): the machine's other load
        # drifts, and alternating shares it between the two phases.
        for round_no in range(rounds):
            alone = Phase()
            while sum(st.seconds for st in alone.steps) < seconds:
                await settle_bot(s)
                alone.steps.append(await offer(s, mix, MIX, rate, STEP, rng))
            report.without.steps += alone.steps
            log(f"  round {round_no + 1}, without the import: p99 {alone.p99() * 1000:.1f} ms over {alone.sent} "
                f"({alone.missed} missed)")  # fmt: skip
            await settle_bot(s)
            before = len(report.during.steps)
            timing = await _import_during(s, mix, rate, rng, data, f"importer{round_no}", report)
            report.timings.append(timing)
            report.rounds.append((alone, Phase(report.during.steps[before:])))
            log(f"  round {round_no + 1}, during the import: {timing}")
            await settle_bot(s)
    return report


async def main_async(args: argparse.Namespace) -> Report:
    from bench.run import git_commit, machine

    log = lambda text: print(text, flush=True)  # noqa: E731
    with tempfile.TemporaryDirectory(prefix="dramabot-importer-") as tmp, contextlib.ExitStack() as stack:
        pg_server, backend = None, f"SQLite {sqlite3.sqlite_version}"
        if args.backend == "postgres":
            from bench.postgres import BenchPostgres

            server = stack.enter_context(BenchPostgres())
            pg_server, backend = server.url, f"PostgreSQL {server.version}"
        report = await run(args.size, Path(tmp), log, rate=args.rate, seconds=args.seconds, rows=args.rows,
                           rounds=args.rounds, pg_server=pg_server, backend=backend)  # fmt: skip
    print()
    print(f"`{' '.join(['python -m bench.importer', *sys.argv[1:]])}` at {git_commit()}, {machine()}")
    print(report.text())
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.importer", description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=("small", "large"), default="large")
    parser.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--rate", type=int, default=30, help="the mix's interactions/s (default 30)")
    parser.add_argument("--seconds", type=float, default=15.0,
                        help="the mix without the import, each round (default 15)")  # fmt: skip
    parser.add_argument("--rounds", type=int, default=3, help="rounds of without, then during (default 3)")
    parser.add_argument("--rows", type=int, default=ROWS, help=f"rows of the history file (default {ROWS:,})")
    args = parser.parse_args(argv)
    report = asyncio.run(main_async(args))
    return 0 if report.met else 1


if __name__ == "__main__":
    raise SystemExit(main())

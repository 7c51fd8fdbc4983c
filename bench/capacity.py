"""Capacity of one bot process (issue 25): the highest sustained rate of the community mix it carries.

`python -m bench.capacity [--size small|large] [--backend sqlite|postgres] [--seconds N] [--rates ...]`

The real bot (`python -m bot`, member cooldowns off) against the stand-in (bench/run.py's Session), both on
the same machine. Open loop: each step offers a fixed rate of interactions for `--seconds` (Poisson
arrivals by default, `--arrivals even` for evenly spaced ones), sent without waiting for answers, then
waits for every answer. The mix is what members send (MIX: title autocomplete, /review, /rate, /where,
/top, /watchlist show, /match, /profile, /about), dramas picked with a popularity skew (Zipf), members
from the generated world (bench/community.py) so /match and /profile read real ratings.

A step passes when its p99 is under 100 ms and no interaction missed (failed, answered after 3 s, or
answered with something other than the card asked for). Steps go up until one fails; the capacity is the
highest step that passed. Each step reports the rate offered (as sent), answered/s, p50/p99/max, misses,
the bot's CPU (its `dramabot stats:` counter) and the benchmark process's own (the stand-in and the load
generator share it: the stand-in checks no body against the OpenAPI description here, as in the bursts).
Then each command alone at a modest rate: the bot's CPU seconds per interaction (drawings of /review's
chart and /profile's histogram that joined after the answer included: the bot is left to settle first).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import math
import random
import sqlite3
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench.community import Community, load_members

if TYPE_CHECKING:
    from bench.run import Session
    from tests.e2e.standin import Result

STEPS = (50, 100, 200, 300, 400, 500, 600, 800)
P99_MS = 100.0  # a step passes with p99 under this and no miss
TARGET = 500  # interactions/s (issue 25)
DEADLINE = 3.0
CPU_RATE = 50  # interactions/s for the CPU-per-command pass
# In the mix, ratings come in all the time and each drops the charts /top keeps ranked (bot/store/chartbook.py):
# this CPU row is /top sent right after a /rate each time, the /rate's own CPU (its row) taken off.
RATED_TOP = "/top, ratings coming in"

# The community mix: what members send, in shares of 100. Typing a title sends several autocompletes
# per command, so autocomplete is the largest share; /about is rare.
MIX = {
    "autocomplete": 30,
    "/review": 14,
    "/rate": 14,
    "/where": 8,
    "/top": 8,
    "/watchlist show": 8,
    "/profile": 6,
    "/match": 4,
    "/about": 8,
}


@dataclass
class Step:
    """One open-loop step: what was offered and what came back."""

    rate: int  # asked for, interactions/s
    seconds: float
    sent: int = 0
    send_span: float = 0.0  # from the first to the last dispatch
    latencies: list[float] = field(default_factory=list)  # answered in time and right (s)
    late: int = 0  # answered right, but after 3 s
    failed: int = 0  # not answered, or a wrong body (all three below)
    expired: int = 0  # answered after the 3 s window: Discord refuses the callback, the member sees a failure
    wrong: int = 0  # answered in time with something else than the card asked for (e.g. an error message)
    wrong_example: str = ""  # the first such answer's text
    answer_span: float = 0.0  # from the first dispatch to the last answer
    bot_cpu: float = 0.0  # bot CPU seconds over the step
    own_cpu: float = 0.0  # this process (stand-in + generator) CPU seconds over the step
    db_cpu: float = 0.0  # the PostgreSQL server's CPU seconds over the step (0 on SQLite: in the bot's)
    wall: float = 0.0  # seconds between the two CPU readings
    behind: float = 0.0  # the latest a dispatch left after its planned time (s)
    load: str = ""  # the machine's 1-minute load average after the step: other work on the cores
    per_kind: dict[str, list[float]] = field(default_factory=dict)

    def pct(self, q: float) -> float:
        if not self.latencies:
            return math.nan
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]

    @property
    def offered(self) -> float:
        return self.sent / self.send_span if self.send_span > 0 else math.nan

    @property
    def answered_per_s(self) -> float:
        return len(self.latencies) / self.answer_span if self.answer_span > 0 else math.nan

    @property
    def misses(self) -> int:
        return self.late + self.failed

    @property
    def passed(self) -> bool:
        return bool(self.latencies) and self.misses == 0 and self.pct(0.99) * 1000 < P99_MS


def _embed(result: Result) -> dict[str, Any]:
    embeds = (result.callback or {}).get("data", {}).get("embeds") or []
    return embeds[0] if embeds else {}


def _card(result: Result) -> bool:
    """A card (an error is a content-only message): /review's has a title, /rate's a description."""
    embed = _embed(result)
    return bool(embed.get("title") or embed.get("description"))


def _text(result: Result) -> str:
    """What a wrong answer said (its content, else its embed's title), shortened."""
    data = (result.callback or {}).get("data") or {}
    return str(data.get("content") or _embed(result).get("title") or data)[:120]


def _choices(result: Result) -> bool:
    return result.type == 4 and isinstance((result.callback or {}).get("data", {}).get("choices"), list)


Send = Callable[[], Awaitable["Result"]]
Check = Callable[["Result"], bool]


def kinds(c: Community) -> dict[str, tuple[Send, Check]]:
    """Each kind of the mix: how to send one, and what its answer must be."""
    s, w, rng = c.s, c.world, c.rng
    checks = c.kinds()
    completions = (s.ac_short, s.ac_word, s.ac_hangul, s.ac_long)
    tops = ((True, False), (False, False), (True, True), (False, True))
    return {
        "autocomplete": (lambda: rng.choice(completions)(w), _choices),
        "/review": (lambda: s.review(w), _card),
        "/rate": (lambda: s.rate(w), _card),
        "/where": (lambda: s.where(w), _card),
        "/top": (lambda: c.top(*rng.choice(tops)), checks["/top everyone"][1]),
        "/watchlist show": checks["/watchlist show"],
        "/profile": checks["/profile"],
        "/match": (c.match, checks["/match (1,000 ratings each)"][1]),
        "/about": checks["/about"],
    }


def arrivals(rate: float, seconds: float, rng: random.Random, poisson: bool) -> list[float]:
    """Offsets (s) of the step's dispatches: a Poisson process of `rate`, or evenly spaced."""
    if not poisson:
        return [i / rate for i in range(int(rate * seconds))]
    out, t = [], rng.expovariate(rate)
    while t < seconds:
        out.append(t)
        t += rng.expovariate(rate)
    return out


def server_cpu_s(root: Path | None) -> float:
    """CPU seconds of a throwaway PostgreSQL server's processes (its postmaster, found by its data directory
    under `root`, and the postmaster's children: the bot's connections among them); 0 without one."""
    from bench.run import bot_cpu_s

    if root is None:
        return 0.0
    procs: dict[int, int] = {}  # pid -> parent pid
    postmaster = None
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            procs[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            if postmaster is None and str(root) in (entry / "cmdline").read_text(errors="replace"):
                postmaster = int(entry.name)
    if postmaster is None:
        return 0.0
    return sum(bot_cpu_s(pid) for pid, parent in procs.items() if pid == postmaster or parent == postmaster)


async def settle_bot(s: Session, limit: float = 60.0) -> float:
    """Wait until the bot is idle (under 0.02 s of CPU in 0.25 s: the charts drawn after their answers are
    done); the seconds it took."""
    from bench.run import bot_cpu_s

    started = time.monotonic()
    while time.monotonic() - started < limit:
        before = bot_cpu_s(s.pid)
        await asyncio.sleep(0.25)
        if bot_cpu_s(s.pid) - before < 0.02:
            break
    return time.monotonic() - started


async def offer(s: Session, mix: dict[str, tuple[Send, Check]], weights: dict[str, int], rate: float,
                seconds: float, rng: random.Random, poisson: bool = True, pg_root: Path | None = None) -> Step:  # fmt: skip
    """One open-loop step: dispatch at the planned times (never waiting for answers), then wait for every
    answer (or its 3 s window to close) and judge each."""
    from bench.run import own_gc_paused

    names = list(weights)
    cumulative = [sum(weights[n] for n in names[: i + 1]) for i in range(len(names))]
    plan = arrivals(rate, seconds, rng, poisson)
    step = Step(int(rate), seconds)
    sent: list[tuple[str, Result]] = []
    loop = asyncio.get_running_loop()
    before = await s.stats()
    own_before, wall_before, db_before = time.process_time(), time.monotonic(), server_cpu_s(pg_root)
    with own_gc_paused():
        start = loop.time()
        for offset in plan:
            delay = start + offset - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            else:
                step.behind = max(step.behind, -delay)
            name = names[_bisect(cumulative, rng.random() * cumulative[-1])]
            sent.append((name, await mix[name][0]()))
        step.send_span = loop.time() - start
        await s._settle([r for _, r in sent], timeout=DEADLINE + 10)
    after = await s.stats()
    step.bot_cpu, step.own_cpu = (after - before).cpu, time.process_time() - own_before
    step.wall = time.monotonic() - wall_before
    step.db_cpu = server_cpu_s(pg_root) - db_before
    step.sent = len(sent)
    first = sent[0][1].dispatched_at if sent else 0.0
    last = first
    for name, result in sent:
        ok = result.answered and result.elapsed is not None and mix[name][1](result)
        latency = result.elapsed if ok and result.elapsed is not None else math.inf
        step.per_kind.setdefault(name, []).append(latency)
        if not ok:
            step.failed += 1
            if result.expired_callback:
                step.expired += 1
            elif result.answered:
                step.wrong += 1
                step.wrong_example = step.wrong_example or _text(result)
        elif latency > DEADLINE:
            step.late += 1
        else:
            step.latencies.append(latency)
            last = max(last, result.dispatched_at + latency)
    step.answer_span = last - first
    step.load = _machine_load().split()[0]
    return step


def _bisect(cumulative: list[int], x: float) -> int:
    for i, c in enumerate(cumulative):
        if x < c:
            return i
    return len(cumulative) - 1


@dataclass
class CommandCpu:
    name: str
    calls: int
    cpu: float  # bot CPU seconds, settled
    failed: int
    why: str = ""  # the misses told apart (as in a step's row)

    @property
    def ms_each(self) -> float:
        return self.cpu / max(self.calls, 1) * 1000


async def cpu_per_command(s: Session, mix: dict[str, tuple[Send, Check]], calls: int,
                          rng: random.Random) -> list[CommandCpu]:  # fmt: skip
    """Each kind alone, `calls` of it at CPU_RATE/s (evenly spaced), the bot left to settle after: its CPU
    seconds per interaction from its own counter."""
    rate_send, top_send, top_check = mix["/rate"][0], mix["/top"][0], mix["/top"][1]

    async def rated_top() -> Result:  # a /rate, then at once a /top (the /rate's answer is not awaited)
        await rate_send()
        return await top_send()

    every = {**mix, RATED_TOP: (rated_top, top_check)}
    rows: list[CommandCpu] = []
    for name in every:
        await settle_bot(s)
        before = await s.stats()
        step = await offer(s, every, {name: 1}, CPU_RATE, calls / CPU_RATE, rng, poisson=False)
        await settle_bot(s)
        cpu = (await s.stats() - before).cpu
        if name == RATED_TOP:  # the /rate's own CPU (its row) taken off
            cpu -= step.sent * next(r.cpu / max(r.calls, 1) for r in rows if r.name == "/rate")
        rows.append(CommandCpu(name, step.sent, cpu, step.misses, miss_reasons(step)))
    return rows


# ---- the tables -------------------------------------------------------------------------------
STEP_HEADER = ("offered /s (asked)", "sent", "answered /s", "p50 ms", "p99 ms", "max ms", "missed",
               "bot CPU %", "bot CPU ms each", "bench process CPU %", "PostgreSQL CPU %", "load", "result")  # fmt: skip


def miss_reasons(st: Step, example: bool = True) -> str:
    """' (2 expired, 1 wrong: 'text')': the misses told apart, or '' when there were none."""
    why = [f"{n} {k}" for n, k in ((st.late, "late"), (st.expired, "expired"), (st.wrong, "wrong"),
                                    (st.failed - st.expired - st.wrong, "unanswered")) if n]  # fmt: skip
    if example and st.wrong:
        why[-1 if not st.failed - st.expired - st.wrong else -2] += f": {st.wrong_example!r}"
    return f" ({', '.join(why)})" if why else ""


def step_table(steps: list[Step]) -> str:
    lines = ["| " + " | ".join(STEP_HEADER) + " |", "|" + "---|" * len(STEP_HEADER)]
    for st in steps:
        miss = f"{st.misses}{miss_reasons(st, example=False)}"
        cells = (f"{st.offered:.0f} ({st.rate})", str(st.sent), f"{st.answered_per_s:.0f}",
                 f"{st.pct(0.5) * 1000:.1f}", f"{st.pct(0.99) * 1000:.1f}",
                 f"{max(st.latencies, default=math.nan) * 1000:.0f}", miss,
                 f"{st.bot_cpu / st.wall * 100:.0f}", f"{st.bot_cpu / max(st.sent, 1) * 1000:.2f}",
                 f"{st.own_cpu / st.wall * 100:.0f}", f"{st.db_cpu / st.wall * 100:.0f}" if st.db_cpu else "-",
                 st.load, "pass" if st.passed else "FAIL")  # fmt: skip
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def cpu_table(rows: list[CommandCpu]) -> str:
    lines = ["| command | interactions | bot CPU ms each | missed |", "|---|---|---|---|"]
    # the mix's average: /top at its cost with ratings coming in, as in the mix
    costs = {r.name: r.ms_each for r in rows}
    if RATED_TOP in costs:
        costs["/top"] = costs[RATED_TOP]
    lines += [f"| {r.name} | {r.calls} | {r.ms_each:.2f} | {r.failed} |" for r in rows]
    mixed = sum(MIX[k] * costs[k] for k in MIX if k in costs) / sum(MIX[k] for k in MIX if k in costs)
    lines.append(f"| the mix (weighted by its shares; /top with ratings coming in) | | {mixed:.2f} | |")
    return "\n".join(lines)


def capacity(steps: list[Step]) -> int:
    """The highest step that passed, every step below it passing too (0: none)."""
    best = 0
    for st in steps:
        if not st.passed:
            break
        best = st.rate
    return best


@dataclass
class Report:
    size: str
    backend: str
    steps: list[Step]
    cpu: list[CommandCpu]
    startup_s: float
    arrivals: str
    weights: dict[str, int] = field(default_factory=lambda: dict(MIX))

    @property
    def capacity(self) -> int:
        return capacity(self.steps)

    def text(self) -> str:
        best = self.capacity
        head = (f"Capacity, {self.size}, {self.backend}: {best}/s sustained (p99 < {P99_MS:g} ms, no miss; "
                f"target >= {TARGET}/s: {'met' if best >= TARGET else 'NOT MET'}); {self.arrivals} arrivals")  # fmt: skip
        total = sum(self.weights.values())
        mix = ", ".join(f"{k} {v / total * 100:.0f}%" for k, v in self.weights.items())
        text = f"{head}\nmix: {mix}\n\n{step_table(self.steps)}\n"
        return text + (f"\nCPU per command\n\n{cpu_table(self.cpu)}\n" if self.cpu else "")


def _machine_load() -> str:
    """The machine's load averages (1, 5, 15 min): other work on the two cores shows here."""
    with contextlib.suppress(OSError):
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    return "?"


async def run(size: str, workroot: Path, log: Callable[[str], None], *, rates: tuple[int, ...] = STEPS,
              seconds: float = 10.0, cpu_calls: int = 300, poisson: bool = True, pg_server: str | None = None,
              backend: str = "SQLite", keep_going: bool = False, profile: Path | None = None,
              weights: dict[str, int] | None = None, pg_root: Path | None = None) -> Report:  # fmt: skip
    """Start the bot on the `size` catalogue, warm it up, run the steps (until one fails unless
    `keep_going`) and the CPU-per-command pass. With `profile`: py-spy records the bot during the steps.
    `weights`: another mix than MIX (an experiment: which command limits the capacity)."""
    weights = weights or MIX
    from bench.run import Session, _database, _start_profiler, _stop_profiler, load_world, prepared_database

    rng = random.Random(2525)
    workdir = workroot / f"capacity-{size}"
    workdir.mkdir(parents=True, exist_ok=True)
    db = prepared_database(size, workdir)
    world = load_world(db, rng)
    world.zipf = True
    members = load_members(db, size, random.Random(12))
    database = await _database(size, db, pg_server, log)
    s = Session(database, workdir, rng)
    steps: list[Step] = []
    async with s:
        log(f"{size}: bot ready in {s.startup_s:.2f} s (pid {s.pid}), {backend}")
        s.stand_in.validate = False  # as in the bursts: this process must not be the bottleneck
        c = Community(s, world, members)
        await c.warm_up()  # charts drawn, heavy members' scores read, every kind sent
        mix = kinds(c)
        for send, check in mix.values():
            for _ in range(3):
                await c.checked(send, check)
        warm = await offer(s, mix, weights, min(rates[0], 50), 3.0, rng, poisson)
        log(f"  warm-up: {warm.sent} sent, {warm.misses} missed")
        spy = _start_profiler(s.pid, profile) if profile else None
        for rate in rates:
            rest = await settle_bot(s)
            step = await offer(s, mix, weights, rate, seconds, rng, poisson, pg_root)
            steps.append(step)
            slow = ", ".join(f"{k} {max(v) * 1000:.0f}" for k, v in step.per_kind.items())
            log(f"  {rate}/s: offered {step.offered:.0f}/s ({step.sent} in {step.send_span:.1f} s, at most "
                f"{step.behind * 1000:.0f} ms behind plan), answered {step.answered_per_s:.0f}/s, p50 "
                f"{step.pct(0.5) * 1000:.1f} ms, p99 {step.pct(0.99) * 1000:.1f} ms, missed {step.misses}"
                f"{miss_reasons(step)}; bot CPU {step.bot_cpu / step.wall * 100:.0f}%, bench process "
                f"{step.own_cpu / step.wall * 100:.0f}%, PostgreSQL {step.db_cpu / step.wall * 100:.0f}%; settled "
                f"{rest:.1f} s before; slowest ms per kind: {slow}; load {_machine_load()}: "
                f"{'pass' if step.passed else 'FAIL'}")  # fmt: skip
            if not step.passed and not keep_going:
                break
        if spy is not None:
            _stop_profiler(spy)
        await settle_bot(s)
        cpu = await cpu_per_command(s, mix, cpu_calls, rng) if cpu_calls > 0 else []
        for row in cpu:
            log(f"  CPU {row.name}: {row.ms_each:.2f} ms each ({row.calls}, {row.failed} missed{row.why})")
    return Report(size, backend, steps, cpu, s.startup_s, "Poisson" if poisson else "evenly spaced", weights)


async def main_async(args: argparse.Namespace) -> Report:
    from bench.run import BACKEND, git_commit, machine

    log = lambda text: print(text, flush=True)  # noqa: E731
    with tempfile.TemporaryDirectory(prefix="dramabot-capacity-") as tmp, contextlib.ExitStack() as stack:
        pg_server, pg_root, backend = None, None, f"SQLite {sqlite3.sqlite_version}"
        if args.backend == "postgres":
            from bench.postgres import BenchPostgres

            server = stack.enter_context(BenchPostgres())
            pg_server, pg_root, backend = server.url, server.root, f"PostgreSQL {server.version}"
            log(f"PostgreSQL {server.version} from {server.binaries.origin}: {server.startup_seconds:.1f} s")
        report = await run(args.size, Path(tmp), log, rates=tuple(args.rates), seconds=args.seconds,
                           cpu_calls=args.cpu_calls, poisson=args.arrivals == "poisson", pg_server=pg_server,
                           backend=backend, keep_going=args.keep_going, profile=args.profile,
                           weights={k: v for k, v in MIX.items() if k not in args.without}, pg_root=pg_root)  # fmt: skip
    BACKEND["label"] = backend
    print()
    print(f"`{' '.join(['python -m bench.capacity', *sys.argv[1:]])}` at {git_commit()}, {machine()}")
    print(report.text())
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.capacity", description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=("small", "large"), default="large")
    parser.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--seconds", type=float, default=10.0, help="length of each step (default 10)")
    parser.add_argument("--rates", type=int, nargs="+", default=list(STEPS), help="the steps, interactions/s")
    parser.add_argument("--arrivals", choices=("poisson", "even"), default="poisson")
    parser.add_argument("--cpu-calls", type=int, default=300,
                        help="interactions per command in the CPU pass (0: no CPU pass)")  # fmt: skip
    parser.add_argument("--keep-going", action="store_true", help="run every step, even after one failed")
    parser.add_argument("--without", action="append", default=[], choices=list(MIX), metavar="KIND",
                        help="leave a kind out of the mix (an experiment; repeatable)")  # fmt: skip
    parser.add_argument("--profile", type=Path, default=None,
                        help="py-spy raw stacks of the bot during the steps (read: python -m bench.stacks FILE)")  # fmt: skip
    args = parser.parse_args(argv)
    asyncio.run(main_async(args))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

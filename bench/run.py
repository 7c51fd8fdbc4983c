"""The benchmark: the real bot process (`python -m bot`) against the loopback Discord stand-in.

Latency is measured by the stand-in, from the moment it sends INTERACTION_CREATE to the moment the
user-visible answer (the interaction callback) arrives: `Result.elapsed`. Nothing is mocked.
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import datetime
import gc
import itertools
import math
import os
import platform
import random
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench import community, wave
from bench.generate import BENCH_GUILD_ID, META_KEY, SIZES, _size_dict, generate
from bot.__main__ import STATS_MARKER
from bot.store import migrations
from tests.e2e.botprocess import READY_MARKER, BotProcess, spawn_bot
from tests.e2e.standin import DiscordStandIn, InteractionFailed, InteractionTimeout, Result

ROOT = Path(__file__).resolve().parent.parent
CACHE = Path(__file__).resolve().parent / ".cache"
DEADLINE = 3.0
CHART_WAIT = 1.0  # s: how long a sequential /review waits for its chart to join it (bot/pictures/renderer.py's budget)
# The commands whose picture may join the answer as an edit: /review's chart, /profile's histogram. A
# sequential call of these waits for its picture before the next call, so that no call pays for the
# previous one's drawing (a member's /profile is done when its histogram has joined, as /review's chart).
PICTURED = ("/review", "/profile")
CHART_JOINED = " chart joined"  # the row of /review's later chart: time from the interaction to that edit
SCORES = [h / 2 for h in range(1, 11)]
INHERITED_ENV = ("PATH", "HOME", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "TMPDIR", "VIRTUAL_ENV")
MARK_START, MARK_END = "<!-- bench:start -->", "<!-- bench:end -->"

# Targets from issues 6 and 14 (the large catalogue unless noted).
CMD_RATIO, CMD_RATIO50 = 2.0, 1.5
FULL_LIST = 25  # Discord's limit on autocomplete choices: a shared word's prefix fills it
AUTOCOMPLETE_RATIO, AUTOCOMPLETE_MS = 2.0, 20.0
BURST_RATIO = 1.5
STORE_WRITES_PER_S = 10_000
E2E_RATES_PER_S = 500
STARTUP_S = 2.0
RSS_MB = 150


@dataclass
class Row:
    measure: str
    samples: list[float] = field(default_factory=list)  # seconds
    missed: int = 0  # failed, or answered after 3 s
    value: str = ""  # for throughput / start-up / memory rows
    ratio: float | None = None  # p99 / the floor's p99
    ratio50: float | None = None  # p50 / the floor's p50
    cpu: float = 0.0  # the bot's CPU seconds while this row was measured
    calls: int = 0  # interactions sent (answered or not)
    choices: list[int] = field(default_factory=list)  # autocomplete: the length of each list answered
    follow: list[float] = field(default_factory=list)  # /review: seconds until a chart drawn later joined
    target: str = ""
    met: bool | None = None

    def pct(self, q: float) -> float:
        if not self.samples:
            return math.nan
        ordered = sorted(self.samples)
        return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]

    @property
    def p50(self) -> float:
        return self.pct(0.50)

    @property
    def p99(self) -> float:
        return self.pct(0.99)

    @property
    def max(self) -> float:
        return max(self.samples) if self.samples else math.nan

    def add(self, stats: Stats) -> None:
        self.cpu += stats.cpu


@dataclass(frozen=True)
class Stats:
    """The bot's own counters (its `dramabot stats:` log line, asked for with SIGUSR1), or a difference of two."""

    cpu: float = 0.0

    def __sub__(self, other: Stats) -> Stats:
        return Stats(self.cpu - other.cpu)


@dataclass
class World:
    """What the generated catalogue holds, for building realistic interactions.

    Dramas are picked across the WHOLE catalogue: uniformly, or (``zipf`` on) with a Zipf-like
    popularity skew (weight 1/rank over a shuffled order), as members of a real server would.
    """

    slugs: list[str]
    episodes: dict[str, int]
    titles: list[str]
    natives: list[str]
    words: list[str] = field(default_factory=list)  # words many titles share ("the", "moon", "love")
    hangul: list[str] = field(default_factory=list)  # shared Hangul words
    popularity: list[float] = field(default_factory=list)  # cumulative Zipf weights, parallel to slugs
    zipf: bool = False

    def pick(self, rng: random.Random) -> str:
        if self.zipf:
            return self.slugs[min(bisect.bisect_left(self.popularity, rng.random() * self.popularity[-1]),
                                  len(self.slugs) - 1)]  # fmt: skip
        return rng.choice(self.slugs)


def shared_words(names: list[str], share: float = 0.01) -> list[str]:
    """Words (folded, 3+ characters, or any Hangul word) found in at least `share` of `names`."""
    counts: dict[str, int] = {}
    for name in names:
        for word in set(name.casefold().split()):
            if word.isalpha() and (len(word) >= 3 or not word.isascii()):
                counts[word] = counts.get(word, 0) + 1
    floor = max(25, share * len(names))
    return sorted(w for w, n in counts.items() if n >= floor)


def load_world(path: Path, rng: random.Random, sample: int | None = None) -> World:
    """Every drama of the catalogue (or, with `sample`, that many at random: the old benchmark's 5,000)."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        rows = conn.execute("SELECT slug, episode_count, title, native_title FROM dramas ORDER BY id").fetchall()
    finally:
        conn.close()
    rng.shuffle(rows)  # the popularity order: a random one, not the generator's
    if sample is not None:
        rows = rows[:sample]
    titles, natives = [r[2] for r in rows], [r[3] for r in rows if r[3]]
    popularity = list(itertools.accumulate(1.0 / rank for rank in range(1, len(rows) + 1)))
    return World([r[0] for r in rows], {r[0]: r[1] for r in rows}, titles, natives,
                 [w for w in shared_words(titles) if w.isascii()], shared_words(natives), popularity)  # fmt: skip


def prepared_database(size: str, workdir: Path) -> Path:
    """A fresh copy of the cached pristine synthetic database for `size` (generated once per version)."""
    CACHE.mkdir(exist_ok=True)
    pristine = CACHE / f"{size}.sqlite3"
    expected = __import__("json").dumps(_size_dict(SIZES[size]))
    ok = False
    if pristine.exists():
        try:
            conn = sqlite3.connect(f"file:{pristine}?mode=ro", uri=True)
            row = conn.execute("SELECT value FROM meta WHERE key = ?", (META_KEY,)).fetchone()
            (schema,) = conn.execute("PRAGMA user_version").fetchone()
            conn.close()
            # Regenerated when the size or the bot's schema changed (a new migration).
            ok = row is not None and row[0] == expected and schema == len(migrations())
        except sqlite3.Error:
            ok = False
    if not ok:
        started = time.perf_counter()
        print(f"generating the synthetic {size} catalogue (cached in {pristine}) ...", flush=True)
        generate(pristine, SIZES[size])
        print(f"  done in {time.perf_counter() - started:.1f} s", flush=True)
    target = workdir / "bench.sqlite3"
    shutil.copyfile(pristine, target)
    return target


def bot_cpu_s(pid: int) -> float:
    """User + system CPU seconds the process has used (from /proc/PID/stat)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return math.nan
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def peak_rss_mb(pid: int) -> float:
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return math.nan
    match = re.search(r"^VmHWM:\s+(\d+)\s+kB", text, re.M)
    return int(match.group(1)) / 1024 if match else math.nan


def latency_of(result: Result) -> float:
    """Seconds to the answer; inf when the user saw an error instead (every command answers with an embed:
    a content-only reply is an error message, e.g. a cooldown or "the database is busy")."""
    if result.elapsed is None:
        return math.inf
    if result.type == 2 and not result.embeds:
        return math.inf
    return result.elapsed


@contextlib.contextmanager
def own_gc_paused() -> Iterator[None]:
    """This process's garbage collector off while a burst is measured (collected just before).

    The stand-in shares this process and keeps every message of the run: a full collection of that
    heap in the middle of a burst stalled the stand-in's loop for hundreds of ms, which it then
    measured as the bot's latency (its own CPU per burst interaction jumped from ~0.25 to ~1 ms in
    one burst of a run and not in the other). A burst lasts well under a second."""
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


class BenchStandIn(DiscordStandIn):
    """The e2e stand-in, able to skip its OpenAPI body check while `validate` is off.

    It shares this process with the benchmark client; under a burst its own validation of every body
    (about 3x the bot's CPU per interaction for embeds) would be measured as the bot's latency. The
    sequential phases validate every body; bursts and the throughput run skip it (--validate-all keeps it).
    """

    validate = True

    def _reject_invalid(self, rec: Any, kind: str, body: Any) -> Any:
        return super()._reject_invalid(rec, kind, body) if self.validate else None


class Session:
    """One bot process against one stand-in, on one database."""

    def __init__(self, db: Path | str, workdir: Path, rng: random.Random, validate_all: bool = False) -> None:
        self.db, self.workdir, self.rng = db, workdir, rng  # db: a SQLite path or a postgresql:// URL
        self.validate_all = validate_all
        self.stand_in = BenchStandIn()
        # The synthetic world's guild #0 is the stand-in's guild: server scores show on cards.
        self.stand_in.guild_id = str(BENCH_GUILD_ID)
        self.bot: BotProcess | None = None
        self.startup_s = math.nan
        self.users: list[dict[str, Any]] = []
        self.extra_env: dict[str, str] = {}  # more of the bot's environment
        self.clock: Path | None = None  # a file the bot's airing clock reads (bench/wave.py)

    async def __aenter__(self) -> Session:
        await self.stand_in.start()
        # Many members: /rate has a per-member cooldown, and a benchmark must not measure that answer.
        self.users = [self.stand_in.make_user(f"bench{i}") for i in range(5000)]
        env = {name: os.environ[name] for name in INHERITED_ENV if name in os.environ}
        env.update(
            DISCORD_TOKEN=self.stand_in.token,
            DATABASE_URL=str(self.db),
            DISCORD_API_BASE=self.stand_in.api_base,
            DISCORD_GATEWAY_URL=self.stand_in.gateway_url,
            DEV_GUILD_ID=self.stand_in.guild_id,
            LOG_LEVEL="INFO",
            PYTHONUNBUFFERED="1",
            PYTHONPATH=str(ROOT),
            # A benchmark's members send far more than anyone would: it measures the work, not the
            # "try again in N s" answers of the per-member cooldowns (bench/abuse.py turns them back on).
            MEMBER_COOLDOWNS="off",
        )
        env.update(self.extra_env)
        started = time.monotonic()
        if self.clock is None:
            self.bot = await spawn_bot(env, self.workdir)
        else:  # the real bot with a file-driven clock (PYTHONPATH has the repository)
            self.bot = await spawn_bot(env, self.workdir, module="tests.e2e.launch", args=[str(self.clock)])
        await self.bot.wait_for_output(READY_MARKER, 120)
        self.startup_s = time.monotonic() - started
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self.bot is not None and self.bot.returncode is None:
            await self.bot.stop()
        await self.stand_in.stop()

    @property
    def pid(self) -> int:
        assert self.bot is not None
        return self.bot.pid

    async def one(self, dispatch: Callable[[], Awaitable[Result]], row: Row | None = None) -> float:
        """Dispatch one interaction and wait for its answer: the latency in seconds, inf when it failed.
        With `row`: counted there (latency, missed, and an autocomplete's list length)."""
        result = await dispatch()
        try:
            await self.stand_in.wait_for_answer(result, timeout=15)
        except (InteractionFailed, InteractionTimeout):
            latency = math.inf
        else:
            latency = latency_of(result)
            await self._chart_settles(result, row)
        if row is not None:
            row.calls += 1
            if math.isfinite(latency):
                row.samples.append(latency)
            if not math.isfinite(latency) or latency > DEADLINE:
                row.missed += 1
            if result.type == 4 and result.callback is not None:  # autocomplete
                row.choices.append(len((result.callback.get("data") or {}).get("choices") or ()))
        return latency

    async def _chart_settles(self, result: Result, row: Row | None) -> None:
        """A /review card whose chart was not drawn yet gets it as an edit a moment later (cogs/review.py;
        /profile's histogram likewise, cogs/profile.py):
        one member's interaction is done when its chart has joined, so the next sequential call waits for
        it (up to CHART_WAIT: a card with nothing to draw gets none). The chart's arrival is counted in
        `row.follow` ("/review chart joined"), the card's own answer in the row as usual."""
        embeds = (result.callback or {}).get("data", {}).get("embeds") or []
        if row is None or not any(k in row.measure for k in PICTURED) or not embeds or "image" in embeds[0]:
            return
        try:
            await result.wait_until(lambda r: any(a.kind == "edit" for a in r.arrivals), CHART_WAIT)
        except InteractionTimeout:
            return
        edit = next(a for a in result.arrivals if a.kind == "edit")
        row.follow.append(edit.at)

    async def stats(self) -> Stats:
        """The bot's counters now: SIGUSR1 makes it log one `dramabot stats:` line (bot/__main__.py)."""
        assert self.bot is not None
        before = self.bot.output().count(STATS_MARKER)
        os.kill(self.pid, signal.SIGUSR1)
        for _ in range(2000):
            text = self.bot.output()
            if text.count(STATS_MARKER) > before:
                line = text[text.rindex(STATS_MARKER):].splitlines()[0]
                values = dict(item.split("=", 1) for item in line.split()[2:] if "=" in item)
                return Stats(float(values["cpu_s"]))
            await asyncio.sleep(0.005)
        raise RuntimeError("the bot did not log its stats line after SIGUSR1")

    # ---- the interactions -------------------------------------------------------
    def user(self) -> dict[str, Any]:
        return self.rng.choice(self.users)

    def about(self, world: World) -> Awaitable[Result]:
        return self.stand_in.dispatch_command("about", {}, user=self.user())

    def review(self, world: World) -> Awaitable[Result]:
        return self.stand_in.dispatch_command("review", {"drama": world.pick(self.rng)}, user=self.user())

    def rate(self, world: World) -> Awaitable[Result]:
        """Half drama scores, half episode scores."""
        slug = world.pick(self.rng)
        options: dict[str, Any] = {"drama": slug, "score": self.rng.choice(SCORES)}
        if self.rng.random() < 0.5:
            options["episode"] = self.rng.randint(1, world.episodes[slug])
        return self.stand_in.dispatch_command("rate", options, user=self.user())

    def where(self, world: World) -> Awaitable[Result]:
        options: dict[str, Any] = {"drama": world.pick(self.rng)}
        if self.rng.random() < 0.7:
            options["region"] = self.rng.choice(("KR", "US", "GB", "BR", "JP", "FR"))
        return self.stand_in.dispatch_command("where", options, user=self.user())

    def _complete(self, prefix: str) -> Awaitable[Result]:
        return self.stand_in.dispatch_command("review", {"drama": prefix}, focused="drama", user=self.user())

    def ac_short(self, world: World) -> Awaitable[Result]:
        """One or two letters of a word many titles share ("t", "mo", "lo")."""
        return self._complete(self.rng.choice(world.words)[: self.rng.randint(1, 2)])

    def ac_word(self, world: World) -> Awaitable[Result]:
        """A whole shared word ("the", "moon", "love"): a full list, matched mid-title too."""
        return self._complete(self.rng.choice(world.words))

    def ac_hangul(self, world: World) -> Awaitable[Result]:
        """One or two syllables of a shared Hangul word ("사", "사랑")."""
        word = self.rng.choice(world.hangul)
        return self._complete(word[: self.rng.randint(1, min(2, len(word)))])

    def ac_long(self, world: World) -> Awaitable[Result]:
        """The first 14 characters of a title: someone typing a title out (short lists)."""
        return self._complete(self.rng.choice(world.titles)[:14])

    # ---- the measures -----------------------------------------------------------
    async def interleaved(self, names: dict[str, Callable[[World], Awaitable[Result]]], world: World, calls: int,
                          prefix: str, block: int = 50) -> dict[str, Row]:  # fmt: skip
        """`calls` sequential calls of each kind, in blocks of `block` taken in turn (shuffled each round),
        so a noisy machine slows every kind alike and the ratios to /about compare like with like. The
        bot's CPU counter is read between blocks."""
        rows = {name: Row(f"{prefix}{name}") for name in names}
        done = dict.fromkeys(names, 0)
        before = await self.stats()
        while any(n < calls for n in done.values()):
            order = [name for name in names if done[name] < calls]
            self.rng.shuffle(order)
            for name in order:
                n = min(block, calls - done[name])
                for _ in range(n):
                    await self.one(lambda kind=names[name]: kind(world), rows[name])
                done[name] += n
                after = await self.stats()
                rows[name].add(after - before)
                before = after
        for row in rows.values():
            row.value = f"bot CPU {row.cpu / max(row.calls, 1) * 1000:.2f} ms each"
            if row.choices:
                row.value += f"; {sum(row.choices) / len(row.choices):.1f} choices on average"
        if "/review" in rows:  # the chart that joined a card after its answer, as a row of its own
            card = rows["/review"]
            joined = Row(card.measure + CHART_JOINED, list(card.follow), calls=card.calls)
            joined.value = f"{len(card.follow)} of {card.calls} cards got their chart after the answer"
            rows = {**rows, "/review" + CHART_JOINED: joined}
        return rows

    async def burst(self, name: str, kinds: list[Callable[[World], Awaitable[Result]]], world: World, n: int) -> Row:
        """n interactions sent at once (as fast as the gateway takes them), then all answers awaited."""
        self.stand_in.validate = self.validate_all
        before = await self.stats()
        cpu_before, own_before = bot_cpu_s(self.pid), time.process_time()
        with own_gc_paused():
            results = [await kinds[i % len(kinds)](world) for i in range(n)]
            await self._settle(results, timeout=30)
        latencies = [latency_of(r) if r.answered else math.inf for r in results]
        cpu, own = bot_cpu_s(self.pid) - cpu_before, time.process_time() - own_before
        self.stand_in.validate = True
        # The stand-in shares this process with the client: its CPU (building, sending, validating every
        # body against the OpenAPI description) is part of a burst's latency on a small machine.
        row = Row(name, [x for x in latencies if math.isfinite(x)],
                  value=f"bot CPU {cpu / n * 1000:.2f} ms each; stand-in {own / n * 1000:.2f} ms each")  # fmt: skip
        row.missed = sum(1 for x in latencies if not math.isfinite(x) or x > DEADLINE)
        row.calls = n
        row.add(await self.stats() - before)
        return row

    async def _settle(self, results: list[Result], timeout: float) -> None:  # noqa: ASYNC109
        """Wait until every interaction of a burst is answered or has failed, with ONE waiter.

        The stand-in wakes every waiter on every arrival; one `wait_for_answer` per interaction (500
        waiters, each woken ~500 times) made the stand-in's own CPU per interaction grow with the burst,
        and since it shares this process, its late bookkeeping was measured as the bot's latency."""
        left = list(results)
        deadline = self.stand_in.callback_deadline

        def settled() -> bool:
            now = time.monotonic()
            left[:] = [r for r in left if not (r.answered or r.expired_callback or (
                now - r.dispatched_at > deadline and not r.acknowledged and r.rejections))]  # fmt: skip
            return not left

        try:
            await self.stand_in.wait_for(settled, timeout)
        except TimeoutError:
            pass  # those left count as missed

    async def rate_throughput(self, world: World, total: int, concurrency: int = 50) -> Row:
        """Sustained /rate: `concurrency` members rating at once; answered ratings per second."""
        done = 0
        failed = 0
        counter = iter(range(total))

        async def member() -> None:
            nonlocal done, failed
            for _ in counter:
                latency = await self.one(lambda: self.rate(world))
                if math.isfinite(latency) and latency <= DEADLINE:
                    done += 1
                else:
                    failed += 1

        self.stand_in.validate = self.validate_all
        started, cpu_before = time.monotonic(), bot_cpu_s(self.pid)
        await asyncio.gather(*(member() for _ in range(concurrency)))
        elapsed = time.monotonic() - started
        self.stand_in.validate = True
        cpu = bot_cpu_s(self.pid) - cpu_before
        row = Row("/rate end to end, sustained", missed=failed)
        row.value = (f"{done / elapsed:,.0f} ratings/s ({done} in {elapsed:.1f} s, {concurrency} at once; "
                     f"bot CPU {cpu / max(done + failed, 1) * 1000:.2f} ms each)")  # fmt: skip
        row.target = f">= {E2E_RATES_PER_S}/s"
        row.met = done / elapsed >= E2E_RATES_PER_S and failed == 0
        return row


async def store_writers(
    db: Path, world: World, writers: int, per_writer: int, database: str | None = None
) -> Row:
    """The store API alone: `writers` tasks calling Ratings.rate; a rating counts once rate() returned
    (it commits before returning). `database`: a postgresql:// URL holding a copy of `db` (same ids)."""
    from bot.store import open_store

    store = await open_store(database or db)
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    ids = dict(conn.execute("SELECT slug, id FROM dramas"))
    conn.close()
    rng = random.Random(7)
    committed = 0
    errors = 0

    async def writer(w: int) -> None:
        nonlocal committed, errors
        for i in range(per_writer):
            slug = rng.choice(world.slugs)
            episode = rng.randint(1, world.episodes[slug]) if i % 2 else None
            try:
                await store.ratings.rate(
                    user_id=700_000_000_000_000_000 + w * 1_000_000 + i, guild_id=BENCH_GUILD_ID,
                    drama_id=ids[slug], score=rng.choice(SCORES), episode=episode
                )  # fmt: skip
            except Exception:  # noqa: BLE001 - counted, not fatal: only committed ratings count
                errors += 1
            else:
                committed += 1

    try:
        started = time.perf_counter()
        await asyncio.gather(*(writer(w) for w in range(writers)))
        elapsed = time.perf_counter() - started
    finally:
        await store.close()
    row = Row(f"store API, {writers} concurrent writers", missed=errors)
    row.value = f"{committed / elapsed:,.0f} ratings/s ({committed} committed in {elapsed:.2f} s)"
    row.target = f">= {STORE_WRITES_PER_S:,}/s"
    row.met = committed / elapsed >= STORE_WRITES_PER_S
    return row


COMMANDS = ("/about", "/review", "/rate", "/where")
AUTOCOMPLETE = ("autocomplete short", "autocomplete word", "autocomplete Hangul", "autocomplete long")
FULL_LISTS = ("autocomplete short", "autocomplete word", "autocomplete Hangul")  # full 25-choice lists
ZIPF = " (Zipf)"  # the second pass: dramas picked with a popularity skew
SEQUENTIAL = COMMANDS + AUTOCOMPLETE


def expected_rows(size: str, burst_n: int = 500) -> list[str]:
    """Every row name a run at `size` prints (the smoke test checks them)."""
    rows = [f"{size}: start-up to READY", f"{size}: peak RSS"]
    rows += [f"{size}: {m}" for m in SEQUENTIAL] + [f"{size}: /review{CHART_JOINED}"]
    rows += [f"{size}: {m}{ZIPF}" for m in COMMANDS] + [f"{size}: /review{ZIPF}{CHART_JOINED}"]
    rows += community.expected_rows(size)
    rows += [f"{size}: burst of {burst_n} /about", f"{size}: burst of {burst_n} mixed",
             f"{size}: burst of {burst_n} {community.BURST}",
             f"{size}: /rate end to end, sustained", f"{size}: store API, 100 concurrent writers"]  # fmt: skip
    return rows + wave.expected_rows(size)


def expected_huge_rows() -> list[str]:
    return ["huge: start-up to READY", "huge: peak RSS", "huge: /about"] + [f"huge: {m}" for m in AUTOCOMPLETE]


def _startup_rows(size: str, session: Session) -> list[Row]:
    rss = peak_rss_mb(session.pid)
    start = Row(f"{size}: start-up to READY", value=f"{session.startup_s:.2f} s", target=f"< {STARTUP_S:g} s",
                met=session.startup_s < STARTUP_S)  # fmt: skip
    memory = Row(f"{size}: peak RSS", value=f"{rss:.0f} MB", target=f"< {RSS_MB} MB", met=rss < RSS_MB)
    return [start, memory]


def judge(rows: dict[str, Row], huge: bool = False) -> None:
    """Ratios to the pass's own /about, and the targets (issue 14)."""
    floor = rows["/about"]
    for name, row in rows.items():
        row.ratio = row.p99 / floor.p99 if floor.p99 else None
        row.ratio50 = row.p50 / floor.p50 if floor.p50 else None
        if name in ("/review", "/rate", "/where"):
            row.target = f"p99 <= {CMD_RATIO:g}x, p50 <= {CMD_RATIO50:g}x /about"
            row.met = (row.ratio is not None and row.ratio <= CMD_RATIO and row.ratio50 is not None
                       and row.ratio50 <= CMD_RATIO50 and row.missed == 0)  # fmt: skip
        elif name in FULL_LISTS:
            full = bool(row.choices) and min(row.choices) == FULL_LIST
            row.target = f"{FULL_LIST} choices; p99 <= {AUTOCOMPLETE_RATIO:g}x /about"
            row.met = full and row.ratio is not None and row.ratio <= AUTOCOMPLETE_RATIO and row.missed == 0
            if huge:
                row.target += f" and < {AUTOCOMPLETE_MS:g} ms"
                row.met = row.met and row.p99 * 1000 < AUTOCOMPLETE_MS


def _log_rows(log: Callable[[str], None], rows: dict[str, Row]) -> None:
    for row in rows.values():
        log(f"  {row.measure}: p50 {row.p50 * 1000:.2f} ms, p99 {row.p99 * 1000:.2f} ms; {row.value}")


async def _database(size: str, db: Path, pg_server: str | None, log: Callable[[str], None]) -> Path | str:
    """What the bot runs on: the SQLite copy, or (with a PostgreSQL server) a database loaded from it."""
    if pg_server is None:
        return db
    from bench.postgres import load

    return await load(pg_server, f"bench_{size}", db, log)


async def run_size(size: str, calls: int, burst_n: int, rate_total: int, store_per_writer: int,
                   workroot: Path, log: Callable[[str], None], profile: Path | None = None,
                   validate_all: bool = False, sample: int | None = None,
                   pg_server: str | None = None) -> list[Row]:  # fmt: skip
    rng = random.Random(2026)
    workdir = workroot / size
    workdir.mkdir(parents=True, exist_ok=True)
    db = prepared_database(size, workdir)
    world = load_world(db, rng, sample)
    database = await _database(size, db, pg_server, log)
    log(f"{size}: {len(world.slugs):,} dramas to pick from; shared words {', '.join(world.words[:12])}...; "
        f"Hangul {', '.join(world.hangul[:8])}...")  # fmt: skip
    rows: list[Row] = []
    async with Session(database, workdir, rng, validate_all) as s:
        log(f"{size}: bot ready in {s.startup_s:.2f} s (pid {s.pid})")
        spy = _start_profiler(s.pid, profile) if profile else None
        kinds = {"/about": s.about, "/review": s.review, "/rate": s.rate, "/where": s.where,
                 "autocomplete short": s.ac_short, "autocomplete word": s.ac_word,
                 "autocomplete Hangul": s.ac_hangul, "autocomplete long": s.ac_long}  # fmt: skip
        for kind in kinds.values():  # warm-up: imports, first queries
            for _ in range(5):
                await s.one(lambda kind=kind: kind(world))
        uniform = await s.interleaved(kinds, world, calls, f"{size}: ")
        judge(uniform)
        _log_rows(log, uniform)
        world.zipf = True
        skewed = await s.interleaved({name: kinds[name] for name in COMMANDS}, world, calls, f"{size}: ")
        world.zipf = False
        for row in skewed.values():
            base = row.measure.removesuffix(CHART_JOINED)
            row.measure = base + ZIPF + row.measure[len(base):]
        judge(skewed)
        _log_rows(log, skewed)
        commons, members = await community.run(s, world, db, size, calls, log)  # issue 12: bench/community.py
        # Warm-up: the first burst opens the bot's pool of REST connections (32); without this the /about
        # burst, run first, paid for it and the mixed burst did not.
        await s.burst("warm-up", list(kinds.values()), world, min(burst_n, 100))
        about_burst = await s.burst(f"{size}: burst of {burst_n} /about", [s.about], world, burst_n)
        log(f"  burst /about: p99 {about_burst.p99 * 1000:.1f} ms, missed {about_burst.missed}")
        mixed = await s.burst(f"{size}: burst of {burst_n} mixed", list(kinds.values()), world, burst_n)
        log(f"  burst mixed: p99 {mixed.p99 * 1000:.1f} ms, missed {mixed.missed}")
        about_burst.ratio = about_burst.ratio50 = 1.0
        mixed.ratio = mixed.p99 / about_burst.p99 if about_burst.p99 else None
        mixed.ratio50 = mixed.p50 / about_burst.p50 if about_burst.p50 else None
        mixed.target = f"0 after 3 s; p99 <= {BURST_RATIO:g}x burst /about"
        mixed.met = mixed.missed == 0 and mixed.ratio is not None and mixed.ratio <= BURST_RATIO
        charted = await community.burst(members, f"{size}: burst of {burst_n} {community.BURST}", burst_n, about_burst, log)
        throughput = await s.rate_throughput(world, rate_total)
        throughput.measure = f"{size}: {throughput.measure}"
        log(f"  {throughput.measure}: {throughput.value}")
        if spy is not None:
            _stop_profiler(spy)
        rows += _startup_rows(size, s)
        rows += list(uniform.values()) + list(skewed.values()) + commons + [about_burst, mixed, charted, throughput]
    pg_database = None if database == db else str(database)
    writers = await store_writers(db, world, 100, store_per_writer, pg_database)
    writers.measure = f"{size}: {writers.measure}"
    log(f"  {writers.measure}: {writers.value}")
    rows.append(writers)
    # issue 13: interactions during announcement waves (bench/wave.py), a bot process of its own
    rows += await wave.run(database, world, workroot / f"{size}-wave", size, log, calls, validate_all)
    return rows


async def run_huge(
    calls: int, workroot: Path, log: Callable[[str], None], pg_server: str | None = None
) -> list[Row]:
    """The titles-only 100,000-drama catalogue: start-up, memory and autocomplete against /about."""
    rng = random.Random(100_000)
    workdir = workroot / "huge"
    workdir.mkdir(parents=True, exist_ok=True)
    db = prepared_database("huge", workdir)
    world = load_world(db, rng)
    async with Session(await _database("huge", db, pg_server, log), workdir, rng) as s:
        log(f"huge: bot ready in {s.startup_s:.2f} s (pid {s.pid})")
        kinds = {"/about": s.about, "autocomplete short": s.ac_short, "autocomplete word": s.ac_word,
                 "autocomplete Hangul": s.ac_hangul, "autocomplete long": s.ac_long}  # fmt: skip
        for kind in kinds.values():
            for _ in range(5):
                await s.one(lambda kind=kind: kind(world))
        seq = await s.interleaved(kinds, world, calls, "huge: ")
        judge(seq, huge=True)
        _log_rows(log, seq)
        return _startup_rows("huge", s) + list(seq.values())


def _start_profiler(pid: int, out: Path) -> subprocess.Popen[bytes] | None:
    spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    if not Path(spy).exists():
        print("py-spy not installed: no profile (pip install py-spy)", file=sys.stderr)
        return None
    out.parent.mkdir(parents=True, exist_ok=True)
    return subprocess.Popen(
        [spy, "record", "--pid", str(pid), "--rate", "250", "--format", "raw", "--output", str(out), "--nonblocking"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip


def _stop_profiler(proc: subprocess.Popen[bytes]) -> None:
    proc.send_signal(2)  # SIGINT: py-spy writes its output and exits
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        proc.kill()


# ---- the table ------------------------------------------------------------------------
HEADER = ("measure", "n", "p50 ms", "x /about p50", "p99 ms", "x /about p99", "max ms", "missed 3 s",
          "result", "target", "met")  # fmt: skip


def _ms(x: float) -> str:
    return "" if math.isnan(x) else f"{x * 1000:.2f}"


def _x(ratio: float | None) -> str:
    return f"{ratio:.2f}" if ratio is not None and math.isfinite(ratio) else ""


def table(rows: list[Row]) -> str:
    lines = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    for r in rows:
        has = bool(r.samples)
        cells = (
            r.measure,
            str(len(r.samples)) if has else "",
            _ms(r.p50) if has else "",
            _x(r.ratio50),
            _ms(r.p99) if has else "",
            _x(r.ratio),
            _ms(r.max) if has else "",
            str(r.missed) if has or r.missed else "",
            r.value,
            r.target,
            "" if r.met is None else ("met" if r.met else "NOT MET"),
        )
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


BACKEND = {"label": "SQLite"}  # the backend of this run, for the title line (set by main_async)


def machine() -> str:
    return (f"{datetime.date.today().isoformat()}, {os.cpu_count()} cores ({platform.machine()}), "
            f"Python {platform.python_version()}, {platform.system()} {platform.release()}, "
            f"{BACKEND['label']}")  # fmt: skip


def git_commit() -> str:
    """The commit measured (short), saying so when the tree has uncommitted changes."""
    try:
        sha = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                             check=True).stdout.strip()  # fmt: skip
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,
                               capture_output=True, text=True, check=True).stdout.strip()  # fmt: skip
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return sha + (" (with uncommitted changes)" if dirty else "")


def write_report(out: Path, rows: list[Row], command: str, validate_all: bool = False) -> None:
    """Write the table between the bench markers of `out`, keeping everything else (notes, profile)."""
    block = (
        f"{MARK_START}\n## Latest run\n\n`{command}` on {machine()}.\n\n"
        "Latency: from INTERACTION_CREATE sent by the stand-in to the interaction callback arriving there "
        "(the user-visible answer; its last byte, before the stand-in parses it). Dramas are picked at "
        "random across the whole catalogue: uniformly, "
        "and in the `(Zipf)` rows with a popularity skew (weight 1/rank). Sequential calls of every kind run "
        "in blocks of 50 taken in turn, so machine noise falls on all kinds alike. `x /about p50` / "
        "`x /about p99`: the row's p50 / p99 over the /about p50 / p99 of the same pass "
        "(bursts: over the burst of /about). Autocomplete "
        "short / word / Hangul: one or two letters of, or a whole, word many titles share (the, moon, "
        "love) and one or two syllables of a shared Hangul word; long: a title's first 14 characters. "
        "`missed 3 s`: interactions that failed, were answered after 3 s or "
        "were answered with an error message. `bot CPU`: the bot process's CPU time (user + system) per "
        "interaction; `stand-in`: the benchmark process's own CPU per interaction (the stand-in shares it). "
        + ("Every body was checked against Discord's OpenAPI description. " if validate_all else
           "Bodies were checked in the sequential phases, not during bursts and the throughput run. ")
        + "\n\n"
        f"{table(rows)}\n{MARK_END}"
    )
    if out.exists():
        text = out.read_text(encoding="utf-8")
        if MARK_START in text and MARK_END in text:
            before, _, rest = text.partition(MARK_START)
            _, _, after = rest.partition(MARK_END)
            out.write_text(before + block + after, encoding="utf-8")
            return
        out.write_text(text.rstrip() + "\n\n" + block + "\n", encoding="utf-8")
        return
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("# Performance\n\nWritten by `python -m bench` (see bench/README.md).\n\n" + block + "\n",
                   encoding="utf-8")  # fmt: skip


async def main_async(size: str, calls: int, burst_n: int, out: Path | None, huge: bool, command: str,
                     profile: Path | None, validate_all: bool = False, sample: int | None = None,
                     backend: str = "sqlite") -> list[Row]:  # fmt: skip
    log = lambda text: print(text, flush=True)  # noqa: E731
    rate_total = max(calls, 200) if size == "small" else max(calls * 5, 5000)
    per_writer = 20 if size == "small" else 100
    with tempfile.TemporaryDirectory(prefix="dramabot-bench-") as tmp, contextlib.ExitStack() as stack:
        pg_server = None
        BACKEND["label"] = f"SQLite {sqlite3.sqlite_version}"
        if backend == "postgres":
            from bench.postgres import BenchPostgres

            server = stack.enter_context(BenchPostgres())
            pg_server = server.url
            BACKEND["label"] = f"PostgreSQL {server.version} ({server.binaries.origin})"
            log(f"PostgreSQL {server.version} from {server.binaries.origin}: {server.startup_seconds:.1f} s")
        rows: list[Row] = []
        if size != "huge":
            rows += await run_size(size, calls, burst_n, rate_total, per_writer, Path(tmp), log, profile,
                                   validate_all, sample, pg_server)
        if huge or size == "huge":
            rows += await run_huge(calls, Path(tmp), log, pg_server)
    print()
    print(f"dramabot benchmark, {machine()}")
    print(table(rows))
    if out is not None:
        write_report(out, rows, command, validate_all)
        print(f"\nwritten to {out}")
    return rows



"""Bench phase: interactions while the bot posts an announcement wave of 200 cards.

A bot process of its own, on the run's database with 200 more guilds in the stand-in (each with its
announcement channel set and 20 airing dramas followed; written through the store before the bot
starts), its airing clock read from a file (started through tests/e2e/launch.py: Session.clock). One
drama followed by every guild airs an episode a day; the others start airing weeks later. The clock
starts before the first episode; each wave moves it to five minutes after the next episode aired, so
the next cycle records and posts exactly one card per guild. Meanwhile the bench sends /about and
/review (in the test guild, one after the other, as the sequential phases do) and measures them; a last,
silent wave (no interactions) gives the bot's CPU for 200 posts alone.

Rows: /about and /review with no wave (the same loop, the clock standing still), and /about and
/review sent while a wave was being posted (from its first post to its 200th), with their ratios to the
quiet /about's p99 (target <= 2x); and the waves themselves: posts counted in the 200 channels (exactly
200 each, none elsewhere) and how long each took. The stand-in does not check bodies against the OpenAPI
description in this phase (200 cards at once would load the benchmark process, which it shares), but
every answer is checked: an embed with the title asked for.
"""

from __future__ import annotations

import asyncio
import math
import random
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench.generate import SLUG_PREFIX
from tests.bot.store.readbacks import upsert

if TYPE_CHECKING:
    from bench.run import Row, Session, World

GUILDS = 200
FOLLOWS = 20
WAVE_RATIO = 2.0
FIRST_AIR = date(2027, 3, 1)  # KR, no air time: 23:00 in Seoul, 14:00 UTC
CYCLE_SECONDS = 5  # the scheduler's cycle (default 60 s): a wave starts within 5 s of the clock moving
IDLE_SECONDS = 10  # idle, to measure what the cycles cost with nothing due


def aired_at(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), UTC) + timedelta(hours=14)


async def seed(db: Path | str, guilds: list[tuple[int, int]], episodes: int) -> None:
    """Airing dramas, and for each (guild, channel) its announcement settings and 20 follows: drama 0
    (an episode a day from FIRST_AIR) and 19 that start airing 30 days later."""
    from bot.models import AnnounceSettings, Drama, Episode
    from bot.store import open_store

    store = await open_store(db)
    now = aired_at(FIRST_AIR) - timedelta(days=1)
    try:
        ids = []
        for d in range(FOLLOWS * 2):
            start = FIRST_AIR + timedelta(days=0 if d == 0 else 30 + d)
            drama = Drama(0, f"{SLUG_PREFIX}airing-{d}", f"Synthetic Airing {d}", episodes + 4, country="KR",
                          status="airing")  # fmt: skip
            eps = [Episode(n, air_date=start + timedelta(days=n - 1)) for n in range(1, episodes + 5)]
            ids.append((await upsert(store, drama, eps))[0])
        for g, (guild, channel) in enumerate(guilds):
            await store.airing.set_announce(AnnounceSettings(guild, channel), set_by=1, now=now)
            others = random.Random(g).sample(ids[1:], FOLLOWS - 1)
            for drama_id in [ids[0], *others]:
                await store.airing.follow(guild, drama_id, by=1, now=now)
    finally:
        await store.close()


class PostCounter:
    """Watches the stand-in's channel messages: when each post in the wave channels arrived."""

    def __init__(self, session: Session, channels: set[str]) -> None:
        self.s, self.channels = session, channels
        self.seen = 0
        self.posts: list[tuple[float, str]] = []  # (monotonic time, channel id)
        self.elsewhere = 0

    def poll(self) -> None:
        messages = self.s.stand_in.channel_messages
        now = time.monotonic()
        for message in messages[self.seen :]:
            if message["channel_id"] in self.channels:
                self.posts.append((now, message["channel_id"]))
            else:
                self.elsewhere += 1
        self.seen = len(messages)

    async def watch(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            self.poll()
            await asyncio.sleep(0.005)


def _ok(result: Any, title: str) -> bool:
    embeds = (result.callback or {}).get("data", {}).get("embeds") or []
    return bool(embeds) and (not title or embeds[0].get("title", "").startswith(title))


#: Every interaction the phase sent: their chart edits (a /review's picture joining later) are counted
#: in the silent wave's and the idle periods' windows (that work is not the announcements').
SENT: list[Any] = []


def chart_edits(start: float, end: float) -> str:
    """Edits of answers already sent (a /review's chart joining its card) that arrived between two
    monotonic times, and how many interactions they were for."""
    edits = [
        (r, a)
        for r in SENT
        for a in r.arrivals
        if a.kind == "edit" and start <= r.dispatched_at + a.at <= end
    ]
    return f"{len(edits)} edits (of {len({id(r) for r, _ in edits})} answers)"


async def settle(pid: int, log: Callable[[str], None], what: str) -> None:
    """Wait (at most 60 s) until the bot is idle: under 0.05 s of CPU in 0.5 s. The interactive waves leave
    /review charts still to draw and send (one at a time, each after the loop is quiet: bot/pictures/renderer.py);
    without this wait, that work was counted as the silent wave's or the idle cycles' CPU."""
    from bench.run import bot_cpu_s

    started, cpu = time.monotonic(), bot_cpu_s(pid)
    while time.monotonic() - started < 60:
        before = bot_cpu_s(pid)
        await asyncio.sleep(0.5)
        if bot_cpu_s(pid) - before < 0.05:
            break
    log(f"  settled before {what} in {time.monotonic() - started:.1f} s: bot CPU {bot_cpu_s(pid) - cpu:.2f} s, "
        f"{chart_edits(started, time.monotonic())} meanwhile")  # fmt: skip


async def _send(s: Session, world: World, kind: str, row: Row) -> float:
    """One /about or /review, checked: (dispatch time) recorded in row.follow for the wave split."""
    sent: list[Any] = []

    async def dispatch() -> Any:
        sent.append(await (s.about(world) if kind == "/about" else s.review(world)))
        SENT.append(sent[-1])
        return sent[-1]

    latency = await s.one(dispatch, None)
    ok = math.isfinite(latency) and _ok(sent[0], "")
    row.calls += 1
    row.samples.append(latency if ok else math.inf)
    row.follow.append(sent[0].dispatched_at)
    return latency


async def run(db: Path | str, world: World, workdir: Path, size: str, log: Callable[[str], None], calls: int,
              validate_all: bool = False, profile: Path | None = None) -> list[Row]:  # fmt: skip
    """The phase's rows, in the order of `expected_rows(size)`: 5 waves (2 at the small size) with
    interactions, then a silent one (the bot's CPU for the posts alone), and up to 300 quiet calls.
    With `profile`: py-spy records this bot process from the warm-up to the end (raw stacks)."""
    from bench.run import DEADLINE, Row, Session, _start_profiler, _stop_profiler, bot_cpu_s

    waves, quiet_calls = (2 if size == "small" else 5), min(calls, 300)
    workdir.mkdir(parents=True, exist_ok=True)  # noqa: ASYNC240 - before the bot starts

    SENT.clear()
    rng = random.Random(13)
    s = Session(db, workdir, rng, validate_all)
    guilds = [s.stand_in.add_guild(f"Wave Club {i}") for i in range(GUILDS)]
    channels = [s.stand_in.extra_guilds[g].channel_id for g in guilds]
    await seed(db, [(int(g), int(c)) for g, c in zip(guilds, channels, strict=True)], waves)
    clock = workdir / "wave-clock.txt"
    clock.write_text((aired_at(FIRST_AIR) - timedelta(hours=1)).isoformat())
    s.clock = clock
    s.extra_env = {"AIRING_CYCLE_SECONDS": str(CYCLE_SECONDS)}
    log(
        f"{size}: wave phase: {GUILDS} more guilds, {FOLLOWS} follows each; starting a bot with the test clock"
    )
    quiet = {k: Row(f"{size}: wave {k}, no wave") for k in ("/about", "/review")}
    during = {k: Row(f"{size}: wave {k}, during 200 posts") for k in ("/about", "/review")}
    wave_row = Row(f"{size}: announcement waves of {GUILDS} posts")
    async with s:
        s.stand_in.validate = validate_all
        counter = PostCounter(s, set(channels))
        spy = _start_profiler(s.pid, profile) if profile else None
        for kind in ("/about", "/review") * 5:  # warm-up
            await _send(s, world, kind, Row("warm-up"))
        idle = bot_cpu_s(s.pid)
        await asyncio.sleep(IDLE_SECONDS)  # nothing but the scheduler's cycles (nothing due yet)
        idle = bot_cpu_s(s.pid) - idle
        cpu_quiet = bot_cpu_s(s.pid)
        for i in range(quiet_calls):
            kind = ("/about", "/review")[i % 2]
            await _send(s, world, kind, quiet[kind])
        cpu_quiet = (bot_cpu_s(s.pid) - cpu_quiet) / max(quiet_calls, 1)
        counter.poll()
        if counter.posts:
            raise RuntimeError(f"{len(counter.posts)} posts before any episode aired")
        spans: list[float] = []
        counts: list[int] = []
        distinct: list[int] = []  # channels posted in, per wave
        cpus: list[tuple[float, float, int]] = []  # bot CPU s, benchmark process CPU s, interactions sent
        for wave in range(1, waves + 2):  # the last one silent: what 200 posts alone cost the bot
            silent = wave > waves
            if silent:
                await settle(s.pid, log, "the silent wave")
            first = len(counter.posts)
            log_rows = {k: Row("wave") for k in ("/about", "/review")}
            clock.write_text(
                (aired_at(FIRST_AIR + timedelta(days=wave - 1)) + timedelta(minutes=5)).isoformat()
            )
            stop = asyncio.Event()
            watcher = asyncio.create_task(counter.watch(stop))
            started, cpu, own = time.monotonic(), bot_cpu_s(s.pid), time.process_time()
            i = 0
            # Until the wave is posted (and a moment longer, for a late duplicate to show), at most 60 s.
            while time.monotonic() - started < 60:
                if len(counter.posts) - first >= GUILDS and time.monotonic() - counter.posts[-1][0] > 1.0:
                    break
                if silent:
                    await asyncio.sleep(0.05)
                    continue
                kind = ("/about", "/review")[i % 2]
                await _send(s, world, kind, log_rows[kind])
                i += 1
            stop.set()
            await watcher
            counter.poll()
            cpus.append((bot_cpu_s(s.pid) - cpu, time.process_time() - own, i))
            edits = chart_edits(started, time.monotonic())
            mine = counter.posts[first:]
            counts.append(len(mine))
            distinct.append(len({c for _, c in mine}))
            if mine:
                begin, end = mine[0][0], mine[-1][0]
                spans.append(end - begin)
                for kind, row in log_rows.items():  # what was sent while the wave was being posted
                    for latency, at in zip(row.samples, row.follow, strict=True):
                        if begin <= at <= end:
                            during[kind].calls += 1
                            during[kind].samples.append(latency)
            log(f"  wave {wave}{' (silent)' if silent else ''}: {len(mine)} posts in {distinct[-1]} channels over "
                f"{(spans[-1] if mine else 0) * 1000:.0f} ms; bot CPU {cpus[-1][0]:.2f} s; {edits}")  # fmt: skip
        await settle(s.pid, log, "the idle period")
        after_idle = bot_cpu_s(s.pid)
        await asyncio.sleep(IDLE_SECONDS)  # idle again, the waves posted: the cycles' cost with a full ledger
        after_idle = bot_cpu_s(s.pid) - after_idle
        if spy is not None:
            _stop_profiler(spy)
        s.stand_in.validate = True
    floor = quiet["/about"]
    rows = [*quiet.values(), *during.values()]
    for row in rows:
        bad = [x for x in row.samples if not math.isfinite(x)]
        row.samples = [x for x in row.samples if math.isfinite(x)]
        row.missed = len(bad) + sum(1 for x in row.samples if x > DEADLINE)
        row.follow = []
        row.ratio = row.p99 / floor.p99 if row.samples and floor.p99 else None
        row.ratio50 = row.p50 / floor.p50 if row.samples and floor.p50 else None
        row.value = f"{len(row.samples)} answered while {'posting' if row in during.values() else 'idle'}"
        if row in quiet.values():
            row.value += (
                f"; bot CPU {cpu_quiet * 1000:.2f} ms per interaction (the charts of /review drawn included)"
            )
    for row in during.values():
        row.target = f"p99 <= {WAVE_RATIO:g}x /about p99 with no wave"
        row.met = bool(row.samples) and row.ratio is not None and row.ratio <= WAVE_RATIO and row.missed == 0
    exact = all(n == d == GUILDS for n, d in zip(counts, distinct, strict=True)) and counter.elsewhere == 0
    wave_row.value = (f"{waves} waves and a silent one: posts {', '.join(map(str, counts))}; {counter.elsewhere} "
                      f"elsewhere; each posted over {', '.join(f'{x:.2f}' for x in spans)} s; the silent wave (no "
                      f"interactions): bot CPU {cpus[-1][0]:.2f} s for {counts[-1]} posts, the benchmark process "
                      f"(stand-in) {cpus[-1][1]:.2f} s")  # fmt: skip
    wave_row.value += (f"; idle with {GUILDS} servers following {FOLLOWS} dramas each, a cycle every {CYCLE_SECONDS} s "
                       f"and nothing due: bot CPU {idle:.2f} s in {IDLE_SECONDS} s before the waves, "
                       f"{after_idle:.2f} s after them")  # fmt: skip
    wave_row.target = f"exactly {GUILDS} posts a wave, one per guild"
    wave_row.met = exact
    for row in [*rows, wave_row]:
        log(f"  {row.measure}: p50 {row.p50 * 1000:.2f} ms, p99 {row.p99 * 1000:.2f} ms; {row.value}")
    return [*rows, wave_row]


def expected_rows(size: str) -> list[str]:
    return [f"{size}: wave /about, no wave", f"{size}: wave /review, no wave",
            f"{size}: wave /about, during 200 posts", f"{size}: wave /review, during 200 posts",
            f"{size}: announcement waves of {GUILDS} posts"]  # fmt: skip


async def _main(size: str, calls: int, profile: Path | None) -> None:
    import tempfile

    from bench.run import load_world, prepared_database

    with tempfile.TemporaryDirectory(prefix="dramabot-wave-") as tmp:
        db = prepared_database(size, Path(tmp))
        world = load_world(db, random.Random(2026))
        await run(db, world, Path(tmp) / f"{size}-wave", size, lambda line: print(line, flush=True), calls,
                  profile=profile)  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    """`python -m bench.wave [--size small|large] [--calls N] [--profile FILE]`: this phase alone (SQLite)."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m bench.wave", description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=("small", "large"), default="large")
    parser.add_argument("--calls", type=int, default=300, help="quiet calls (at most 300)")
    parser.add_argument("--profile", type=Path, default=None, help="py-spy raw stacks of the wave's bot here")
    args = parser.parse_args(argv)
    asyncio.run(_main(args.size, args.calls, args.profile))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

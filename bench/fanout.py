"""Bench: an episode's announcement fan-out at Discord's global rate limit (issue 25, section 2).

N servers follow one airing drama, each with its announcement channel, and M members have a reminder
(`/remind`) for it; a few destinations are bad (0.5%: a deleted channel, a channel where the bot lost Send
Messages, a member with closed DMs). Everything is written through the store before the bot starts; the
stand-in holds all N guilds (at most 2,500 a shard, so 4 shards for 10,000) and limits every request that
counts against Discord's global limit (50/s by default). The bot processes (1 on SQLite; 1, 2 or 4 sharing
the token on PostgreSQL, each with its SHARD_IDS) run with their airing clock read from a file
(tests/e2e/launch.py); the clock is moved to five minutes after the episode aired and then runs on.

While the wave drains, /about and /review are sent one after the other in the test guild, as before it
(idle). Everything else is counted in the stand-in: posts per server and DMs per member (exactly one each),
DM channels opened per member, every request counted against the global limit (drain time against what
the limit allows for them), 429s with "global": true after the wave's first second, invalid requests (401,
403, 429), requests to the bad destinations, the order of the posts, the busiest 1 s of arrivals, and which
bot process sent each request (its TCP connection's local port, looked up in /proc). With `kill`, the
process sending is SIGKILLed when 40% of the wave is delivered and the others must finish it.

`python -m bench.fanout [--size tiny|small|large] [--backend sqlite|postgres] [--processes N] [--kill]
[--all] [--out FILE ...]`: see bench/README.md.
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import gc
import math
import os
import random
import re
import signal
import sqlite3
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.generate import SLUG_PREFIX

#: servers, members with a reminder
SIZES = {"tiny": (20, 10), "small": (1_000, 500), "large": (10_000, 5_000)}
GUILDS_PER_SHARD = 2_500  # Discord's limit per shard
BAD_SHARE = 0.005  # of servers (half deleted channels, half lost permissions) and of members (closed DMs)
FIRST_AIR = date(2027, 3, 1)  # KR, no air time: 23:00 in Seoul, 14:00 UTC
CYCLE_SECONDS = 5  # the scheduler's cycle (default 60 s)
KILL_AT = 0.4  # with --kill: the sending process is killed when this share of the wave was delivered
TAIL_S = 2 * CYCLE_SECONDS + 2  # after the last delivery: two more cycles, for late duplicates and retries
IDLE_CALLS = 600  # /about and /review in turn before the wave (300 each)

# Targets (issue 25)
DRAIN_RATIO = 1.25  # drain time over (requests counted / the global limit)
INVALID_SHARE = 0.01  # invalid requests over the wave's requests
RISE = 1.5  # /about and /review p99 during the wave over idle
FREEZE_EVERY = 2.0  # s: the bench's heap frozen this often during a wave (frozen_heap)
BAD_REQUESTS_EACH = 2  # requests per bad destination over the whole run (a closed DM: open + one post)

SEND_MESSAGES = 1 << 11
NOT_COUNTED = ("/interactions/", "/webhooks/")  # as on Discord: interactions do not count globally
MESSAGES = re.compile(r"^/channels/(\d+)/messages$")


@dataclass(frozen=True)
class Config:
    """One configuration of the fan-out run."""

    size: str = "small"
    backend: str = "sqlite"
    processes: int = 1
    kill: bool = False
    global_limit: float = 50.0
    servers: int | None = None  # overrides of the size's counts (the smoke test)
    members: int | None = None

    @property
    def counts(self) -> tuple[int, int]:
        servers, members = SIZES[self.size]
        return self.servers or servers, self.members or members

    @property
    def shard_count(self) -> int:
        return max(self.processes, math.ceil(self.counts[0] / GUILDS_PER_SHARD))

    def shard_ids(self, process: int) -> list[int]:
        return [s for s in range(self.shard_count) if s % self.processes == process]

    @property
    def label(self) -> str:
        servers, members = self.counts
        who = f"{self.processes} process{'es' if self.processes > 1 else ''}"
        return (f"{servers:,} servers + {members:,} members, {'PostgreSQL' if self.backend == 'postgres' else 'SQLite'}, "
                f"{who}{', one killed mid-wave' if self.kill else ''}")  # fmt: skip

    @property
    def key(self) -> str:
        """The configuration's block in the written report."""
        return f"{self.size}-{self.backend}-{self.processes}{'-kill' if self.kill else ''}"


#: `--all`: the configurations issue 25 asks for.
ALL = (
    Config(backend="sqlite"),
    Config(backend="postgres"),
    Config(backend="postgres", processes=2),
    Config(backend="postgres", processes=4),
    Config(backend="postgres", processes=2, kill=True),
)


def aired_at(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), UTC) + timedelta(hours=14)


# ---------------------------------------------------------------------------------------------- the world


@dataclass
class World:
    """Who should get what: the servers' channels and the members, good and bad."""

    channels: dict[str, str] = field(default_factory=dict)  # good announcement channel -> guild
    deleted: dict[str, str] = field(default_factory=dict)  # announcement channel that does not exist -> guild
    no_send: dict[str, str] = field(default_factory=dict)  # channel where the bot lost Send Messages -> guild
    members: list[str] = field(default_factory=list)  # user ids whose DMs are open
    closed: list[str] = field(default_factory=list)  # user ids whose DMs are closed

    @property
    def expected(self) -> int:
        return len(self.channels) + len(self.members)


def bad_count(n: int) -> int:
    return max(1, round(n * BAD_SHARE))


async def build_world(stand_in: Any, config: Config) -> World:
    """The guilds and users in the stand-in (before the bot connects). The stand-in's own guild, where the
    interactions are sent, is the first server (its channel gets the announcement too); the others are
    spread so that no shard holds more than its share (Discord closes a session over 2,500 guilds)."""
    from tests.e2e.channels import overwrite

    servers, members = config.counts
    world = World()
    half = max(1, bad_count(servers) // 2)
    fill = Counter({stand_in.shard_of(stand_in.guild_id): 1})
    world.channels[stand_in.channel_id] = stand_in.guild_id
    for i in range(1, servers):
        shard = None
        if config.shard_count > 1:
            shard = min(range(config.shard_count), key=lambda s: fill[s])
            fill[shard] += 1
        guild = stand_in.add_guild(f"Fanout Club {i}", shard=shard)
        extra = stand_in.extra_guilds[guild]
        if i % (servers // half) == 1 and len(world.deleted) < half:
            world.deleted[stand_in.snowflake()] = guild  # set in /announce, deleted since
        elif i % (servers // half) == 2 and len(world.no_send) < half:
            await stand_in.world.set_overwrites(
                extra.channel_id, [overwrite(extra.bot_role_id, deny=SEND_MESSAGES)]
            )
            world.no_send[extra.channel_id] = guild
        else:
            world.channels[extra.channel_id] = guild
    closed = bad_count(members)
    for i in range(members):
        shut = i % (members // closed) == 3 and len(world.closed) < closed
        user = stand_in.world.add_user(f"fan{i}", dms_open=not shut)
        (world.closed if shut else world.members).append(user["id"])
    return world


async def seed(database: Path | str, world: World) -> int:
    """The airing drama (an episode a day from FIRST_AIR), every server's announcement channel and follow,
    every member's reminder; written through the store. Returns the drama's id."""
    from bot.models import AnnounceSettings, Drama, Episode
    from bot.store import open_store
    from tests.bot.store.readbacks import upsert

    store = await open_store(database)
    now = aired_at(FIRST_AIR) - timedelta(days=1)
    try:
        drama = Drama(0, f"{SLUG_PREFIX}fanout", "Synthetic Fan-out", 16, country="KR", status="airing")
        eps = [Episode(n, air_date=FIRST_AIR + timedelta(days=n - 1)) for n in range(1, 17)]
        drama_id = (await upsert(store, drama, eps))[0]

        async def server(channel: str, guild: str) -> None:
            await store.airing.set_announce(AnnounceSettings(int(guild), int(channel)), set_by=1, now=now)
            await store.airing.follow(int(guild), drama_id, by=1, now=now)

        async def member(user: str) -> None:
            await store.airing.remind(int(user), drama_id, now=now)

        jobs = [server(c, g) for d in (world.channels, world.deleted, world.no_send) for c, g in d.items()]
        jobs += [member(u) for u in (*world.members, *world.closed)]
        for start in range(0, len(jobs), 32):
            await asyncio.gather(*jobs[start : start + 32])
    finally:
        await store.close()
    return drama_id


# ---------------------------------------------------------------------------------------------- processes


def sockets_by_port(stand_in_port: int) -> dict[int, int]:
    """Local port -> socket inode of this machine's TCP connections to the stand-in's port."""
    found: dict[int, int] = {}
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            parts = line.split()
            local, remote, inode = parts[1], parts[2], int(parts[9])
            if int(remote.rsplit(":", 1)[1], 16) == stand_in_port and inode:
                found[int(local.rsplit(":", 1)[1], 16)] = inode
    return found


def inodes_of(pid: int) -> set[int]:
    out = set()
    with contextlib.suppress(OSError):
        for fd in os.listdir(f"/proc/{pid}/fd"):
            with contextlib.suppress(OSError):
                target = os.readlink(f"/proc/{pid}/fd/{fd}")
                if target.startswith("socket:["):
                    out.add(int(target[8:-1]))
    return out


def _make_stand_in(config: Config) -> Any:
    """The bench stand-in with the global limit, noting the client port of every request."""
    from bench.run import BenchStandIn

    class FanoutStandIn(BenchStandIn):
        def __init__(self, **options: Any) -> None:
            super().__init__(**options)
            self.ports: dict[int, int] = {}  # index in `requests` -> the client's local port

        async def _http(self, request: Any) -> Any:
            peer = request.transport.get_extra_info("peername") if request.transport is not None else None
            self.ports[len(self.requests)] = peer[1] if peer else 0  # super()._http appends before any await
            return await super()._http(request)

    return FanoutStandIn(shard_count=config.shard_count, max_concurrency=config.shard_count,
                         global_limit=config.global_limit)  # fmt: skip


class Fleet:
    """The stand-in, the bot processes, and a Session (bench/run.py) for the interactions."""

    def __init__(self, config: Config, database: Path | str, workdir: Path, clock: Path) -> None:
        from bench.generate import BENCH_GUILD_ID
        from bench.run import Session

        self.config, self.database, self.workdir, self.clock = config, database, workdir, clock
        self.stand_in = _make_stand_in(config)
        self.stand_in.guild_id = str(BENCH_GUILD_ID)  # the synthetic world's guild #0: server scores on cards
        self.session = Session(database, workdir, random.Random(13))
        self.session.stand_in = self.stand_in
        self.bots: list[Any] = []
        self.pid_of_port: dict[int, int] = {}
        self.startup_s = math.nan

    def env(self, process: int) -> dict[str, str]:
        from bench.run import INHERITED_ENV, ROOT

        s = self.stand_in
        env = {name: os.environ[name] for name in INHERITED_ENV if name in os.environ}
        env.update(DISCORD_TOKEN=s.token, DATABASE_URL=str(self.database), DISCORD_API_BASE=s.api_base,
                   DISCORD_GATEWAY_URL=s.gateway_url, DEV_GUILD_ID=s.guild_id, LOG_LEVEL="INFO",
                   PYTHONUNBUFFERED="1", PYTHONPATH=str(ROOT), MEMBER_COOLDOWNS="off",
                   AIRING_CYCLE_SECONDS=str(CYCLE_SECONDS),
                   DISCORD_RATE_LIMIT=f"{self.config.global_limit:g}")  # fmt: skip
        if self.config.shard_count > 1:
            env["SHARD_COUNT"] = str(self.config.shard_count)
            env["SHARD_IDS"] = ",".join(map(str, self.config.shard_ids(process)))
        return env

    async def start(self) -> None:
        from tests.e2e.botprocess import READY_MARKER, spawn_bot

        await self.stand_in.start()
        self.session.users = [self.stand_in.make_user(f"bench{i}") for i in range(500)]
        started = time.monotonic()
        for p in range(self.config.processes):
            folder = self.workdir / f"bot{p}"
            folder.mkdir(parents=True, exist_ok=True)
            self.bots.append(
                await spawn_bot(self.env(p), folder, module="tests.e2e.launch", args=[str(self.clock)])
            )
        await asyncio.gather(*(bot.wait_for_output(READY_MARKER, 600) for bot in self.bots))
        self.startup_s = time.monotonic() - started
        test_shard = self.stand_in.shard_of(self.stand_in.guild_id)
        self.session.bot = self.bots[
            test_shard % self.config.processes
        ]  # the process answering the test guild

    async def stop(self) -> None:
        for bot in self.bots:
            if bot.returncode is None:
                await bot.stop()
        await self.stand_in.stop()

    def map_ports(self) -> None:
        """Which bot process holds each of the connections to the stand-in (kept: ports of closed ones too)."""
        sockets = sockets_by_port(self.stand_in.port)
        owner = {
            inode: bot.pid for bot in self.bots if bot.returncode is None for inode in inodes_of(bot.pid)
        }
        for port, inode in sockets.items():
            if inode in owner:
                self.pid_of_port[port] = owner[inode]

    def sender(self, since: float) -> int | None:
        """The bot process that made most of the counted requests since `since` (monotonic)."""
        s = self.stand_in
        counts: Counter[int] = Counter()
        for i in range(len(s.requests) - 1, -1, -1):
            rec = s.requests[i]
            if s.started_at + rec.at < since:
                break
            if counted(rec) and (pid := self.pid_of_port.get(s.ports.get(i, 0))) is not None:
                counts[pid] += 1
        return counts.most_common(1)[0][0] if counts else None


def counted(rec: Any) -> bool:
    return not rec.path.startswith(NOT_COUNTED)


# ---------------------------------------------------------------------------------------------- the wave


@dataclass
class Call:
    kind: str
    at: float  # monotonic, when INTERACTION_CREATE was sent
    latency: float  # s; inf when it failed or answered with something else than a card


async def call(fleet: Fleet, catalogue: Any, kind: str) -> Call:
    s = fleet.session
    sent: list[Any] = []

    async def dispatch() -> Any:
        sent.append(await (s.about(catalogue) if kind == "/about" else s.review(catalogue)))
        return sent[-1]

    latency = await s.one(dispatch)
    embeds = (sent[0].callback or {}).get("data", {}).get("embeds") or [] if sent else []
    return Call(kind, sent[0].dispatched_at if sent else time.monotonic(), latency if embeds else math.inf)


class Ticking:
    """The bots' airing clock (a file tests/e2e/launch.py reads): still, or running from a given time."""

    def __init__(self, path: Path, at: datetime) -> None:
        self.path, self.base, self.since = path, at, None
        path.write_text(at.isoformat())
        self._task: asyncio.Task[None] | None = None

    def run_from(self, at: datetime) -> None:
        self.base, self.since = at, time.monotonic()
        self._write()
        self._task = asyncio.get_running_loop().create_task(self._tick())

    def _write(self) -> None:
        now = self.base + timedelta(seconds=time.monotonic() - (self.since or time.monotonic()))
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(now.isoformat())
        tmp.replace(self.path)  # never half-written

    async def _tick(self) -> None:
        while True:
            await asyncio.sleep(0.2)
            self._write()

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)


@dataclass
class Run:
    """What a run recorded, for `figures`."""

    config: Config
    world: World
    moved: float  # monotonic: the clock moved past the episode
    ended: float  # monotonic: the tail ended
    idle: list[Call]
    during: list[Call]
    startup_s: float
    killed: tuple[int, float, list[int]] | None = None  # pid, monotonic, its shards
    cpu_s: float = 0.0  # the bots' CPU from the clock's move to the last delivery
    own_cpu_s: float = 0.0  # the benchmark process's (stand-in and client) over the same time
    errors: int = 0  # tracebacks in the bots' output
    timed_out: bool = False
    pid_of_port: dict[int, int] = field(default_factory=dict)
    pids: list[int] = field(default_factory=list)
    answering: int = 0  # the pid of the process holding the test guild's shard
    backend: str = ""  # the database, with its version (for the report's machine line)


def delivered(stand_in: Any, world: World) -> int:
    """Good servers and members with at least one post now."""
    good = set(world.channels)
    dms = {dm["id"] for u in world.members if (dm := stand_in.world.dm_channel_of(u)) is not None}
    return len(
        {
            m["channel_id"]
            for m in stand_in.channel_messages
            if m["channel_id"] in good or m["channel_id"] in dms
        }
    )


async def run_wave(
    fleet: Fleet, catalogue: Any, world: World, clock: Ticking, log: Callable[[str], None]
) -> Run:
    from bench.run import bot_cpu_s

    config = fleet.config
    for kind in ("/about", "/review") * 5:  # warm-up
        await call(fleet, catalogue, kind)
    idle = [await call(fleet, catalogue, ("/about", "/review")[i % 2]) for i in range(IDLE_CALLS)]
    if fleet.stand_in.channel_messages:
        raise RuntimeError(f"{len(fleet.stand_in.channel_messages)} posts before the episode aired")
    servers, members = config.counts
    ideal = (servers + 2 * members) / config.global_limit
    limit_s = 3 * ideal + 120 + (360 if config.kill else 0)
    cpu0 = {bot.pid: bot_cpu_s(bot.pid) for bot in fleet.bots}
    cpu_at_kill: dict[int, float] = {}
    cpu_done: dict[int, float] = {}  # each bot's CPU seconds when the wave was delivered
    own_done: list[float] = []  # this process's (the stand-in's) CPU seconds then
    during: list[Call] = []
    killed: tuple[int, float, list[int]] | None = None
    complete_at: float | None = None
    stop = asyncio.Event()

    async def watch() -> None:
        nonlocal killed, complete_at
        last_log = 0.0
        while not stop.is_set():
            fleet.map_ports()
            now = time.monotonic()
            done = delivered(fleet.stand_in, world)
            if now - last_log > 15:
                log(f"  {now - moved:.0f} s: {done:,} of {world.expected:,} delivered")
                last_log = now
            if config.kill and killed is None and done >= KILL_AT * world.expected:
                pid = fleet.sender(now - 2.0)
                victim = next((b for b in fleet.bots if b.pid == pid), None)
                if victim is not None:
                    cpu_at_kill[victim.pid] = bot_cpu_s(victim.pid)
                    victim.kill()
                    shards = config.shard_ids(fleet.bots.index(victim))
                    killed = (victim.pid, time.monotonic(), shards)
                    log(f"  killed the sending process {victim.pid} (shards {shards}) at {done:,} delivered")
            if complete_at is None and done >= world.expected:
                complete_at = now
                cpu_done.update({b.pid: cpu_at_kill.get(b.pid, bot_cpu_s(b.pid)) for b in fleet.bots})
                own_done.append(time.process_time())
                log(f"  all {done:,} delivered {now - moved:.1f} s after the clock moved")
            if (complete_at is not None and now - complete_at >= TAIL_S) or now - moved > limit_s:
                stop.set()
            await asyncio.sleep(0.5)

    clock.run_from(aired_at(FIRST_AIR) + timedelta(minutes=5))
    moved, own0 = time.monotonic(), time.process_time()
    watcher = asyncio.create_task(watch())
    i = 0
    while not stop.is_set():
        if killed is not None and fleet.session.bot.returncode is not None:
            await asyncio.sleep(0.2)  # the process answering the test guild is gone: nobody answers it
            continue
        during.append(await call(fleet, catalogue, ("/about", "/review")[i % 2]))
        i += 1
    await watcher
    ended = time.monotonic()
    cpu = sum(
        cpu_done.get(pid, cpu_at_kill.get(pid, bot_cpu_s(pid))) - before for pid, before in cpu0.items()
    )
    errors = sum(bot.output().count("Traceback") for bot in fleet.bots)
    own = (own_done[0] if own_done else time.process_time()) - own0
    fleet.map_ports()
    return Run(config, world, moved, ended, idle, during, fleet.startup_s, killed, cpu_s=cpu, errors=errors,
               timed_out=complete_at is None, pid_of_port=dict(fleet.pid_of_port),
               pids=[b.pid for b in fleet.bots], answering=fleet.session.bot.pid, own_cpu_s=own)  # fmt: skip


# ---------------------------------------------------------------------------------------------- figures


def busiest_second(times: list[float]) -> int:
    """The most arrivals in any 1 s window (sliding)."""
    times = sorted(times)
    best = 0
    for i, t in enumerate(times):
        best = max(best, bisect.bisect_left(times, t + 1.0) - i)
    return best


def pct(values: list[float], q: float) -> float:
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


@dataclass
class Figures:
    """Everything the table shows, in plain values (the smoke test asserts on these)."""

    servers_once: int = 0  # good servers with exactly one post
    servers_more: int = 0  # good servers with more than one post
    servers_none: int = 0
    members_once: int = 0
    members_more: int = 0
    members_none: int = 0
    bad_posts: int = 0  # posts that reached a bad destination (must be 0: the stand-in refuses them)
    elsewhere: int = 0  # posts in channels that are neither
    dm_opens: Counter[str] = field(
        default_factory=Counter
    )  # POST /users/@me/channels answered 200, per member
    wave_start: float = math.nan
    wave_end: float = math.nan  # the last good delivery
    needed: int = 0  # requests counted against the global limit from the wave's first to its last delivery
    drain_s: float = math.nan
    ideal_s: float = math.nan
    global_429s_late: int = 0  # after the wave's first second
    global_429s: int = 0
    route_429s: int = 0
    invalid: int = 0
    busiest: int = 0  # counted-route arrivals (admitted or not) in the busiest 1 s, sliding
    busiest_fixed: int = 0  # ... in the busiest of the stand-in's fixed 1 s windows (floor of monotonic time)
    busiest_mix: Counter[str] = field(
        default_factory=Counter
    )  # the requests in that window, by route and answer
    global_429_at: list[float] = field(default_factory=list)  # s after the wave's first request
    bad_requests: Counter[str] = field(default_factory=Counter)  # per bad destination, over the whole run
    dms_before_last_server: int = 0
    servers_span: tuple[float, float] = (math.nan, math.nan)  # s after the wave's start
    dms_span: tuple[float, float] = (math.nan, math.nan)
    by_process: Counter[int] = field(default_factory=Counter)  # counted requests in the wave, by pid
    unknown_process: int = 0
    takeover_s: float = math.nan  # from the kill to the next post by another process
    limits: bool = False  # the stand-in models the global limit (branch standin)

    @property
    def drain_ratio(self) -> float:
        return self.drain_s / self.ideal_s if self.ideal_s else math.nan

    @property
    def exactly_once(self) -> bool:
        return (self.servers_more == self.servers_none == self.members_more == self.members_none == 0
                and self.bad_posts == 0 and self.elsewhere == 0)  # fmt: skip


def figures(stand_in: Any, run: Run) -> Figures:
    world, config = run.world, run.config
    f = Figures()
    dm_of = {
        u: (dm or {}).get("id")
        for u in (*world.members, *world.closed)
        if (dm := stand_in.world.dm_channel_of(u))
    }
    posts = Counter(m["channel_id"] for m in stand_in.channel_messages)
    for channel in world.channels:
        n = posts.pop(channel, 0)
        f.servers_once += n == 1
        f.servers_more += n > 1
        f.servers_none += n == 0
    for user in world.members:
        n = posts.pop(dm_of.get(user) or "", 0)
        f.members_once += n == 1
        f.members_more += n > 1
        f.members_none += n == 0
    bad_channels = {**world.deleted, **world.no_send}
    closed_dms = {dm_of[u]: u for u in world.closed if dm_of.get(u)}
    for channel in [*bad_channels, *closed_dms]:
        f.bad_posts += posts.pop(channel, 0)
    f.elsewhere = sum(posts.values())

    start = stand_in.started_at
    recs = [(start + rec.at, i, rec) for i, rec in enumerate(stand_in.requests)]
    wave = [(t, i, r) for t, i, r in recs if t >= run.moved and counted(r)]
    good = set(world.channels) | {dm_of[u] for u in world.members if dm_of.get(u)}
    deliveries = [(t, r) for t, _, r in wave if r.method == "POST" and r.status == 200
                  and (m := MESSAGES.match(r.path)) and m.group(1) in good]  # fmt: skip
    if wave:
        f.wave_start = wave[0][0]
    if deliveries:
        f.wave_end = max(t for t, _ in deliveries)
        inside = [(t, i, r) for t, i, r in wave if t <= f.wave_end]
        f.needed = len(inside)
        limits = getattr(stand_in, "limits", None)
        if limits is not None:  # what the stand-in counted (a request refused by the global limit is not)
            f.needed = bisect.bisect_right(limits.times, f.wave_end) - bisect.bisect_left(
                limits.times, f.wave_start
            )
        f.drain_s = f.wave_end - f.wave_start
        f.ideal_s = f.needed / config.global_limit
        arrivals = [t for t, _, _ in wave]
        f.busiest = busiest_second(arrivals)
        windows = Counter(math.floor(t) for t in arrivals)
        top, f.busiest_fixed = windows.most_common(1)[0]
        f.busiest_mix = Counter(
            f"{r.method} {re.sub(r'[0-9]{6,}', '{id}', r.path)} {r.status}"
            for t, _, r in wave
            if math.floor(t) == top
        )
        server_times = [
            t - f.wave_start for t, r in deliveries if MESSAGES.match(r.path).group(1) in world.channels
        ]
        dm_times = [
            t - f.wave_start for t, r in deliveries if MESSAGES.match(r.path).group(1) not in world.channels
        ]
        if server_times:
            f.servers_span = (min(server_times), max(server_times))
            f.dms_before_last_server = sum(1 for t in dm_times if t < f.servers_span[1])
        if dm_times:
            f.dms_span = (min(dm_times), max(dm_times))
        for _, i, _ in inside:
            pid = run.pid_of_port.get(stand_in.ports.get(i, 0))
            if pid is None:
                f.unknown_process += 1
            else:
                f.by_process[pid] += 1
        if run.killed is not None:
            pid, at, _ = run.killed
            after = [t for t, r in deliveries if t > at]
            others = [t for t, i, r in wave if t > at and r.status == 200 and MESSAGES.match(r.path)
                      and run.pid_of_port.get(stand_in.ports.get(i, 0)) not in (None, pid)]  # fmt: skip
            if others:
                f.takeover_s = min(others) - at
            elif not after:
                f.takeover_s = math.inf
    for _, _, r in recs:
        if r.path == "/users/@me/channels" and r.method == "POST" and r.status == 200:  # a 429 opened nothing
            f.dm_opens[str((r.body or {}).get("recipient_id"))] += 1
        match = re.match(r"^/channels/(\d+)", r.path)
        if match and match.group(1) in bad_channels:
            f.bad_requests[match.group(1)] += 1
        elif match and match.group(1) in closed_dms:
            f.bad_requests[closed_dms[match.group(1)]] += 1
        elif r.path == "/users/@me/channels" and str((r.body or {}).get("recipient_id")) in world.closed:
            f.bad_requests[str(r.body["recipient_id"])] += 1
    limits = getattr(stand_in, "limits", None)
    if limits is not None and not math.isnan(f.wave_start):
        f.limits = True
        f.global_429s = sum(1 for t in limits.global_429s if t >= f.wave_start)
        f.global_429s_late = sum(1 for t in limits.global_429s if t > f.wave_start + 1.0)
        f.global_429_at = [t - f.wave_start for t in limits.global_429s if t >= f.wave_start]
        f.route_429s = sum(1 for t in limits.route_429s if t >= f.wave_start)
        f.invalid = limits.invalid_requests(window=time.monotonic() - f.wave_start + 0.001)
    else:
        f.invalid = sum(1 for t, _, r in wave if r.status in (401, 403, 429))
        f.route_429s = sum(1 for t, _, r in wave if r.status == 429)
    return f


def rows(run: Run, f: Figures) -> list[Any]:
    """The table's rows for one run (bench/run.py's Row)."""
    from bench.run import DEADLINE, Row

    config, world = run.config, run.world
    tag = config.label
    out = []
    idle_p99: dict[str, float] = {}
    for kind in ("/about", "/review"):
        calm = [c.latency for c in run.idle if c.kind == kind]
        busy = [c.latency for c in run.during if c.kind == kind and f.wave_start <= c.at <= f.wave_end]
        quiet = Row(f"{tag}: {kind}, idle", [x for x in calm if math.isfinite(x)], calls=len(calm))
        quiet.missed = sum(1 for x in calm if not math.isfinite(x) or x > DEADLINE)
        quiet.value = f"{len(quiet.samples)} answered before the episode aired"
        idle_p99[kind] = quiet.p99
        loud = Row(f"{tag}: {kind}, during the wave", [x for x in busy if math.isfinite(x)], calls=len(busy))
        loud.missed = sum(1 for x in busy if not math.isfinite(x) or x > DEADLINE)
        loud.ratio = loud.p99 / quiet.p99 if loud.samples and quiet.p99 else None
        loud.ratio50 = loud.p50 / quiet.p50 if loud.samples and quiet.p50 else None
        loud.value = f"{len(loud.samples)} answered while the wave drained; x: over idle"
        loud.target = f"p99 < {RISE:g}x idle, none after 3 s"
        if run.killed is not None and run.killed[0] == run.answering:
            loud.value += " (until the process answering them was killed)"
        loud.met = bool(loud.samples) and loud.missed == 0 and loud.ratio is not None and loud.ratio < RISE
        out += [quiet, loud]

    servers, members = config.counts
    once = Row(f"{tag}: exactly once")
    once.value = (f"servers: {f.servers_once:,} of {len(world.channels):,} one post ({f.servers_more} more, "
                  f"{f.servers_none} none); members: {f.members_once:,} of {len(world.members):,} one DM "
                  f"({f.members_more} more, {f.members_none} none); {f.bad_posts} at bad destinations, "
                  f"{f.elsewhere} elsewhere")  # fmt: skip
    once.target = "every server one post, every member one DM"
    once.met = f.exactly_once
    opens = Row(f"{tag}: DM channels opened")
    everyone = [*world.members, *world.closed]
    twice = sum(1 for u in everyone if f.dm_opens.get(u, 0) > 1)
    opens.value = (f"{sum(f.dm_opens.get(u, 0) for u in everyone):,} DM channels opened (POST /users/@me/channels answered 200) for "
                   f"{len(everyone):,} members; {twice} opened more than once")  # fmt: skip
    opens.target = "once per member"
    opens.met = twice == 0 and all(f.dm_opens.get(u, 0) == 1 for u in everyone)
    drain = Row(f"{tag}: drain")
    minimum = len(world.channels) + 2 * len(world.members) + len(world.closed)  # closed DMs: opened, refused
    drain.value = (f"{f.drain_s:.1f} s for {f.needed:,} requests counted against the global limit "
                   f"({f.ideal_s:.1f} s at {config.global_limit:g}/s): {f.drain_ratio:.2f}x (the least a post and a DM "
                   f"channel each need: {minimum:,}, {f.drain_s / (minimum / config.global_limit):.2f}x); CPU meanwhile: bots "
                   f"{run.cpu_s:.1f} s, stand-in and client {run.own_cpu_s:.1f} s")  # fmt: skip
    drain.target = f"<= {DRAIN_RATIO:g}x"
    drain.met = not run.timed_out and f.drain_ratio <= DRAIN_RATIO
    clean = Row(f"{tag}: clean")
    share = f.invalid / f.needed if f.needed else math.nan
    clean.value = (f"{f.global_429s_late} global 429s after the first second ({f.global_429s} in all), "
                   f"{f.route_429s} route 429s; {f.invalid} invalid requests ({share:.2%} of the wave); "
                   f"arrivals in the busiest 1 s: {f.busiest_fixed} (the stand-in's windows), {f.busiest} (any)")  # fmt: skip
    if not f.limits:
        clean.value += " (the stand-in has no global limit: 429s not modelled)"
    clean.target = f"0 global 429s after 1 s; invalid < {INVALID_SHARE:.0%}; busiest 1 s window <= {config.global_limit:g}"
    clean.met = (f.limits and f.global_429s_late == 0 and share < INVALID_SHARE
                 and f.busiest_fixed <= config.global_limit)  # fmt: skip
    bad = Row(f"{tag}: bad destinations")
    n_bad = len(world.deleted) + len(world.no_send) + len(world.closed)
    worst = max(f.bad_requests.values(), default=0)
    bad.value = (f"{len(world.deleted)} deleted channels, {len(world.no_send)} without Send Messages, "
                 f"{len(world.closed)} members with closed DMs: {sum(f.bad_requests.values())} requests to them "
                 f"over the run, at most {worst} to one")  # fmt: skip
    bad.target = f"paused: <= {BAD_REQUESTS_EACH} requests each"
    bad.met = worst <= BAD_REQUESTS_EACH and n_bad > 0
    order = Row(f"{tag}: order")
    order.value = (f"server posts {f.servers_span[0]:.1f}-{f.servers_span[1]:.1f} s, DMs {f.dms_span[0]:.1f}-"
                   f"{f.dms_span[1]:.1f} s after the wave's first request; {f.dms_before_last_server} DMs "
                   f"before the last server post")  # fmt: skip
    order.target = "servers first, then DMs"
    order.met = f.dms_before_last_server == 0
    out += [once, opens, drain, clean, bad, order]
    if config.processes > 1:
        share_row = Row(f"{tag}: processes")
        parts = [f"pid {pid}: {n:,}" for pid, n in sorted(f.by_process.items())]
        share_row.value = (f"start-up {run.startup_s:.1f} s; counted requests in the wave by process: "
                           f"{', '.join(parts) or 'none'}; {f.unknown_process} not traced")  # fmt: skip
        if run.killed is not None:
            pid, _, shards = run.killed
            share_row.value += (f"; process {pid} (shards {shards}) SIGKILLed at {KILL_AT:.0%} delivered, the "
                                f"others' first post {f.takeover_s:.1f} s later")  # fmt: skip
            share_row.target = "its share taken over, totals exact"
            share_row.met = f.exactly_once and math.isfinite(f.takeover_s)
        out.append(share_row)
    else:
        out.append(Row(f"{tag}: start-up", value=f"{run.startup_s:.1f} s to ready with {servers:,} servers"))
    if run.errors:
        out[-1].value += f"; {run.errors} tracebacks in the bots' output"
    return out


# ---------------------------------------------------------------------------------------------- the run


async def run_config(config: Config, workroot: Path, sqlite_copy: Path, catalogue: Any, pg_server: str | None,
                     log: Callable[[str], None], backend: str = "") -> tuple[Run, Figures, list[Any]]:  # fmt: skip
    """One configuration: a fresh database (copy), world, bots; the wave; its figures and rows."""
    import shutil

    workdir = workroot / config.key
    workdir.mkdir(parents=True, exist_ok=True)
    if config.backend == "postgres":
        assert pg_server is not None
        from bench.postgres import fresh_database

        name = f"fanout_{config.key.replace('-', '_')}"
        database: Path | str = await fresh_database(pg_server, name, template="fanout_base")
    else:
        database = workdir / "bench.sqlite3"
        shutil.copyfile(sqlite_copy, database)
    clock = Ticking(workdir / "clock.txt", aired_at(FIRST_AIR) - timedelta(hours=1))
    fleet = Fleet(config, database, workdir, clock.path)
    log(f"{config.label}: {config.shard_count} shard(s); building the world")
    world = await build_world(fleet.stand_in, config)
    started = time.monotonic()
    await seed(database, world)
    log(f"  seeded {len(world.channels) + len(world.deleted) + len(world.no_send):,} servers and "
        f"{len(world.members) + len(world.closed):,} reminders in {time.monotonic() - started:.1f} s")  # fmt: skip
    try:
        await fleet.start()
        log(f"  {config.processes} bot process(es) ready in {fleet.startup_s:.1f} s: "
            f"{', '.join(str(b.pid) for b in fleet.bots)}")  # fmt: skip
        fleet.stand_in.validate = False
        async with frozen_heap():
            run = await run_wave(fleet, catalogue, world, clock, log)
        run.backend = backend
        fleet.stand_in.validate = True
    finally:
        await clock.stop()
        await fleet.stop()
    f = figures(fleet.stand_in, run)
    table_rows = rows(run, f)
    log(f"  global 429s at {', '.join(f'{t:.1f}' for t in f.global_429_at[:20]) or '-'} s; the busiest window: "
        f"{dict(f.busiest_mix.most_common(6))}")  # fmt: skip
    for row in table_rows:
        log(
            f"  {row.measure}: {row.value}"
            + (f" [{'met' if row.met else 'NOT MET'}]" if row.met is not None else "")
        )
    return run, f, table_rows


@contextlib.asynccontextmanager
async def frozen_heap(every: float = FREEZE_EVERY) -> AsyncIterator[None]:
    """This process's heap frozen every `every` s during a wave (`gc.freeze`): a full collection then walks
    only what the last seconds made, never the stand-in's whole record of the run.

    The stand-in (in this process) counts requests against the global limit when it handles them; a full
    collection of a heap of millions of recorded objects stalled it for hundreds of ms, and the requests
    that arrived meanwhile were counted together in the next 1 s window, as a burst the bots never sent
    (bench/run.py's `own_gc_paused` is the same fix for the short bursts)."""

    async def freeze() -> None:
        while True:
            gc.freeze()
            await asyncio.sleep(every)

    task = asyncio.create_task(freeze(), name="bench-freeze-heap")
    try:
        yield
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        gc.unfreeze()


async def run_all(configs: Iterable[Config], log: Callable[[str], None] = print,
                  workroot: Path | None = None) -> list[tuple[Config, Run, Figures, list[Any]]]:  # fmt: skip
    """Every configuration in turn (one PostgreSQL server for those that need it)."""
    import tempfile

    from bench.run import load_world, prepared_database

    configs = list(configs)
    results = []
    with contextlib.ExitStack() as stack:
        root = workroot or Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="dramabot-fanout-")))
        sqlite_copy = prepared_database("small", root)  # the catalogue /review picks from
        catalogue = load_world(sqlite_copy, random.Random(2026))
        pg_server, pg_label = None, ""
        if any(c.backend == "postgres" for c in configs):
            from bench.postgres import BenchPostgres, load

            server = stack.enter_context(BenchPostgres())
            pg_server, pg_label = server.url, f"PostgreSQL {server.version} ({server.binaries.origin})"
            await load(server.url, "fanout_base", sqlite_copy, log)
        for config in configs:
            label = pg_label if config.backend == "postgres" else f"SQLite {sqlite3.sqlite_version}"
            found = await run_config(config, root, sqlite_copy, catalogue, pg_server, log, label)
            results.append((config, *found))
    return results


SECTION = "## Fan-out"
INTRO = (
    "Written by `python -m bench.fanout` (bench/README.md). An episode airs for N servers following it (each "
    "with its announcement channel) and M members with a reminder; 0.5% of them are bad destinations (a "
    "deleted channel, a channel where the bot lost Send Messages, closed DMs). The stand-in limits the "
    "requests that count against Discord's global limit; everything is counted there. `drain`: from the "
    "wave's first request to its last delivery, over the requests counted against the global limit divided "
    "by the limit. `x /about p99` in the `during the wave` rows: over the same command's idle p99."
)


def write_section(out: Path, config: Config, block_rows: list[Any], command: str, backend: str = "",
                  commit: str | None = None) -> None:  # fmt: skip
    """The configuration's block inside the file's `## Fan-out` section (added when missing); other
    configurations' blocks and the rest of the file are kept."""
    from bench.run import BACKEND, git_commit, machine, table

    BACKEND["label"] = backend or BACKEND["label"]

    start, end = f"<!-- fanout:{config.key}:start -->", f"<!-- fanout:{config.key}:end -->"
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    block = (f"{start}\n### {config.label}\n\n`{command}`, commit {commit or git_commit()}, {when}, {machine()}.\n\n"
             f"{table(block_rows)}\n{end}")  # fmt: skip
    text = out.read_text(encoding="utf-8") if out.exists() else "# Fan-out\n"
    if start in text and end in text:
        before, _, rest = text.partition(start)
        text = before + block + rest.partition(end)[2]
    else:
        lines = text.rstrip("\n").split("\n")
        heads = [i for i, line in enumerate(lines) if line.strip() == SECTION]
        if not heads:
            lines += ["", SECTION, "", INTRO]
            heads = [len(lines) - 3]
        after = next((i for i in range(heads[0] + 1, len(lines)) if lines[i].startswith("## ")), len(lines))
        if INTRO not in "\n".join(lines[heads[0] : after]):
            lines[heads[0] + 1 : heads[0] + 1] = ["", INTRO]
            after += 2
        while after > heads[0] + 1 and not lines[after - 1].strip():
            after -= 1
        lines[after:after] = ["", block]
        text = "\n".join(lines)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text.rstrip("\n") + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    import argparse
    import sys

    from bench.run import BACKEND, git_commit, machine, table

    parser = argparse.ArgumentParser(prog="python -m bench.fanout", description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=tuple(SIZES), default="small",
                        help="servers + members: tiny 20 + 10, small 1,000 + 500 (default), large 10,000 + 5,000")  # fmt: skip
    parser.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument(
        "--processes", type=int, default=1, help="bot processes sharing the token (PostgreSQL)"
    )
    parser.add_argument("--kill", action="store_true", help="SIGKILL the sending process mid-wave")
    parser.add_argument("--all", action="store_true",
                        help="SQLite 1 process; PostgreSQL 1, 2 and 4 processes, and 2 with one killed")  # fmt: skip
    parser.add_argument("--global-limit", type=float, default=50.0, help="requests/s per token (default 50)")
    parser.add_argument("--out", type=Path, action="append", default=[],
                        help="write each configuration's table into this file's `## Fan-out` section (repeatable)")  # fmt: skip
    args = parser.parse_args(argv)
    if (args.processes > 1 or args.kill) and args.backend != "postgres" and not args.all:
        parser.error("several processes share one token on PostgreSQL: add --backend postgres")
    if args.kill and args.processes < 2:
        parser.error("--kill needs --processes 2 or more")
    if args.all:
        configs = [Config(args.size, c.backend, c.processes, c.kill, args.global_limit) for c in ALL]
    else:
        configs = [Config(args.size, args.backend, args.processes, args.kill, args.global_limit)]
    command = "python -m bench.fanout " + " ".join(argv if argv is not None else sys.argv[1:])
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # a stopped run cleans up its servers
    commit = git_commit()  # the tree measured (read before the runs: it may change meanwhile)
    results = asyncio.run(run_all(configs, lambda line: print(line, flush=True)))
    BACKEND["label"] = " / ".join(dict.fromkeys(run.backend for _, run, _, _ in results))
    print(f"\ndramabot fan-out, {machine()}, commit {commit}")
    print(table([row for *_, block in results for row in block]))
    for config, run, _, block in results:
        for out in args.out:
            write_section(out, config, block, command.strip(), run.backend, commit)
    for out in args.out:
        print(f"written to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

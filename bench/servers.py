"""The bot in 10,000 servers (issue 25): start-up to ready and peak memory.

`python -m bench.servers [--servers 10000] [--shards 4] [--processes 1|4] [--backend sqlite|postgres]`

The stand-in holds `--servers` guilds (its test guild and the rest added with `add_guild`, spread evenly
over `--shards` shards: Discord allows at most 2,500 guilds a shard), with `max_concurrency` 1 as Discord
gives most bots: one IDENTIFY at a time, 5 s apart (the bot waits IDENTIFY_SPACING, bot/cluster, between
its shards: that spacing is part of the start-up measured). Each shard's READY lists its guilds, then
their GUILD_CREATEs follow.

One process (SHARD_COUNT, every shard), or `--processes N` each with SHARD_IDS of its own share on one
PostgreSQL database (the processes take IDENTIFY turns through it). Measured per process: seconds from
its start to its "dramabot ready" line (every shard of it ready: each shard's GUILD_CREATEs received),
the servers that line counts, and its peak RSS (VmHWM) once ready. Then one /about from a guild of each
shard must be answered: every shard is live. The catalogue is the small synthetic one: the servers, not
the titles, are what is measured here.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import math
import os
import re
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bot.cluster import IDENTIFY_SPACING
from tests.e2e.botprocess import READY_MARKER, BotProcess, spawn_bot
from tests.e2e.standin import DiscordStandIn

READY_S = 30.0  # target: start-up to ready with 10,000 servers
RSS_MB = 300.0  # target: peak RSS of one process with every shard
PER_SHARD = 2500  # Discord's limit of guilds a shard
READY_LINE = re.compile(
    r"dramabot ready: logged in as .*?, (\d+) server\(s\)(?:, shards \[([\d, ]*)\] of (\d+))?"
)


@dataclass
class Process:
    """One bot process of the run and what it reported."""

    shard_ids: list[int] | None  # None: every shard
    bot: BotProcess | None = None
    ready_s: float = math.nan
    servers: int = 0  # as its ready line counts them
    shards: list[int] = field(default_factory=list)  # as its ready line lists them
    hwm_mb: float = math.nan
    rss_mb: float = math.nan


@dataclass
class Report:
    servers: int
    shard_count: int
    backend: str
    processes: list[Process]
    identifies: list[float]  # seconds after the start at which each IDENTIFY arrived
    guilds_per_shard: list[int]
    answered: list[bool]  # one /about per shard

    @property
    def ready_s(self) -> float:
        return max(p.ready_s for p in self.processes)

    @property
    def ok(self) -> bool:
        """Every server counted once across the processes, every shard ready and answering."""
        shards = sorted(s for p in self.processes for s in p.shards)
        return (
            sum(p.servers for p in self.processes) == self.servers
            and shards == list(range(self.shard_count))
            and all(self.answered)
        )

    def text(self) -> str:
        lines = [
            f"{self.servers:,} servers over {self.shard_count} shards "
            f"({', '.join(f'{n:,}' for n in self.guilds_per_shard)}), {len(self.processes)} process(es), "
            f"{self.backend}; IDENTIFYs at {', '.join(f'{t:.1f}' for t in self.identifies)} s "
            f"(spacing {IDENTIFY_SPACING:g} s a bucket, max_concurrency 1)",
            "",
            "| process | shards | servers | start-up to ready s | peak RSS (VmHWM) MB | RSS when ready MB |",
            "|---|---|---|---|---|---|",
        ]
        for i, p in enumerate(self.processes):
            lines.append(
                f"| {i} | {p.shards} | {p.servers:,} | {p.ready_s:.2f} | {p.hwm_mb:.0f} | {p.rss_mb:.0f} |"
            )
        total = sum(p.hwm_mb for p in self.processes)
        lines += [
            "",
            f"start-up to ready (the last process): {self.ready_s:.2f} s (target < {READY_S:g} s: "
            f"{'met' if self.ready_s < READY_S else 'NOT MET'}); peak RSS "
            f"{'of the process' if len(self.processes) == 1 else f'per process, max (sum {total:.0f} MB)'}: "
            f"{max(p.hwm_mb for p in self.processes):.0f} MB (target < {RSS_MB:g} MB for one process with "
            f"every shard); one /about per shard answered: {sum(self.answered)} of {len(self.answered)}; "
            f"every server and shard accounted for: {'yes' if self.ok else 'NO'}",
        ]
        return "\n".join(lines)


def memory_mb(pid: int) -> tuple[float, float]:
    """(VmHWM, VmRSS) of a process in MB."""
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return math.nan, math.nan
    found = {k: int(v) / 1024 for k, v in re.findall(r"^(VmHWM|VmRSS):\s+(\d+)\s+kB", text, re.M)}
    return found.get("VmHWM", math.nan), found.get("VmRSS", math.nan)


def populate(stand_in: DiscordStandIn, servers: int) -> list[list[str]]:
    """`servers` guilds in the stand-in (its test guild counts), spread evenly over its shards; the guild
    ids on each shard."""
    shards = stand_in.shard_count
    first = stand_in.shard_of(stand_in.guild_id) + 1  # round the shards from the test guild's next one
    for i in range(servers - 1):
        stand_in.add_guild(f"Server {i + 2}", shard=(first + i) % shards)
    on = [stand_in.guilds_on_shard(s) for s in range(shards)]
    if max(len(g) for g in on) > PER_SHARD:
        raise ValueError(f"more than {PER_SHARD} guilds on a shard: use more shards")
    return on


def bot_env(stand_in: DiscordStandIn, database: str, extra: dict[str, str]) -> dict[str, str]:
    """The bot's environment (as bench/run.py's Session gives it), with global commands (no DEV_GUILD_ID):
    every guild, on every shard, can use them."""
    from bench.run import INHERITED_ENV, ROOT

    env = {name: os.environ[name] for name in INHERITED_ENV if name in os.environ}
    env.update(
        DISCORD_TOKEN=stand_in.token,
        DATABASE_URL=database,
        DISCORD_API_BASE=stand_in.api_base,
        DISCORD_GATEWAY_URL=stand_in.gateway_url,
        LOG_LEVEL="INFO",
        PYTHONUNBUFFERED="1",
        PYTHONPATH=str(ROOT),
        MEMBER_COOLDOWNS="off",
        **extra,
    )
    return env


async def _start(process: Process, env: dict[str, str], workdir: Path, started: float, wait_s: float) -> None:
    workdir.mkdir(parents=True, exist_ok=True)  # noqa: ASYNC240 - before the bot starts
    process.bot = await spawn_bot(env, workdir)
    await process.bot.wait_for_output(READY_MARKER, wait_s)
    process.ready_s = time.monotonic() - started
    line = next(x for x in process.bot.output().splitlines() if READY_MARKER in x)
    found = READY_LINE.search(line)
    if found is None:
        raise RuntimeError(f"unexpected ready line: {line}")
    process.servers = int(found[1])
    process.shards = [int(s) for s in found[2].split(",")] if found[2] else [0]


async def measure(servers: int, shard_count: int, processes: int, database: str, workroot: Path,
                  log: Callable[[str], None], backend: str) -> Report:  # fmt: skip
    """Start the processes against a stand-in with `servers` guilds; the report once every one is ready."""
    if processes > 1 and not database.startswith("postgres"):
        raise ValueError("several processes share one PostgreSQL database (--backend postgres)")
    stand_in = DiscordStandIn(shard_count=shard_count, max_concurrency=1)
    built = time.monotonic()
    guilds = populate(stand_in, servers)
    log(f"{servers:,} guilds added to the stand-in in {time.monotonic() - built:.2f} s")
    procs = [Process(None)] if processes == 1 else [
        Process(list(range(shard_count))[i::processes]) for i in range(processes)]  # fmt: skip
    await stand_in.start()
    try:
        started = time.monotonic()
        wait_s = 120 + shard_count * IDENTIFY_SPACING
        await asyncio.gather(*(
            _start(p, bot_env(stand_in, database, {"SHARD_COUNT": str(shard_count)} | (
                {} if p.shard_ids is None else {"SHARD_IDS": ",".join(map(str, p.shard_ids))})),
                workroot / f"bot{i}", started, wait_s)
            for i, p in enumerate(procs)))  # fmt: skip
        identifies = sorted(
            f["at"] - (started - stand_in.started_at) for f in stand_in.gateway_log if f.get("op") == 2
        )
        for p in procs:
            assert p.bot is not None
            p.hwm_mb, p.rss_mb = memory_mb(p.bot.pid)
            log(
                f"  process {p.shards}: ready in {p.ready_s:.2f} s, {p.servers:,} servers, VmHWM {p.hwm_mb:.0f} MB"
            )
        answered = []
        user = stand_in.make_user("member")
        for shard, ids in enumerate(guilds):
            if not ids:
                continue
            guild = ids[-1]
            result = await stand_in.dispatch_command("about", {}, user=user, guild_id=guild)
            try:
                await stand_in.wait_for_answer(result, timeout=15)
                answered.append(bool(result.embeds))
            except AssertionError:
                answered.append(False)
            log(f"  /about from a guild of shard {shard}: {'answered' if answered[-1] else 'NOT answered'}")
        for p in procs:  # the high-water mark again: answering may have grown it
            assert p.bot is not None
            p.hwm_mb, _ = memory_mb(p.bot.pid)
    finally:
        for p in procs:
            if p.bot is not None and p.bot.returncode is None:
                await p.bot.stop()
        await stand_in.stop()
    return Report(servers, shard_count, backend, procs, identifies, [len(g) for g in guilds], answered)


async def run(
    servers: int, shard_count: int, processes: int, backend: str, log: Callable[[str], None]
) -> Report:
    """The whole measure on a fresh copy of the small catalogue (SQLite, or a throwaway PostgreSQL)."""
    from bench.run import prepared_database

    with tempfile.TemporaryDirectory(prefix="dramabot-servers-") as tmp, contextlib.ExitStack() as stack:
        db = prepared_database("small", Path(tmp))
        database, label = str(db), f"SQLite {sqlite3.sqlite_version}"
        if backend == "postgres":
            from bench.postgres import BenchPostgres, load

            server = stack.enter_context(BenchPostgres())
            database = await load(server.url, "bench_servers", db, log)
            label = f"PostgreSQL {server.version}"
        return await measure(servers, shard_count, processes, database, Path(tmp), log, label)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.servers", description=__doc__.splitlines()[0])
    parser.add_argument("--servers", type=int, default=10_000)
    parser.add_argument("--shards", type=int, default=4)
    parser.add_argument(
        "--processes", type=int, default=1, help="bot processes sharing the shards (PostgreSQL)"
    )
    parser.add_argument("--backend", choices=("sqlite", "postgres"), default=None,
                        help="default: sqlite with one process, postgres with several")  # fmt: skip
    args = parser.parse_args(argv)
    backend = args.backend or ("sqlite" if args.processes == 1 else "postgres")
    if args.processes > 1 and backend != "postgres":
        parser.error("several processes share one PostgreSQL database: --backend postgres")
    if not 1 <= args.processes <= args.shards:
        parser.error("--processes must be between 1 and --shards")
    report = asyncio.run(
        run(args.servers, args.shards, args.processes, backend, lambda t: print(t, flush=True))
    )
    from bench.run import BACKEND, git_commit, machine

    BACKEND["label"] = report.backend
    print()
    print(f"`{' '.join(['python -m bench.servers', *sys.argv[1:]])}` at {git_commit()}, {machine()}")
    print(report.text())
    return 0 if report.ok else 1


if __name__ == "__main__":
    raise SystemExit(main())

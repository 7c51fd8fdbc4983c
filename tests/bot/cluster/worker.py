"""A separate process for the cluster tests: `python -m tests.bot.cluster.worker MODE URL ...`.

    sync URL KIND      wait for "go" on stdin, then cluster.sync_once (KIND "postgres": PgCluster, "local":
                       LocalCluster); the stand-in sync records this process in the table syncs
    lead URL NAME [IDLE]  a job every 0.1 s as leader NAME on a PgCluster (idle_session_timeout IDLE s,
                       default 30); each run records this process in leader_runs

Prints "ready" once connected, then "synced" / "skipped", or "leader" when it leads.
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Awaitable, Callable

import asyncpg

from bot.cluster import LocalCluster
from bot.cluster.postgres import PgCluster
from bot.store import open_store

KEY, DIGEST = "command_sync:global", "digest-of-the-new-commands"


def every(fn: Callable[[], Awaitable[None]], interval: float) -> Callable[[], Awaitable[None]]:
    """A leader job running `fn` every `interval` seconds, the first run right away."""

    async def job() -> None:
        while True:
            await fn()
            await asyncio.sleep(interval)

    return job


def say(line: str) -> None:
    print(line, flush=True)


async def sync(url: str, kind: str) -> None:
    cluster = PgCluster(url) if kind == "postgres" else LocalCluster()
    await cluster.start()
    store = await open_store(url)  # the bot's store: the digest lives in its meta table
    conn = await asyncpg.connect(url)
    try:

        async def record_sync() -> None:
            await conn.execute("INSERT INTO syncs (pid) VALUES ($1)", os.getpid())
            await asyncio.sleep(0.3)  # a real sync is a REST call: the others arrive meanwhile

        say("ready")
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)  # "go"
        synced = await cluster.sync_once(store, KEY, DIGEST, record_sync)
        say("synced" if synced else "skipped")
    finally:
        await conn.close()
        await store.close()
        await cluster.close()


async def lead(url: str, name: str, idle: float) -> None:
    cluster = PgCluster(url, takeover_poll=0.1, heartbeat=0.5, idle_session_timeout=idle)
    await cluster.start()
    conn = await asyncpg.connect(url)
    runs = 0

    async def run() -> None:
        nonlocal runs
        await conn.execute("INSERT INTO leader_runs (pid) VALUES ($1)", os.getpid())
        runs += 1
        if runs == 1:
            say("leader")

    say("ready")
    await cluster.run_as_leader(name, every(run, 0.1))  # until killed


def main() -> None:
    mode, url, arg = sys.argv[1:4]
    idle = float(sys.argv[4]) if len(sys.argv) > 4 else 30.0
    asyncio.run(sync(url, arg) if mode == "sync" else lead(url, arg, idle))


if __name__ == "__main__":
    main()

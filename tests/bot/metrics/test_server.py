"""The operators' endpoint through the real bot process and the Discord stand-in: /metrics counts each
interaction once by command and outcome with its latency, /healthz says 200 when all is well and 503 with
the reason when the database or the gateway is not, and with METRICS_PORT unset nothing listens."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import sqlite3
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest
from aiohttp import web

from tests import pg
from tests.e2e.botprocess import READY_MARKER, spawn_bot
from tests.e2e.conftest import INHERITED_ENV
from tests.e2e.standin import DiscordStandIn
from tests.e2e.test_commands import TITLE

from .conftest import free_port, get, sample, scrape

PACER = Path(__file__).resolve().parents[3] / "bot" / "pacing" / "pacer.py"  # bot.pacer, once merged
WAIT = 30.0  # s: a generous bound for what takes well under a second (no timed assertion)


async def eventually(check: Callable[[], Any], what: str, timeout: float = WAIT) -> Any:  # noqa: ASYNC109
    """Poll the async `check` until it returns something true; fail naming `what` after `timeout`."""
    last = None
    try:
        async with asyncio.timeout(timeout):
            while not (last := await check()):  # noqa: ASYNC110 - state of another process
                await asyncio.sleep(0.05)
    except TimeoutError:
        raise AssertionError(f"{what}: still {last!r} after {timeout} s") from None
    return last


def listening_ports(pid: int) -> set[int]:
    """The TCP ports process `pid` listens on (Linux: its socket inodes matched in /proc/net/tcp*)."""
    inodes = set()
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[len("socket:[") : -1])
    ports = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        if not os.path.exists(table):
            continue
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] == "0A" and fields[9] in inodes:  # state LISTEN
                ports.add(int(fields[1].rsplit(":", 1)[1], 16))
    return ports


linux_only = pytest.mark.skipif(sys.platform != "linux", reason="reads /proc")


async def health(port: int) -> tuple[int, dict[str, Any]]:
    status, content_type, body = await get(port, "/healthz")
    assert content_type.startswith("application/json"), body
    return status, json.loads(body)


@linux_only
async def test_metrics_count_each_interaction_by_command_and_outcome(discord_stub, start_bot, bot_env):
    port = free_port()
    proc = await start_bot(env_overrides={"METRICS_PORT": str(port)})
    assert listening_ports(proc.pid) == {port}
    assert await health(port) == (200, {"ready": True, "database": True, "gateway": True, "problems": []})

    member, other = discord_stub.make_user("minji"), discord_stub.make_user("jisoo")
    assert (await discord_stub.invoke("about")).embeds
    refused = await discord_stub.invoke("rate", {"drama": "zzzz qqqq", "score": 4})
    assert refused.ephemeral and "No drama called" in refused.content
    assert await discord_stub.autocomplete("review", {"drama": "sound"}, "drama")
    await discord_stub.invoke("rate", {"drama": TITLE, "score": 4}, user=member)
    asked = await discord_stub.invoke("privacy delete-my-data", {}, user=member)
    (button,) = asked.custom_ids()
    stolen = await discord_stub.click(asked.message, button, user=other)
    assert stolen.ephemeral and stolen.content.startswith("This button belongs to someone else")
    await discord_stub.click(asked, button, user=member)
    conn = sqlite3.connect(bot_env["DATABASE_URL"])
    with conn:
        conn.execute("UPDATE dramas SET genres = '{not json' WHERE slug = 'soundtrack-1-2022'")
    conn.close()
    broken = await discord_stub.invoke("review", {"drama": TITLE})
    assert "error code" in broken.content

    expected = {
        ("command", "about", "ok"): 1,
        ("command", "rate", "user_error"): 1,
        ("command", "rate", "ok"): 1,
        ("autocomplete", "review", "ok"): 1,
        ("command", "privacy delete-my-data", "ok"): 1,
        ("component", "erase", "user_error"): 1,
        ("component", "erase", "ok"): 1,
        ("command", "review", "error"): 1,
    }

    async def counted() -> dict | None:
        samples = await scrape(port)
        found = {
            (labels["kind"], labels["command"], labels["outcome"]): value
            for (name, raw), value in samples.items()
            if name == "dramabot_interactions_total"
            for labels in [dict(raw)]
        }
        return samples if found == expected else None

    samples = await eventually(counted, "the interactions counted, each once, with its outcome")
    seconds = "dramabot_interaction_seconds"
    assert sample(samples, f"{seconds}_count", kind="command", command="about") == 1
    assert sample(samples, f"{seconds}_bucket", kind="command", command="about", le="+Inf") == 1
    assert sample(samples, f"{seconds}_bucket", kind="command", command="about", le="3.0") in (0, 1)
    assert sample(samples, f"{seconds}_count", kind="component", command="erase") == 2
    assert sample(samples, f"{seconds}_sum", kind="command", command="about") >= 0
    # the bot's parts, read at scrape time
    assert sample(samples, "dramabot_ready") == 1
    assert sample(samples, "dramabot_guilds") == 1
    assert (
        sample(samples, "dramabot_gateway_shards")
        == sample(samples, "dramabot_gateway_shards_connected")
        == 1
    )
    assert sample(samples, "dramabot_database_connections_max") >= 2  # SQLite: the writer and the readers
    assert sample(samples, "dramabot_database_connections_in_use") >= 0
    assert sample(samples, "dramabot_announcement_backlog") == 0
    assert sample(samples, "dramabot_announcement_deliveries_total", outcome="gone") == 0
    assert sample(samples, "dramabot_discord_429_total", scope="global") is not None
    assert sample(samples, "dramabot_discord_rate_limit_wait_seconds_total") is not None
    assert sample(samples, "process_resident_memory_bytes") > 0  # the process's own, in the bot's registry
    status, content_type, _ = await get(port, "/metrics")
    assert status == 200 and content_type.startswith("text/plain; version=")


@linux_only
async def test_metrics_are_off_by_default(discord_stub, start_bot):
    proc = await start_bot()
    assert (await discord_stub.invoke("about")).embeds
    assert listening_ports(proc.pid) == set()
    assert "metrics on" not in proc.output()


async def test_a_taken_port_stops_the_start_with_a_clear_line(discord_stub, start_bot):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        proc = await start_bot(env_overrides={"METRICS_PORT": str(port)}, wait_ready=False)
        assert await proc.wait(WAIT) == 1
    assert f"cannot serve metrics on 127.0.0.1:{port} (METRICS_HOST, METRICS_PORT)" in proc.output()
    assert "Traceback" not in proc.output()


async def test_healthz_is_503_naming_the_database_the_bot_cannot_open(discord_stub, start_bot, tmp_path):
    port = free_port()
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the database's folder should be")
    await start_bot(env_overrides={"METRICS_PORT": str(port), "DATABASE_URL": str(blocker / "db.sqlite3")})
    status, body = await health(port)
    assert status == 503
    assert (body["ready"], body["database"], body["gateway"]) == (True, False, True)
    (problem,) = body["problems"]
    assert problem.startswith("the database does not answer: the database could not be opened")
    samples = await scrape(port)
    assert sample(samples, "dramabot_database_connections_max") == 0


async def test_healthz_is_503_while_postgresql_refuses_and_200_again_after(discord_stub, start_bot, pg_url):
    import asyncpg

    port = free_port()
    await start_bot(
        env_overrides={"METRICS_PORT": str(port), "DATABASE_URL": pg_url, "DATABASE_POOL_SIZE": "4"}
    )
    assert (await health(port))[0] == 200
    assert sample(await scrape(port), "dramabot_database_connections_max") == 4
    name = unquote(urlsplit(pg_url).path.lstrip("/"))
    admin = await asyncpg.connect(pg.with_database(pg_url, "postgres"))
    try:
        await admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
        await admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1", name)

        async def refused() -> dict | None:
            status, body = await health(port)
            return body if status == 503 else None

        body = await eventually(refused, "/healthz while the database refuses connections")
        assert (body["ready"], body["database"], body["gateway"]) == (True, False, True)
        assert body["problems"] and "database" in body["problems"][0]
        assert "password" not in json.dumps(body)
        await admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')

        async def healthy() -> bool:
            return (await health(port))[0] == 200

        await eventually(healthy, "/healthz once the database takes connections again")
    finally:
        await admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
        await admin.close()


class HeldGateway(DiscordStandIn):
    """The stand-in, refusing new gateway connections while `held` (as during an outage of Discord's)."""

    held = False

    async def _gateway(self, request: web.Request) -> web.StreamResponse:
        if self.held:
            return web.Response(status=503, text="held by the test")
        return await super()._gateway(request)


@pytest.mark.parametrize(("shards", "dropped"), [(None, 0), (2, 1)], ids=["one connection", "shard 1 of 2"])
async def test_healthz_is_503_while_the_gateway_is_down_and_200_once_it_is_back(tmp_path, shards, dropped):
    port = free_port()
    async with HeldGateway(shard_count=shards or 1) as stand_in:
        env = {name: os.environ[name] for name in INHERITED_ENV if name in os.environ}
        env.update(
            DISCORD_TOKEN=stand_in.token, DATABASE_URL=str(tmp_path / "db.sqlite3"),
            DISCORD_API_BASE=stand_in.api_base, DISCORD_GATEWAY_URL=stand_in.gateway_url,
            DEV_GUILD_ID=stand_in.guild_id, PYTHONUNBUFFERED="1", METRICS_PORT=str(port),
        )  # fmt: skip
        if shards is not None:
            env["SHARD_COUNT"] = str(shards)
        proc = await spawn_bot(env, tmp_path)
        try:
            await proc.wait_for_output(READY_MARKER, WAIT)
            assert (await health(port))[0] == 200
            assert sample(await scrape(port), "dramabot_gateway_shards_connected") == (shards or 1)
            stand_in.held = True
            await stand_in.drop_gateway(shard=dropped)

            async def down() -> dict | None:
                status, body = await health(port)
                return body if status == 503 else None

            body = await eventually(down, "/healthz while the gateway is down")
            assert (body["ready"], body["database"], body["gateway"]) == (True, True, False)
            assert body["problems"] == [f"gateway not connected (shard {dropped})"]
            assert sample(await scrape(port), "dramabot_gateway_shards_connected") == (shards or 1) - 1
            stand_in.held = False

            async def back() -> bool:
                return (await health(port))[0] == 200

            await eventually(back, "/healthz once the gateway takes the bot back")
            assert (await stand_in.invoke("about")).embeds
        finally:
            proc.kill()
            await proc.wait(10)
            print(proc.output())


@pytest.mark.skipif(not PACER.is_file(), reason="the pacer (branch pacing) is not merged yet")
async def test_a_429_from_discord_is_counted_by_scope(discord_stub, start_bot):
    port = free_port()
    await start_bot(env_overrides={"METRICS_PORT": str(port)})
    discord_stub.fail_next_callbacks(429, 1, retry_after=0.2)  # a shared-scope 429: discord.py retries it
    assert (await discord_stub.invoke("about")).embeds

    async def counted() -> dict | None:
        samples = await scrape(port)
        return samples if sample(samples, "dramabot_discord_429_total", scope="shared") == 1 else None

    samples = await eventually(counted, "the 429 counted under its scope")
    assert sample(samples, "dramabot_discord_429_total", scope="global") == 0
    assert sample(samples, "dramabot_discord_invalid_requests_total") >= 1

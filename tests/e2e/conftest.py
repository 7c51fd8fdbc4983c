"""Fixtures for end-to-end tests: a Discord stand-in per test and the real bot process pointed at it.

* ``discord_stub``: a started :class:`~tests.e2e.standin.DiscordStandIn`; the test fails at teardown if
  the bot sent anything Discord would reject (``violations``), unless the test took them
  (``discord_stub.take_violations()``) or declared them (``discord_stub.expect_violation(regex)`` or
  ``@pytest.mark.expected_violations(regex, ...)``). ``@pytest.mark.standin(shard_count=2, ...)`` passes
  keyword arguments to the stand-in.
* ``bot_env``: the environment for the bot (token, API base, gateway, DEV_GUILD_ID, its own database). The
  SQLite database starts as the bot leaves a new one after its first start (migrated, the bundled
  catalogue loaded): a copy of ``started_database``, made once per session. A test of the first start
  itself is marked ``@pytest.mark.fresh_database`` and gets no file at all.
* ``start_bot``: ``proc = await start_bot(env_overrides=None, args=(), module="bot", script=None,
  wait_ready=True, ready_timeout=20, clock=None)`` starts the bot and waits for ``dramabot ready``; every
  process still running at teardown is killed. ``clock``: a file holding the time the bot's airing
  scheduler reads (through ``tests/e2e/launch.py``).
* ``start_minibot``: the same for ``tests/e2e/minibot.py`` (the stand-in's own test bot).
"""

from __future__ import annotations

import asyncio
import functools
import os
import shutil
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from pathlib import Path

import pytest

from .botprocess import READY_MARKER, BotProcess, spawn_bot
from .standin import DiscordStandIn

MINIBOT = Path(__file__).with_name("minibot.py")
LAUNCH = Path(__file__).with_name("launch.py")

#: Variables the bot inherits from the test run; everything else (a developer's DISCORD_TOKEN, proxies ...)
#: is left out so the bot sees only the stand-in.
INHERITED_ENV = ("PATH", "HOME", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "TMPDIR", "SYSTEMROOT", "VIRTUAL_ENV")

StartBot = Callable[..., Awaitable[BotProcess]]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "expected_violations(*patterns): regexes of stand-in violations the test provokes on purpose",
    )
    config.addinivalue_line(
        "markers", "standin(**kwargs): arguments for the test's DiscordStandIn (e.g. shard_count)"
    )
    config.addinivalue_line(
        "markers", "fresh_database: the bot starts on no database file (its first start is what is tested)"
    )


@pytest.fixture
async def discord_stub(request: pytest.FixtureRequest) -> AsyncIterator[DiscordStandIn]:
    """A started Discord stand-in on 127.0.0.1; fails the test at teardown on unexpected violations."""
    options: dict = {}
    for marker in reversed(list(request.node.iter_markers("standin"))):
        options.update(marker.kwargs)
    stand_in = DiscordStandIn(**options)
    for marker in request.node.iter_markers("expected_violations"):
        for pattern in marker.args:
            stand_in.expect_violation(pattern)
    await stand_in.start()
    try:
        yield stand_in
    finally:
        await stand_in.stop()
    if stand_in.unknown_routes:  # a route Discord may not have: the test that caused it fails
        pytest.fail(
            f"the bot called routes the stand-in does not know: {stand_in.unknown_routes}", pytrace=False
        )
    unexpected = stand_in.unexpected_violations()
    if unexpected:
        listing = "\n".join(f"  - {v}" for v in unexpected)
        pytest.fail(
            f"the bot sent {len(unexpected)} request(s) Discord would reject:\n{listing}", pytrace=False
        )


@pytest.fixture(scope="session")
def started_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite database as the bot's first start leaves it (every migration, the bundled catalogue), made
    once per session. Each bot starting from a copy skips that same second of work; the first start
    itself is tested on its own (``fresh_database``), and every later start still checks both."""
    from bot.catalogue.format import load_starter_catalogue
    from bot.store import open_store

    path = tmp_path_factory.mktemp("started") / "dramabot.sqlite3"

    async def first_start() -> None:
        store = await open_store(str(path))
        try:
            await load_starter_catalogue(store)
        finally:
            await store.close()

    asyncio.run(first_start())
    for suffix in ("-wal", "-shm"):  # closed cleanly: everything is in the one file
        assert not Path(f"{path}{suffix}").exists() or Path(f"{path}{suffix}").stat().st_size == 0
    return path


@pytest.fixture
def bot_env(discord_stub: DiscordStandIn, tmp_path: Path, request: pytest.FixtureRequest) -> dict[str, str]:
    """Environment variables for a bot process talking to ``discord_stub`` with a SQLite database of its
    own: a copy of ``started_database`` (none with ``@pytest.mark.fresh_database``)."""
    if request.node.get_closest_marker("fresh_database") is None:
        shutil.copyfile(request.getfixturevalue("started_database"), tmp_path / "dramabot.sqlite3")
    env = {name: os.environ[name] for name in INHERITED_ENV if name in os.environ}
    env.update(
        DISCORD_TOKEN=discord_stub.token,
        DATABASE_URL=str(tmp_path / "dramabot.sqlite3"),
        DISCORD_API_BASE=discord_stub.api_base,
        DISCORD_GATEWAY_URL=discord_stub.gateway_url,
        DEV_GUILD_ID=discord_stub.guild_id,
        LOG_LEVEL="INFO",
        PYTHONUNBUFFERED="1",
        PYTHONDONTWRITEBYTECODE="1",
    )
    return env


@pytest.fixture
async def start_bot(bot_env: dict[str, str], tmp_path: Path) -> AsyncIterator[StartBot]:
    """Factory starting bot processes (``python -m bot`` by default) in a scratch directory; kills leftovers."""
    processes: list[BotProcess] = []

    async def start(
        env_overrides: Mapping[str, str | None] | None = None,
        args: Sequence[str] = (),
        module: str = "bot",
        script: str | os.PathLike[str] | None = None,
        wait_ready: bool = True,
        ready_timeout: float = 20.0,
        clock: Path | None = None,
    ) -> BotProcess:
        """Start the bot; ``env_overrides`` values of None remove a variable. Waits for ``dramabot ready``.
        With ``clock``, the bot's airing scheduler reads its time from that file (tests/e2e/launch.py)."""
        if clock is not None:
            script, args = LAUNCH, (str(clock), *args)
        env = dict(bot_env)
        for name, value in (env_overrides or {}).items():
            if value is None:
                env.pop(name, None)
            else:
                env[name] = value
        workdir = tmp_path / f"bot-{len(processes)}"  # not the repository: a stray .env there is not read
        workdir.mkdir()
        proc = await spawn_bot(env, workdir, module=module, script=script, args=args)
        processes.append(proc)
        if wait_ready:
            await proc.wait_for_output(READY_MARKER, ready_timeout)
        return proc

    try:
        yield start
    finally:
        for proc in processes:
            if proc.returncode is None:
                proc.kill()
            await proc.wait(10)
            print(f"----- output of {proc!r} -----\n{proc.output()}")  # shown by pytest when the test fails


@pytest.fixture
def start_minibot(start_bot: StartBot) -> StartBot:
    """``start_bot`` for the stand-in's own test bot, ``tests/e2e/minibot.py``."""
    return functools.partial(start_bot, script=MINIBOT)

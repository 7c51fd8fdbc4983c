"""Reliability tests: the real bot process against the Discord stand-in, under load, faults and bad input.

``pytest tests/reliability`` is the short run (part of the normal test line); ``--long`` gives the full
counts (1,000 concurrent ratings, 20+ SIGKILL rounds, more fuzz examples) and rewrites
``docs/reliability.md`` with the figures measured.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.e2e.conftest import bot_env, discord_stub, start_bot, started_database  # noqa: F401 - fixtures reused as they are

from .figures import FIGURES, write_report


@pytest.fixture(scope="session")
def long_mode(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--long", default=False))


@pytest.fixture(scope="session", autouse=True)
def reliability_report(long_mode: bool) -> Iterator[None]:
    """Collects the figures of the run; a --long run writes them to docs/reliability.md."""
    yield
    write_report(long_mode)


__all__ = ["FIGURES"]


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):
    report = yield
    if report.when == "call" or (report.when == "setup" and not report.passed):
        from .figures import OUTCOMES

        OUTCOMES[item.nodeid.split("::", 1)[-1]] = report.outcome
    return report

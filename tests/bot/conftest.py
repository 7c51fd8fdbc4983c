"""Fixtures for the bot package's unit tests: real SQLite files under tmp_path, never a mocked database.

* ``db_path``: where the test's SQLite database lives (inside a folder that does not exist yet).
* ``backend`` / ``store_location``: the store suite runs over both backends: "sqlite" (``db_path``) and
  "postgres" (a fresh migrated database on the session's throwaway server, see tests/conftest.py).
  ``DRAMABOT_TEST_BACKENDS=sqlite`` narrows it for a quick local run (CI runs both).
* ``store``: a :class:`~bot.store.Store` opened on ``store_location``, closed at teardown.
* ``raw``: plain SQL on the same database through a connection of its own (for checks the API has no
  reader for), on either backend.
* ``seeded_store``: ``store`` with the bundled starter catalogue loaded.
* ``records``: builders for Drama / Episode / Availability test records (:class:`Records`).
* ``add_drama``: ``drama_id = await add_drama(slug="x", episode_count=4, ...)`` upserts a test drama.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from datetime import date
from pathlib import Path

import pytest

from bot.catalogue.format import load_starter_catalogue, starter_entries
from bot.models import Availability, Drama, Episode
from bot.store import Store
from tests.bot.store.readbacks import upsert


class Records:
    """Builders for test records with sensible defaults; every field can be overridden."""

    @staticmethod
    def drama(slug: str = "test-drama", title: str | None = None, episode_count: int = 4, **fields) -> Drama:
        if title is None:
            title = slug.replace("-", " ").title()
        return Drama(id=0, slug=slug, title=title, episode_count=episode_count, **fields)

    @staticmethod
    def episode(number: int, critic_score: float | None = None, title: str | None = None,
                note: str | None = None) -> Episode:  # fmt: skip
        return Episode(number=number, critic_score=critic_score, title=title, note=note)

    @staticmethod
    def episodes(count: int, critic_score: float | None = 4.0) -> tuple[Episode, ...]:
        return tuple(Episode(number=n, critic_score=critic_score) for n in range(1, count + 1))

    @staticmethod
    def availability(
        service: str = "Netflix",
        kind: str = "subscription",
        regions: Iterable[str] = ("KR", "US"),
        url: str | None = "https://www.netflix.com/",
        checked_on: date | None = date(2024, 5, 1),
    ) -> Availability:
        return Availability(
            service=service, kind=kind, regions=tuple(regions), url=url, checked_on=checked_on
        )


@pytest.fixture
def records() -> type[Records]:
    return Records


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "dramabot.sqlite3"


def _backends() -> list[str]:
    chosen = [
        b.strip() for b in os.environ.get("DRAMABOT_TEST_BACKENDS", "sqlite,postgres").split(",") if b.strip()
    ]
    unknown = set(chosen) - {"sqlite", "postgres"}
    if unknown or not chosen:
        raise pytest.UsageError(f"DRAMABOT_TEST_BACKENDS: sqlite and/or postgres, got {sorted(unknown)}")
    if os.environ.get("CI", "").strip().lower() in ("1", "true", "yes") and chosen != ["sqlite", "postgres"]:
        raise pytest.UsageError("CI=true runs the store suite on both backends: unset DRAMABOT_TEST_BACKENDS")
    return chosen


@pytest.fixture(params=_backends())
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def store_location(backend: str, request: pytest.FixtureRequest, db_path: Path) -> Path | str:
    """What Store.open gets: the SQLite file, or a postgresql:// URL of a fresh migrated database."""
    if backend == "sqlite":
        return db_path
    return request.getfixturevalue("pg_migrated_url")


class Raw:
    """Plain SQL on the store's database through a separate connection; rows as tuples."""

    def __init__(self, location: Path | str) -> None:
        self.location = location
        self.backend = "sqlite" if isinstance(location, Path) else "postgres"

    async def fetch(self, sql: str, *params) -> list[tuple]:
        if self.backend == "sqlite":
            conn = sqlite3.connect(self.location, isolation_level=None)
            try:
                return [tuple(r) for r in conn.execute(sql, params).fetchall()]
            finally:
                conn.close()
        import asyncpg

        from bot.store.db import numbered

        conn = await asyncpg.connect(self.location)
        try:
            return [tuple(r) for r in await conn.fetch(numbered(sql), *params)]
        finally:
            await conn.close()

    async def execute(self, *statements: str) -> None:
        """Statements in one transaction (foreign keys enforced, as the store has them)."""
        if self.backend == "sqlite":
            conn = sqlite3.connect(self.location, isolation_level=None)
            try:
                conn.execute("PRAGMA foreign_keys = ON")
                conn.execute("BEGIN")
                for statement in statements:
                    conn.execute(statement)
                conn.execute("COMMIT")
            finally:
                conn.close()
            return
        import asyncpg

        conn = await asyncpg.connect(self.location)
        try:
            async with conn.transaction():
                for statement in statements:
                    await conn.execute(statement)
        finally:
            await conn.close()


@pytest.fixture
def integrity_error(backend: str) -> type[Exception]:
    """What a constraint violation raises through the store: StoreConflict on either backend."""
    from bot.errors import StoreConflict

    return StoreConflict


@pytest.fixture
def raw(store_location: Path | str) -> Raw:
    return Raw(store_location)


@pytest.fixture
async def store(store_location: Path | str) -> AsyncIterator[Store]:
    opened = await Store.open(store_location)
    try:
        yield opened
    finally:
        await opened.close()


@pytest.fixture
async def seeded_store(store: Store) -> Store:
    assert await load_starter_catalogue(store) == len(starter_entries())
    return store


AddDrama = Callable[..., Awaitable[int]]


@pytest.fixture
def add_drama(store: Store) -> AddDrama:
    """Upsert a test drama (with one critic-scored episode row per episode) and return its id."""

    async def add(slug: str = "test-drama", episode_count: int = 4, *, episodes=None, availability=(),
                  **fields) -> int:  # fmt: skip
        drama = Records.drama(slug, episode_count=episode_count, **fields)
        eps = Records.episodes(episode_count) if episodes is None else episodes
        drama_id, _created = await upsert(store, drama, eps, availability)
        return drama_id

    return add


@pytest.fixture
def fake(fake_tmdb):
    """The TMDB stand-in, by the short name the unit tests use."""
    return fake_tmdb

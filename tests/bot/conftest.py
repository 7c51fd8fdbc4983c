"""Fixtures for the bot package's unit tests: real SQLite files under tmp_path, never a mocked database.

* ``db_path``: where the test's database lives (inside a folder that does not exist yet).
* ``store``: a :class:`~bot.store.Store` opened on ``db_path``, closed at teardown.
* ``seeded_store``: ``store`` with the bundled starter catalogue loaded.
* ``records``: builders for Drama / Episode / Availability test records (:class:`Records`).
* ``add_drama``: ``drama_id = await add_drama(slug="x", episode_count=4, ...)`` upserts a test drama.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from datetime import date
from pathlib import Path

import pytest

from bot.catalogue import load_starter_catalogue, starter_entries
from bot.models import Availability, Drama, Episode
from bot.store import Store


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


@pytest.fixture
async def store(db_path: Path) -> AsyncIterator[Store]:
    opened = await Store.open(db_path)
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
        drama_id, _created = await store.upsert_drama(drama, eps, availability)
        return drama_id

    return add


@pytest.fixture
def fake(fake_tmdb):
    """The TMDB stand-in, by the short name the unit tests use."""
    return fake_tmdb

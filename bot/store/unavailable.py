"""The stand-in for the store while the database cannot be opened."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from bot.errors import StoreUnavailable
from bot.models import DramaName

PARTS = ("catalogue", "community", "ratings", "curation", "caches", "bundle", "watchlists", "airing",
         "refreshes", "suggestions", "removal", "erasure", "pacing", "parties", "polls", "recommend")  # fmt: skip


class UnavailablePart:
    """A part of the store whose every method raises StoreUnavailable."""

    def __init__(self, reason: str) -> None:
        self.reason = reason

    def __getattr__(self, name: str):
        if name.startswith("_"):
            raise AttributeError(name)

        async def unavailable(*args, **kwargs):
            raise StoreUnavailable(f"the database could not be opened: {self.reason}")

        return unavailable


class UnavailableTitles(UnavailablePart):
    """Autocomplete offers nothing (it must not raise on every keystroke)."""

    def search(self, query: str, limit: int = 25) -> list[DramaName]:
        return []

    def close_titles(self, text: str, limit: int = 5) -> list[str]:
        return []

    async def refresh(self, *, max_age: float = 0.0) -> bool:
        return False


class UnavailableStore(UnavailablePart):
    """The store's parts, every read and write raising StoreUnavailable, while the database cannot be
    opened (members get "temporarily unavailable"; `bot/__main__.py` keeps trying to open it)."""

    closed = False

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.titles = UnavailableTitles(reason)
        for name in PARTS:
            setattr(self, name, UnavailablePart(reason))
        self.community.top = UnavailablePart(reason)

    def cache_stats(self) -> dict[str, int]:
        return {}

    def pool_use(self) -> tuple[int, int]:
        return (0, 0)  # no connection open

    async def ping(self) -> None:
        raise StoreUnavailable(f"the database could not be opened: {self.reason}")

    async def close(self) -> None:
        return None

    @asynccontextmanager
    async def exclusive(self, name: str) -> AsyncIterator[None]:
        raise StoreUnavailable(f"the database could not be opened: {self.reason}")
        yield  # an async generator: `async with` fails at the start

    @asynccontextmanager
    async def try_exclusive(self, name: str) -> AsyncIterator[bool]:
        raise StoreUnavailable(f"the database could not be opened: {self.reason}")
        yield False

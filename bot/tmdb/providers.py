"""Live where-to-watch data: TMDB watch providers, cached in the store with a time-to-live.

/where must answer within Discord's 3 s: a fresh cache answers at once; otherwise one fetch per drama
(shared) is awaited at most `wait` seconds, then the last stored data (or the catalogue's own entries)
is shown while the fetch fills the cache in the background.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from bot.models import Availability, Drama
from bot.store import Store
from bot.tmdb.client import ATTRIBUTION, TMDB, TMDBError, providers_availability
from bot.tmdb.limits import SingleFlight

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class WhereAnswer:
    availability: tuple[Availability, ...]
    source: str | None = None  # the card's footer; None: the default
    notice: str | None = None
    region_links: dict[str, str] = field(default_factory=dict)
    # The same facts for cards in every language (cards.live_footer / cards.live_notice):
    checked_at: datetime | None = None  # when TMDB's data shown was fetched
    stale: bool = False  # TMDB did not answer just now: the last check is shown
    live_failed: bool = False  # no TMDB data at all: the catalogue's entries are shown


def _when(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def merged(live: tuple[Availability, ...], curated: tuple[Availability, ...]) -> tuple[Availability, ...]:
    """TMDB's entries, plus the curated ones TMDB does not list (same service and kind)."""
    seen = {(a.service.casefold(), a.kind) for a in live}
    return live + tuple(a for a in curated if (a.service.casefold(), a.kind) not in seen)


class WhereData:
    def __init__(
        self, store: Callable[[], Store], tmdb: TMDB | None, *, ttl: timedelta, wait: float = 2.0
    ) -> None:
        # `store` is asked on each use: the bot may swap in the real one after starting without a database.
        self._store, self.tmdb, self.ttl, self.wait = store, tmdb, ttl, wait
        self.fetches: SingleFlight[int, tuple[datetime, dict] | None] = SingleFlight()  # one per drama

    def needs_fetch(self, drama: Drama, cached: tuple[datetime, dict] | None, now: datetime) -> bool:
        if self.tmdb is None or drama.tmdb_id is None:
            return False
        return cached is None or now - cached[0] >= self.ttl

    async def cached(self, drama: Drama) -> tuple[datetime, dict] | None:
        if self.tmdb is None or drama.tmdb_id is None:
            return None
        return await self._store().caches.cached_providers(drama.id)

    async def _fetch_and_store(self, drama: Drama) -> tuple[datetime, dict] | None:
        assert self.tmdb is not None and drama.tmdb_id is not None
        try:
            data = await self.tmdb.watch_providers(drama.tmdb_id)
        except TMDBError as exc:
            log.warning("TMDB providers for %s (TMDB %s): %s", drama.slug, drama.tmdb_id, exc)
            return None
        now = datetime.now(UTC)
        await self._store().caches.store_providers(drama.id, drama.tmdb_id, now, data)
        return now, data

    async def lookup(self, drama: Drama, cached: tuple[datetime, dict] | None = None) -> WhereAnswer:
        """Providers for /where: fresh cache, else a fetch awaited at most `wait` s, else the last data."""
        curated = await self._store().catalogue.availability(drama.id)
        if self.tmdb is None or drama.tmdb_id is None:
            return WhereAnswer(curated)
        now = datetime.now(UTC)
        stale = False
        if self.needs_fetch(drama, cached, now):
            task = self.fetches.run(drama.id, lambda: self._fetch_and_store(drama), "tmdb-providers")
            try:
                fresh = await asyncio.wait_for(asyncio.shield(task), self.wait)
            except TimeoutError:
                fresh = None
            if fresh is not None:
                cached = fresh
            else:
                stale = True
        if cached is None:
            return WhereAnswer(
                curated,
                notice="-# Live availability from TMDB is unavailable right now; showing the catalogue.",
                live_failed=True,
            )
        fetched, data = cached
        source = f"{ATTRIBUTION} · checked {_when(fetched)}"
        if stale:
            source += " · TMDB did not answer just now; this is the last check"
        links = {code: entry["link"] for code, entry in data.items() if entry.get("link")}
        return WhereAnswer(
            merged(providers_availability(data, fetched), curated), source, None, links, fetched, stale
        )

    async def close(self) -> None:
        await self.fetches.cancel_all()
        if self.tmdb is not None:
            await self.tmdb.close()

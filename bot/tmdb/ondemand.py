"""TMDB on demand, inside the bot: title suggestions, import on use, and the daily refresh.

* `TMDBSearch.suggest`: scripted series matching a text, from a TTL cache or one shared search, given
  up after a timeout (the search still fills the cache). Searches have a budget of their own, taken only
  when a token is free, and at most MAX_SEARCHES run at once, so imports keep their whole budget.
* `OnDemandImports.get`: the drama, imported first when needed: one import per series at a time, a
  few per member per 10 minutes, one transaction with its audit row.
* `RefreshJob`: `run_refresh` every interval, started and stopped with the bot.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.cards.review import safe
from bot.catalogue.format import CatalogueError
from bot.errors import StoreConflict, UserError
from bot.i18n.messages import plural
from bot.models import Drama
from bot.search.index import fold
from bot.settings import Settings
from bot.store import Store
from bot.tmdb.bulk import REFRESH_BATCH, REFRESHED_AT, run_refresh
from bot.tmdb.client import TMDB, TMDBBusy, TMDBError, not_scripted
from bot.tmdb.importer import NotScripted, build_entry, fetch_series
from bot.tmdb.limits import MemberWindow, SingleFlight, TokenBucket, TTLCache

log = logging.getLogger(__name__)

SEARCH_TTL = 6 * 3600.0  # a search's answer is reused this long
SEARCH_FAILURE_TTL = 30.0  # after TMDB failed a search, don't ask it for this text again this soon
SEARCH_CACHE_SIZE = 2048
MAX_SEARCHES = 4  # TMDB searches in flight at once; beyond, the catalogue's matches only
IMPORTS_PER_MEMBER, IMPORT_WINDOW = 3, 600.0  # per member: a few series per 10 minutes
IMPORT_TIMEOUT = 25.0  # a whole import (series + seasons), well inside a deferred answer's 15 minutes
IMPORT_ACTION = "tmdb-import"
TMDB_PREFIX = "tmdb:"  # an autocomplete choice's value for a TMDB series: "tmdb:<id>"


@dataclass(frozen=True, slots=True)
class TMDBHit:
    tmdb_id: int
    name: str
    original_name: str | None
    year: int | None

    @property
    def value(self) -> str:
        return f"{TMDB_PREFIX}{self.tmdb_id}"


def parse_tmdb_value(text: str) -> int | None:
    """The TMDB id in an autocomplete value "tmdb:<id>", else None."""
    digits = text.removeprefix(TMDB_PREFIX)
    if digits == text or not (digits.isdigit() and digits.isascii()):
        return None
    return int(digits) if 0 < int(digits) < 2**31 else None


def _hit(result: dict) -> TMDBHit | None:
    name = result.get("name")
    if not isinstance(name, str) or not name.strip():
        return None
    original = result.get("original_name") if isinstance(result.get("original_name"), str) else None
    first = str(result.get("first_air_date") or "")[:4]
    return TMDBHit(result["id"], " ".join(name.split()), original, int(first) if first.isdigit() else None)


class TMDBSearch:
    def __init__(
        self, tmdb: TMDB, countries: tuple[str, ...], *, ttl: float = SEARCH_TTL, maxsize: int = SEARCH_CACHE_SIZE,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:  # fmt: skip
        self.tmdb, self.countries = tmdb, countries
        self.cache: TTLCache[str, list[TMDBHit]] = TTLCache(maxsize, ttl, clock)
        self.flights: SingleFlight[str, list[TMDBHit]] = SingleFlight()
        self.max_in_flight = MAX_SEARCHES
        self.turned_away = 0  # searches not started: too many in flight, or no token free

    async def _search(self, key: str, text: str) -> list[TMDBHit]:
        try:
            results = await self.tmdb.search_tv(text)
        except TMDBBusy:  # not asked: nothing to remember about this text
            self.turned_away += 1
            return []
        except TMDBError as exc:
            log.info("TMDB search for %r failed: %s", text, exc)
            self.cache.put(key, [], SEARCH_FAILURE_TTL)
            return []
        hits = [h for r in results if not_scripted(r, self.countries) is None and (h := _hit(r)) is not None]
        self.cache.put(key, hits)
        return hits

    async def search(self, text: str) -> list[TMDBHit]:
        """Scripted series from the configured countries matching `text` (cached; [] when TMDB fails)."""
        key = fold(text)
        cached = self.cache.get(key)
        if cached is not None:
            return cached
        if key not in self.flights and len(self.flights) >= self.max_in_flight:
            self.turned_away += 1
            return []
        return await asyncio.shield(self.flights.run(key, lambda: self._search(key, text), "tmdb-search"))

    async def suggest(self, text: str, timeout: float) -> list[TMDBHit]:  # noqa: ASYNC109
        """`search`, but [] once `timeout` seconds pass (the search keeps filling the cache)."""
        if timeout <= 0:
            return self.cache.get(fold(text)) or []
        try:
            return await asyncio.wait_for(self.search(text), timeout)
        except TimeoutError:
            return []

    async def close(self) -> None:
        await self.flights.cancel_all()


class OnDemandImports:
    def __init__(
        self, store: Callable[[], Store], tmdb: TMDB, countries: tuple[str, ...], *,
        per_member: int = IMPORTS_PER_MEMBER, window: float = IMPORT_WINDOW,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:  # fmt: skip
        self._store, self.tmdb, self.countries = store, tmdb, countries
        self.limiter = MemberWindow(per_member, window, clock)
        self.flights: SingleFlight[int, Drama] = SingleFlight()

    async def local(self, tmdb_id: int) -> Drama | None:
        return await self._store().catalogue.by("tmdb_id", tmdb_id)

    def check_member(self, tmdb_id: int, member_id: int) -> None:
        """UserError when this member may not start another import now (joining one in flight is free)."""
        if tmdb_id in self.flights:
            return
        wait = self.limiter.retry_after(member_id)
        if wait > 0:
            minutes = max(1, round(wait / 60))
            raise UserError.keyed(
                plural(minutes, "tmdb.import_limit_one", "tmdb.import_limit"),
                limit=self.limiter.limit, window=round(self.limiter.per / 60), minutes=minutes,
            )  # fmt: skip

    async def get(
        self, tmdb_id: int, *, member_id: int, member_name: str | None, guild_id: int | None,
        limited: bool = True,
    ) -> Drama:  # fmt: skip
        """The drama linked to `tmdb_id`, imported first if needed; UserError (nothing stored) on failure.
        `limited=False`: not counted against the member's few imports (a history file has its own budget,
        bot/history/matching.py)."""
        drama = await self.local(tmdb_id)
        if drama is not None:
            return drama
        removed = await self._store().catalogue.hidden_by("tmdb_id", tmdb_id)
        if removed is not None:  # a curator removed it: not imported again behind their back
            raise UserError.keyed("option.drama_removed", title=safe(removed.title))
        if limited:
            self.check_member(tmdb_id, member_id)
            if tmdb_id not in self.flights:
                self.limiter.hit(member_id)
        task = self.flights.run(
            tmdb_id, lambda: self._import(tmdb_id, member_id, member_name, guild_id), "tmdb-import"
        )
        return await asyncio.shield(task)

    async def _import(
        self, tmdb_id: int, member_id: int, member_name: str | None, guild_id: int | None
    ) -> Drama:
        store = self._store()
        try:
            fetching = fetch_series(self.tmdb, tmdb_id, self.countries)
            tv, seasons = await asyncio.wait_for(fetching, IMPORT_TIMEOUT)
            existing = await store.catalogue.by("tmdb_id", tmdb_id)
            if existing is not None:  # another process imported it meanwhile
                return existing
            entry = await build_entry(store, tv, seasons, None)
            record = (entry.drama, entry.episodes, entry.availability)
            _before, after = await store.curation.curate(
                entry.drama.slug, lambda before: record if before is None else _taken(entry.drama.slug),
                action=IMPORT_ACTION, actor_id=member_id, actor_name=member_name, guild_id=guild_id,
            )  # fmt: skip
        except (TMDBError, TimeoutError) as exc:
            log.warning("TMDB import of %s failed: %s", tmdb_id, exc)
            raise UserError.keyed("tmdb.unreachable") from exc
        except NotScripted as exc:
            raise UserError.keyed("tmdb.not_drama") from exc
        except (CatalogueError, ValueError, StoreConflict) as exc:
            log.warning("TMDB import of %s not stored: %s", tmdb_id, exc)
            raise UserError.keyed("tmdb.not_stored") from exc
        assert after is not None
        log.info("imported TMDB %s as %s for member %s", tmdb_id, after[0].slug, member_id)
        return after[0]

    async def close(self) -> None:
        await self.flights.cancel_all()


def _taken(slug: str) -> None:
    raise ValueError(f"slug {slug!r} was taken meanwhile")


# Runs a job (a coroutine function) while this process leads `name` (bot.cluster's run_as_leader).
Leader = Callable[[str, Callable[[], Awaitable[None]]], Coroutine[Any, Any, None]]
LEADER_NAME = "tmdb-refresh"
LEADER_LOCK = "tmdb-refresh"  # Store.try_exclusive: one process of a cluster runs the refresh
LEADER_WAIT = 60.0  # s: a process that found the refresh running elsewhere looks again after this


class RefreshJob:
    """Refreshes linked dramas every `interval` (bot.tmdb.bulk.refresh_plan); a restart waits out what
    is left of it. With `start(leader)` only the cluster's leader loops, and each run holds the store's
    lock and re-checks that it is due, so a leader waking from a freeze does not refresh twice."""

    def __init__(
        self, store: Callable[[], Store], tmdb: TMDB, interval: timedelta,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC), batch: int = REFRESH_BATCH,
    ) -> None:  # fmt: skip
        self._store, self.tmdb, self.interval, self.clock = store, tmdb, interval, clock
        self.batch = batch  # dramas neither followed nor reminded taken a run
        self._task: asyncio.Task[None] | None = None

    async def run(self) -> None:
        summary = await run_refresh(self._store(), self.tmdb, self.clock, batch=self.batch)
        log.info("TMDB refresh: %s", summary.lines()[0])

    async def seconds_until_due(self) -> float:
        try:
            last = await self._store().get_meta(REFRESHED_AT)
            if not last:  # the first start: one interval from now, not a burst of requests at once
                await self._store().set_meta(REFRESHED_AT, self.clock().astimezone(UTC).isoformat())
                return self.interval.total_seconds()
        except Exception:  # noqa: BLE001 - the database may be unavailable; try again later
            return 60.0
        try:
            due = datetime.fromisoformat(last) + self.interval
        except ValueError:
            return 0.0
        return max(0.0, (due - self.clock()).total_seconds())

    async def _loop(self) -> None:
        while True:
            await asyncio.sleep(await self.seconds_until_due())
            try:
                # Whoever holds the lock refreshes; the others find it running (and wait) or done.
                async with self._store().try_exclusive(LEADER_LOCK) as leader:
                    if leader and await self.seconds_until_due() <= 0:
                        await self.run()
                if not leader:
                    await asyncio.sleep(LEADER_WAIT)
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - logged; the next round tries again
                log.exception("TMDB refresh failed; trying again in an hour")
                await asyncio.sleep(3600)

    def start(self, leader: Leader | None = None) -> None:
        if self._task is None or self._task.done():
            work = self._loop() if leader is None else leader(LEADER_NAME, self._loop)
            self._task = asyncio.create_task(work, name="tmdb-refresh")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None


class OnDemand:
    """Everything TMDB does inside the bot, with one client; built only when TMDB_API_KEY is set."""

    def __init__(self, settings: Settings, store: Callable[[], Store]) -> None:
        assert settings.tmdb_api_key
        key, base = settings.tmdb_api_key, settings.tmdb_api_base
        # Clients sharing TMDB's rate limit, each with a budget of its own: imports (20 per 10 s), the
        # background refresh (10), so a long refresh never starves the members, and autocomplete's
        # searches (10), which take a token only when one is free: typing never spends what imports need.
        self.tmdb = TMDB(key, base, limiter=TokenBucket(20, 2.0))
        self.countries = settings.tmdb_origin_countries
        self._search_tmdb = TMDB(key, base, max_retries=0, limiter=TokenBucket(10, 1.0), wait_for_token=False)
        self.search = TMDBSearch(self._search_tmdb, self.countries)
        self.imports = OnDemandImports(store, self.tmdb, self.countries)
        hours = settings.tmdb_refresh_hours
        refresh_bucket = TokenBucket(10, 1.0)
        self._refresh_tmdb = TMDB(key, base, max_retries=5, max_retry_after=60.0, limiter=refresh_bucket)
        self.refresh = None
        if hours > 0:
            batch = settings.tmdb_refresh_batch
            self.refresh = RefreshJob(store, self._refresh_tmdb, timedelta(hours=hours), batch=batch)

    @classmethod
    def from_settings(cls, settings: Settings, store: Callable[[], Store]) -> OnDemand | None:
        return cls(settings, store) if settings.tmdb_api_key else None

    def budgets(self) -> dict[str, TokenBucket]:
        """The TMDB token buckets by use ("imports", "search", "refresh"), read by the operators' metrics."""
        clients = {"imports": self.tmdb, "search": self._search_tmdb, "refresh": self._refresh_tmdb}
        return {name: client.limiter for name, client in clients.items() if client.limiter is not None}

    def start(self, leader: Leader | None = None) -> None:
        if self.refresh is not None:
            self.refresh.start(leader)

    async def close(self) -> None:
        if self.refresh is not None:
            await self.refresh.stop()
        await self.search.close()
        await self.imports.close()
        await self.tmdb.close()
        await self._search_tmdb.close()
        await self._refresh_tmdb.close()

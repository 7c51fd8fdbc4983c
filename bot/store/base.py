"""Store: the facade the cogs and the CLI use, composed of one part per concern.

The parts (catalogue.py, ratings.py, curation.py, caches.py, titles.py) hold the SQL, written once for
both backends; the backend (sqlite.py, postgres.py) behind the `Db` seam holds what differs. This class
only wires them and keeps the public methods the cogs have always called.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextlib import AbstractAsyncContextManager
from datetime import datetime, timedelta
from pathlib import Path

from bot.models import (
    AuditEntry,
    Availability,
    BundleOutcome,
    CatalogueStats,
    CommunityScores,
    DeletedData,
    Drama,
    DramaName,
    Episode,
    GuildSettings,
    MergeOutcome,
    ProfileData,
    RateResult,
    ReviewData,
    Suggestion,
    WatchCounts,
    WatchEntry,
    WatchPage,
)
from bot.community.ranking import Chart, Page, Ranked
from bot.store.airing import Airing
from bot.store.bundle import Bundle
from bot.store.caches import Caches
from bot.store.catalogue import Catalogue
from bot.store.community import Community
from bot.store.curation import Curation
from bot.store.erasure import Erasure
from bot.store.ratings import Ratings
from bot.store.refreshes import Refreshes
from bot.store.removal import Removal
from bot.store.rows import CatalogueRecord
from bot.store.suggestions import Suggestions
from bot.store.titles import Titles
from bot.store.watchlists import Watchlists

INDEX_CHECK_INTERVAL = 1.0  # s: how stale the index may be on changes made by another process (SQLite)


class Store:
    """Open with `await open_store(url)` (or `await Store.open(path_or_url)`), close with `await store.close()`."""

    def __init__(self, db) -> None:  # noqa: ANN001 - SqliteDb or PostgresDb
        self.db = db
        self.titles = Titles(db)
        self.catalogue = Catalogue(db, self.titles)
        self.community = Community(db)
        self.ratings = Ratings(db, written=self._ratings_written)
        self.curation = Curation(db, self.titles, self.catalogue)
        self.caches = Caches(db)
        self.bundle = Bundle(db, self.titles, self.catalogue)
        self.watchlists = Watchlists(db)
        self.airing = Airing(db)  # announce settings, follows, reminders, the announcement ledger
        self.refreshes = Refreshes(db)  # the TMDB refresh's order: linked dramas, when each was refreshed
        self.suggestions = Suggestions(db, self.curation)  # members' suggestions, decided by global curators
        self.removal = Removal(db, self.titles, self.catalogue)  # remove (hide), restore, merge
        self.erasure = Erasure(db)  # /privacy delete-my-data: every row holding a member's id

    def _ratings_written(self, scopes: set[int], user_id: int) -> None:
        self.community.top.book.touched(scopes)  # /top's kept charts
        self.community.wrote((user_id,))  # /match's kept scores

    @classmethod
    async def open(cls, location: Path | str) -> Store:
        """Open the database a path or URL names (see `bot.store.open_store`), migrated, index loaded."""
        from bot.store import open_store

        return await open_store(location)

    @property
    def backend(self) -> str:
        return self.db.dialect

    @property
    def path(self) -> Path | None:
        return getattr(self.db, "path", None)

    async def close(self) -> None:
        if self.db.closed:
            return
        await self.db.close()

    @property
    def closed(self) -> bool:
        return self.db.closed

    def cache_stats(self) -> dict[str, int]:
        """What the process keeps in memory (titles in the index), for the stats line (SIGUSR1)."""
        return self.titles.cache_stats()

    # ---- title index (in memory) ---------------------------------------------------
    def search_titles(self, query: str, limit: int = 25) -> list[DramaName]:
        """Autocomplete matches, best first. In memory: safe on every keystroke."""
        return self.titles.search(query, limit)

    def close_titles(self, text: str, limit: int = 5) -> list[str]:
        """Titles resembling `text`, for "did you mean" answers."""
        return self.titles.close_titles(text, limit)

    async def refresh_index(self, *, max_age: float = 0.0) -> bool:
        """Reload the title index when another process changed the catalogue. Cheap when nothing did."""
        return await self.titles.refresh(max_age=max_age)

    # ---- catalogue reads -----------------------------------------------------------
    async def find_dramas(self, text: str) -> list[Drama]:
        """Dramas whose slug or one of whose names equals `text` (case-insensitive)."""
        await self.titles.refresh(max_age=INDEX_CHECK_INTERVAL)
        return await self.catalogue.find(text)

    async def get_drama(self, drama_id: int) -> Drama | None:
        return (await self.catalogue.get_dramas([drama_id])).get(drama_id)

    async def drama_by_slug(self, slug: str) -> Drama | None:
        return await self.catalogue.by("slug", slug)

    async def drama_by_tmdb_id(self, tmdb_id: int) -> Drama | None:
        return await self.catalogue.by("tmdb_id", tmdb_id)

    async def linked_dramas(self, *, airing_only: bool = False) -> list[Drama]:
        """Dramas linked to a TMDB series, in the order added (for the TMDB refresh); `airing_only`:
        those not known to have ended."""
        return await self.catalogue.linked(airing_only=airing_only)

    async def tmdb_ids_present(self, tmdb_ids: Iterable[int]) -> set[int]:
        """Which of these TMDB series are already in the catalogue (one query)."""
        return await self.catalogue.tmdb_ids_present(tmdb_ids)

    async def episodes(self, drama_id: int) -> tuple[Episode, ...]:
        return await self.catalogue.episodes(drama_id)

    async def availability(self, drama_id: int) -> tuple[Availability, ...]:
        return await self.catalogue.availability(drama_id)

    async def community_scores(self, drama_id: int, guild_id: int | None) -> CommunityScores:
        return await self.ratings.community_scores(drama_id, guild_id)

    async def review(self, drama: Drama | int, guild_id: int | None) -> ReviewData | None:
        """Everything the /review card needs, in one call (None: no such drama, or just removed)."""
        if isinstance(drama, int):
            drama = await self.get_drama(drama)
            if drama is None:
                return None
        found = await self.catalogue.card_reads(drama.id, guild_id)  # one query
        if found is None:
            return None
        episodes, availability, scores, watching = found
        return ReviewData(
            drama=drama,
            episodes=episodes,
            availability=availability,
            scores=scores,
            in_guild=guild_id is not None,
            watching=watching,
        )

    async def stats(self) -> CatalogueStats:
        return await self.catalogue.stats()

    async def catalogue_entries(self) -> list[CatalogueRecord]:
        """The whole catalogue (not ratings), in the order dramas were added: for export."""
        return await self.catalogue.entries()

    # ---- catalogue writes ----------------------------------------------------------
    async def upsert_drama(
        self, drama: Drama, episodes: Iterable[Episode] = (), availability: Iterable[Availability] = ()
    ) -> tuple[int, bool]:
        """Insert or update a drama by slug, replacing its names, episodes and availability.

        `drama.id` is ignored. Returns (id, created). Ratings are kept; episode ratings past a shortened
        run are removed with their episodes' numbers.
        """
        return await self.catalogue.upsert(drama, episodes, availability)

    async def upsert_entries(
        self, entries: Iterable[tuple[Drama, Iterable[Episode], Iterable[Availability]]]
    ) -> list[tuple[str, str]]:
        """Upsert many dramas by slug in ONE transaction: all or nothing. Returns (slug, outcome) per
        entry, outcome one of "added", "changed", "unchanged"; unchanged entries are not written at all."""
        return await self.catalogue.upsert_many(entries)

    async def apply_bundle(
        self, records: list[CatalogueRecord], digest: str, legacy: Iterable[str] = ()
    ) -> BundleOutcome:
        """Bring the bundled catalogue (bot/data) into this database in ONE transaction: new dramas added,
        untouched ones updated, curators' changes and removals kept (see bot/store/bundle.py)."""
        return await self.bundle.apply(list(records), digest, tuple(legacy))

    async def curate(
        self,
        slug: str,
        change: Callable[[CatalogueRecord | None], CatalogueRecord | None],
        *,
        action: str,
        actor_id: int,
        actor_name: str | None,
        guild_id: int | None,
        credit_user_id: int | None = None,
    ) -> tuple[CatalogueRecord | None, CatalogueRecord | None]:
        """Read-modify-write one drama in ONE transaction, with its audit row (see Curation.curate);
        `credit_user_id`: the member the audit row credits (whose suggestion it was). A change to None
        removes the drama: it is hidden, members' data kept (bot/store/removal.py)."""
        before, after = await self.curation.curate(
            slug, change, action=action, actor_id=actor_id, actor_name=actor_name, guild_id=guild_id,
            credit_user_id=credit_user_id,
        )  # fmt: skip
        return before, after

    async def catalogue_record(self, drama_id: int) -> CatalogueRecord | None:
        """A drama with its episodes and availability as stored (what `curate`'s change is given)."""
        drama = await self.get_drama(drama_id)
        if drama is None:
            return None
        return drama, await self.catalogue.episodes(drama_id), await self.catalogue.availability(drama_id)

    # ---- suggestions (suggestions.py) --------------------------------------------------------------
    async def suggest(
        self, *, user_id: int, guild_id: int | None, drama_id: int, field: str, value: str | None,
        note: str | None, now: datetime, per_window: int, window: timedelta,
    ) -> Suggestion | None:  # fmt: skip
        """Store a member's pending suggestion; None (nothing stored) when they made `per_window` already
        in the `window` before `now`."""
        return await self.suggestions.add(
            user_id=user_id, guild_id=guild_id, drama_id=drama_id, field=field, value=value, note=note,
            now=now, per_window=per_window, window=window,
        )  # fmt: skip

    async def suggestion(self, suggestion_id: int) -> Suggestion | None:
        return await self.suggestions.get(suggestion_id)

    async def pending_suggestions(self, limit: int = 5, after_id: int = 0) -> tuple[list[Suggestion], int]:
        """The oldest `limit` pending suggestions after `after_id`, and how many are pending in all."""
        return await self.suggestions.pending(limit, after_id)

    async def accept_suggestion(
        self,
        suggestion_id: int,
        change: Callable[[Suggestion], Callable[[CatalogueRecord | None], CatalogueRecord]],
        *,
        decided_by: int | None,
        actor_id: int,
        actor_name: str | None,
        guild_id: int | None,
        now: datetime,
    ) -> tuple[Suggestion, CatalogueRecord | None, CatalogueRecord | None]:
        """Apply a pending suggestion as a curator's edit, credited to the suggester (Suggestions.accept)."""
        return await self.suggestions.accept(
            suggestion_id, change, decided_by=decided_by, actor_id=actor_id, actor_name=actor_name,
            guild_id=guild_id, now=now,
        )  # fmt: skip

    async def reject_suggestion(self, suggestion_id: int, *, decided_by: int | None, now: datetime) -> Suggestion:
        return await self.suggestions.reject(suggestion_id, decided_by=decided_by, now=now)

    # ---- removed dramas: restore and merge (bot/store/removal.py) -------------------
    async def removed_dramas(self, text: str = "", limit: int = 25) -> list[tuple[str, str, int | None]]:
        """Removed dramas as (slug, title, year), the latest removed first; `text` narrows by slug or title."""
        return await self.catalogue.hidden(text, limit)

    async def removed_drama(self, slug: str) -> Drama | None:
        """The removed drama with this slug, or None (also when it is shown)."""
        return await self.catalogue.hidden_by("slug", slug)

    async def removed_by_tmdb_id(self, tmdb_id: int) -> Drama | None:
        """The removed drama linked to this TMDB series, or None."""
        return await self.catalogue.hidden_by("tmdb_id", tmdb_id)

    async def restore_drama(
        self, slug: str, *, actor_id: int, actor_name: str | None, guild_id: int | None
    ) -> CatalogueRecord:
        """Show a removed drama again with all its members' data; audited. bot.errors.CatalogueRefused
        when there is no such drama or it is not removed."""
        return await self.removal.restore(slug, actor_id=actor_id, actor_name=actor_name, guild_id=guild_id)

    async def merge_dramas(
        self, from_slug: str, into_slug: str, *, actor_id: int, actor_name: str | None, guild_id: int | None
    ) -> MergeOutcome:
        """Join a duplicate into the drama kept, in ONE transaction (see bot/store/removal.py); audited.
        bot.errors.CatalogueRefused for an unknown drama, the same drama twice or a removed INTO."""
        return await self.removal.merge(
            from_slug, into_slug, actor_id=actor_id, actor_name=actor_name, guild_id=guild_id
        )

    async def curator_role(self, guild_id: int) -> int | None:
        return await self.curation.curator_role(guild_id)

    async def set_curator_role(
        self, guild_id: int, role_id: int | None, *, actor_id: int, actor_name: str | None
    ) -> int | None:
        """Set (or clear, with None) a server's curator role; audited. Returns the previous role."""
        return await self.curation.set_curator_role(
            guild_id, role_id, actor_id=actor_id, actor_name=actor_name
        )

    async def guild_settings(self, guild_id: int) -> GuildSettings:
        """A server's own settings: curator role and region (/server settings)."""
        return await self.curation.guild_settings(guild_id)

    async def guild_region(self, guild_id: int) -> str | None:
        """A server's region code (/server region), or None."""
        return await self.curation.guild_region(guild_id)

    async def set_guild_region(
        self, guild_id: int, region: str | None, *, actor_id: int, actor_name: str | None
    ) -> str | None:
        """Set (or clear, with None) a server's region; audited. Returns the previous one."""
        return await self.curation.set_guild_region(
            guild_id, region, actor_id=actor_id, actor_name=actor_name
        )

    async def audit_log(self, limit: int = 50, subject: str | None = None) -> list[AuditEntry]:
        """Catalogue changes, newest first."""
        return await self.curation.audit_log(limit, subject)

    # ---- ratings -------------------------------------------------------------------
    async def rate(
        self, *, user_id: int, guild_id: int | None, drama_id: int, score: float, episode: int | None = None
    ) -> RateResult:
        """Add or replace one member's score (0.5..5 in 0.5 steps) for a drama or one episode."""
        return await self.ratings.rate(
            user_id=user_id, guild_id=guild_id, drama_id=drama_id, score=score, episode=episode
        )

    async def user_rating(self, *, user_id: int, drama_id: int, episode: int | None = None) -> float | None:
        return await self.ratings.user_rating(user_id=user_id, drama_id=drama_id, episode=episode)

    # ---- watch lists and privacy (watchlists.py) -----------------------------------
    async def set_watch(
        self, *, user_id: int, guild_id: int | None, drama_id: int, status: str, episode: int | None = None
    ) -> tuple[WatchEntry, WatchEntry | None]:
        """Set a member's watch status (and progress) for a drama: (now, before)."""
        return await self.watchlists.set(
            user_id=user_id, guild_id=guild_id, drama_id=drama_id, status=status, episode=episode
        )

    async def remove_watch(self, *, user_id: int, drama_id: int) -> WatchEntry | None:
        return await self.watchlists.remove(user_id=user_id, drama_id=drama_id)

    async def watch_entry(self, *, user_id: int, drama_id: int) -> WatchEntry | None:
        return await self.watchlists.entry(user_id, drama_id)

    async def watch_page(self, user_id: int, status: str | None = None, page: int = 0) -> WatchPage:
        return await self.watchlists.page(user_id, status, page)

    async def watch_counts(self, user_id: int) -> WatchCounts:
        return await self.watchlists.status_counts(user_id)

    async def is_private(self, user_id: int) -> bool:
        return await self.watchlists.is_private(user_id)

    async def set_private(self, user_id: int, private: bool) -> bool:
        return await self.watchlists.set_private(user_id, private)

    async def member_data_counts(self, user_id: int) -> DeletedData:
        """What delete_member would remove now."""
        return await self.erasure.counts(user_id)

    async def delete_member(self, user_id: int) -> DeletedData:
        """Erase every row holding a member's id in one transaction (bot/store/erasure.py): ratings, watch
        list, settings, reminders and their records; the catalogue changes and server settings they made
        stay without their id. What this process keeps in memory about them is dropped (kept /top charts and
        /match scores, reminders to tell about)."""
        try:
            return await self.erasure.erase(user_id)
        finally:
            self.community.top.book.touched(None)  # their ratings counted in any scope
            self.community.wrote((user_id,))
            self.airing.forget(user_id)

    # ---- community reads (community.py) ---------------------------------------------
    async def has_genre(self, genre: str) -> bool:
        """Whether /top's genre filter can find any drama with this genre (casefolded)."""
        return await self.community.top.has_genre(genre)

    async def genre_names(self) -> list[str]:
        """The catalogue's genres for /top's genre option: one spelling each, alphabetical."""
        return await self.community.top.genre_names()

    async def top_page(
        self,
        scope: int,
        page: int,
        *,
        genre: str | None = None,
        country: str | None = None,
        year: int | None = None,
    ) -> tuple[Chart, Page[Ranked]]:
        """One page of /top's chart in `scope` (a server id, or 0 for everyone): what `ranking.paginate(
        ranking.rank(tallies, within=the filter's dramas).rows, page)` gives, from the scope's chart kept in
        memory (bot/store/chartbook.py: fresh on this process's writes); the Chart's `rows` are the page's."""
        return await self.community.top.page(scope, page, genre=genre, country=country, year=year)

    async def shared_scores(self, a: int, b: int) -> list[tuple[int, int, int]]:
        return await self.community.shared_scores(a, b)

    async def drama_titles(self, ids: list[int]) -> dict[int, str]:
        return await self.community.titles(ids)

    async def dramas_by_id(self, ids: list[int]) -> dict[int, Drama]:
        """Dramas by id, in one round trip."""
        return await self.catalogue.get_dramas(list(ids))

    async def profile(self, user_id: int) -> ProfileData:
        return await self.community.profile(user_id)

    # ---- TMDB caches and bot state -------------------------------------------------
    async def cached_providers(self, drama_id: int) -> tuple[datetime, dict] | None:
        """TMDB watch providers stored for a drama: (fetched at, data), or None."""
        return await self.caches.cached_providers(drama_id)

    async def store_providers(self, drama_id: int, tmdb_id: int, fetched_at: datetime, data: dict) -> None:
        await self.caches.store_providers(drama_id, tmdb_id, fetched_at, data)

    async def get_meta(self, key: str) -> str | None:
        return await self.caches.get_meta(key)

    async def set_meta(self, key: str, value: str) -> None:
        await self.caches.set_meta(key, value)

    def exclusive(self, name: str) -> AbstractAsyncContextManager[None]:
        """`async with store.exclusive("command_sync"):` one holder at a time across every bot process on
        this database (PostgreSQL advisory lock; within the one process on SQLite)."""
        return self.db.exclusive(name)

    def try_exclusive(self, name: str) -> AbstractAsyncContextManager[bool]:
        """`async with store.try_exclusive("tmdb-refresh") as leader:` as `exclusive`, without waiting:
        `leader` says whether this process holds it (False: another process is doing the work)."""
        return self.db.try_exclusive(name)

    # ---- maintenance ---------------------------------------------------------------
    async def integrity_check(self) -> str:
        return await self.db.integrity_check()

    async def backup(self, target: Path | str) -> None:
        """A consistent online copy, taken while the bot keeps writing (SQLite; pg_dump on PostgreSQL)."""
        await self.db.backup(target)

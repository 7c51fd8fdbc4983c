"""Store: the database opened, its parts wired (each part holds the SQL of one concern, for both backends).

This class keeps what is about the store as a whole: opening and closing, locks, the meta table, maintenance.
"""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from pathlib import Path

from bot.store.airing import Airing
from bot.store.bundle import Bundle
from bot.store.caches import Caches
from bot.store.catalogue import Catalogue
from bot.store.community import Community
from bot.store.curation import Curation
from bot.store.db import Tx
from bot.store.erasure import Erasure
from bot.store.history import History
from bot.store.pacing import Pacing
from bot.store.parties import Parties
from bot.store.polls import Polls
from bot.store.ratings import Ratings
from bot.store.recommend import Recommend
from bot.store.refreshes import Refreshes
from bot.store.removal import Removal
from bot.store.suggestions import Suggestions
from bot.store.titles import Titles
from bot.store.watchlists import Watchlists


class Store:
    """Open with `await open_store(url)` (or `await Store.open(path_or_url)`), close with `await store.close()`."""

    def __init__(self, db) -> None:  # noqa: ANN001 - SqliteDb or PostgresDb
        self.db = db
        self.titles = Titles(db)  # the in-memory title index
        self.catalogue = Catalogue(db, self.titles)
        self.community = Community(db)  # /top, /match, /profile reads
        self.ratings = Ratings(db, written=self.community.written)
        self.curation = Curation(db, self.titles, self.catalogue, self.community)  # audited edits, settings
        self.caches = Caches(db)  # TMDB watch providers
        self.bundle = Bundle(db, self.titles, self.catalogue)  # the bundled catalogue, on start
        self.watchlists = Watchlists(db)
        self.airing = Airing(db)  # announce settings, follows, reminders, the announcement ledger
        self.refreshes = Refreshes(db)  # the TMDB refresh's order: linked dramas, when each was refreshed
        self.suggestions = Suggestions(db, self.curation)  # members' suggestions, decided by global curators
        self.removal = Removal(db, self.titles, self.catalogue, self.community)
        self.erasure = Erasure(db, self.community, self.airing)  # /privacy delete-my-data
        self.history = History(db, written=self.community.written)  # /import: matching, applying
        self.pacing = Pacing(db)  # the Discord request budget shared by the processes (PostgreSQL)
        self.parties = Parties(db)  # /watchparty: scheduled events and the follow-up after each
        self.polls = Polls(db)  # /pick: the candidates, one poll per channel, its result posted once
        self.recommend = Recommend(db)  # /recommend: the drama neighbours, a member's scores and list

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

    def pool_use(self) -> tuple[int, int]:
        """(connections in use, the most the pool holds), for the operators' metrics (bot/metrics):
        PostgreSQL's pool; on SQLite the writer and the readers, each in use while a statement runs on it."""
        return self.db.pool_use()

    async def ping(self) -> None:
        """One trivial read (raises StoreUnavailable when the database does not answer): /healthz."""
        await self.db.fetch_one("SELECT 1")

    async def get_meta(self, key: str) -> str | None:
        """The small key/value table of bot state (`meta`)."""
        row = await self.db.fetch_one("SELECT value FROM meta WHERE key = ?", (key,))
        return row["value"] if row else None

    async def set_meta(self, key: str, value: str) -> None:
        async def write(tx: Tx) -> None:
            await tx.execute(
                "INSERT INTO meta (key, value) VALUES (?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, value),
            )

        await self.db.write(write)

    def exclusive(self, name: str) -> AbstractAsyncContextManager[None]:
        """`async with store.exclusive("command_sync"):` one holder at a time across every bot process on
        this database (PostgreSQL advisory lock; within the one process on SQLite)."""
        return self.db.exclusive(name)

    def try_exclusive(self, name: str) -> AbstractAsyncContextManager[bool]:
        """`async with store.try_exclusive("tmdb-refresh") as leader:` as `exclusive`, without waiting:
        `leader` says whether this process holds it (False: another process is doing the work)."""
        return self.db.try_exclusive(name)

    async def integrity_check(self) -> str:
        return await self.db.integrity_check()

    async def backup(self, target: Path | str) -> None:
        """A consistent online copy, taken while the bot keeps writing (SQLite; pg_dump on PostgreSQL)."""
        await self.db.backup(target)

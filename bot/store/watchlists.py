"""Watch lists: each member's status and episode progress per drama; privacy settings (erasing: erasure.py).

Rating episode N raises progress through a trigger on `ratings` (migration 0005). Progress never exceeds
the episode count: writes check it, reads clip it. A hidden drama's entries stay, left out of reads.
"""

from __future__ import annotations

from bot.models import WATCH_STATUSES, WatchEntry, WatchPage
from bot.store.db import Db, Tx
from bot.store.rows import HIDDEN

WATCH_PAGE = 10  # entries per page of /watchlist show

# A status's index in WATCH_STATUSES (lists sort by it).
_STATUS_INDEX = (
    "CASE status " + " ".join(f"WHEN '{s}' THEN {i}" for i, s in enumerate(WATCH_STATUSES)) + " END"
)
# A page of a member's list: picked in `watchlist` alone (by status, most recently changed, then drama id),
# then joined to its ten dramas and scores. Joining first read every entry's drama and rating before
# sorting: a list of 850 dramas 3.0 ms a page on SQLite at the large size (the title was the tie-break
# after the time; entries changed in the same millisecond now go by drama id).
_ENTRIES = (
    "SELECT w.drama_id, d.title, d.episode_count, w.status, w.progress, r.halves FROM ("
    f"SELECT drama_id, status, progress, updated_at, {_STATUS_INDEX} AS place FROM watchlist "
    f"WHERE user_id = ? AND (? = '' OR status = ?) AND drama_id NOT IN {HIDDEN} "
    "ORDER BY place, updated_at DESC, drama_id LIMIT ? OFFSET ?"
    ") AS w JOIN dramas d ON d.id = w.drama_id "
    "LEFT JOIN ratings r ON r.drama_id = w.drama_id AND r.episode = 0 AND r.user_id = ? "
    "ORDER BY w.place, w.updated_at DESC, w.drama_id"
)


def _entry(row) -> WatchEntry:  # noqa: ANN001 - a row of either backend
    return WatchEntry(
        drama_id=row["drama_id"],
        title=row["title"],
        episode_count=row["episode_count"],
        status=row["status"],
        progress=min(row["progress"], row["episode_count"]),
        score=row["halves"] / 2 if row["halves"] is not None else None,
    )


class Watchlists:
    def __init__(self, db: Db) -> None:
        self._db = db

    async def set(
        self, *, user_id: int, guild_id: int | None, drama_id: int, status: str, episode: int | None = None
    ) -> tuple[WatchEntry, WatchEntry | None]:
        """Set a member's status (and progress: Completed means the last episode, none given keeps it):
        (the entry now, the one before or None). ValueError, or LookupError for an unknown drama."""
        if status not in WATCH_STATUSES:
            raise ValueError(f"unknown watch status {status!r}")

        async def tx(db: Tx) -> tuple[WatchEntry, WatchEntry | None]:
            drama = await db.fetch_one(
                "SELECT title, episode_count FROM dramas WHERE id = ? AND hidden_at IS NULL", (drama_id,)
            )
            if drama is None:
                raise LookupError(f"no drama with id {drama_id}")
            count = drama["episode_count"]
            if episode is not None and not 0 <= episode <= count:
                raise ValueError(f"episode must be 0..{count}, got {episode}")
            before = await self._one(db, user_id, drama_id)
            if status == "completed":
                progress = count
            elif episode is not None:
                progress = episode
            else:
                progress = before.progress if before is not None else 0
            await db.execute(
                "INSERT INTO watchlist (user_id, drama_id, guild_id, status, progress) VALUES (?, ?, ?, ?, ?) "
                f"ON CONFLICT (user_id, drama_id) DO UPDATE SET guild_id = excluded.guild_id, "
                f"status = excluded.status, progress = excluded.progress, updated_at = {self._db.now}",
                (user_id, drama_id, guild_id, status, progress),
            )
            now = await self._one(db, user_id, drama_id)
            assert now is not None
            return now, before

        return await self._db.write(tx)

    @staticmethod
    async def _one(db: Tx, user_id: int, drama_id: int) -> WatchEntry | None:
        row = await db.fetch_one(
            "SELECT w.drama_id, d.title, d.episode_count, w.status, w.progress, r.halves FROM watchlist w "
            "JOIN dramas d ON d.id = w.drama_id "
            "LEFT JOIN ratings r ON r.drama_id = w.drama_id AND r.episode = 0 AND r.user_id = w.user_id "
            "WHERE w.user_id = ? AND w.drama_id = ?",
            (user_id, drama_id),
        )
        return _entry(row) if row is not None else None

    async def entry(self, user_id: int, drama_id: int) -> WatchEntry | None:
        return await self._one(self._db, user_id, drama_id)  # type: ignore[arg-type]

    async def remove(self, *, user_id: int, drama_id: int) -> WatchEntry | None:
        """Take a drama off a member's list: the entry removed, or None when it was not on it."""

        async def tx(db: Tx) -> WatchEntry | None:
            before = await self._one(db, user_id, drama_id)
            if before is not None:
                await db.execute(
                    "DELETE FROM watchlist WHERE user_id = ? AND drama_id = ?", (user_id, drama_id)
                )
            return before

        return await self._db.write(tx)

    async def page(self, user_id: int, status: str | None = None, page: int = 0) -> WatchPage:
        """One page of a member's list (WATCH_PAGE entries), by status then most recently changed (then drama id)."""
        if status is not None and status not in WATCH_STATUSES:
            raise ValueError(f"unknown watch status {status!r}")
        wanted = status or ""
        row = await self._db.fetch_one(
            f"SELECT COUNT(*) AS n FROM watchlist WHERE user_id = ? AND (? = '' OR status = ?) "
            f"AND drama_id NOT IN {HIDDEN}",
            (user_id, wanted, wanted)
        )
        total = row["n"] if row else 0
        pages = max(1, -(-total // WATCH_PAGE))
        page = max(0, min(page, pages - 1))
        found = await self._db.fetch(
            _ENTRIES,
            (user_id, wanted, wanted, WATCH_PAGE, page * WATCH_PAGE, user_id)
        )
        return WatchPage(tuple(_entry(r) for r in found), total, page, pages)

    # ---- privacy -------------------------------------------------------------------------
    async def is_private(self, user_id: int) -> bool:
        row = await self._db.fetch_one(
            "SELECT list_private FROM member_settings WHERE user_id = ?", (user_id,)
        )  # one primary-key row, asked by every /watchlist show, /profile and /match
        return bool(row["list_private"]) if row is not None else False

    async def set_private(self, user_id: int, private: bool) -> bool:
        """Set whether a member's list, profile and match are hidden from others; returns the old value."""

        async def tx(db: Tx) -> bool:
            row = await db.fetch_one("SELECT list_private FROM member_settings WHERE user_id = ?", (user_id,))
            await db.execute(
                "INSERT INTO member_settings (user_id, list_private) VALUES (?, ?) "
                "ON CONFLICT (user_id) DO UPDATE SET list_private = excluded.list_private",
                (user_id, private),
            )
            return bool(row["list_private"]) if row is not None else False

        return await self._db.write(tx)

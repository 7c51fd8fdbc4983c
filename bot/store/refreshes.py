"""The TMDB refresh's bookkeeping: which linked dramas there are, what orders them, and when each was
last refreshed (table tmdb_refreshes, migration 0018). The order itself is bot/tmdb/bulk.py's."""

from __future__ import annotations

from datetime import date, datetime

from bot.models import RefreshCandidate
from bot.store.airing import ts
from bot.store.db import Db, Tx

# One row per linked drama. Its last air date: its latest episode's, else its first air date. Watched: a
# server follows it, or a member has a reminder for it that is not paused.
_CANDIDATES = (
    "SELECT d.id, d.tmdb_id, d.slug, d.status, d.first_air_date, "
    "(SELECT MAX(e.air_date) FROM episodes e WHERE e.drama_id = d.id) AS last_episode, r.refreshed_at, "
    "CASE WHEN EXISTS (SELECT 1 FROM follows f WHERE f.drama_id = d.id) "
    "OR EXISTS (SELECT 1 FROM reminders m WHERE m.drama_id = d.id AND m.paused = 0) THEN 1 ELSE 0 END AS watched "
    "FROM dramas d LEFT JOIN tmdb_refreshes r ON r.drama_id = d.id WHERE d.tmdb_id IS NOT NULL AND d.hidden_at IS NULL ORDER BY d.id"
)
# A drama deleted meanwhile gets no row (its foreign key would refuse it).
_REFRESHED = (
    "INSERT INTO tmdb_refreshes (drama_id, refreshed_at) SELECT id, ? FROM dramas WHERE id = ? "
    "ON CONFLICT (drama_id) DO UPDATE SET refreshed_at = excluded.refreshed_at"
)


class Refreshes:
    def __init__(self, db: Db) -> None:
        self._db = db

    async def candidates(self) -> list[RefreshCandidate]:
        """Every drama linked to TMDB and shown (one query), in the order added; removed ones wait."""
        out = []
        for r in await self._db.fetch(_CANDIDATES):
            last = r["last_episode"] or r["first_air_date"]
            at = r["refreshed_at"]
            out.append(RefreshCandidate(
                r["id"], r["tmdb_id"], r["slug"], r["status"], date.fromisoformat(str(last)[:10]) if last else None,
                datetime.fromisoformat(at) if at else None, bool(r["watched"]),
            ))  # fmt: skip
        return out

    async def refreshed(self, drama_id: int, at: datetime) -> None:
        """The refresh took this drama at `at` (whatever came of it: a series TMDB no longer knows waits its
        turn like the others instead of being asked first every run)."""

        async def write(tx: Tx) -> None:
            await tx.execute(_REFRESHED, (ts(at), drama_id))

        await self._db.write(write)

    async def refreshed_at(self, drama_id: int) -> datetime | None:
        row = await self._db.fetch_one(
            "SELECT refreshed_at FROM tmdb_refreshes WHERE drama_id = ?", (drama_id,)
        )
        return datetime.fromisoformat(row[0]) if row is not None else None

"""Reads for the community commands: /match's shared scores, /profile's figures (/top's pages: top.py).

All of them read drama-level ratings (episode 0); members' own ratings are found through the
`ratings_user` index (migrations 0005, 0012). Removed (hidden) dramas are left out.
"""

from __future__ import annotations

from collections import Counter
from itertools import chain

from bot.models import ProfileData, RatedDrama, WatchCounts
from bot.store.db import Db, marks
from bot.store.rows import HIDDEN, genres
from bot.store.top import TopCharts

TOP_GENRES = 5
RECENT = 5

_SHARED = (
    "SELECT a.drama_id, a.halves, b.halves FROM ratings a JOIN ratings b ON b.drama_id = a.drama_id "
    "AND b.episode = 0 AND b.user_id = ? WHERE a.user_id = ? AND a.episode = 0 "
    f"AND a.drama_id NOT IN {HIDDEN}"
)
# The member's list, and their drama-level ratings in the order rated (ties: by drama), with genres.
_PROFILE_LIST = (
    "SELECT w.drama_id, w.status, d.genres FROM watchlist w JOIN dramas d ON d.id = w.drama_id "
    "WHERE w.user_id = ? AND d.hidden_at IS NULL"
)
_PROFILE_RATED = (
    "SELECT r.drama_id, r.halves, d.title, d.genres FROM ratings r JOIN dramas d ON d.id = r.drama_id "
    "WHERE r.user_id = ? AND r.episode = 0 AND d.hidden_at IS NULL ORDER BY r.updated_at, r.drama_id"
)


class Community:
    def __init__(self, db: Db) -> None:
        self._db = db
        self.top = TopCharts(db)  # /top's pages

    async def shared_scores(self, a: int, b: int) -> list[tuple[int, int, int]]:
        """The dramas both members rated as a whole, as ``(drama_id, a's score, b's score)`` in half stars, in
        no particular order (for bot.community.taste.match_halves)."""
        return [(r[0], r[1], r[2]) for r in await self._db.fetch(_SHARED, (b, a))]

    async def titles(self, ids: list[int]) -> dict[int, str]:
        if not ids:
            return {}
        found = await self._db.fetch(f"SELECT id, title FROM dramas WHERE id IN ({marks(len(ids))})", ids)
        return {r["id"]: r["title"] for r in found}

    async def profile(self, user_id: int) -> ProfileData:
        """Counts per status, the drama-level ratings (histogram, mean, the last five) and the most-watched
        genres (watched: on the list and not just planned, or rated as a whole; each drama once)."""
        listed = await self._db.fetch(_PROFILE_LIST, (user_id,))
        rated = await self._db.fetch(_PROFILE_RATED, (user_id,))
        scores = {r[0]: r[1] for r in rated}
        watched = {r[0]: r[3] for r in rated} | {r[0]: r[2] for r in listed if r[1] != "plan"}
        counted = Counter(chain.from_iterable(dict.fromkeys(genres(g)) for g in watched.values()))
        ranked = sorted(counted.items(), key=lambda gn: (-gn[1], gn[0].casefold(), gn[0]))
        recent = rated[::-1][:RECENT]  # newest first (ties: the higher id)
        halves = Counter(scores.values())
        count = len(scores)
        return ProfileData(
            statuses=WatchCounts(dict(Counter(r[1] for r in listed))),
            ratings=count,
            mean=sum(scores.values()) / count / 2 if count else None,
            histogram=tuple(halves.get(h, 0) for h in range(1, 11)),
            genres=tuple(ranked[:TOP_GENRES]),
            recent=tuple(RatedDrama(r[0], r[2], r[1] / 2) for r in recent),
        )

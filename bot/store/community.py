"""Reads for the community commands: /match's shared scores, /profile's figures (/top's pages: top.py).

Drama-level ratings only, removed dramas left out. /match keeps the scores of recent members (KEEP_MEMBERS,
LRU); writes drop the members they touch, a catalogue change drops all, another process's ratings show once
the scores are MAX_AGE old.
"""

from __future__ import annotations

import time
from collections import Counter, OrderedDict
from collections.abc import Iterable
from itertools import chain

from bot.models import ProfileData, RatedDrama, WatchCounts
from bot.store.db import Db, marks
from bot.store.rows import HIDDEN, genres
from bot.store.top import TopCharts

TOP_GENRES = 5
RECENT = 5
KEEP_MEMBERS = 128
MAX_AGE = 10.0  # s (PostgreSQL): kept scores this old are read again

_SCORES = (
    f"SELECT drama_id, halves FROM ratings WHERE user_id = ? AND episode = 0 AND drama_id NOT IN {HIDDEN}"
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
        self._kept: OrderedDict[int, tuple[float, dict[int, int]]] = OrderedDict()  # member: (when, scores)
        self._writes = 0  # bumped by every write this process tells of: a read it raced is not kept
        self._rev: str | None = None
        self.max_age = float("inf") if db.dialect == "sqlite" else MAX_AGE  # SQLite: the only writer

    def written(self, scopes: Iterable[int] | None, users: Iterable[int] | None) -> None:
        """Ratings of these scopes and members were written (None: any; a drama hidden, shown or merged,
        a member erased): the kept charts and scores they change are read again."""
        self.top.book.touched(scopes)
        self.wrote(users)

    def wrote(self, users: Iterable[int] | None) -> None:
        """This process changed these members' drama-level ratings (None: anyone's): read them again."""
        self._writes += 1
        for user_id in list(self._kept) if users is None else users:
            self._kept.pop(user_id, None)

    async def _scores(self, user_id: int) -> dict[int, int]:
        kept = self._kept.get(user_id)
        if kept is not None and time.monotonic() - kept[0] <= self.max_age:
            self._kept.move_to_end(user_id)
            return kept[1]
        writes = self._writes
        scores = {r[0]: r[1] for r in await self._db.fetch(_SCORES, (user_id,))}
        if writes == self._writes:
            self._kept[user_id] = (time.monotonic(), scores)
            while len(self._kept) > KEEP_MEMBERS:
                self._kept.popitem(last=False)
        return scores

    async def shared_scores(self, a: int, b: int) -> list[tuple[int, int, int]]:
        """The dramas both members rated as a whole, as ``(drama_id, a's score, b's score)`` in half stars, in
        no particular order (for bot.community.taste.match_halves)."""
        rev = await self.top.catalogue_rev()
        if rev != self._rev:  # a removed drama takes its ratings along
            self._rev = rev
            self.wrote(None)
        mine, theirs = await self._scores(a), await self._scores(b)
        return [(i, mine[i], theirs[i]) for i in mine.keys() & theirs.keys()]

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

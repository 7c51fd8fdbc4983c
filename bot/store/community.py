"""Reads for the community commands: /top's tallies, /match's shared scores, /profile's figures.

All of them read drama-level ratings (episode 0). Members' own ratings are found through the
`ratings_user` index (migrations 0005, 0012) or kept in memory for /match and /profile (memberscores.py), the
scope's tallies through `rating_totals`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from itertools import chain, islice

from bot.models import ChartTally, ProfileData, RatedDrama, WatchCounts
from bot.store.db import QUICK_ROWS, Db
from bot.store.memberscores import MemberScores
from bot.store.rows import HIDDEN, genres
from bot.store.top import TopCharts

TOP_GENRES = 5
RECENT = 5
QUICK_TITLES = 10  # titles read by id at most in one quick read


# /profile's reads: the member's list as (drama_id, status), and when their scores are not kept
# (bot/store/memberscores.py) their drama-level ratings as (drama_id, NULL, halves, updated_at) in the same
# statement. Removed (hidden) dramas are left out of both.
_PROFILE_LIST = f"SELECT drama_id, status FROM watchlist WHERE user_id = ? AND drama_id NOT IN {HIDDEN}"
_PROFILE_BOTH = (
    "SELECT drama_id, status, NULL AS halves, NULL AS at FROM watchlist WHERE user_id = ? "
    f"AND drama_id NOT IN {HIDDEN} "
    "UNION ALL SELECT drama_id, NULL, halves, updated_at FROM ratings WHERE user_id = ? AND episode = 0 "
    f"AND drama_id NOT IN {HIDDEN}"
)


class Community:
    def __init__(self, db: Db) -> None:
        self._db = db
        self.top = TopCharts(db)  # /top's pages, from the charts kept in memory
        self.members = MemberScores(db)  # /match's members' scores kept in memory

    def written(self, scopes: Iterable[int] | None, users: Iterable[int] | None) -> None:
        """Ratings of these scopes and members were written (None: any; a drama hidden, shown or merged,
        a member erased): the kept charts and members they change are rebuilt."""
        self.top.book.touched(scopes)
        self.members.wrote(users)

    async def tallies(
        self, scope: int, *, genre: str | None = None, country: str | None = None, year: int | None = None
    ) -> list[ChartTally]:
        """Every drama rated in `scope` (a server id, or 0 for everyone), drama-level, filtered."""
        # rating_totals_scope (0005) finds the scope's drama-level rows; dramas is joined only to filter.
        joined = genre is not None or country is not None or year is not None
        sql = (
            "SELECT t.drama_id, t.n, t.halves"
            + (
                ", d.genres FROM rating_totals t JOIN dramas d ON d.id = t.drama_id "
                if joined
                else " FROM rating_totals t "
            )
            + f"WHERE t.scope = ? AND t.episode = 0 AND t.n > 0 AND t.drama_id NOT IN {HIDDEN}"
        )  # removed (hidden) dramas are not charted
        params: list = [scope]
        if country is not None:
            sql += " AND d.country = ?"
            params.append(country)
        if year is not None:
            sql += " AND d.year = ?"
            params.append(year)
        found = await self._db.fetch(sql, params)
        if not joined:
            return [ChartTally(r[0], r[1], r[2]) for r in found]
        rows = [ChartTally(r["drama_id"], r["n"], r["halves"], genres(r["genres"])) for r in found]
        if genre is not None:
            wanted = genre.casefold()
            rows = [r for r in rows if any(g.casefold() == wanted for g in r.genres)]
        return rows

    async def shared_scores(self, a: int, b: int) -> list[tuple[int, int, int]]:
        """The dramas both members rated as a whole, as ``(drama_id, a's score, b's score)`` in half stars, in
        no particular order (for bot.community.taste.match_halves).

        From the members' scores kept in memory (bot/store/memberscores.py: a set intersection, ~0.07 ms for
        two members with 1,000 ratings each), read first when not kept (~0.36 ms a member; the join of
        migration 0012's `ratings_user` index that answered before took 0.49 ms at the large size)."""
        self.members.saw_rev(await self.top.catalogue_rev())  # a removed drama takes its ratings along
        return await self.members.shared(a, b)

    async def titles(self, ids: list[int]) -> dict[int, str]:
        if not ids:
            return {}
        marks = ", ".join("?" * len(ids))
        # /match's six dramas: primary-key rows, read on the loop's thread (quick) when few
        found = await self._db.fetch(
            f"SELECT id, title FROM dramas WHERE id IN ({marks})", ids, quick=len(ids) <= QUICK_TITLES
        )
        return {r["id"]: r["title"] for r in found}

    async def _tuples(self, sql: str, params: tuple) -> list[tuple]:
        """Rows as plain tuples. SQLite: a quick read on the event loop's thread (Db.fetch's `quick`) when
        there are at most QUICK_ROWS, as for most members (the thread hop would cost more than the read);
        otherwise on the reader's thread, with no sqlite3.Row built per row. PostgreSQL: one round trip."""
        if self._db.dialect != "sqlite":
            return [tuple(r) for r in await self._db.fetch(sql, params)]
        few = await self._db.fetch(f"{sql} LIMIT {QUICK_ROWS + 1}", params, quick=True)
        if len(few) <= QUICK_ROWS:
            return [tuple(r) for r in few]
        return await self._db.stream(sql, list, params)

    async def profile(self, user_id: int) -> ProfileData:
        """Counts per status, the drama-level ratings (histogram, mean, the last five) and the most-watched
        genres (watched: on the list and not just planned, or rated as a whole; each drama once).

        The member's scores are those kept for /match (bot/store/memberscores.py), in the order rated, so
        the histogram, the mean and the last five come from memory, and so do their rated dramas' genre
        counts once worked out; when the scores are not kept they are read with the list, in the same
        statement, and kept. The list is read as it is, its statuses counted here; only the watched dramas
        on it that are not rated have their genres counted for each /profile. A member with 1,000
        ratings and 842 dramas on their list (the benchmark's heavy members), in-process: 1.4 ms before
        (their ratings and list read, grouped and sorted by the database, on every /profile), ~0.5 ms
        with their scores kept."""
        top = self.top
        genres_of = await top.genres_of()  # reads the catalogue's rev: a new one drops the kept members
        members = self.members
        members.saw_rev(top.rev)
        scores = members.kept_scores(user_id)
        if scores is not None:
            listed = await self._tuples(_PROFILE_LIST, (user_id,))
        else:  # one read for the list and the scores, which are then kept
            reading = members.begin((user_id,))
            try:
                rows = await self._tuples(_PROFILE_BOTH, (user_id, user_id))
                rated = sorted((r[3], r[0], r[2]) for r in rows if r[1] is None)  # in the order rated
                scores = {drama_id: halves for _at, drama_id, halves in rated}
                members.keep_read(reading, {user_id: scores})
            finally:
                members.end(reading)
            listed = [r[:2] for r in rows if r[1] is not None]
        memo = members.memo(user_id, scores)
        if "genres" not in memo:
            memo["genres"] = Counter(chain.from_iterable(genres_of.get(d, ()) for d in scores))
        unrated = {d for d, status in listed if status != "plan" and d not in scores}
        genres = memo["genres"] + Counter(chain.from_iterable(genres_of.get(d, ()) for d in unrated))
        ranked = sorted(genres.items(), key=lambda gn: (-gn[1], gn[0].casefold(), gn[0]))
        recent = list(islice(reversed(scores), RECENT))  # newest first (ties: the higher id)
        titles = await self.titles(recent)
        counted = Counter(scores.values())
        count = len(scores)
        return ProfileData(
            statuses=WatchCounts(dict(Counter(status for _d, status in listed))),
            ratings=count,
            mean=sum(scores.values()) / count / 2 if count else None,
            histogram=tuple(counted.get(halves, 0) for halves in range(1, 11)),
            genres=tuple(ranked[:TOP_GENRES]),
            recent=tuple(RatedDrama(d, titles[d], scores[d] / 2) for d in recent if d in titles),
        )

"""Reads for the community commands: /top's tallies, /match's shared scores, /profile's figures.

All of them read drama-level ratings (episode 0). Members' own ratings are found through the
`ratings_user` index (migration 0005), the scope's tallies through `rating_totals`.
"""

from __future__ import annotations

import asyncio

from bot.models import ChartTally, ProfileData, RatedDrama, WatchCounts
from bot.store.db import Db
from bot.store.memberscores import MemberScores
from bot.store.rows import genres
from bot.store.top import TopCharts

TOP_GENRES = 5
RECENT = 5
QUICK_TITLES = 10  # titles read by id at most in one quick read


# /profile's figures in one statement, as (part, drama_id, n, halves, label, at): 0 = a status (label)
# and its count (n); 1 = a histogram bin (halves) and its count (n); 2 = one of the last five ratings
# (label = the title, at = when). The last five are picked in the index alone (0012), then joined to
# their titles: joining first would read every rated drama's row. (Numbering them with ROW_NUMBER()
# instead of sorting the five in Python cost 1 ms more on SQLite.) They come first so that PostgreSQL
# types the columns from real values.
_PROFILE_FIGURES = (
    "SELECT 2 AS part, l.drama_id, NULL AS n, l.halves, d.title AS label, l.updated_at AS at FROM ("
    "SELECT drama_id, halves, updated_at FROM ratings WHERE user_id = ? AND episode = 0 "
    f"ORDER BY updated_at DESC, drama_id DESC LIMIT {RECENT}) AS l JOIN dramas d ON d.id = l.drama_id "
    "UNION ALL SELECT 0, NULL, COUNT(*), NULL, status, NULL FROM watchlist WHERE user_id = ? GROUP BY status "
    "UNION ALL SELECT 1, NULL, COUNT(*), halves, NULL, NULL FROM ratings WHERE user_id = ? AND episode = 0 "
    "GROUP BY halves"
)


class Community:
    def __init__(self, db: Db) -> None:
        self._db = db
        self.top = TopCharts(db)  # /top's pages, from the charts kept in memory (Store.top_page reads them)
        self.members = MemberScores(db)  # /match's members' scores kept in memory

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
            + "WHERE t.scope = ? AND t.episode = 0 AND t.n > 0"
        )
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
        no particular order (for bot.taste.match_halves).

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

    async def profile(self, user_id: int) -> ProfileData:
        """Counts per status, the drama-level ratings (histogram, mean, the last five) and the most-watched
        genres. Two reads at once: the figures in one statement (statuses, the histogram and the last five, from
        the `ratings_user` index alone since migration 0012: a member with 1,000 ratings was 1,000 lookups
        in the table), then the watched dramas, whose genres are counted with the in-memory genre index
        (bot/store/top.py), not from every watched drama's row."""
        # Both at once (SQLite: on its two reader threads; PostgreSQL: two pooled connections): a member
        # with 1,000 ratings, SQLite large, 1.8 -> 1.1 ms. Watched: on the list (not just planned) or rated
        # as a whole; each drama counted once.
        figures, watched_rows = await asyncio.gather(
            self._db.fetch(_PROFILE_FIGURES, (user_id, user_id, user_id)),
            self._db.fetch(
                "SELECT drama_id FROM watchlist WHERE user_id = ? AND status <> 'plan' "
                "UNION SELECT drama_id FROM ratings WHERE user_id = ? AND episode = 0",
                (user_id, user_id),
            ),
        )
        watched = {r[0] for r in watched_rows}
        statuses: dict[str, int] = {}
        bins, last = [0] * 10, []
        for part, drama_id, n, halves, label, at in figures:
            if part == 0:
                statuses[label] = n
            elif part == 1:
                bins[halves - 1] = n
            else:
                last.append((at, drama_id, RatedDrama(drama_id, label, halves / 2)))
        last.sort(reverse=True)  # newest first (ties: the higher id, as the statement picked them)
        count = sum(bins)
        mean = sum((i + 1) * n for i, n in enumerate(bins)) / count / 2 if count else None
        sets = await self.top.genre_sets() if watched else {}
        top = sorted(((g, n) for g, n in ((g, len(ids & watched)) for g, ids in sets.items()) if n),
                     key=lambda gn: (-gn[1], gn[0].casefold(), gn[0]))  # fmt: skip
        return ProfileData(
            statuses=WatchCounts(statuses),
            ratings=count,
            mean=mean,
            histogram=tuple(bins),
            genres=tuple(top[:TOP_GENRES]),
            recent=tuple(rated for _at, _id, rated in last),
        )

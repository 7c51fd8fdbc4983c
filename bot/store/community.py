"""Reads for the community commands: /top's tallies, /match's shared scores, /profile's figures.

All of them read drama-level ratings (episode 0). Members' own ratings are found through the
`ratings_user` index (migration 0005), the scope's tallies through `rating_totals`.
"""

from __future__ import annotations

import json
from collections import Counter

from bot import ranking
from bot.models import ChartTally, ProfileData, RatedDrama, WatchCounts
from bot.ranking import Chart, Page, Ranked, ScopeTotals, Tally
from bot.store.db import Db
from bot.store.titles import CATALOGUE_REV

TOP_GENRES = 5
RECENT = 5


def _genres(value) -> tuple[str, ...]:  # noqa: ANN001 - JSON text on both backends
    return tuple(json.loads(value or "[]"))


class Community:
    def __init__(self, db: Db) -> None:
        self._db = db
        # /top's genre filter: casefolded genre -> the dramas that have it, for one catalogue_rev (every
        # catalogue write bumps it, in this process or another): (rev, index), or None before the first use.
        self._genre_index: tuple[str | None, dict[str, frozenset[int]]] | None = None

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
        rows = [ChartTally(r["drama_id"], r["n"], r["halves"], _genres(r["genres"])) for r in found]
        if genre is not None:
            wanted = genre.casefold()
            rows = [r for r in rows if any(g.casefold() == wanted for g in r.genres)]
        return rows

    async def top_page(
        self,
        scope: int,
        page: int,
        *,
        genre: str | None = None,
        country: str | None = None,
        year: int | None = None,
    ) -> tuple[Chart, Page[Ranked]]:
        """One page of /top: exactly `ranking.paginate(ranking.rank(tallies).rows, page)` and its chart.

        Without a genre, ranked in SQL (two queries over the scope's totals: `scope_totals`, then the
        page's rows by `ranking.order_key`); the Chart's `rows` are then the page's. With a genre, the
        genre index picks the scope's rows and `ranking.rank` ranks them (Chart with every row)."""
        if genre is not None or not float(ranking.PRIOR_WEIGHT).is_integer():
            rows = (
                await self.genre_tallies(scope, genre, country=country, year=year)
                if genre is not None
                else [Tally(t.drama_id, t.count, t.halves / 2) for t in await self.tallies(scope, country=country, year=year)]
            )  # fmt: skip
            chart = ranking.rank(rows)
            return chart, ranking.paginate(chart.rows, page)
        totals = await self.scope_totals(scope, ranking.MIN_RATINGS, country=country, year=year)
        _, _, offset = ranking.page_bounds(totals.eligible, page)
        shown = await self.ranked_page(
            scope, totals, prior_weight=int(ranking.PRIOR_WEIGHT), min_ratings=ranking.MIN_RATINGS,
            offset=offset, limit=ranking.PER_PAGE, country=country, year=year,
        ) if totals.eligible else []  # fmt: skip
        return ranking.chart_page(totals, shown, page)

    async def genre_dramas(self, genre: str) -> frozenset[int]:
        """The dramas with `genre` among their genres (compared casefolded, as `tallies` does)."""
        found = await self._db.fetch_one("SELECT value FROM meta WHERE key = ?", (CATALOGUE_REV,))
        rev = (
            found["value"] if found else None
        )  # read before the genres: a write in between reloads next time
        if self._genre_index is None or self._genre_index[0] != rev:
            index: dict[str, set[int]] = {}
            for r in await self._db.fetch("SELECT id, genres FROM dramas"):
                for g in set(_genres(r["genres"])):
                    index.setdefault(g.casefold(), set()).add(r["id"])
            self._genre_index = (rev, {g: frozenset(ids) for g, ids in index.items()})
        return self._genre_index[1].get(genre.casefold(), frozenset())

    async def genre_tallies(
        self, scope: int, genre: str, *, country: str | None = None, year: int | None = None
    ) -> list[Tally]:
        """What `tallies` gives with `genre` (as bot.ranking.Tally), without reading every drama's genres:
        the scope's rows, kept when the drama is in the genre index."""
        wanted = await self.genre_dramas(genre)
        if not wanted:
            return []
        rows, params = self._scope_rows(country, year)
        found = await self._db.fetch(rows, [scope, *params])
        return [Tally(r[0], r[1], r[2] / 2) for r in found if r[0] in wanted]

    @staticmethod
    def _scope_rows(country: str | None, year: int | None) -> tuple[str, list]:
        """The scope's drama-level totals, filtered by country and year: the CTE `s` of the fast path."""
        sql = "SELECT t.drama_id, t.n, t.halves FROM rating_totals t"
        params: list = []
        if country is not None or year is not None:
            sql += " JOIN dramas d ON d.id = t.drama_id"
        sql += " WHERE t.scope = ? AND t.episode = 0 AND t.n > 0"
        if country is not None:
            sql += " AND d.country = ?"
            params.append(country)
        if year is not None:
            sql += " AND d.year = ?"
            params.append(year)
        return sql, params

    async def scope_totals(
        self, scope: int, min_ratings: int, *, country: str | None = None, year: int | None = None
    ) -> ScopeTotals:
        """/top's fast path, part 1: the scope's ratings, their sum and how many dramas are (un)ranked."""
        rows, params = self._scope_rows(country, year)
        found = await self._db.fetch_one(
            "SELECT CAST(COALESCE(SUM(n), 0) AS BIGINT) AS ratings, CAST(COALESCE(SUM(halves), 0) AS BIGINT) "
            "AS halves, COUNT(*) AS rated, CAST(COALESCE(SUM(CASE WHEN n >= ? THEN 1 ELSE 0 END), 0) AS BIGINT) "
            f"AS eligible FROM ({rows}) s",
            [min_ratings, scope, *params],
        )
        assert found is not None
        return ScopeTotals(found["ratings"], found["halves"], found["rated"], found["eligible"])

    async def ranked_page(
        self, scope: int, totals: ScopeTotals, *, prior_weight: int, min_ratings: int, offset: int, limit: int,
        country: str | None = None, year: int | None = None,
    ) -> list[Tally]:  # fmt: skip
        """/top's fast path, part 2: `limit` dramas from `offset` in rank order, ranked in SQL by
        bot.ranking.order_key: (h·N + m·H) / (n + m) from integers, one division in double precision (the
        same double Python computes), then more ratings, then the lower id. `totals`: scope_totals'."""
        rows, params = self._scope_rows(country, year)
        found = await self._db.fetch(
            f"SELECT s.drama_id, s.n, s.halves FROM ({rows}) s WHERE s.n >= ? "
            "ORDER BY CAST(s.halves * ? + ? AS DOUBLE PRECISION) / (s.n + ?) DESC, s.n DESC, s.drama_id "
            "LIMIT ? OFFSET ?",
            [
                scope,
                *params,
                min_ratings,
                totals.ratings,
                prior_weight * totals.halves,
                prior_weight,
                limit,
                offset,
            ],
        )
        return [Tally(r["drama_id"], r["n"], r["halves"] / 2) for r in found]

    async def shared_scores(self, a: int, b: int) -> tuple[dict[int, float], dict[int, float]]:
        """Two members' drama-level scores on the dramas both rated (one query)."""
        found = await self._db.fetch(
            "SELECT x.drama_id, x.halves AS a, y.halves AS b FROM ratings x "
            "JOIN ratings y ON y.user_id = ? AND y.episode = 0 AND y.drama_id = x.drama_id "
            "WHERE x.user_id = ? AND x.episode = 0",
            (b, a),
        )
        return {r["drama_id"]: r["a"] / 2 for r in found}, {r["drama_id"]: r["b"] / 2 for r in found}

    async def titles(self, ids: list[int]) -> dict[int, str]:
        if not ids:
            return {}
        marks = ", ".join("?" * len(ids))
        found = await self._db.fetch(f"SELECT id, title FROM dramas WHERE id IN ({marks})", ids)
        return {r["id"]: r["title"] for r in found}

    async def profile(self, user_id: int) -> ProfileData:
        statuses = await self._db.fetch(
            "SELECT status, COUNT(*) AS n FROM watchlist WHERE user_id = ? GROUP BY status", (user_id,)
        )
        histogram = await self._db.fetch(
            "SELECT halves, COUNT(*) AS n FROM ratings WHERE user_id = ? AND episode = 0 GROUP BY halves",
            (user_id,),
        )
        recent = await self._db.fetch(
            "SELECT r.drama_id, d.title, r.halves FROM ratings r JOIN dramas d ON d.id = r.drama_id "
            "WHERE r.user_id = ? AND r.episode = 0 ORDER BY r.updated_at DESC, r.drama_id DESC LIMIT ?",
            (user_id, RECENT),
        )
        # Watched: on the list (not just planned) or rated as a whole; each drama counted once.
        watched = await self._db.fetch(
            "SELECT d.genres FROM dramas d WHERE d.id IN ("
            "SELECT drama_id FROM watchlist WHERE user_id = ? AND status <> 'plan' "
            "UNION SELECT drama_id FROM ratings WHERE user_id = ? AND episode = 0)",
            (user_id, user_id),
        )
        bins = [0] * 10
        for r in histogram:
            bins[r["halves"] - 1] = r["n"]
        count = sum(bins)
        mean = sum((i + 1) * n for i, n in enumerate(bins)) / count / 2 if count else None
        genres = Counter(g for r in watched for g in set(_genres(r["genres"])))
        top = tuple(sorted(genres.items(), key=lambda gn: (-gn[1], gn[0].casefold()))[:TOP_GENRES])
        return ProfileData(
            statuses=WatchCounts({r["status"]: r["n"] for r in statuses}),
            ratings=count,
            mean=mean,
            histogram=tuple(bins),
            genres=top,
            recent=tuple(RatedDrama(r["drama_id"], r["title"], r["halves"] / 2) for r in recent),
        )

"""Reads for the community commands: /top's tallies, /match's shared scores, /profile's figures.

All of them read drama-level ratings (episode 0). Members' own ratings are found through the
`ratings_user` index (migration 0005), the scope's tallies through `rating_totals`.
"""

from __future__ import annotations

import json
from collections import Counter

from bot.models import ChartTally, ProfileData, RatedDrama, WatchCounts
from bot.ranking import Chart, Page, Ranked
from bot.store.db import Db
from bot.store.top import TopCharts

TOP_GENRES = 5
RECENT = 5


def _genres(value) -> tuple[str, ...]:  # noqa: ANN001 - JSON text on both backends
    return tuple(json.loads(value or "[]"))


class Community:
    def __init__(self, db: Db) -> None:
        self._db = db
        self._top = TopCharts(db)  # /top's pages, ranked in SQL

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
        """One page of /top: what `ranking.paginate(ranking.rank(tallies).rows, page)` gives, ranked in SQL
        (bot/store/top.py); the Chart's `rows` are the page's."""
        return await self._top.page(scope, page, genre=genre, country=country, year=year)

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

"""Reference computations the store's answers are checked against (test oracles, not product code)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.community.ranking import Page, Ranked, Ranking, Tally, paginate, rank
from bot.store.rows import HIDDEN, genres


@dataclass(frozen=True, slots=True)
class ChartTally:
    """One drama's drama-level ratings in a /top scope, with the genres the genre filter looks at."""

    drama_id: int
    count: int
    halves: int
    genres: tuple[str, ...] = ()


async def tallies(
    store, scope: int, *, genre: str | None = None, country: str | None = None, year: int | None = None
) -> list[ChartTally]:
    """Every drama rated in `scope` (a server id, or 0 for everyone), drama-level, filtered; removed dramas
    left out."""
    sql = (
        "SELECT t.drama_id, t.n, t.halves, d.genres FROM rating_totals t JOIN dramas d ON d.id = t.drama_id "
        f"WHERE t.scope = ? AND t.episode = 0 AND t.n > 0 AND t.drama_id NOT IN {HIDDEN}"
    )
    params: list = [scope]
    if country is not None:
        sql += " AND d.country = ?"
        params.append(country)
    if year is not None:
        sql += " AND d.year = ?"
        params.append(year)
    rows = [ChartTally(r[0], r[1], r[2], genres(r[3])) for r in await store.db.fetch(sql, params)]
    if genre is not None:
        rows = [r for r in rows if any(g.casefold() == genre.casefold() for g in r.genres)]
    return rows


async def top_reference(store, scope: int, page: int, **query) -> tuple[Ranking, Page[Ranked]]:
    """/top's page from all the scope's tallies (ranking.rank, within the filter's dramas, then paginate)."""
    within = {t.drama_id for t in await tallies(store, scope, **query)} if query else None
    chart = rank(
        (Tally(t.drama_id, t.count, t.halves / 2) for t in await tallies(store, scope)), within=within
    )
    return chart, paginate(chart.rows, page)

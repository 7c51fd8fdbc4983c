"""/top's chart pages, ranked in SQL: one query over the scope's `rating_totals`, whatever the filters.

The reference is bot.ranking: the scope's tallies (`Community.tallies`) -> `ranking.rank` -> `ranking.paginate`.
At 10,000 dramas and 1,000,000 ratings that reads and ranks every rated drama of the scope in Python
(~50 ms for everyone). Here two statements over the scope's rows do it: the totals (ratings, their sum,
dramas rated and ranked), then the page's rows ordered by `ranking.order_key`:
``(h·N + m·H) / (n + m)`` from integers (exact in 64 bits), cast to double precision and divided once:
the same double Python computes, so the order is exactly `rank`'s (ties: more ratings, then the lower id).
(One statement with both parts as CTEs was slower on SQLite: it materialises the scope's rows.) A rating
committed between the two statements shows on the page as it would a moment later; the totals are the
first statement's.

Filters run in SQL. Every total carries its drama's country (migration 0013: copied when the total is first
written, rewritten by a trigger when the drama's country changes), and the scope's covering index
`rating_totals_scope` (scope, episode, drama_id, n, halves, country) holds it: a country filter is a check of
that column on each of the scope's rows read from the index (before 0013: a list of the country's dramas
built for each statement and probed per row, 2-4x the unfiltered cost for KR's 5,965 dramas). A year's few
hundred dramas, and a genre's set (from the in-memory index below) in the everyone scope when under
PROBE_SHARE of the catalogue, probe the index one by one instead (in drama order); so does, on SQLite, a
country under PROBE_SHARE in the everyone scope (one row per rated drama of the catalogue), its dramas from
`dramas_country_year` (SQLite large, everyone: a country of 990 dramas 3.5 -> 0.7 ms a statement, a genre of
1,673 3.7 -> 1.2 ms; on PostgreSQL the column check is the faster of the two for a country: TH 5.3 -> 1.4 ms
a page). Otherwise a set is checked while the scope's rows are scanned (the unary ``+`` keeps
SQLite's planner from probing once per drama, ~2x slower there for the largest sets). A server's scope has a
few thousand rows at most: scanning them is as fast as probing there.
Measured in-process at the large size (page 1, medians; docs/perf-notes/community3.md): everyone KR 8.0 ->
3.0 ms, a server's KR 5.1 -> 1.2 ms, genre+KR 6.3 -> 2.6 ms; unfiltered, year and genre unchanged. (An index
with country before drama_id, making a country a range, was faster still for KR but cost 12-20% of the
store's rating throughput: a second covering index, rewritten on every change of a total.)
Year and the country probe come from `dramas` (`dramas_year` and `dramas_country_year`, migration 0010),
genre from an in-memory index of the catalogue's genres (casefolded, as `Community.tallies` compares them),
rebuilt when `catalogue_rev` moved (every catalogue write bumps it, in any process).
"""

from __future__ import annotations

import json

from bot import ranking
from bot.ranking import Chart, Page, Ranked, ScopeTotals, Tally
from bot.store.db import Db
from bot.store.rows import genres
from bot.store.titles import CATALOGUE_REV

# The page's order: ranking.order_key (parameters: N, m·H, m), then more ratings, then the lower id.
ORDER = "CAST(t.halves * ? + ? AS DOUBLE PRECISION) / (t.n + ?)"
PROBE_SHARE = 1 / 3  # everyone scope: a filter set under this share of the catalogue probes (see above)


class TopCharts:
    def __init__(self, db: Db) -> None:
        self._db = db
        # For one catalogue_rev: (rev, genre as spelled -> its dramas, casefolded genre -> its dramas); None
        # before the first use. A few MB at 100,000 dramas.
        self._genre_index: tuple[str | None, dict[str, frozenset[int]], dict[str, frozenset[int]]] | None = (
            None
        )
        # For the same rev: None -> the catalogue's dramas, a country -> its dramas (see _driving).
        self._sizes: dict[str | None, int] = {}
        # Casefolded genre -> (its set of dramas, that set as the query's JSON array): a genre's ~1,650 ids
        # sorted and dumped cost ~0.3 ms a /top; made again when the genre index gives a new set.
        self._ids_json: dict[str, tuple[frozenset[int], str]] = {}

    async def genre_sets(self) -> dict[str, frozenset[int]]:
        """Each genre as the catalogue spells it -> the dramas that have it (current to `catalogue_rev`)."""
        found = await self._db.fetch_one("SELECT value FROM meta WHERE key = ?", (CATALOGUE_REV,), quick=True)
        rev = (
            found["value"] if found else None
        )  # read before the genres: a write in between reloads next time
        if self._genre_index is None or self._genre_index[0] != rev:
            spelled: dict[str, set[int]] = {}
            sizes: dict[str | None, int] = {}
            for r in await self._db.fetch("SELECT id, genres, country FROM dramas"):
                for g in set(genres(r["genres"])):
                    spelled.setdefault(g, set()).add(r["id"])
                sizes[None] = sizes.get(None, 0) + 1
                sizes[r["country"]] = sizes.get(r["country"], 0) + 1
            self._sizes = sizes
            folded: dict[str, set[int]] = {}
            for g, ids in spelled.items():
                folded.setdefault(g.casefold(), set()).update(ids)
            self._genre_index = (rev, {g: frozenset(ids) for g, ids in spelled.items()},
                                 {g: frozenset(ids) for g, ids in folded.items()})  # fmt: skip
        return self._genre_index[1]

    async def genre_dramas(self, genre: str) -> frozenset[int]:
        """The dramas with `genre` among their genres (compared casefolded)."""
        await self.genre_sets()
        assert self._genre_index is not None
        return self._genre_index[2].get(genre.casefold(), frozenset())

    def _json_of(self, genre: str, ids: frozenset[int]) -> str:
        """`ids` (the dramas of `genre`) as one JSON array parameter, dumped once per set of the index."""
        made = self._ids_json.get(genre.casefold())
        if made is None or made[0] is not ids:
            made = self._ids_json[genre.casefold()] = (ids, json.dumps(sorted(ids)))
        return made[1]

    async def _driving(self, scope: int, genre: frozenset[int] | None, country: str | None) -> str | None:
        """Which filter set drives the query by probing the scope's index ("genre", "country") or None (the
        scope's rows are scanned and checked against the sets): the smaller set, in the everyone scope
        only, when it is under PROBE_SHARE of the catalogue."""
        if scope != 0:
            return None
        await self.genre_sets()  # the catalogue's sizes, current to catalogue_rev
        sizes = {}
        if genre is not None:
            sizes["genre"] = len(genre)
        if country is not None:
            sizes["country"] = self._sizes.get(country, 0)
        if not sizes:
            return None
        smallest = min(sizes, key=sizes.__getitem__)
        if smallest == "country" and self._db.dialect == "postgres":
            return None  # there the totals' country column, scanned, beats probing (large: TH 5.3 -> 1.4 ms)
        return smallest if sizes[smallest] < PROBE_SHARE * self._sizes.get(None, 0) else None

    def _in_ids(self) -> str:
        """A set of drama ids passed as one JSON array parameter."""
        if self._db.dialect == "postgres":
            return "SELECT CAST(value AS BIGINT) FROM jsonb_array_elements_text(CAST(? AS jsonb))"
        return "SELECT value FROM json_each(?)"

    async def page(
        self,
        scope: int,
        page: int,
        *,
        genre: str | None = None,
        country: str | None = None,
        year: int | None = None,
    ) -> tuple[Chart, Page[Ranked]]:
        """`ranking.chart_page` of the scope (a server id, or 0 for everyone) at `page`, filtered."""
        m, minimum, per_page = int(ranking.PRIOR_WEIGHT), ranking.MIN_RATINGS, ranking.PER_PAGE
        where, params = "t.scope = ? AND t.episode = 0 AND t.n > 0", [scope]
        if year is not None:  # a few hundred dramas: the scope's index is probed for each
            where += " AND t.drama_id IN (SELECT id FROM dramas WHERE year = ?" + (
                " AND country = ?)" if country else ")"
            )
            params += [year, country] if country else [year]
        ids = None if genre is None else await self.genre_dramas(genre)
        if ids is not None and not ids:
            return ranking.chart_page(ScopeTotals(0, 0, 0, 0), [], page)
        driving = None if year is not None else await self._driving(scope, ids, country)
        if driving == "country":  # a small country's dramas probe the scope's index one by one
            where += " AND t.drama_id IN (SELECT id FROM dramas WHERE country = ?)"
            params.append(country)
        elif year is None and country is not None:  # the totals' own column, read from the scope's index
            where += " AND t.country = ?"
            params.append(country)
        if ids is not None:
            plus = "" if driving == "genre" else "+"
            where += f" AND {plus}t.drama_id IN ({self._in_ids()})"
            params.append(self._json_of(genre, ids))
        rows = f"FROM rating_totals t WHERE {where}"
        found = await self._db.fetch_one(
            "SELECT CAST(COALESCE(SUM(t.n), 0) AS BIGINT) AS ratings, CAST(COALESCE(SUM(t.halves), 0) AS BIGINT) "
            "AS halves, COUNT(*) AS rated, CAST(COALESCE(SUM(CASE WHEN t.n >= ? THEN 1 ELSE 0 END), 0) AS BIGINT) "
            f"AS eligible {rows}",
            [minimum, *params],
        )
        assert found is not None
        totals = ScopeTotals(found["ratings"], found["halves"], found["rated"], found["eligible"])
        if not totals.eligible:
            return ranking.chart_page(totals, [], page)
        offset = ranking.page_bounds(totals.eligible, page, per_page)[2]
        shown = await self._db.fetch(
            f"SELECT t.drama_id, t.n, t.halves {rows} AND t.n >= ? ORDER BY {ORDER} DESC, t.n DESC, t.drama_id "
            "LIMIT ? OFFSET ?",
            [*params, minimum, totals.ratings, m * totals.halves, m, per_page, offset],
        )
        return ranking.chart_page(
            totals, [Tally(r["drama_id"], r["n"], r["halves"] / 2) for r in shown], page
        )

"""/top's charts kept ranked in memory, one snapshot per scope: a page is a slice of it.

A snapshot is a scope's whole chart in ``ranking.rank``'s order, ranked by the database (_RANKED). A rating
drops its scopes' snapshots, an erasure or catalogue change drops them all (a build a write raced is not
kept); another process's ratings show once the snapshot is MAX_AGE old.
"""

from __future__ import annotations

import asyncio
import time
from array import array
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import compress, islice

from bot.community import ranking
from bot.community.ranking import Page, Ranked, Ranking, ScopeTotals, Tally
from bot.store.db import Db
from bot.store.rows import HIDDEN

MAX_AGE = 10.0  # s (PostgreSQL): a snapshot this old is built again before it is read (other processes)
KEEP = 64  # snapshots kept: the scopes read last

# The scope's rows with its ratings and their sum in half stars (one statement: one consistent read), the
# ranked ones (at least MIN_RATINGS) first in rank order: ranking.order_key from integers, (h·N + m·H) /
# (n + m) as a double (the same double Python computes), then more ratings, then the lower id. Removed
# (hidden) dramas are not charted, and their ratings do not count in the scope's mean.
_RANKED = (
    "WITH s AS (SELECT t.drama_id, t.n, t.halves FROM rating_totals t WHERE t.scope = ? AND t.episode = 0 "
    f"AND t.n > 0 AND t.drama_id NOT IN {HIDDEN}), "
    "tot AS (SELECT CAST(SUM(n) AS BIGINT) AS n, CAST(SUM(halves) AS BIGINT) AS halves FROM s) "
    "SELECT s.drama_id, s.n, s.halves, tot.n, tot.halves FROM s, tot "
    "ORDER BY CASE WHEN s.n >= ? THEN 0 ELSE 1 END, "
    "CAST(s.halves * tot.n + ? * tot.halves AS DOUBLE PRECISION) / (s.n + ?) DESC, s.n DESC, s.drama_id"
)


@dataclass(slots=True)
class Snapshot:
    """One scope's chart at one moment."""

    ratings: int  # the scope's ratings (drama-level) and their sum in half stars: its mean, C
    halves: int
    ids: array[int]  # the ranked dramas (at least MIN_RATINGS ratings), best first
    counts: array[int]  # their ratings and sums in half stars, in the same order
    sums: array[int]
    ranked: frozenset[int]
    below: frozenset[int]  # rated, but fewer ratings than the minimum
    built: float = field(default_factory=time.monotonic)
    filtered: dict[frozenset[int], tuple[int, int]] = field(default_factory=dict)  # filter -> (ranked, below)

    @classmethod
    def of(cls, rows: Sequence) -> Snapshot:
        """From _RANKED's rows: (drama_id, n, halves, the scope's ratings, their sum in half stars)."""
        eligible = sum(1 for r in rows if r[1] >= ranking.MIN_RATINGS)  # they come first
        ranked, below = rows[:eligible], rows[eligible:]
        ids = array("q", (r[0] for r in ranked))
        counts, sums = array("q", (r[1] for r in ranked)), array("q", (r[2] for r in ranked))
        totals = (rows[0][3], rows[0][4]) if rows else (0, 0)
        return cls(*totals, ids, counts, sums, frozenset(ids), frozenset(r[0] for r in below))

    def page(self, wanted: frozenset[int] | None, page: int) -> tuple[Ranking, Page[Ranked]]:
        """Page `page` of the chart, or of its dramas in `wanted` (None: all), ranked 1.. among them; the
        scores keep the whole scope's mean (as ranking.rank with `within`)."""
        per_page = ranking.PER_PAGE
        if wanted is None:
            ranked, below = len(self.ids), len(self.below)
        else:
            # Keyed by the filter's set itself: the catalogue hands out one set per filter, and a frozenset
            # caches its hash, so a lookup costs no more than a key of the filter's values would.
            counted = self.filtered.get(wanted)
            if counted is None:
                counted = self.filtered[wanted] = (len(wanted & self.ranked), len(wanted & self.below))
            ranked, below = counted
        offset = ranking.page_bounds(ranked, page, per_page)[2]
        if wanted is None:
            shown = range(offset, min(offset + per_page, ranked))
        else:  # the positions of the ranked dramas in `wanted`, walked in C (islice, compress, map)
            passing = compress(range(len(self.ids)), map(wanted.__contains__, self.ids))
            shown = islice(passing, offset, offset + per_page)
        tallies = [Tally(self.ids[i], self.counts[i], self.sums[i] / 2) for i in shown]
        totals = ScopeTotals(self.ratings, self.halves, ranked + below, ranked)
        return ranking.ranking_page(totals, tallies, page)


class ChartBook:
    """The snapshots of the scopes read last."""

    def __init__(self, db: Db, *, max_age: float | None = None) -> None:
        self._db = db
        alone = db.dialect == "sqlite"  # one process is the whole cluster: no other process writes
        self.max_age = max_age if max_age is not None else (float("inf") if alone else MAX_AGE)
        self._snaps: OrderedDict[int, Snapshot] = OrderedDict()
        self._writes = 0  # bumped by every write this process tells of: a build it raced is not kept
        self._building: dict[int, asyncio.Future[Snapshot]] = {}  # readers that come meanwhile wait for it
        self._rev: str | None = None

    def touched(self, scopes: Iterable[int] | None) -> None:
        """This process changed the ratings of `scopes` (None: any scope): their snapshots are dropped."""
        self._writes += 1
        for scope in [*self._snaps, *self._building] if scopes is None else scopes:
            self._snaps.pop(scope, None)
            self._building.pop(scope, None)  # a build begun before this write serves no later reader

    def saw_rev(self, rev: str | None) -> None:
        """The catalogue's rev as just read: a new one drops every snapshot."""
        if rev != self._rev:
            self._rev = rev
            self.touched(None)

    async def snapshot(self, scope: int) -> Snapshot:
        snap = self._snaps.get(scope)
        if snap is not None and time.monotonic() - snap.built <= self.max_age:
            self._snaps.move_to_end(scope)
            return snap
        building = self._building.get(scope)
        if building is None:
            building = self._building[scope] = asyncio.ensure_future(self._build(scope))
        return await asyncio.shield(building)

    async def _build(self, scope: int) -> Snapshot:
        writes = self._writes
        m = int(ranking.PRIOR_WEIGHT)
        try:
            snap = Snapshot.of(await self._db.fetch(_RANKED, (scope, ranking.MIN_RATINGS, m, m)))
        finally:
            if self._building.get(scope) is asyncio.current_task():
                del self._building[scope]
        if writes == self._writes:
            self._snaps[scope] = snap
            while len(self._snaps) > KEEP:
                self._snaps.popitem(last=False)
        return snap

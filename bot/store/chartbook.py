"""/top's charts kept ranked in memory, one snapshot per scope, rebuilt off the reader's path.

A snapshot is a scope's whole chart: its totals and every ranked drama in rank order (``ranking.rank``'s
order, exactly: the same integer keys, the same ties). A page is a slice of it; a filtered page is the
ranked dramas that are in the filter's set (the catalogue's genre, country and year sets, from
bot/store/top.py), counted with set intersections: no SQL on the way to the answer.

Built from the scope's `rating_totals` rows, ranked by the database (two reads; see _RANKED). A /top never waits for a rebuild except the first of its scope
(or after MAX_AGE without one):

* this process's writes (`touched`: a rating, a member's data erased) rebuild the snapshots they change,
  at most once per GAP per scope, in the background;
* a catalogue change (its rev moved) does the same for every snapshot;
* another process's writes (PostgreSQL, several shards) show when the snapshot is next rebuilt: a read
  of a snapshot older than REFRESH rebuilds it in the background, and one older than MAX_AGE is rebuilt
  before it is read. A server's own ratings come through the process of its shard, so "this server"
  charts follow them at once; the everyone chart follows other shards' ratings within MAX_AGE. On SQLite
  one process is the whole cluster: no snapshot is rebuilt by age (tools on the file write the
  catalogue, whose rev they move).

Snapshots of the KEEP scopes read last are kept: arrays and two sets, ~2.5 MB for 10,000 ranked dramas
(tracemalloc, the large benchmark world's everyone chart), ~0.7 MB for a server's 3,400.
"""

from __future__ import annotations

import asyncio
import logging
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

log = logging.getLogger(__name__)

GAP = 5.0  # s: a scope's snapshot is rebuilt at most this often while ratings come in
REFRESH = 30.0  # s (PostgreSQL): a snapshot read at this age is rebuilt in the background (other processes)
MAX_AGE = 60.0  # s (PostgreSQL): a snapshot this old is rebuilt before it is read
KEEP = 64  # snapshots kept: the scopes read last

# Removed (hidden) dramas are not charted, and their ratings do not count in the scope's mean.
_SCOPE = f"FROM rating_totals t WHERE t.scope = ? AND t.episode = 0 AND t.n > 0 AND t.drama_id NOT IN {HIDDEN}"
# The scope's ratings, their sum in half stars, its ranked dramas; then its rows, the ranked ones first in
# rank order: ranking.order_key from integers, (h·N + m·H) / (n + m) as a double (the same double Python
# computes), then more ratings, then the lower id. Sorted by the database: a rebuild holds the GIL only while
# the rows are turned into arrays, not for a sort in Python.
_TOTALS = (
    "SELECT CAST(COALESCE(SUM(t.n), 0) AS BIGINT), CAST(COALESCE(SUM(t.halves), 0) AS BIGINT), "
    f"CAST(COALESCE(SUM(CASE WHEN t.n >= ? THEN 1 ELSE 0 END), 0) AS BIGINT) {_SCOPE}"
)
_RANKED = (
    f"SELECT t.drama_id, t.n, t.halves {_SCOPE} ORDER BY CASE WHEN t.n >= ? THEN 0 ELSE 1 END, "
    "CAST(t.halves * ? + ? AS DOUBLE PRECISION) / (t.n + ?) DESC, t.n DESC, t.drama_id"
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
    stamp: tuple[int, int, str | None]  # (all-scopes generation, scope generation, catalogue rev) at build
    seq: int  # builds are numbered: an older build never replaces a newer one
    built: float = field(default_factory=time.monotonic)
    filtered: dict[frozenset[int], tuple[int, int]] = field(default_factory=dict)  # filter -> (ranked, below)

    @classmethod
    def of(
        cls, rows: Sequence, totals: Sequence[int], stamp: tuple[int, int, str | None], seq: int
    ) -> Snapshot:
        """From the scope's (drama_id, n, halves) rows with n > 0 as _RANKED orders them for `totals` (the
        scope's ratings, their sum in half stars, how many dramas are ranked: _TOTALS). When the rows do not
        add up to those totals (a write came between the two reads), they are ranked here instead."""
        minimum = ranking.MIN_RATINGS
        ratings, halves, eligible = totals
        ids, ns, hs = (
            zip(*rows, strict=True) if rows else ((), (), ())
        )  # columns: a few C calls, no loop here
        in_order = (
            (sum(ns), sum(hs)) == (ratings, halves)
            and min(ns[:eligible], default=minimum) >= minimum
            and max(ns[eligible:], default=0) < minimum
        )
        if not in_order:
            ratings, halves = sum(ns), sum(hs)
            ranked = sorted(
                (r for r in rows if r[1] >= minimum),
                key=lambda r: (
                    -ranking.order_key(r[1], r[2] / 2, ratings, halves / 2, ranking.PRIOR_WEIGHT),
                    -r[1],
                    r[0],
                ),
            )  # ranking.rank's order
            below = [r[0] for r in rows if r[1] < minimum]
            ids, ns, hs = zip(*ranked, strict=True) if ranked else ((), (), ())
            eligible = len(ranked)
        else:
            below = ids[eligible:]
        ranked_ids = array("q", ids[:eligible])
        return cls(
            ratings, halves, ranked_ids, array("q", ns[:eligible]), array("q", hs[:eligible]),
            frozenset(ranked_ids), frozenset(below), stamp, seq,
        )  # fmt: skip

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
    """The snapshots of the scopes read last, and their rebuilds."""

    def __init__(
        self, db: Db, *, gap: float = GAP, refresh: float | None = None, max_age: float | None = None
    ) -> None:
        self._db = db
        # SQLite: one process is the whole cluster (bot/cluster), so no other process writes ratings and a
        # snapshot changes only with this process's writes and the catalogue: no rebuild by age.
        alone = db.dialect == "sqlite"
        self.gap = gap
        self.refresh = refresh if refresh is not None else (float("inf") if alone else REFRESH)
        self.max_age = max_age if max_age is not None else (float("inf") if alone else MAX_AGE)
        self._snaps: OrderedDict[int, Snapshot] = OrderedDict()
        self._all = 0  # bumped by writes that may change any scope
        self._gens: dict[int, int] = {}  # scope -> bumped by writes to it
        self._rev: str | None = None  # the catalogue rev last seen (set by the reader, TopCharts)
        self._seq = 0
        self._building: dict[int, asyncio.Task[Snapshot]] = {}  # a scope's build in flight
        self._refreshing: dict[int, asyncio.Task[None]] = {}  # a scope's background rebuild
        # Background rebuilds one at a time: a catalogue change asks for every kept chart at once, and
        # each rebuild holds the event loop for a few ms (turning its rows into arrays).
        self._in_turn = asyncio.Semaphore(1)
        self.builds = 0  # counted for tests and the log

    def _stamp(self, scope: int) -> tuple[int, int, str | None]:
        return (self._all, self._gens.get(scope, 0), self._rev)

    def touched(self, scopes: Iterable[int] | None) -> None:
        """This process changed the ratings of `scopes` (None: any scope): their snapshots are rebuilt."""
        if scopes is None:
            self._all += 1
            targets = list(self._snaps)
        else:
            # Only kept charts and those being built carry a generation: a chart built later reads the write.
            targets = [scope for scope in scopes if scope in self._snaps or scope in self._building]
            for scope in targets:
                self._gens[scope] = self._gens.get(scope, 0) + 1
        for scope in targets:
            self._later(scope)

    def saw_rev(self, rev: str | None) -> None:
        """The catalogue's rev as the reader just read it: a new one rebuilds every snapshot (a catalogue
        change can move ratings between dramas)."""
        if rev != self._rev:
            self._rev = rev
            for scope in list(self._snaps):
                self._later(scope)

    async def snapshot(self, scope: int) -> Snapshot:
        """The scope's snapshot: the kept one unless it is older than max_age (then built now)."""
        snap = self._snaps.get(scope)
        now = time.monotonic()
        if snap is None or now - snap.built > self.max_age:
            return await self._build_shared(scope)
        self._snaps.move_to_end(scope)
        if snap.stamp != self._stamp(scope) or now - snap.built > self.refresh:
            self._later(scope)
        return snap

    async def settled(self) -> None:
        """Wait until no rebuild is pending (tests; a clean shutdown)."""
        while pending := [*self._refreshing.values(), *self._building.values()]:
            await asyncio.wait(pending)

    @property
    def pending(self) -> int:
        """Builds and background rebuilds in flight."""
        return len(self._refreshing) + len(self._building)

    @property
    def kept(self) -> int:
        return len(self._snaps)

    async def close(self) -> None:
        tasks = [*self._refreshing.values(), *self._building.values()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._refreshing.clear()
        self._building.clear()
        self._snaps.clear()

    # ---- building ----------------------------------------------------------------------------
    async def _build_shared(self, scope: int) -> Snapshot:
        """Build now; readers that come meanwhile wait for the same build."""
        task = self._building.get(scope)
        if task is None:
            task = self._building[scope] = asyncio.get_running_loop().create_task(self._build(scope))
            task.add_done_callback(lambda t, scope=scope: self._building.pop(scope, None) if
                                   self._building.get(scope) is t else None)  # fmt: skip
        return await asyncio.shield(task)

    async def _build(self, scope: int) -> Snapshot:
        stamp = self._stamp(scope)
        self._seq += 1
        seq = self._seq
        minimum, m = ranking.MIN_RATINGS, int(ranking.PRIOR_WEIGHT)
        totals = await self._db.fetch_one(_TOTALS, (minimum, scope))
        assert totals is not None
        ratings, halves = totals[0], totals[1]
        rows = await self._db.fetch(_RANKED, (scope, minimum, ratings, m * halves, m))
        snap = Snapshot.of(rows, (ratings, halves, totals[2]), stamp, seq)
        self.builds += 1
        kept = self._snaps.get(scope)
        if kept is None or kept.seq < seq:
            self._snaps[scope] = snap
            self._snaps.move_to_end(scope)
            while len(self._snaps) > KEEP:
                self._gens.pop(self._snaps.popitem(last=False)[0], None)
        return snap

    def _later(self, scope: int) -> None:
        """Rebuild the scope's snapshot in the background, GAP after its last build at the earliest."""
        if scope not in self._refreshing and not self._db.closed:
            self._refreshing[scope] = asyncio.get_running_loop().create_task(self._refresh(scope))

    async def _refresh(self, scope: int) -> None:
        try:
            rebuilt = False  # once rebuilt, only new writes make it go on
            while (snap := self._snaps.get(scope)) is not None:
                wait = snap.built + self.gap - time.monotonic()
                if wait > 0:
                    await asyncio.sleep(wait)
                    snap = self._snaps.get(scope)
                    if snap is None:
                        return
                if snap.stamp == self._stamp(scope) and (
                    rebuilt or time.monotonic() - snap.built <= self.refresh
                ):
                    return
                async with self._in_turn:
                    await self._build_shared(scope)
                rebuilt = True
        except Exception:  # the kept snapshot is served until a read or a write tries again
            log.exception("rebuilding the /top chart of scope %s failed", scope)
        finally:
            self._refreshing.pop(scope, None)

"""/recommend's reads and writes: the scores the neighbours are built from, the neighbours table
(migration 0022) and each process's copy of it, a member's scores and list, the rebuild trigger.

One process (the cluster's leader: bot/recommend/job.py) rebuilds the neighbours and replaces the table in
one transaction, with its stamp in `meta` (STAMP). Every process keeps the table in memory as flat arrays
(bot.recommend.knn.Neighbours: 16 bytes a neighbour, K·dramas at most) and loads it again when the stamp it
reads moved. Method and bounds: docs/recommend.md.
"""

from __future__ import annotations

import asyncio
import json
import time
from array import array
from collections.abc import Iterator
from dataclasses import dataclass

from bot.recommend import knn
from bot.store.db import Db, Tx
from bot.store.rows import HIDDEN

STAMP = "recommend_neighbours"  # meta key: what the table was built from (JSON), moved by every rebuild
CHUNK = 10_000  # rows read (and written) per statement: the rows of one chunk are Python objects
REBUILD_MIN = 50  # ratings changed since the last build before it is rebuilt ...
REBUILD_SHARE = 0.02  # ... or this share of the ratings it was built from, whichever is more
REBUILD_AGE = 24 * 3600.0  # s: any change at all rebuilds a build this old

_SCORES = (
    "SELECT user_id, drama_id, halves FROM ratings WHERE episode = 0 AND user_id > ? "
    f"AND drama_id NOT IN {HIDDEN} ORDER BY user_id, updated_at DESC, drama_id LIMIT ?"
)  # a member's latest first: the build pairs their first knn.PER_MEMBER
_MEMBER_SCORES = (  # latest first: the ranking uses a member's latest knn.PER_MEMBER
    "SELECT drama_id, halves FROM ratings WHERE user_id = ? AND episode = 0 "
    f"AND drama_id NOT IN {HIDDEN} ORDER BY updated_at DESC, drama_id"
)
_MEMBER_LIST = (
    "SELECT drama_id, status FROM watchlist WHERE user_id = ? "
    f"AND drama_id NOT IN {HIDDEN} ORDER BY updated_at DESC, drama_id"
)
_NEIGHBOURS = (
    "SELECT drama_id, neighbour_id, similarity, co_raters FROM drama_neighbours WHERE drama_id > ? "
    "ORDER BY drama_id, rank LIMIT ?"
)


@dataclass(frozen=True, slots=True)
class Built:
    """What one rebuild read and wrote (the stamp's fields)."""

    ratings: int  # drama-level scores read
    at: str | None  # the newest score's updated_at then (text)
    mean: float  # everyone's mean in half stars
    dramas: int  # dramas with neighbours
    neighbours: int  # rows written
    built: float  # time.time() of the build
    seconds: float = 0.0

    def stamp(self) -> str:
        return json.dumps({f: getattr(self, f) for f in self.__slots__}, sort_keys=True)  # type: ignore[attr-defined]

    @classmethod
    def of(cls, value: str | None) -> Built | None:
        if value is None:
            return None
        try:
            return cls(**json.loads(value))
        except (TypeError, ValueError):
            return None  # an older or broken stamp: rebuilt


@dataclass(slots=True)
class Scores:
    """Every drama-level score as compact arrays, one member's rows together (9 bytes a score)."""

    members: array  # a member's index (not their id): the build needs only where one member ends
    dramas: array
    halves: array
    total: int = 0

    def __iter__(self) -> Iterator[tuple[int, int, int]]:
        return zip(self.members, self.dramas, self.halves, strict=True)

    def __len__(self) -> int:
        return len(self.halves)


class Recommend:
    def __init__(self, db: Db) -> None:
        self._db = db
        self._stamp: str | None = None  # the stamp of the neighbours kept
        self._kept = knn.Neighbours()
        self._loading: asyncio.Future[knn.Neighbours] | None = None

    # ---- the member -----------------------------------------------------------------
    async def member(self, user_id: int) -> tuple[dict[int, int], dict[int, str]]:
        """The member's drama-level scores (drama -> half stars) and list (drama -> status), removed dramas
        left out."""
        scores = {r[0]: r[1] for r in await self._db.fetch(_MEMBER_SCORES, (user_id,))}
        listed = {r[0]: r[1] for r in await self._db.fetch(_MEMBER_LIST, (user_id,))}
        return scores, listed

    # ---- the neighbours every process reads -----------------------------------------
    async def neighbours(self) -> knn.Neighbours:
        """The neighbours of the last build (loaded again when its stamp moved; empty before any build)."""
        found = await self._db.fetch_one("SELECT value FROM meta WHERE key = ?", (STAMP,))
        stamp = found["value"] if found else None
        if stamp == self._stamp:
            return self._kept
        if self._loading is None or self._loading.done():
            self._loading = asyncio.ensure_future(self._load(stamp))
        return await asyncio.shield(self._loading)

    def kept_nbytes(self) -> int:
        """The size of the neighbours this process keeps (their arrays)."""
        return self._kept.nbytes()

    async def _load(self, stamp: str | None) -> knn.Neighbours:
        built = Built.of(stamp)
        loaded = knn.Neighbours(mean=built.mean if built else 0.0)
        after, rows = -1, [None]
        while rows:  # chunks of whole dramas (a drama has at most K rows, far fewer than CHUNK)
            rows = await self._db.fetch(_NEIGHBOURS, (after, CHUNK))
            if len(rows) == CHUNK:
                last = rows[-1][0]
                rows = [r for r in rows if r[0] != last]
            drama, group = None, []
            for r in rows:
                if r[0] != drama:
                    if group:
                        loaded.add(drama, group)
                    drama, group = r[0], []
                group.append((r[1], r[2], r[3]))
            if group:
                loaded.add(drama, group)
            after = rows[-1][0] if rows else after
        self._stamp, self._kept = stamp, loaded
        return loaded

    # ---- the rebuild (one process) ---------------------------------------------------
    async def built(self) -> Built | None:
        return Built.of(await self._stamp_value())

    async def _stamp_value(self) -> str | None:
        found = await self._db.fetch_one("SELECT value FROM meta WHERE key = ?", (STAMP,))
        return found["value"] if found else None

    async def changed_since(self, built: Built) -> int:
        """How many drama-level scores were given or changed since `built`, plus those removed."""
        newer = "?" if self._db.dialect == "sqlite" else "CAST(CAST(? AS TEXT) AS timestamptz)"
        row = await self._db.fetch_one(
            "SELECT COUNT(*), SUM(CASE WHEN updated_at > " + newer + " THEN 1 ELSE 0 END) "
            "FROM ratings WHERE episode = 0",
            (built.at or "",),
        )
        count, newer_count = row[0] or 0, row[1] or 0
        if built.at is None:
            newer_count = count
        return int(newer_count) + max(0, built.ratings - (count - int(newer_count)))

    async def due(self, now: float | None = None) -> bool:
        """Whether enough scores changed since the last build (or there is none) to build again."""
        built = await self.built()
        if built is None:
            return True
        changed = await self.changed_since(built)
        age = (time.time() if now is None else now) - built.built
        return changed >= max(REBUILD_MIN, REBUILD_SHARE * built.ratings) or (
            changed > 0 and age >= REBUILD_AGE
        )

    async def scores(self) -> tuple[Scores, str | None]:
        """Every drama-level score of a shown drama, member by member, and the newest one's updated_at (read
        first: a score given while reading counts as new for the next rebuild)."""
        top = await self._db.fetch_one("SELECT MAX(updated_at) FROM ratings WHERE episode = 0")
        at = top[0] if top is not None else None
        at = at.isoformat() if hasattr(at, "isoformat") else at
        scores = Scores(array("i"), array("i"), array("b"))  # drama ids: 8 bytes once one needs it
        after, member = -1, -1
        while True:
            rows = await self._db.fetch(_SCORES, (after, CHUNK))
            if not rows:
                break
            if len(rows) == CHUNK:
                last = rows[-1][0]
                whole = [r for r in rows if r[0] != last]
                if not whole:  # one member with more than CHUNK scores: read them alone
                    whole = await self._db.fetch(
                        "SELECT user_id, drama_id, halves FROM ratings WHERE episode = 0 AND user_id = ? "
                        f"AND drama_id NOT IN {HIDDEN} ORDER BY updated_at DESC, drama_id",
                        (last,),
                    )
                rows = whole
            previous = None
            for user_id, drama_id, halves in rows:
                if user_id != previous:
                    previous, member = user_id, member + 1
                scores.members.append(member)
                try:
                    scores.dramas.append(drama_id)
                except OverflowError:
                    scores.dramas = array("q", scores.dramas)
                    scores.dramas.append(drama_id)
                scores.halves.append(halves)
                scores.total += halves
            after = rows[-1][0]
        return scores, at

    async def rebuild(self, *, k: int = knn.K, now: float | None = None) -> Built:
        """Read every score, build the neighbours (in a worker thread: the loop keeps answering) and replace
        the table and its stamp in one transaction; this process keeps the result."""
        started = time.perf_counter()
        scores, at = await self.scores()
        mean = scores.total / len(scores) if len(scores) else 0.0
        count = len(scores)
        neighbours = await asyncio.to_thread(knn.build, scores, mean, k=k)
        del scores
        when = time.time() if now is None else now
        built = Built(count, at, mean, len(neighbours.index), len(neighbours), when)
        return await self.save(neighbours, built, started)

    async def save(self, neighbours: knn.Neighbours, built: Built, started: float | None = None) -> Built:
        """Replace the table with `neighbours` and record `built` (its seconds measured from `started`)."""

        async def write(tx: Tx) -> None:  # may run again on PostgreSQL: the rows are made in it
            rows = neighbours.rows()
            await tx.execute("DELETE FROM drama_neighbours")
            while chunk := [r for _, r in zip(range(CHUNK), rows, strict=False)]:
                await tx.executemany(
                    "INSERT INTO drama_neighbours (drama_id, rank, neighbour_id, similarity, co_raters) "
                    "VALUES (?, ?, ?, ?, ?)",
                    chunk,
                )
            await tx.execute(
                "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (STAMP, stamp),
            )

        seconds = time.perf_counter() - started if started is not None else built.seconds
        done = Built(
            built.ratings, built.at, built.mean, built.dramas, built.neighbours, built.built, seconds
        )
        stamp = done.stamp()
        await self._db.write(write)
        self._stamp, self._kept = stamp, neighbours
        return done

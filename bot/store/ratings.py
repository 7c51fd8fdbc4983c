"""Ratings: one score per member per drama (episode 0) and per episode, group-committed; community totals.

`rate` queues the request; what has queued up is written as one batch in one transaction
(`Db.rate_batch`: savepoints on SQLite's writer; on PostgreSQL one statement, `rate_batch()`, whose
`INSERT ... SELECT FROM unnest(...) ON CONFLICT` writes the batch), one batch at a time on SQLite,
several at once on PostgreSQL (`Db.rate_batches_in_flight`). The totals in `rating_totals` are kept by
triggers in the database on both backends, so they are exact whatever process wrote.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from bot.errors import StoreUnavailable
from bot.models import CommunityScores, Drama, RateResult, ScoreSummary
from bot.store.db import Db

RATE_BATCH = 256  # ratings written per transaction at most
MIN_SHARE = 32  # with several batches in flight, the queue is shared out in batches of at least this

# (user_id, guild_id, drama_id, halves, episode or None)
RateRequest = tuple[int, int | None, int, int, int | None]


def scores_from(rows, guild_id: int | None) -> CommunityScores:
    """CommunityScores from (scope, episode, n, halves) rows of one drama."""
    server, everyone = ScoreSummary(), ScoreSummary()
    server_eps: dict[int, ScoreSummary] = {}
    everyone_eps: dict[int, ScoreSummary] = {}
    for r in rows:
        summary = ScoreSummary(r["n"], r["halves"])
        if summary.count <= 0:
            continue
        is_server = guild_id is not None and r["scope"] == guild_id
        if r["episode"] == 0:
            if is_server:
                server = summary
            else:
                everyone = summary
        else:
            (server_eps if is_server else everyone_eps)[r["episode"]] = summary
    return CommunityScores(server, everyone, server_eps, everyone_eps)


class Ratings:
    def __init__(
        self,
        db: Db,
        cached: Callable[[list[int]], dict[int, Drama]] | None = None,
        written: Callable[[set[int], set[int]], None] | None = None,
    ) -> None:
        self._db = db
        self._cached = cached  # the store's Drama rows in memory, for the backends that use them
        # Told, once a batch has committed, which scopes' drama-level ratings it wrote (0: everyone, else
        # a server id) and whose: /top's kept charts (bot/store/chartbook.py) and /match's kept members
        # (bot/store/memberscores.py). Once a batch, not once a rating.
        self._written = written
        self._queue: list[tuple[RateRequest, asyncio.Future[RateResult]]] = []
        self._writing: set[asyncio.Task[None]] = set()  # batches in flight
        self._busy: set[tuple[int, int]] = set()  # (drama, episode or 0) pairs a batch in flight writes
        self._in_flight = max(1, getattr(db, "rate_batches_in_flight", 1))
        self._kicked = False  # _start_batches is due in this turn of the event loop
        self.peak_in_flight = 0  # the most batches written at once so far (tests, logs)

    async def rate(
        self, *, user_id: int, guild_id: int | None, drama_id: int, score: float, episode: int | None = None
    ) -> RateResult:
        """Add or replace one member's score (0.5..5 in 0.5 steps) for a drama or one episode.

        Each caller returns once its batch has committed. A batch-wide failure (database down, locked,
        read-only, full) fails every caller in it with StoreUnavailable; a bad request (unknown drama,
        episode out of range) fails only its own caller.
        """
        halves = score * 2
        if not (1 <= halves <= 10) or halves != int(halves):
            raise ValueError(f"score must be 0.5..5 in steps of 0.5, got {score!r}")
        if self._db.closed:
            raise StoreUnavailable("the store is closed")
        future: asyncio.Future[RateResult] = asyncio.get_running_loop().create_future()
        self._queue.append(((user_id, guild_id, drama_id, int(halves), episode), future))
        self._kick()
        return await future

    async def drain(self) -> None:
        """Wait until ratings already queued are written (before closing)."""
        while self._queue or self._writing:
            self._start_batches()
            await asyncio.wait(list(self._writing))

    def _kick(self) -> None:
        """Start batches once the callers woken in this turn of the event loop have queued theirs (those a
        committed batch answers rate again at once): a batch of them rather than one batch each."""
        if not self._kicked:
            self._kicked = True
            asyncio.get_running_loop().call_soon(self._start_batches)

    def _start_batches(self) -> None:
        """Start batches while there is room in flight (`Db.rate_batches_in_flight`: 1 on SQLite's one
        writer, several on PostgreSQL's pool), sharing the queue out between the free slots (batches of
        MIN_SHARE at least; a batch more while one is in flight only for MIN_SHARE waiting requests). Two batches in flight never write the same (drama, episode): their totals rows
        (and ratings) are disjoint, so they cannot deadlock on them, and a member's scores for one key are
        written in the order given (a request whose pair is busy waits for a later batch, and so do the
        ones queued after it)."""
        self._kicked = False
        free = self._in_flight - len(self._writing)
        if not self._queue or free <= 0 or (self._writing and len(self._queue) < MIN_SHARE):
            return  # a few requests wait for the batch in flight (one bigger batch costs less than many)
        count = min(free, max(1, len(self._queue) // MIN_SHARE))
        size = min(RATE_BATCH, -(-len(self._queue) // count))
        batches: list[list[tuple[RateRequest, asyncio.Future[RateResult]]]] = [[] for _ in range(count)]
        owner: dict[tuple[int, int], int] = {}  # pair -> the batch it went to
        waiting = []
        for item in self._queue:
            pair = (item[0][2], item[0][4] or 0)
            i = owner.get(pair)
            if i is None and pair not in self._busy:
                i = min(range(count), key=lambda j: len(batches[j]))
                if len(batches[i]) < size:
                    owner[pair] = i
                else:
                    i = None
            if i is None or len(batches[i]) >= RATE_BATCH:
                waiting.append(item)
            else:
                batches[i].append(item)
        self._queue = waiting
        for i, batch in enumerate(batches):
            if batch:
                held = {pair for pair, j in owner.items() if j == i}
                self._busy |= held
                task = asyncio.create_task(self._write(batch, held), name="store-rate-batch")
                self._writing.add(task)
        self.peak_in_flight = max(self.peak_in_flight, len(self._writing))

    async def _write(self, batch: list[tuple[RateRequest, asyncio.Future[RateResult]]], held: set) -> None:
        try:
            outcomes = await self._db.rate_batch([request for request, _ in batch], self._cached)
        except BaseException as exc:
            if isinstance(exc, StoreUnavailable):
                # Those queued while this batch waited out a timeout would only wait it out again and
                # answer after Discord's 3 s: they fail now, with the same clear answer.
                batch += self._queue
                self._queue.clear()
            for _, future in batch:
                if not future.done():
                    future.set_exception(exc)
            if isinstance(exc, asyncio.CancelledError):
                raise
            return
        else:
            if self._written is not None:
                whole = [request for request, _ in batch if request[4] is None]  # drama-level ratings
                if whole:
                    self._written({request[1] or 0 for request in whole} | {0}, {request[0] for request in whole})
            for (_, future), outcome in zip(batch, outcomes, strict=True):
                if future.done():  # the caller went away; its rating is stored all the same
                    continue
                if isinstance(outcome, BaseException):
                    future.set_exception(outcome)
                else:
                    future.set_result(outcome)
        finally:
            self._busy -= held
            self._writing.discard(asyncio.current_task())  # type: ignore[arg-type]
            self._kick()  # the rest of the queue (on a closed store: StoreUnavailable for each)

    async def user_rating(self, *, user_id: int, drama_id: int, episode: int | None = None) -> float | None:
        row = await self._db.fetch_one(
            "SELECT halves FROM ratings WHERE drama_id = ? AND episode = ? AND user_id = ?",
            (drama_id, episode or 0, user_id),
        )
        return row["halves"] / 2 if row else None

    async def community_scores(self, drama_id: int, guild_id: int | None) -> CommunityScores:
        found = await self._db.fetch(
            "SELECT scope, episode, n, halves FROM rating_totals WHERE drama_id = ? AND scope IN (0, ?)",
            (drama_id, guild_id or 0),
            quick=True,
        )
        return scores_from(found, guild_id)

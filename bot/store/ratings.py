"""Ratings: one score per member per drama (episode 0) and per episode, group-committed; community totals.

`rate` queues the request; one flusher task writes what has queued up as one batch in one transaction
(`Db.rate_batch`: savepoints on SQLite's writer, one `INSERT ... SELECT FROM unnest(...) ON CONFLICT` on
PostgreSQL). The totals in `rating_totals` are kept by triggers in the database on both backends, so
they are exact whatever process wrote.
"""

from __future__ import annotations

import asyncio

from bot.errors import StoreUnavailable
from bot.models import CommunityScores, RateResult, ScoreSummary
from bot.store.db import Db

RATE_BATCH = 256  # ratings written per transaction at most

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
    def __init__(self, db: Db) -> None:
        self._db = db
        self._queue: list[tuple[RateRequest, asyncio.Future[RateResult]]] = []
        self._flusher: asyncio.Task[None] | None = None

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
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush(), name="store-rate-batches")
        return await future

    async def drain(self) -> None:
        """Wait until ratings already queued are written (before closing)."""
        if self._flusher is not None and not self._flusher.done():
            await asyncio.wait([self._flusher])

    async def _flush(self) -> None:
        while self._queue:
            batch = self._queue[:RATE_BATCH]
            del self._queue[:RATE_BATCH]
            try:
                outcomes = await self._db.rate_batch([request for request, _ in batch])
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
                continue
            for (_, future), outcome in zip(batch, outcomes, strict=True):
                if future.done():  # the caller went away; its rating is stored all the same
                    continue
                if isinstance(outcome, BaseException):
                    future.set_exception(outcome)
                else:
                    future.set_result(outcome)

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

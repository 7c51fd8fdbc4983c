"""Ratings: one score per member per drama (episode 0) and per episode; community totals.

The totals in `rating_totals` are kept by triggers on both backends, so they are exact whatever process wrote.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Callable

from bot.errors import StoreUnavailable
from bot.models import RateResult, ScoreSummary
from bot.store import rows
from bot.store.db import Db, Tx
from bot.store.rows import DRAMA_COLUMNS


class Ratings:
    def __init__(self, db: Db, written: Callable[[set[int], tuple[int]], None] | None = None) -> None:
        self._db = db
        # Told the scopes and member of each drama-level rating committed (/top's charts, /match's scores).
        self._written = written
        # One member's ratings are written one at a time, in the order given (PostgreSQL runs
        # transactions side by side): the last score given is the one that stays.
        self._members: weakref.WeakValueDictionary[int, asyncio.Lock] = weakref.WeakValueDictionary()

    async def rate(
        self, *, user_id: int, guild_id: int | None, drama_id: int, score: float, episode: int | None = None
    ) -> RateResult:
        """Add or replace one member's score (0.5..5 in 0.5 steps) for a drama or one episode; LookupError
        for an unknown drama, ValueError for a bad score or episode."""
        halves = score * 2
        if not (1 <= halves <= 10) or halves != int(halves):
            raise ValueError(f"score must be 0.5..5 in steps of 0.5, got {score!r}")
        if self._db.closed:
            raise StoreUnavailable("the store is closed")
        halves, ep = int(halves), episode or 0

        async def write(tx: Tx) -> RateResult:
            drama_row = await tx.fetch_one(f"SELECT {DRAMA_COLUMNS} FROM dramas WHERE id = ?", (drama_id,))
            if drama_row is None:
                raise LookupError(f"no drama with id {drama_id}")
            if episode is not None and not (1 <= episode <= drama_row["episode_count"]):
                raise ValueError(f"episode must be 1..{drama_row['episode_count']}, got {episode}")
            key = (drama_id, ep, user_id)
            # Inserted, or (the key is rated already) its score read, locked on PostgreSQL, and replaced: so
            # "previous" is exact also when another process rates the same key at the same time.
            old = None
            inserted = await tx.fetch_one(
                "INSERT INTO ratings (drama_id, episode, user_id, guild_id, halves) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT (drama_id, episode, user_id) DO NOTHING RETURNING halves",
                (*key, guild_id, halves),
            )
            if inserted is None:
                old = await tx.fetch_one(
                    "SELECT halves, guild_id FROM ratings WHERE drama_id = ? AND episode = ? AND user_id = ?"
                    + (" FOR UPDATE" if self._db.dialect == "postgres" else ""),
                    key,
                )
                if old["halves"] != halves or old["guild_id"] != guild_id:
                    await tx.execute(
                        f"UPDATE ratings SET halves = ?, guild_id = ?, updated_at = {self._db.now} "
                        "WHERE drama_id = ? AND episode = ? AND user_id = ?",
                        (halves, guild_id, *key),
                    )
            found = await tx.fetch(
                "SELECT scope, n, halves FROM rating_totals WHERE drama_id = ? AND episode = ? "
                "AND scope IN (0, ?)",
                (drama_id, ep, guild_id or 0),
            )
            totals = {r["scope"]: ScoreSummary(r["n"], r["halves"]) for r in found}
            return RateResult(
                drama=rows.drama(drama_row, ()),
                episode=episode,
                score=halves / 2,
                previous=old["halves"] / 2 if old is not None else None,
                server=totals.get(guild_id, ScoreSummary()) if guild_id else ScoreSummary(),
                everyone=totals.get(0, ScoreSummary()),
                in_guild=guild_id is not None,
            )

        lock = self._members.get(user_id)
        if lock is None:
            lock = self._members[user_id] = asyncio.Lock()
        async with lock:
            result = await self._db.write(write)
        if episode is None and self._written is not None:
            self._written({guild_id or 0, 0}, (user_id,))
        return result


"""/pick's server polls: the candidates (a server's Plan to watch), one open poll per channel, and the
settling of an ended poll exactly once (a lease while the poll job works, then done).

A poll row is made before the poll is posted (a reservation, `message_id` NULL): two /pick at once in a
channel cannot both post. A reservation whose post never finished (the process died) frees the channel
after RESERVATION. A settled poll (done) is replaced by the channel's next one.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from bot.community.ranking import bayesian
from bot.models import PickCandidate, ServerPoll
from bot.store.airing import ts
from bot.store.db import Db, Tx, marks
from bot.store.rows import HIDDEN

RESERVATION = timedelta(minutes=2)  # an unposted reservation older than this no longer holds the channel
OUTCOMES = ("winner", "no_votes", "deleted", "gone")

# The server's Plan to watch counts per drama (removed dramas left out), with the drama's totals in the
# server's scope and everyone's (scope 0), for the Bayesian tie-break.
_PLANS = (
    "SELECT p.drama_id, d.title, p.plans, s.n AS sn, s.halves AS sh, e.n AS en, e.halves AS eh FROM ("
    "SELECT drama_id, count(*) AS plans FROM watchlist WHERE guild_id = ? AND status = 'plan' "
    "GROUP BY drama_id) AS p JOIN dramas d ON d.id = p.drama_id AND d.hidden_at IS NULL "
    "LEFT JOIN rating_totals s ON s.drama_id = p.drama_id AND s.episode = 0 AND s.scope = ? "
    "LEFT JOIN rating_totals e ON e.drama_id = p.drama_id AND e.episode = 0 AND e.scope = 0"
)
_SCOPES = (
    "SELECT scope, CAST(SUM(n) AS BIGINT), CAST(SUM(halves) AS BIGINT) FROM rating_totals "
    f"WHERE scope IN (?, 0) AND episode = 0 AND n > 0 AND drama_id NOT IN {HIDDEN} GROUP BY scope"
)
_COLUMNS = "channel_id, guild_id, message_id, drama_ids, ends_at, done_at"


def _score(n: int | None, halves: int | None, scope: tuple[int, int] | None) -> float | None:
    """The drama's Bayesian average in a scope (/top's), or None when the scope has no ratings."""
    if not scope or not scope[0]:
        return None
    return bayesian(n or 0, (halves or 0) / 2, (scope[1] / 2) / scope[0])


def tie_key(c: PickCandidate) -> tuple:
    """Most plans first; ties: the server's Bayesian score, then everyone's, then the lower drama id."""
    return (-c.plans, -(c.server_score or 0.0), -(c.everyone_score or 0.0), c.drama_id)


def _poll(row) -> ServerPoll:  # noqa: ANN001 - a row of either backend
    ends = datetime.fromisoformat(str(row["ends_at"]))
    return ServerPoll(
        channel_id=int(row["channel_id"]), guild_id=int(row["guild_id"]),
        message_id=int(row["message_id"]) if row["message_id"] is not None else None,
        drama_ids=tuple(int(x) for x in str(row["drama_ids"]).split(",") if x),
        ends_at=ends, done=row["done_at"] is not None,
    )  # fmt: skip


class Polls:
    def __init__(self, db: Db) -> None:
        self._db = db

    async def candidates(self, guild_id: int, count: int) -> list[PickCandidate]:
        """The `count` dramas most on this server's Plan to watch lists (see `tie_key`)."""
        found = await self._scored(guild_id, None)
        return sorted(found, key=tie_key)[: max(0, count)]

    async def scores(self, guild_id: int, drama_ids: Sequence[int]) -> dict[int, PickCandidate]:
        """The candidates' figures for these dramas now (a poll's tie-break), by drama id; plans may be 0."""
        found = {c.drama_id: c for c in await self._scored(guild_id, drama_ids)}
        rows = await self._db.fetch(
            f"SELECT id, title FROM dramas WHERE id IN ({marks(len(drama_ids))})", tuple(drama_ids)
        ) if drama_ids else []  # fmt: skip
        titles = {int(r["id"]): r["title"] for r in rows}
        scopes = await self._scopes(guild_id)
        for drama_id in drama_ids:
            if drama_id not in found and drama_id in titles:  # no longer planned: scores alone
                totals = await self._totals(guild_id, drama_id)
                found[drama_id] = PickCandidate(
                    drama_id, titles[drama_id], 0, _score(*totals[0], scopes.get(guild_id)),
                    _score(*totals[1], scopes.get(0)),
                )  # fmt: skip
        return found

    async def _scopes(self, guild_id: int) -> dict[int, tuple[int, int]]:
        return {int(r[0]): (int(r[1]), int(r[2])) for r in await self._db.fetch(_SCOPES, (guild_id,))}

    async def _totals(self, guild_id: int, drama_id: int) -> tuple[tuple, tuple]:
        rows = await self._db.fetch(
            "SELECT scope, n, halves FROM rating_totals WHERE drama_id = ? AND episode = 0 AND scope IN (?, 0)",
            (drama_id, guild_id),
        )
        by = {int(r["scope"]): (r["n"], r["halves"]) for r in rows}
        return by.get(guild_id, (None, None)), by.get(0, (None, None))

    async def _scored(self, guild_id: int, only: Sequence[int] | None) -> list[PickCandidate]:
        sql, params = _PLANS, (guild_id, guild_id)
        if only is not None:
            if not only:
                return []
            sql += f" WHERE p.drama_id IN ({marks(len(only))})"
            params += tuple(only)
        rows = await self._db.fetch(sql, params)
        scopes = await self._scopes(guild_id) if rows else {}
        return [
            PickCandidate(
                int(r["drama_id"]), r["title"], int(r["plans"]),
                _score(r["sn"], r["sh"], scopes.get(guild_id)), _score(r["en"], r["eh"], scopes.get(0)),
            )
            for r in rows
        ]  # fmt: skip

    async def open(
        self, *, channel_id: int, guild_id: int, drama_ids: Sequence[int], ends_at: datetime, now: datetime
    ) -> bool:
        """Reserve the channel for a new poll of these dramas; False when a poll there is open (or ended and
        not settled yet), and nothing is written."""
        if not 2 <= len(drama_ids) <= 10:
            raise ValueError("a poll has 2 to 10 dramas")
        if ends_at <= now:
            raise ValueError("a poll ends after it starts")

        async def write(tx: Tx) -> bool:
            row = await tx.fetch_one(
                "INSERT INTO server_polls (channel_id, guild_id, message_id, drama_ids, created_at, ends_at) "
                "VALUES (?, ?, NULL, ?, ?, ?) ON CONFLICT (channel_id) DO UPDATE SET "
                "guild_id = excluded.guild_id, message_id = NULL, drama_ids = excluded.drama_ids, "
                "created_at = excluded.created_at, ends_at = excluded.ends_at, lease_until = NULL, "
                "done_at = NULL, outcome = NULL, winner_id = NULL, posted_winner = NULL "
                "WHERE server_polls.done_at IS NOT NULL "
                "OR (server_polls.message_id IS NULL AND server_polls.created_at < ?) RETURNING channel_id",
                (channel_id, guild_id, ",".join(str(d) for d in drama_ids), ts(now), ts(ends_at),
                 ts(now - RESERVATION)),
            )  # fmt: skip
            return row is not None

        return await self._db.write(write)

    async def posted(self, channel_id: int, message_id: int) -> None:
        """The reserved poll was posted as this message."""

        async def write(tx: Tx) -> None:
            await tx.execute(
                "UPDATE server_polls SET message_id = ? WHERE channel_id = ? AND message_id IS NULL "
                "AND done_at IS NULL",
                (message_id, channel_id),
            )

        await self._db.write(write)

    async def cancel(self, channel_id: int) -> None:
        """The reserved poll could not be posted: the channel is free again."""

        async def write(tx: Tx) -> None:
            await tx.execute(
                "DELETE FROM server_polls WHERE channel_id = ? AND message_id IS NULL AND done_at IS NULL",
                (channel_id,),
            )

        await self._db.write(write)

    async def in_channel(self, channel_id: int) -> ServerPoll | None:
        """The channel's poll (open, waiting to be settled, or the last settled one)."""
        row = await self._db.fetch_one(
            f"SELECT {_COLUMNS} FROM server_polls WHERE channel_id = ?", (channel_id,)
        )
        return _poll(row) if row is not None else None

    async def due(self, now: datetime, limit: int = 100) -> list[ServerPoll]:
        """Posted polls that ended by `now`, not settled and not leased by a process settling them."""
        rows = await self._db.fetch(
            f"SELECT {_COLUMNS} FROM server_polls WHERE done_at IS NULL AND message_id IS NOT NULL "
            "AND ends_at <= ? AND (lease_until IS NULL OR lease_until <= ?) ORDER BY ends_at, channel_id LIMIT ?",
            (ts(now), ts(now), limit),
        )
        return [_poll(r) for r in rows]

    async def claim(self, poll: ServerPoll, *, now: datetime, lease: timedelta) -> bool:
        """Lease the ended poll until now + lease to settle it; False when settled or leased elsewhere."""

        async def write(tx: Tx) -> bool:
            row = await tx.fetch_one(
                "UPDATE server_polls SET lease_until = ? WHERE channel_id = ? AND message_id = ? "
                "AND done_at IS NULL AND (lease_until IS NULL OR lease_until <= ?) RETURNING channel_id",
                (ts(now + lease), poll.channel_id, poll.message_id, ts(now)),
            )
            return row is not None

        return await self._db.write(write)

    async def release(self, poll: ServerPoll) -> None:
        """Give the lease back: the poll is settled on a later cycle (Discord did not answer)."""

        async def write(tx: Tx) -> None:
            await tx.execute(
                "UPDATE server_polls SET lease_until = NULL WHERE channel_id = ? AND message_id = ? "
                "AND done_at IS NULL",
                (poll.channel_id, poll.message_id),
            )

        await self._db.write(write)

    async def finish(
        self, poll: ServerPoll, *, outcome: str, now: datetime, winner_id: int | None = None,
        posted: int | None = None,
    ) -> bool:  # fmt: skip
        """Settle the poll (once: False when it already was)."""
        if outcome not in OUTCOMES:
            raise ValueError(f"unknown poll outcome {outcome!r}")

        async def write(tx: Tx) -> bool:
            row = await tx.fetch_one(
                "UPDATE server_polls SET done_at = ?, outcome = ?, winner_id = ?, posted_winner = ?, "
                "lease_until = NULL WHERE channel_id = ? AND message_id = ? AND done_at IS NULL "
                "RETURNING channel_id",
                (ts(now), outcome, winner_id, posted, poll.channel_id, poll.message_id),
            )
            return row is not None

        return await self._db.write(write)

    async def outcome(self, channel_id: int) -> tuple[str | None, int | None, int | None]:
        """(outcome, winner drama, the result's message) of the channel's poll; Nones while not settled."""
        row = await self._db.fetch_one(
            "SELECT outcome, winner_id, posted_winner FROM server_polls WHERE channel_id = ?", (channel_id,)
        )
        if row is None:
            return None, None, None
        return row["outcome"], row["winner_id"], row["posted_winner"]

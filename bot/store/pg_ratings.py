"""A batch of ratings on PostgreSQL: one round trip per batch, whatever its size.

`SELECT * FROM rate_batch(...)` (migration 0009) runs in its own implicit transaction (no BEGIN and
COMMIT round trips): the dramas `FOR KEY SHARE` (an unknown drama or an episode out of range refuses
only its own keys); the members' current scores `FOR UPDATE` in key order (the previous score each
answer shows); one `INSERT ... SELECT FROM unnest(...) ON CONFLICT DO NOTHING` for the keys without a
score (a key another process inserted meanwhile is read, and locked, then, so "previous" is exact even
then); one `UPDATE` for the keys whose score or server changes; the totals the answers show, read back
inside the transaction by their exact keys. Before: BEGIN, five statements and COMMIT, a round trip each.
The Drama each answer shows comes from the store's memory (the command that rated has just read it); the
others are read on another connection while the batch is written.

The PL/pgSQL trigger keeps `rating_totals` exact. A key rated twice in one batch is written once, with
its last score. Writers lock rows in key order, so batches from many processes rarely deadlock; when
they do, the statement runs again (PostgresDb.statement).
"""

from __future__ import annotations

import asyncio
from typing import Any

from bot.models import RateResult, ScoreSummary
from bot.store import rows
from bot.store.rows import DRAMA_COLUMNS

_DRAMAS = f"SELECT {DRAMA_COLUMNS} FROM dramas WHERE id = ANY($1::bigint[])"
_RATE = (
    "SELECT kind, drama_id, episode, who, a, b FROM rate_batch("
    "$1::bigint[], $2::integer[], $3::bigint[], $4::bigint[], $5::integer[], $6::bigint[], $7::integer[], $8::bigint[])"
)
CURRENT, TOTAL, REFUSED = 0, 1, 2  # the kinds of rows rate_batch() returns
NO_DRAMA = 1

Key = tuple[int, int, int]  # (drama_id, episode or 0, user_id)


def _refusal(drama_id: int, episode: int | None, count: int | None) -> Exception:
    if count is None:
        return LookupError(f"no drama with id {drama_id}")
    return ValueError(f"episode must be 1..{count}, got {episode}")


async def rate_batch(db: Any, requests: list[tuple], cached: Any = None) -> list[RateResult | Exception]:
    """The outcome of each (user, guild, drama, halves, episode); `db` is the PostgresDb, `cached` the
    store's Drama rows in memory (the others are read, at the same time as the batch is written)."""
    final: dict[Key, tuple[int | None, int]] = {}
    keys: list[Key] = []
    for user, guild, drama_id, halves, episode in requests:
        # An episode below 1 is refused by rate_batch() (with the episode count for the message).
        key = (drama_id, (episode if episode >= 1 else -1) if episode is not None else 0, user)
        keys.append(key)
        final[key] = (guild, halves)
    ordered = sorted(final.items())
    wanted = sorted(
        {
            (k[0], k[1], s)
            for k, (_, g, _, _, _) in zip(keys, requests, strict=True)
            for s in ((0, g) if g else (0,))
        }
    )
    columns = [[k[0] for k, _ in ordered], [k[1] for k, _ in ordered], [k[2] for k, _ in ordered],
               [v[0] for _, v in ordered], [v[1] for _, v in ordered],
               [w[0] for w in wanted], [w[1] for w in wanted], [w[2] for w in wanted]]  # fmt: skip
    ids = sorted({k[0] for k in final})
    shown = cached(ids) if cached is not None else {}
    missing = [i for i in ids if i not in shown]
    if missing:  # on another connection, while the batch is written
        found, read = await asyncio.gather(db.statement(_RATE, columns), _read_dramas(db, missing))
        shown.update(read)
    else:
        found = await db.statement(_RATE, columns)
    current: dict[Key, int] = {}
    totals: dict[tuple[int, int, int], ScoreSummary] = {}
    refused: dict[Key, int | None] = {}
    for kind, drama_id, episode, who, a, b in found:
        if kind == CURRENT:
            current[(drama_id, episode, who)] = a
        elif kind == TOTAL:
            totals[(drama_id, episode, who)] = ScoreSummary(a, b)
        else:
            refused[(drama_id, episode, who)] = None if a == NO_DRAMA else b

    outcomes: list[RateResult | Exception] = []
    for key, (_user, guild, drama_id, halves, episode) in zip(keys, requests, strict=True):
        if key in refused:
            outcomes.append(_refusal(drama_id, episode, refused[key]))
            continue
        if drama_id not in shown:  # removed between the read and the batch (refused there too)
            outcomes.append(_refusal(drama_id, episode, None))
            continue
        previous = current.get(key)
        current[key] = halves
        ep = key[1]
        outcomes.append(
            RateResult(
                drama=shown[drama_id],
                episode=episode,
                score=halves / 2,
                previous=previous / 2 if previous is not None else None,
                server=totals.get((drama_id, ep, guild), ScoreSummary()) if guild else ScoreSummary(),
                everyone=totals.get((drama_id, ep, 0), ScoreSummary()),
                in_guild=guild is not None,
            )
        )
    return outcomes


async def _read_dramas(db: Any, ids: list[int]) -> dict[int, Any]:
    return {r["id"]: rows.drama(r, ()) for r in await db.fetch(_DRAMAS, (ids,))}

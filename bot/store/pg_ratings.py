"""A batch of ratings on PostgreSQL: two round trips per batch, whatever its size.

1. The dramas rated, read (no lock): the Drama each answer shows, and the requests refused at once
   (unknown drama, episode out of range) fail only their own caller.
2. One statement, `SELECT * FROM rate_batch(...)` (migration 0007), in its own implicit transaction:
   the dramas `FOR KEY SHARE` (checked again there: one removed or shortened meanwhile refuses its keys);
   the members' current scores `FOR UPDATE` in key order (the previous score each answer shows); one
   `INSERT ... SELECT FROM unnest(...) ON CONFLICT DO NOTHING` for the keys without a score (a key another
   process inserted meanwhile is read, and locked, then, so "previous" is exact even then); one `UPDATE`
   for the keys whose score or server changes; the totals of the (drama, episode) pairs rated, read back
   inside the transaction. Before: BEGIN, five statements and COMMIT, a round trip each.

The PL/pgSQL trigger keeps `rating_totals` exact. A key rated twice in one batch is written once, with
its last score. Writers lock rows in key order, so batches from many processes rarely deadlock; when
they do, the statement runs again (PostgresDb.statement).
"""

from __future__ import annotations

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


async def rate_batch(db: Any, requests: list[tuple]) -> list[RateResult | Exception]:
    """The outcome of each (user, guild, drama, halves, episode); `db` is the PostgresDb."""
    dramas = {r["id"]: r for r in await db.fetch(_DRAMAS, (sorted({req[2] for req in requests}),))}
    outcomes: list[RateResult | Exception | None] = []
    valid: list[tuple[int, tuple]] = []
    for i, (_user, _guild, drama_id, _halves, episode) in enumerate(requests):
        row = dramas.get(drama_id)
        if row is None:
            outcomes.append(_refusal(drama_id, episode, None))
        elif episode is not None and not (1 <= episode <= row["episode_count"]):
            outcomes.append(_refusal(drama_id, episode, row["episode_count"]))
        else:
            outcomes.append(None)
            valid.append((i, requests[i]))
    if not valid:
        return outcomes  # type: ignore[return-value]

    final: dict[Key, tuple[int | None, int]] = {}
    for _, (user, guild, drama_id, halves, episode) in valid:
        final[(drama_id, episode or 0, user)] = (guild, halves)
    ordered = sorted(final.items())
    wanted = sorted({(d, e or 0, s) for _, (_, g, d, _, e) in valid for s in ((0, g) if g else (0,))})
    columns = [[k[0] for k, _ in ordered], [k[1] for k, _ in ordered], [k[2] for k, _ in ordered],
               [v[0] for _, v in ordered], [v[1] for _, v in ordered],
               [w[0] for w in wanted], [w[1] for w in wanted], [w[2] for w in wanted]]  # fmt: skip
    current: dict[Key, int] = {}
    totals: dict[tuple[int, int, int], ScoreSummary] = {}
    refused: dict[Key, int | None] = {}
    for kind, drama_id, episode, who, a, b in await db.statement(_RATE, columns):
        if kind == CURRENT:
            current[(drama_id, episode, who)] = a
        elif kind == TOTAL:
            totals[(drama_id, episode, who)] = ScoreSummary(a, b)
        else:  # removed or shortened since the read above
            refused[(drama_id, episode, who)] = None if a == NO_DRAMA else b

    made: dict[int, Any] = {}  # one Drama per drama id in the batch
    for i, (user, guild, drama_id, halves, episode) in valid:
        ep = episode or 0
        key = (drama_id, ep, user)
        if key in refused:
            outcomes[i] = _refusal(drama_id, episode, refused[key])
            continue
        previous = current.get(key)
        current[key] = halves
        if drama_id not in made:
            made[drama_id] = rows.drama(dramas[drama_id], ())
        outcomes[i] = RateResult(
            drama=made[drama_id],
            episode=episode,
            score=halves / 2,
            previous=previous / 2 if previous is not None else None,
            server=totals.get((drama_id, ep, guild), ScoreSummary()) if guild else ScoreSummary(),
            everyone=totals.get((drama_id, ep, 0), ScoreSummary()),
            in_guild=guild is not None,
        )
    return outcomes  # type: ignore[return-value]

"""A batch of ratings on PostgreSQL: a handful of statements per batch, whatever its size.

1. The dramas rated, `FOR KEY SHARE` (none can be removed under the batch): unknown dramas and episodes
   out of range fail only their own request.
2. The members' current scores, `FOR UPDATE` in key order: the previous score each answer shows.
3. One `INSERT ... SELECT FROM unnest(...) ON CONFLICT DO NOTHING` for the keys without a score. A key
   another process inserted meanwhile (it committed after step 2) comes back as a conflict: its score
   is read (and locked) then, so "previous" is exact even then.
4. One `UPDATE ... FROM unnest(...)` for the keys that had a score and get a different one.
5. The totals of the (drama, episode) pairs rated, read back inside the transaction.

The PL/pgSQL trigger keeps `rating_totals` exact. A key rated twice in one batch is written once, with
its last score. Writers lock rows in key order, so batches from many processes rarely deadlock; when
they do, the whole transaction runs again (PostgresDb.write).
"""

from __future__ import annotations

from typing import Any

from bot.models import RateResult, ScoreSummary
from bot.store import rows
from bot.store.rows import DRAMA_COLUMNS

_DRAMAS = f"SELECT {DRAMA_COLUMNS} FROM dramas WHERE id = ANY($1::bigint[]) ORDER BY id FOR KEY SHARE"
_CURRENT = (
    "SELECT r.drama_id, r.episode, r.user_id, r.halves FROM ratings r "
    "JOIN unnest($1::bigint[], $2::integer[], $3::bigint[]) AS k(d, e, u) "
    "ON r.drama_id = k.d AND r.episode = k.e AND r.user_id = k.u "
    "ORDER BY r.drama_id, r.episode, r.user_id FOR UPDATE OF r"
)
_INSERT = (
    "INSERT INTO ratings (drama_id, episode, user_id, guild_id, halves) "
    "SELECT d, e, u, g, h FROM unnest($1::bigint[], $2::integer[], $3::bigint[], $4::bigint[], $5::integer[]) "
    "AS k(d, e, u, g, h) ORDER BY d, e, u "
    "ON CONFLICT (drama_id, episode, user_id) DO NOTHING RETURNING drama_id, episode, user_id"
)
_UPDATE = (
    "UPDATE ratings AS r SET halves = k.h, guild_id = k.g, updated_at = now() "
    "FROM unnest($1::bigint[], $2::integer[], $3::bigint[], $4::bigint[], $5::integer[]) AS k(d, e, u, g, h) "
    "WHERE r.drama_id = k.d AND r.episode = k.e AND r.user_id = k.u "
    "AND (r.halves IS DISTINCT FROM k.h OR r.guild_id IS DISTINCT FROM k.g)"
)
_TOTALS = (
    "SELECT t.drama_id, t.episode, t.scope, t.n, t.halves FROM rating_totals t "
    "JOIN unnest($1::bigint[], $2::integer[]) AS k(d, e) ON t.drama_id = k.d AND t.episode = k.e "
    "WHERE t.scope = ANY($3::bigint[])"
)

Key = tuple[int, int, int]  # (drama_id, episode or 0, user_id)


def _columns(items: list[tuple[Key, tuple[int | None, int]]]) -> list[list]:
    """unnest() arguments: drama ids, episodes, user ids, guild ids, halves."""
    return [[k[0] for k, _ in items], [k[1] for k, _ in items], [k[2] for k, _ in items],
            [v[0] for _, v in items], [v[1] for _, v in items]]  # fmt: skip


async def _current(conn: Any, keys: list[Key]) -> dict[Key, int]:
    """The stored scores of these keys, locked until the transaction ends."""
    if not keys:
        return {}
    found = await conn.fetch(_CURRENT, *map(list, zip(*keys, strict=True)))
    return {(r["drama_id"], r["episode"], r["user_id"]): r["halves"] for r in found}


async def rate_batch(conn: Any, requests: list[tuple]) -> list[RateResult | Exception]:
    """Inside an open transaction on `conn`: the outcome of each (user, guild, drama, halves, episode)."""
    dramas = {r["id"]: r for r in await conn.fetch(_DRAMAS, sorted({req[2] for req in requests}))}
    outcomes: list[RateResult | Exception | None] = []
    valid: list[tuple[int, tuple]] = []
    for i, (_user, _guild, drama_id, _halves, episode) in enumerate(requests):
        row = dramas.get(drama_id)
        if row is None:
            outcomes.append(LookupError(f"no drama with id {drama_id}"))
        elif episode is not None and not (1 <= episode <= row["episode_count"]):
            outcomes.append(ValueError(f"episode must be 1..{row['episode_count']}, got {episode}"))
        else:
            outcomes.append(None)
            valid.append((i, requests[i]))
    if not valid:
        return outcomes  # type: ignore[return-value]

    final: dict[Key, tuple[int | None, int]] = {}
    for _, (user, guild, drama_id, halves, episode) in valid:
        final[(drama_id, episode or 0, user)] = (guild, halves)
    ordered = sorted(final.items())
    current = await _current(conn, [k for k, _ in ordered])
    missing = [(k, v) for k, v in ordered if k not in current]
    if missing:
        inserted = {tuple(r) for r in await conn.fetch(_INSERT, *_columns(missing))}
        current.update(await _current(conn, [k for k, _ in missing if k not in inserted]))  # raced
    else:
        inserted = set()
    changed = [(k, v) for k, v in ordered if k not in inserted]
    if changed:
        await conn.execute(_UPDATE, *_columns(changed))

    previous: dict[int, int | None] = {}
    for i, (user, _guild, drama_id, halves, episode) in valid:
        key = (drama_id, episode or 0, user)
        previous[i] = current.get(key)
        current[key] = halves

    pairs = sorted({(d, e) for d, e, _ in final})
    scopes = sorted({0, *(g for g, _ in final.values() if g is not None)})
    totals = {
        (r["drama_id"], r["episode"], r["scope"]): ScoreSummary(r["n"], r["halves"])
        for r in await conn.fetch(_TOTALS, [p[0] for p in pairs], [p[1] for p in pairs], scopes)
    }
    for i, (_user, guild, drama_id, halves, episode) in valid:
        ep = episode or 0
        outcomes[i] = RateResult(
            drama=rows.drama(dramas[drama_id], ()),
            episode=episode,
            score=halves / 2,
            previous=previous[i] / 2 if previous[i] is not None else None,
            server=totals.get((drama_id, ep, guild), ScoreSummary()) if guild else ScoreSummary(),
            everyone=totals.get((drama_id, ep, 0), ScoreSummary()),
            in_guild=guild is not None,
        )
    return outcomes  # type: ignore[return-value]

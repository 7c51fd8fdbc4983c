"""A batch of ratings on SQLite: one transaction, each request in a savepoint of its own (a bad one fails
alone), run synchronously on whichever thread holds the sqlite3 connection (see SqliteDb.rate_batch)."""

from __future__ import annotations

import sqlite3

from bot.models import RateResult, ScoreSummary
from bot.store import rows
from bot.store.rows import DRAMA_COLUMNS

NOW = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')"


def write_ratings(
    conn: sqlite3.Connection, requests: list[tuple], begun: bool = False
) -> list[RateResult | Exception]:
    """One transaction (already begun when `begun`); each request in a savepoint of its own."""
    if not begun:
        conn.execute("BEGIN IMMEDIATE")
    try:
        outcomes: list[RateResult | Exception] = []
        for request in requests:
            conn.execute("SAVEPOINT rate_one")
            try:
                outcomes.append(_rate_one(conn, *request))
            except (LookupError, ValueError, sqlite3.IntegrityError) as exc:
                conn.execute("ROLLBACK TO rate_one")
                outcomes.append(exc)
            conn.execute("RELEASE rate_one")
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    return outcomes


def _rate_one(
    db: sqlite3.Connection,
    user_id: int,
    guild_id: int | None,
    drama_id: int,
    halves: int,
    episode: int | None,
) -> RateResult:
    """One rating inside the batch's transaction (synchronous: runs on the writer's thread)."""
    ep = episode or 0
    drama_row = db.execute(f"SELECT {DRAMA_COLUMNS} FROM dramas WHERE id = ?", (drama_id,)).fetchone()
    if drama_row is None:
        raise LookupError(f"no drama with id {drama_id}")
    if episode is not None and not (1 <= episode <= drama_row["episode_count"]):
        raise ValueError(f"episode must be 1..{drama_row['episode_count']}, got {episode}")
    old = db.execute(
        "SELECT halves, guild_id FROM ratings WHERE drama_id = ? AND episode = ? AND user_id = ?",
        (drama_id, ep, user_id),
    ).fetchone()
    if old is None:
        db.execute(
            "INSERT INTO ratings (drama_id, episode, user_id, guild_id, halves) VALUES (?, ?, ?, ?, ?)",
            (drama_id, ep, user_id, guild_id, halves),
        )
    elif old["halves"] != halves or old["guild_id"] != guild_id:
        db.execute(
            f"UPDATE ratings SET halves = ?, guild_id = ?, updated_at = {NOW} "
            "WHERE drama_id = ? AND episode = ? AND user_id = ?",
            (halves, guild_id, drama_id, ep, user_id),
        )
    found = db.execute(
        "SELECT scope, n, halves FROM rating_totals WHERE drama_id = ? AND episode = ? AND scope IN (0, ?)",
        (drama_id, ep, guild_id or 0),
    ).fetchall()
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

"""Applying imported history (bot/store/history.py) on both backends: idempotent, the member's newer
scores and statuses kept unless "replace", progress capped, episode scores raising progress as /rate does."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.store.history import HistoryItem

ALICE, GUILD = 2001, 555
PAST = datetime(2020, 1, 1, tzinfo=UTC)
FUTURE = datetime.now(UTC) + timedelta(days=1)  # a row made after the member's change (file made later)


async def _state(store, drama_id):
    entry = await store.watchlists.entry(ALICE, drama_id)
    rows = await store.db.fetch(
        "SELECT episode, halves, guild_id FROM ratings WHERE user_id = ? AND drama_id = ? ORDER BY episode",
        (ALICE, drama_id),
    )
    return (
        (entry.status, entry.progress) if entry else None,
        [(r["episode"], r["halves"], r["guild_id"]) for r in rows],
    )


async def test_apply_is_idempotent_and_caps_progress(store, add_drama):
    a = await add_drama("a-drama", episode_count=16)
    b = await add_drama("b-drama", episode_count=4)
    c = await add_drama("c-drama", episode_count=10)
    items = [
        HistoryItem(a, halves=8, status="watching", progress=40, at=PAST),  # progress capped at 16
        HistoryItem(b, halves=10, status="completed", at=PAST),
        HistoryItem(c, episodes=((3, 6, PAST), (5, None, PAST), (99, 4, PAST))),  # 99: not an episode
    ]
    first = await store.history.apply(user_id=ALICE, guild_id=GUILD, items=items)
    assert (first.rated, first.episodes_rated, first.unchanged) == (2, 1, 0)
    assert await _state(store, a) == (("watching", 16), [(0, 8, GUILD)])
    assert await _state(store, b) == (("completed", 4), [(0, 10, GUILD)])
    assert await _state(store, c) == (("watching", 5), [(3, 6, GUILD)])
    totals = await store.db.fetch("SELECT n, halves FROM rating_totals WHERE drama_id = ? AND episode = 0 "
                                  "AND scope = ?", (a, GUILD))  # fmt: skip
    assert [(r["n"], r["halves"]) for r in totals] == [(1, 8)]
    stamps = await store.db.fetch("SELECT updated_at FROM ratings WHERE user_id = ? UNION ALL "
                                  "SELECT updated_at FROM watchlist WHERE user_id = ?", (ALICE, ALICE))  # fmt: skip
    again = await store.history.apply(user_id=ALICE, guild_id=GUILD, items=items)
    assert (again.rated, again.episodes_rated, again.listed, again.unchanged) == (0, 0, 0, 3)
    assert await store.db.fetch("SELECT updated_at FROM ratings WHERE user_id = ? UNION ALL "
                                "SELECT updated_at FROM watchlist WHERE user_id = ?", (ALICE, ALICE)) == stamps  # fmt: skip


async def test_the_members_newer_score_wins_unless_replace(store, add_drama):
    drama = await add_drama("mine", episode_count=8)
    await store.ratings.rate(user_id=ALICE, guild_id=None, drama_id=drama, score=2.0)
    await store.watchlists.set(user_id=ALICE, guild_id=None, drama_id=drama, status="dropped", episode=2)
    old = HistoryItem(drama, halves=9, status="watching", progress=5, at=PAST)
    kept = await store.history.apply(user_id=ALICE, guild_id=GUILD, items=[old])
    assert kept.kept == 2 and kept.rated == 0
    assert await _state(store, drama) == (("dropped", 5), [(0, 4, None)])  # progress only moves up
    undated = HistoryItem(drama, halves=9, status="watching")
    await store.history.apply(user_id=ALICE, guild_id=GUILD, items=[undated])
    assert (await _state(store, drama))[1] == [(0, 4, None)]
    newer = HistoryItem(drama, halves=9, status="watching", progress=3, at=FUTURE)
    await store.history.apply(user_id=ALICE, guild_id=GUILD, items=[newer])
    assert await _state(store, drama) == (("watching", 5), [(0, 9, GUILD)])
    await store.history.apply(user_id=ALICE, guild_id=None, items=[old], replace=True)
    assert await _state(store, drama) == (("watching", 5), [(0, 9, GUILD)])  # the same score: untouched
    back = HistoryItem(drama, halves=3, status="plan", progress=1, at=PAST)
    await store.history.apply(user_id=ALICE, guild_id=None, items=[back], replace=True)
    assert await _state(store, drama) == (("plan", 1), [(0, 3, None)])


async def test_bad_items_store_nothing_and_chunks_commit(store, add_drama, monkeypatch):
    drama = await add_drama("x", episode_count=3)
    with pytest.raises(ValueError, match="unknown watch status"):
        await store.history.apply(user_id=ALICE, guild_id=None, items=[HistoryItem(drama, status="binged")])
    with pytest.raises(ValueError, match="half stars"):
        await store.history.apply(user_id=ALICE, guild_id=None, items=[HistoryItem(drama, halves=11)])
    assert await _state(store, drama) == (None, [])
    monkeypatch.setattr("bot.store.history.CHUNK", 4)  # two dramas of weight 2 a chunk
    ids = [await add_drama(f"d{n}", episode_count=2) for n in range(5)]
    seen = []

    async def progress(done, total):
        seen.append((done, total))

    done = await store.history.apply(
        user_id=ALICE, guild_id=None, items=[HistoryItem(i, halves=5) for i in ids], progress=progress
    )
    assert done.rated == 5 and seen == [(2, 5), (4, 5), (5, 5)]

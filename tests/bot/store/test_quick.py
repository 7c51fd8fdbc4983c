"""bot/store/sqlite.py's loop-thread paths (`fetch(quick=True)`, `_rate_now`): same results as the reader's
and writer's threads, a fall back to them when another process holds the lock, and WAL checkpoints kept going.

Real SQLite files; the only private things touched are a module constant (how often to checkpoint)."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from pathlib import Path
from types import SimpleNamespace

import pytest

import bot.store.sqlite as store_module
from bot.__main__ import STATS_MARKER, log_stats
from bot.models import ScoreSummary
from bot.store import Store

from tests.bot.conftest import Records

GUILD = 333_333_333_333_333_333


@pytest.mark.parametrize("backend", ["sqlite"])  # SQLite's file lock
async def test_a_rating_waits_for_another_process_lock_then_is_written(store, add_drama, db_path):
    """The loop-thread writer never waits for a lock: the writer's thread does, with the busy timeout."""
    drama_id = await add_drama("waits", episode_count=3)
    other = sqlite3.connect(db_path, isolation_level=None, timeout=0)
    try:
        other.execute("BEGIN IMMEDIATE")
        pending = asyncio.create_task(
            store.ratings.rate(user_id=7, guild_id=GUILD, drama_id=drama_id, score=3.5, episode=2)
        )
        await asyncio.sleep(0.3)  # the event loop is not blocked meanwhile: reads go on
        assert not pending.done()
        assert (await store.catalogue.review(drama_id, GUILD)).scores.everyone == ScoreSummary()
        other.execute("COMMIT")
        result = await asyncio.wait_for(pending, 5)
    finally:
        other.close()
    assert result.previous is None and result.everyone == ScoreSummary(1, 7)
    scores = await store.ratings.community_scores(drama_id, GUILD)
    assert scores.server_episodes == {2: ScoreSummary(1, 7)}


def wal_frames(path: Path) -> int:
    wal = Path(f"{path}-wal")
    return (wal.stat().st_size - 32) // (4096 + 24) if wal.exists() and wal.stat().st_size > 32 else 0


async def test_ratings_written_on_the_loop_are_checkpointed(db_path, monkeypatch):
    """The loop-thread writer has auto-checkpoints off; the store runs one on the writer's thread every
    QUICK_CHECKPOINT_EVERY batches, so the WAL file is reused instead of growing with every rating."""
    monkeypatch.setattr(store_module, "QUICK_CHECKPOINT_EVERY", 10)
    store = await Store.open(db_path)
    try:
        drama_id, _ = await store.catalogue.upsert(Records.drama("wal", episode_count=4), Records.episodes(4))
        for user in range(400):
            await store.ratings.rate(user_id=user, guild_id=GUILD, drama_id=drama_id, score=4)
        if store.db._checkpointer is not None:
            await store.db._checkpointer
        kept = wal_frames(db_path)
    finally:
        await store.close()
    # 400 commits of a few pages each would be over 1,000 frames without checkpoints.
    assert kept < 400, kept
    conn = sqlite3.connect(db_path)
    try:
        assert conn.execute("SELECT count(*), sum(halves) FROM ratings").fetchone() == (400, 3200)
    finally:
        conn.close()


async def test_cache_stats_count_hits_and_misses_and_the_stats_line_carries_them(store, add_drama, caplog):
    """The counters `python -m bench` reads (SIGUSR1 -> one `dramabot stats:` log line)."""
    first = await add_drama("counted-one")
    second = await add_drama("counted-two")
    before = store.cache_stats()
    await store.catalogue.get(first)  # upsert forgot it: a miss, then cached
    await store.catalogue.get(first)  # a hit
    assert [d.slug for d in await store.catalogue.find("counted-two")] == ["counted-two"]  # a miss
    assert await store.catalogue.get(second) is not None  # a hit
    after = store.cache_stats()
    assert after["drama_cache_hits"] - before["drama_cache_hits"] == 2
    assert after["drama_cache_misses"] - before["drama_cache_misses"] == 2
    assert after["drama_cache_size"] >= 2 and after["titles"] == 2

    with caplog.at_level(logging.INFO, logger="bot"):
        log_stats(SimpleNamespace(store=store))
    line = next(r.getMessage() for r in caplog.records if STATS_MARKER in r.getMessage())
    fields = dict(item.split("=", 1) for item in line.split()[2:])
    assert int(fields["drama_cache_hits"]) == after["drama_cache_hits"]
    assert int(fields["drama_cache_misses"]) == after["drama_cache_misses"]
    assert float(fields["cpu_s"]) > 0

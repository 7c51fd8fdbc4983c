"""A rating waiting out another process's lock (SQLite), and the stats line's store counters."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from types import SimpleNamespace

import pytest

from bot.__main__ import STATS_MARKER, log_stats
from bot.models import ScoreSummary
from tests.bot.store.readbacks import community_scores

GUILD = 333_333_333_333_333_333


@pytest.mark.parametrize("backend", ["sqlite"])  # SQLite's file lock
async def test_a_rating_waits_for_another_process_lock_then_is_written(store, add_drama, db_path):
    """The writer waits for the lock with the busy timeout; the event loop and reads go on meanwhile."""
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
    scores = await community_scores(store, drama_id, GUILD)
    assert scores.server_episodes == {2: ScoreSummary(1, 7)}


async def test_the_stats_line_carries_the_store_counters(store, add_drama, caplog):
    """SIGUSR1 -> one `dramabot stats:` log line, with what the store keeps in memory (titles indexed)."""
    await add_drama("counted-one")
    await add_drama("counted-two")
    assert store.cache_stats() == {"titles": 2}
    with caplog.at_level(logging.INFO, logger="bot"):
        log_stats(SimpleNamespace(store=store))
    line = next(r.getMessage() for r in caplog.records if STATS_MARKER in r.getMessage())
    fields = dict(item.split("=", 1) for item in line.split()[2:])
    assert int(fields["titles"]) == 2
    assert float(fields["cpu_s"]) > 0


async def test_pool_use_counts_the_connection_a_write_holds(store):
    """`pool_use()` for the operators' metrics: none in use when idle, one more while a write runs."""
    idle, size = store.pool_use()
    assert idle == 0
    from bot.store.postgres import POOL_MAX
    from bot.store.sqlite import READERS

    assert size == (POOL_MAX if store.backend == "postgres" else READERS + 1)  # SQLite: the writer, the readers
    inside, release = asyncio.Event(), asyncio.Event()

    async def held(tx) -> None:
        inside.set()
        await release.wait()

    writing = asyncio.create_task(store.db.write(held))
    await asyncio.wait_for(inside.wait(), 5)
    assert store.pool_use() == (1, size)
    release.set()
    await writing
    assert store.pool_use() == (0, size)
    await store.ping()


async def test_the_unavailable_store_has_no_connections_and_its_ping_fails():
    from bot.errors import StoreUnavailable
    from bot.store import UnavailableStore

    store = UnavailableStore("connection refused")
    assert store.pool_use() == (0, 0)
    with pytest.raises(StoreUnavailable, match="connection refused"):
        await store.ping()

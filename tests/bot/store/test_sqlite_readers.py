"""SQLite's reader connections (bot/store/sqlite.py): a read is not queued behind a long read while
another reader is free, and PRAGMA data_version is always asked of the same connection."""

from __future__ import annotations

import asyncio
import threading

from bot.store.sqlite import READERS, SqliteDb


async def test_a_read_goes_to_a_free_reader_while_another_is_busy(db_path):
    assert READERS >= 2
    db = await SqliteDb.open(db_path)
    try:
        release = threading.Event()

        def long_read(conn):  # holds its reader's thread until released (a heavy /match, /top ...)
            release.wait(30)
            return conn.execute("SELECT 1").fetchone()[0]

        held = asyncio.create_task(db._on_reader(long_read))
        await asyncio.sleep(0)  # the long read has taken the first reader
        # Would never finish (until the 30 s give-up) if it queued behind the held reader's thread.
        rows = await asyncio.wait_for(db.fetch("SELECT COUNT(*) FROM meta"), 20)
        assert not held.done(), "the long read was still running: the read went to the other reader"
        assert rows[0][0] >= 0
        release.set()
        assert await held == 1
        assert db._in_flight == dict.fromkeys(range(READERS), 0)  # every read counted out again
    finally:
        release.set()
        await db.close()


async def test_data_version_is_asked_of_the_first_reader_whatever_the_load(db_path):
    db = await SqliteDb.open(db_path)
    try:
        assert await db.others_wrote() is True  # the first call: nothing known yet
        release = threading.Event()
        held = asyncio.create_task(db._on_reader(lambda conn: release.wait(30)))
        await asyncio.sleep(0)
        other = asyncio.create_task(db._on_reader(lambda conn: release.wait(30)))  # both readers busy
        await asyncio.sleep(0)
        release.set()
        await asyncio.gather(held, other)
        assert await db.others_wrote() is False, "no write: the same connection's data_version is unchanged"
        await db.write(lambda tx: tx.execute("INSERT INTO meta (key, value) VALUES ('readers-test', '1')"))
        assert await db.others_wrote() is True
        assert await db.others_wrote() is False
    finally:
        await db.close()

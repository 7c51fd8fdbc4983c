"""Waiting on another process in end-to-end tests: its database rows, and a condition that comes true."""

from __future__ import annotations

import asyncio
import sqlite3


def db_rows(path: str, sql: str, params: tuple = ()) -> list[tuple]:
    """Rows of the bot's SQLite database, read on a connection of the test's own."""
    conn = sqlite3.connect(path)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


async def eventually(check, timeout: float = 20.0) -> None:  # noqa: ASYNC109
    """Wait until `check()` is true: the state of another process (the database, the stand-in's world)."""
    async with asyncio.timeout(timeout):
        while not check():  # noqa: ASYNC110 - state of another process
            await asyncio.sleep(0.05)

"""The seam between the store's parts and a database: what a part needs from a connection.

A part writes its SQL once, with `?` placeholders, through a `Db` (reads) or a `Tx` (a write
transaction); the backends (sqlite.py, postgres.py) implement both. Rows support ``row["column"]`` and
``row[0]``; values cross as SQLite stores them (JSON and dates as text).
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Iterable, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any, Protocol, TypeVar

T = TypeVar("T")

Row = Any  # sqlite3.Row or asyncpg.Record: both index by name and by position


class Tx(Protocol):
    """One open write transaction."""

    async def fetch(self, sql: str, params: Sequence = ()) -> list[Row]: ...

    async def fetch_one(self, sql: str, params: Sequence = ()) -> Row | None: ...

    async def execute(self, sql: str, params: Sequence = ()) -> None: ...

    async def executemany(self, sql: str, rows: Iterable[Sequence]) -> None: ...

    async def notify_catalogue(self, rev: str) -> None:
        """Tell the other processes the catalogue changed, once this transaction commits (PostgreSQL:
        NOTIFY; SQLite: nothing, readers notice through PRAGMA data_version)."""


class Db(Protocol):
    """A database with its connections. `dialect` is "sqlite" or "postgres"."""

    dialect: str
    now: str  # SQL for "the current time" in the format the backend stores (see migrations)
    rowid: str  # a column that orders drama_names as they were inserted

    @property
    def closed(self) -> bool: ...

    async def fetch(self, sql: str, params: Sequence = ()) -> list[Row]: ...

    async def fetch_one(self, sql: str, params: Sequence = ()) -> Row | None: ...

    async def write(self, fn: Callable[[Tx], Awaitable[T]]) -> T:
        """Run `fn` in one write transaction and commit; roll back if it raises. On PostgreSQL a
        deadlock or serialization failure runs `fn` again (so `fn` must not keep state between tries)."""
        ...

    async def others_wrote(self) -> bool:
        """Whether the title index must check `catalogue_rev` itself (SQLite: another connection wrote;
        PostgreSQL: only while the LISTEN connection is down)."""
        ...

    def exclusive(self, name: str) -> AbstractAsyncContextManager[None]:
        """`async with db.exclusive(name):` one holder at a time, across processes where the backend has
        several (PostgreSQL: an advisory lock)."""
        ...

    def try_exclusive(self, name: str) -> AbstractAsyncContextManager[bool]:
        """As `exclusive`, without waiting: the block gets whether it holds it."""
        ...

    async def integrity_check(self) -> str: ...

    def pool_use(self) -> tuple[int, int]:
        """(connections in use, connections the backend holds at most)."""
        ...

    async def backup(self, target: object) -> None: ...

    async def close(self) -> None: ...


_PLACEHOLDER = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|\?")


def numbered(sql: str) -> str:
    """`?` placeholders as `$1, $2, ...` (PostgreSQL), leaving quoted text and names alone."""
    count = 0

    def number(match: re.Match[str]) -> str:
        nonlocal count
        if match.group(0) != "?":
            return match.group(0)
        count += 1
        return f"${count}"

    return _PLACEHOLDER.sub(number, sql)


def marks(n: int) -> str:
    """`?, ?, ?` for an IN list of n values."""
    return ", ".join("?" * n)

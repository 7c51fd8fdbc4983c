"""The seam between the store's parts and a database: what a part needs from a connection.

A part (catalogue.py, ratings.py, ...) writes its SQL once, with `?` placeholders, and runs it through a
`Db` (reads) or a `Tx` (inside a write transaction). The backends (sqlite.py, postgres.py) implement
both; only they know the driver. Rows support ``row["column"]`` and ``row[0]`` on both backends.

Values cross the seam as SQLite stores them: JSON as text, dates and times as ISO 8601 text
(the PostgreSQL backend registers codecs for date, timestamptz and jsonb that keep it so).
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Iterable, Iterator, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any, Protocol, TypeVar

T = TypeVar("T")

# A member's rows read on the event loop's thread at most (SQLite: Db.fetch's `quick`): 40-150 us, less than
# the thread wake-ups of a hop to the reader's thread. A member with 800-1,000 rows goes to the reader.
QUICK_ROWS = 200

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

    async def fetch(self, sql: str, params: Sequence = (), *, quick: bool = False) -> list[Row]:
        """`quick`: a small indexed read (a card's); SQLite runs it on the event loop's thread."""
        ...

    async def fetch_one(self, sql: str, params: Sequence = (), *, quick: bool = False) -> Row | None: ...

    async def write(self, fn: Callable[[Tx], Awaitable[T]]) -> T:
        """Run `fn` in one write transaction and commit; roll back if it raises. On PostgreSQL a
        deadlock or serialization failure runs `fn` again (so `fn` must not keep state between tries)."""
        ...

    async def stream(self, sql: str, consume: Callable[[Iterator[tuple]], T], params: Sequence = ()) -> T:
        """`consume(rows)` over a big result read in batches (rows as plain tuples); on SQLite, on the
        reader's thread."""
        ...

    async def others_wrote(self) -> bool:
        """Whether the title index must check `catalogue_rev` itself (SQLite: another connection wrote;
        PostgreSQL: only while the LISTEN connection is down)."""
        ...

    async def rate_batch(
        self, requests: list[tuple], cached: Callable[[list[int]], dict] | None = None
    ) -> list:
        """A batch of (user_id, guild_id, drama_id, halves, episode) in one transaction: a RateResult or the
        exception of each request (ratings.py queues them; the backend writes them its fastest way).
        `cached`: the store's Drama rows in memory by id (the command that rated has just read its
        drama), for the Drama each answer shows; a backend may read them itself instead.
        A backend may have an attribute `rate_batches_in_flight` (default 1): how many batches ratings.py
        writes at once; it never gives two batches in flight the same (drama, episode)."""
        ...

    def exclusive(self, name: str) -> AbstractAsyncContextManager[None]:
        """`async with db.exclusive(name):` one holder at a time, across processes where the backend has
        several (PostgreSQL: an advisory lock)."""
        ...

    def try_exclusive(self, name: str) -> AbstractAsyncContextManager[bool]:
        """As `exclusive`, without waiting: the block gets whether it holds it."""
        ...

    async def integrity_check(self) -> str: ...

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

"""The two ends of `migrate-db`: a SQLite file (executemany) and a PostgreSQL database (COPY). Rows travel
as plain Python values; each end's `convert` turns the other backend's row into what it stores."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bot.errors import SchemaTooNew
from bot.store.migrations import migrations
from bot.store.pg_schema import migrate as pg_migrate
from bot.store.pg_schema import schema_version as pg_schema_version

CHUNK = 20_000  # rows per executemany / COPY: progress is reported between chunks
ROWID_ALIASES = {("drama_names", "id"): "rowid"}  # "the order rows were inserted", not a column on SQLite
Convert = Callable[[tuple], tuple] | None


def sqlite_time(value: datetime) -> str:
    """A timestamptz as SQLite's migrations write times: UTC ISO 8601 with 'Z' (milliseconds when exact)."""
    value = value.astimezone(UTC)
    if value.microsecond % 1000 == 0:
        return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"
    return value.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _sqlite_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return sqlite_time(value)
    return value.isoformat() if isinstance(value, date) else value


def _pg_time(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


_TO_PG: dict[str, Callable[[Any], Any]] = {  # a PostgreSQL column's type -> its value from SQLite's
    "timestamp with time zone": _pg_time,
    "date": lambda v: date.fromisoformat(v[:10]) if isinstance(v, str) else v,
    "double precision": lambda v: float(v) if isinstance(v, int) else v,
    "boolean": lambda v: bool(v) if isinstance(v, int) else v,  # SQLite's 0/1 flags
}


class _End:
    """What both ends share, through each one's `execute`, `fetch` and `in_transaction`."""

    READ, WRITE = "BEGIN", "BEGIN"  # how a snapshot read and the copy's write transaction begin
    TABLES = ""  # the query that lists the database's tables
    label = ""  # the database, for messages

    async def scalar(self, sql: str) -> Any:
        return (await self.fetch(sql))[0][0]

    async def count(self, table: str) -> int:
        return await self.scalar(f"SELECT count(*) FROM {table}")

    async def tables(self) -> set[str]:
        return {name for (name,) in await self.fetch(self.TABLES)}

    async def rollback(self) -> None:
        if self.in_transaction():
            await self.execute("ROLLBACK")


class SqliteEnd(_End):
    """A SQLite file. The source is opened read-only; a target is created if missing."""

    dialect = "sqlite"
    READ, WRITE = "BEGIN", "BEGIN IMMEDIATE"  # a deferred read: one snapshot from its first read on
    TABLES = "SELECT name FROM sqlite_master WHERE type = 'table' AND substr(name, 1, 7) <> 'sqlite_'"

    def __init__(self, path: Path, conn: sqlite3.Connection) -> None:
        self.path, self.conn, self.label = path, conn, f"SQLite {path}"
        self._triggers: list[str] = []

    @classmethod
    def open(cls, path: Path, *, source: bool) -> SqliteEnd:
        if source:
            if not path.is_file():
                raise FileNotFoundError(f"no SQLite database at {path}")
            conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, isolation_level=None)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(path, isolation_level=None)
            conn.execute("PRAGMA journal_mode = WAL").fetchall()
            conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA busy_timeout = 5000")
        return cls(path, conn)

    async def close(self) -> None:
        self.conn.close()

    async def version(self) -> int:
        return await self.scalar("PRAGMA user_version")

    async def migrate_to(self, version: int) -> None:
        for number, _name, sql in migrations("sqlite")[await self.version() : version]:
            self.conn.executescript(f"BEGIN IMMEDIATE;\n{sql}\nPRAGMA user_version = {number};\nCOMMIT;")

    async def columns(self, table: str) -> dict[str, str]:
        found = {row[1]: row[2].lower() for row in self.conn.execute(f"PRAGMA table_info({table})")}
        found.update({column: alias for (t, column), alias in ROWID_ALIASES.items() if t == table})
        return found

    async def fetch(self, sql: str) -> list[tuple]:
        return [tuple(r) for r in self.conn.execute(sql).fetchall()]

    async def execute(self, sql: str) -> None:
        self.conn.execute(sql)

    def in_transaction(self) -> bool:
        return self.conn.in_transaction

    def _names(self, table: str, columns: Sequence[str]) -> str:
        return ", ".join(ROWID_ALIASES.get((table, c), c) for c in columns)

    async def rows(self, table: str, columns: Sequence[str], order: Sequence[str]) -> AsyncIterator[list]:
        names, key = self._names(table, columns), self._names(table, order)
        cur = self.conn.execute(f"SELECT {names} FROM {table} ORDER BY {key}")
        while batch := cur.fetchmany(CHUNK):
            yield batch

    async def clear(self, tables: Sequence[str]) -> None:
        for table in reversed(tables):
            await self.execute(f"DELETE FROM {table}")

    def convert(self, table: str, columns: Sequence[str], types: dict[str, str]) -> Convert:
        return lambda row: tuple(_sqlite_value(v) for v in row)

    async def insert(self, table: str, columns: Sequence[str], rows: list[tuple]) -> None:
        marks = ", ".join("?" * len(columns))
        self.conn.executemany(f"INSERT INTO {table} ({self._names(table, columns)}) VALUES ({marks})", rows)

    async def triggers_off(self, table: str) -> None:
        """Drop the table's triggers for the rest of the transaction (put back by triggers_on)."""
        found = self.conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ?", (table,)
        ).fetchall()
        self._triggers = [sql for _, sql in found]
        for name, _ in found:
            await self.execute(f"DROP TRIGGER {name}")

    async def triggers_on(self, table: str) -> None:
        for sql in self._triggers:
            await self.execute(sql)
        self._triggers = []

    async def after_copy(self) -> None:
        return None  # INTEGER PRIMARY KEY takes max(id) + 1 by itself


class PostgresEnd(_End):
    """A PostgreSQL database through one asyncpg connection (no codecs: times are datetime objects)."""

    dialect = "postgres"
    READ = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"
    TABLES = (  # but the migrations' own table
        "SELECT tablename FROM pg_tables "
        "WHERE schemaname = current_schema() AND tablename <> 'schema_version'"
    )

    def __init__(self, url: str, conn: Any) -> None:
        parts = urlsplit(url)
        database = parts.path.lstrip("/") or "(default database)"
        self.conn, self.label = conn, f"PostgreSQL {database} on {parts.hostname or 'local socket'}"

    @classmethod
    async def open(cls, url: str) -> PostgresEnd:
        import asyncpg

        from bot.store.postgres import SERVER_SETTINGS

        return cls(url, await asyncpg.connect(url, server_settings=SERVER_SETTINGS))

    async def close(self) -> None:
        await self.conn.close()

    async def version(self) -> int:
        return await pg_schema_version(self.conn)

    async def migrate_to(self, version: int) -> None:
        try:
            await pg_migrate(self.conn, migrations("postgres")[:version])
        except SchemaTooNew as exc:
            raise SchemaTooNew(f"the target is newer than the source: {exc}") from exc

    async def columns(self, table: str) -> dict[str, str]:
        rows = await self.conn.fetch(
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position",
            table,
        )
        return {r[0]: r[1] for r in rows}

    async def fetch(self, sql: str) -> list[tuple]:
        return [tuple(r) for r in await self.conn.fetch(sql)]

    async def execute(self, sql: str) -> None:
        await self.conn.execute(sql)

    def in_transaction(self) -> bool:
        return self.conn.is_in_transaction()

    async def rows(self, table: str, columns: Sequence[str], order: Sequence[str]) -> AsyncIterator[list]:
        names, key = ", ".join(columns), ", ".join(order)
        cursor = await self.conn.cursor(f"SELECT {names} FROM {table} ORDER BY {key}")
        while batch := await cursor.fetch(CHUNK):
            yield [tuple(r) for r in batch]

    async def clear(self, tables: Sequence[str]) -> None:
        await self.execute(f"TRUNCATE {', '.join(tables)} CASCADE")

    def convert(self, table: str, columns: Sequence[str], types: dict[str, str]) -> Convert:
        fns = [_TO_PG.get(types[c]) for c in columns]
        if not any(fns):
            return None
        return lambda row: tuple(v if f is None or v is None else f(v) for f, v in zip(fns, row, strict=True))

    async def insert(self, table: str, columns: Sequence[str], rows: list[tuple]) -> None:
        await self.conn.copy_records_to_table(table, records=rows, columns=list(columns))

    async def triggers_off(self, table: str) -> None:
        await self.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")  # undone by a rollback too

    async def triggers_on(self, table: str) -> None:
        await self.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")

    async def after_copy(self) -> None:
        """Identity sequences continue after the copied ids (a copy keeps the source's ids)."""
        rows = await self.fetch(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND is_identity = 'YES'"
        )
        for table, column in rows:
            await self.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'), "
                f"coalesce((SELECT max({column}) FROM {table}), 0) + 1, false)"
            )

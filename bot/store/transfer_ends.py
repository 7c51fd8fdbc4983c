"""The two ends of `migrate-db` (transfer.py): a SQLite file and a PostgreSQL database, read and written
with their bulk paths (executemany in one transaction on SQLite; COPY on PostgreSQL).

Each end speaks plain Python values in the middle: ints, floats, text, and for PostgreSQL's
timestamptz / date columns `datetime` / `date` objects. `to_sqlite` and `to_postgres` turn a row of the
other backend into what this one stores (SQLite keeps times as ISO text, as its migrations do).
"""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bot.errors import SchemaTooNew
from bot.store.migrations import migrations
from bot.store.pg_schema import migrate as pg_migrate
from bot.store.pg_schema import schema_version as pg_schema_version

CHUNK = 20_000  # rows per executemany / COPY: progress is reported between chunks

# Columns that are "the order rows were inserted" without being a column on SQLite (drama_names).
ROWID_ALIASES = {("drama_names", "id"): "rowid"}


def sqlite_time(value: datetime) -> str:
    """A timestamptz as SQLite's migrations write times: UTC ISO 8601 with 'Z' (milliseconds when exact)."""
    value = value.astimezone(UTC)
    if value.microsecond % 1000 == 0:
        return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"
    return value.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _pg_time(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _pg_date(value: Any) -> Any:
    return date.fromisoformat(value[:10]) if isinstance(value, str) else value


def _pg_float(value: Any) -> Any:
    return float(value) if isinstance(value, int) else value


def _pg_bool(value: Any) -> Any:
    return bool(value) if isinstance(value, int) else value  # SQLite's 0/1 flags


_TO_PG = {
    "timestamp with time zone": _pg_time,
    "date": _pg_date,
    "double precision": _pg_float,
    "boolean": _pg_bool,
}


def _to_sqlite_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return sqlite_time(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


class SqliteEnd:
    """A SQLite file. The source is opened read-only; a target is created if missing."""

    dialect = "sqlite"

    def __init__(self, path: Path, conn: sqlite3.Connection) -> None:
        self.path = path
        self.conn = conn
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

    def label(self) -> str:
        return f"SQLite {self.path}"

    async def close(self) -> None:
        self.conn.close()

    async def version(self) -> int:
        return self.conn.execute("PRAGMA user_version").fetchone()[0]

    async def migrate_to(self, version: int) -> None:
        current = await self.version()
        for number, _name, sql in migrations("sqlite")[current:version]:
            self.conn.executescript(f"BEGIN IMMEDIATE;\n{sql}\nPRAGMA user_version = {number};\nCOMMIT;")

    async def tables(self) -> set[str]:
        rows = self.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
        return {name for (name,) in rows if not name.startswith("sqlite_")}

    async def columns(self, table: str) -> dict[str, str]:
        found = {row[1]: row[2].lower() for row in self.conn.execute(f"PRAGMA table_info({table})")}
        for (t, column), alias in ROWID_ALIASES.items():
            if t == table:
                found[column] = alias
        return found

    async def count(self, table: str) -> int:
        return self.conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]

    async def scalar(self, sql: str) -> Any:
        return self.conn.execute(sql).fetchone()[0]

    async def fetch(self, sql: str) -> list[tuple]:
        return [tuple(r) for r in self.conn.execute(sql).fetchall()]

    # ---- reading (the source) -------------------------------------------------------
    async def begin_read(self) -> None:
        self.conn.execute("BEGIN")  # a deferred transaction: one snapshot from the first read on

    async def end_read(self) -> None:
        self.conn.execute("COMMIT")

    async def rows(self, table: str, columns: Sequence[str], order: str) -> AsyncIterator[list[tuple]]:
        names = ", ".join(ROWID_ALIASES.get((table, c), c) for c in columns)
        cur = self.conn.execute(f"SELECT {names} FROM {table} ORDER BY {order}")
        while batch := cur.fetchmany(CHUNK):
            yield batch

    # ---- writing (the target) -------------------------------------------------------
    async def begin_write(self) -> None:
        self.conn.execute("BEGIN IMMEDIATE")

    async def commit(self) -> None:
        self.conn.execute("COMMIT")

    async def rollback(self) -> None:
        if self.conn.in_transaction:
            self.conn.execute("ROLLBACK")

    async def clear(self, tables: Sequence[str]) -> None:
        for table in reversed(tables):
            self.conn.execute(f"DELETE FROM {table}")

    def convert(self, table: str, columns: Sequence[str], types: dict[str, str]) -> Any:
        return lambda row: tuple(_to_sqlite_value(v) for v in row)

    async def insert(self, table: str, columns: Sequence[str], rows: list[tuple]) -> None:
        names = ", ".join(ROWID_ALIASES.get((table, c), c) for c in columns)
        marks = ", ".join("?" * len(columns))
        self.conn.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)

    async def triggers_off(self, table: str) -> None:
        """Drop the table's triggers for the rest of the transaction (put back by triggers_on)."""
        found = self.conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ?", (table,)
        ).fetchall()
        self._triggers = [sql for _, sql in found]
        for name, _ in found:
            self.conn.execute(f"DROP TRIGGER {name}")

    async def triggers_on(self, table: str) -> None:
        for sql in self._triggers:
            self.conn.execute(sql)
        self._triggers = []

    async def execute(self, sql: str) -> None:
        self.conn.execute(sql)

    async def after_copy(self) -> None:
        return None  # INTEGER PRIMARY KEY takes max(id) + 1 by itself


class PostgresEnd:
    """A PostgreSQL database through one asyncpg connection (no codecs: times are datetime objects)."""

    dialect = "postgres"

    def __init__(self, url: str, conn: Any) -> None:
        self.url = url
        self.conn = conn
        self._read_tx: Any = None
        self._write_tx: Any = None

    @classmethod
    async def open(cls, url: str) -> PostgresEnd:
        import asyncpg

        from bot.store.postgres import SERVER_SETTINGS

        conn = await asyncpg.connect(url, server_settings=SERVER_SETTINGS)
        return cls(url, conn)

    def label(self) -> str:
        parts = urlsplit(self.url)
        host = parts.hostname or "local socket"
        return f"PostgreSQL {parts.path.lstrip('/') or '(default database)'} on {host}"

    async def close(self) -> None:
        await self.conn.close()

    async def version(self) -> int:
        return await pg_schema_version(self.conn)

    async def migrate_to(self, version: int) -> None:
        known = migrations("postgres")
        try:
            await pg_migrate(self.conn, known[:version])
        except SchemaTooNew as exc:
            raise SchemaTooNew(f"the target is newer than the source: {exc}") from exc

    async def tables(self) -> set[str]:
        rows = await self.conn.fetch(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() AND tablename <> 'schema_version'"
        )
        return {r[0] for r in rows}

    async def columns(self, table: str) -> dict[str, str]:
        rows = await self.conn.fetch(
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position",
            table,
        )
        return {r[0]: r[1] for r in rows}

    async def count(self, table: str) -> int:
        return await self.conn.fetchval(f"SELECT count(*) FROM {table}")

    async def scalar(self, sql: str) -> Any:
        return await self.conn.fetchval(sql)

    async def fetch(self, sql: str) -> list[tuple]:
        return [tuple(r) for r in await self.conn.fetch(sql)]

    # ---- reading (the source) -------------------------------------------------------
    async def begin_read(self) -> None:
        self._read_tx = self.conn.transaction(isolation="repeatable_read", readonly=True)
        await self._read_tx.start()

    async def end_read(self) -> None:
        await self._read_tx.commit()

    async def rows(self, table: str, columns: Sequence[str], order: str) -> AsyncIterator[list[tuple]]:
        cursor = await self.conn.cursor(f"SELECT {', '.join(columns)} FROM {table} ORDER BY {order}")
        while batch := await cursor.fetch(CHUNK):
            yield [tuple(r) for r in batch]

    # ---- writing (the target) -------------------------------------------------------
    async def begin_write(self) -> None:
        self._write_tx = self.conn.transaction()
        await self._write_tx.start()

    async def commit(self) -> None:
        await self._write_tx.commit()

    async def rollback(self) -> None:
        if self._write_tx is not None and self.conn.is_in_transaction():
            await self._write_tx.rollback()

    async def clear(self, tables: Sequence[str]) -> None:
        await self.conn.execute(f"TRUNCATE {', '.join(tables)} CASCADE")

    def convert(self, table: str, columns: Sequence[str], types: dict[str, str]) -> Any:
        fns = [_TO_PG.get(types[c]) for c in columns]
        if not any(fns):
            return None
        return lambda row: tuple(v if f is None or v is None else f(v) for f, v in zip(fns, row, strict=True))

    async def insert(self, table: str, columns: Sequence[str], rows: list[tuple]) -> None:
        await self.conn.copy_records_to_table(table, records=rows, columns=list(columns))

    async def triggers_off(self, table: str) -> None:
        await self.conn.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")  # undone by a rollback too

    async def triggers_on(self, table: str) -> None:
        await self.conn.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")

    async def execute(self, sql: str) -> None:
        await self.conn.execute(sql)

    async def after_copy(self) -> None:
        """Identity sequences continue after the copied ids (a copy keeps the source's ids)."""
        rows = await self.conn.fetch(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND is_identity = 'YES'"
        )
        for table, column in rows:
            await self.conn.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'), "
                f"coalesce((SELECT max({column}) FROM {table}), 0) + 1, false)"
            )

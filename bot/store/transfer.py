"""`migrate-db`: copy a whole database, ids kept, in one transaction from one snapshot of the source;
checked before committing. TABLES: copied, in foreign-key order; DERIVED: rebuilt; any other stops it."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bot.errors import SchemaTooNew
from bot.store import is_postgres_url
from bot.store.migrations import migrations
from bot.store.transfer_ends import PostgresEnd, SqliteEnd

End = SqliteEnd | PostgresEnd


@dataclass(frozen=True)
class Table:
    name: str
    order: tuple[str, ...]  # the key the rows are read in (ids ascending: the target's pages fill in order)
    maintained: bool = False  # its triggers keep other tables: off during the copy (copied or rebuilt)


TABLES: tuple[Table, ...] = (
    Table("dramas", ("id",)),
    Table("drama_names", ("id",)),  # SQLite: rowid, the order names were given
    Table("episodes", ("drama_id", "number")),
    Table("availability", ("id",)),
    Table("ratings", ("drama_id", "episode", "user_id"), maintained=True),
    Table("meta", ("key",)),
    Table("title_index", ("id",)),
    Table("catalogue_audit", ("id",)),
    Table("guild_settings", ("guild_id",)),
    Table("tmdb_providers", ("drama_id",)),
    Table("bundled_dramas", ("slug",)),
    Table("watchlist", ("user_id", "drama_id")),
    Table("member_settings", ("user_id",)),
    Table("announce_settings", ("guild_id",)),
    Table("follows", ("guild_id", "drama_id")),
    Table("reminders", ("user_id", "drama_id")),
    Table("announcements", ("key",)),
    Table("tmdb_refreshes", ("drama_id",)),
    Table("catalogue_suggestions", ("id",)),
    Table("dm_channels", ("user_id",)),
    Table("pacing_budget", ("bot",)),
    Table("watch_parties", ("event_id",)),
    Table("server_polls", ("channel_id",)),
    Table("drama_neighbours", ("drama_id", "rank")),  # /recommend's last build, with its stamp in meta
)  # a table a database does not have yet (an older schema) is skipped


def _from_ratings(country: bool) -> str:
    """The rating totals computed from the ratings; with each drama's country when `country` (0013 on)."""
    value = ", (SELECT d.country FROM dramas d WHERE d.id = r.drama_id)" if country else ""
    return (
        f"SELECT drama_id, episode, 0 AS scope, count(*) AS n, sum(halves) AS halves{value} "
        "FROM ratings r GROUP BY drama_id, episode "
        f"UNION ALL SELECT drama_id, episode, guild_id, count(*), sum(halves){value} "
        "FROM ratings r WHERE guild_id IS NOT NULL GROUP BY drama_id, episode, guild_id"
    )


_TOTALS = "INSERT INTO rating_totals (drama_id, episode, scope, n, halves"
REBUILD_RATING_TOTALS = f"{_TOTALS}, country) {_from_ratings(country=True)}"
REBUILD_RATING_TOTALS_BEFORE_0013 = f"{_TOTALS}) {_from_ratings(country=False)}"  # an older source's schema
DERIVED: dict[str, str] = {"rating_totals": REBUILD_RATING_TOTALS}  # table -> the SQL that rebuilds it
TOTALS_WRONG_COUNTRY = (  # totals whose country is not their drama's
    "SELECT count(*) FROM rating_totals t JOIN dramas d ON d.id = t.drama_id "
    "WHERE coalesce(t.country, '') <> coalesce(d.country, '')"
)


def _fingerprint(source: str) -> str:
    """(rows, sum n, sum halves, a weighted sum) of the totals in `source`: equal on both sides or wrong."""
    return (
        "SELECT count(*), coalesce(sum(n), 0), coalesce(sum(halves), 0), "
        "coalesce(sum(n * (drama_id % 1000003) + halves * (episode + 1) + n * (scope % 1000003)), 0) "
        f"FROM ({source}) AS t WHERE n <> 0"
    )


TOTALS_STORED = _fingerprint("SELECT drama_id, episode, scope, n, halves FROM rating_totals")
TOTALS_FROM_RATINGS = _fingerprint(_from_ratings(country=False))


class TransferError(Exception):
    """The copy cannot start, or its checks failed (the target was rolled back)."""


Progress = Callable[[str, int, int], None]  # (table, rows done, rows in all)


@dataclass
class TransferReport:
    version: int = 0
    counts: dict[str, int] = field(default_factory=dict)  # table -> rows copied (derived: rebuilt)
    totals: tuple[int, ...] = ()  # the rating totals' fingerprint, equal on both sides
    source_totals_were_wrong: bool = False
    seconds: float = 0.0


def _path(location: str) -> Path:
    from bot.settings import database_path_from_url

    return database_path_from_url(location)


async def open_end(location: str, *, source: bool) -> End:
    if is_postgres_url(location):
        return await PostgresEnd.open(location)
    return SqliteEnd.open(_path(location), source=source)


def _same(a: str, b: str) -> bool:
    if is_postgres_url(a) or is_postgres_url(b):
        return a.strip() == b.strip()
    return _path(a).resolve() == _path(b).resolve()


async def transfer(
    source_url: str, target_url: str, *, force: bool = False, progress: Progress | None = None
) -> TransferReport:
    """Copy the database at `source_url` to `target_url`."""
    if _same(source_url, target_url):
        raise TransferError("the source and the target are the same database")
    began = time.monotonic()
    source = await open_end(source_url, source=True)
    try:
        target = await open_end(target_url, source=False)
        try:
            report = await _transfer(source, target, force, progress or (lambda *_: None))
        finally:
            await target.close()
    finally:
        await source.close()
    report.seconds = time.monotonic() - began
    return report


async def _transfer(source: End, target: End, force: bool, progress: Progress) -> TransferReport:
    version = await source.version()
    known = len(migrations(source.dialect))
    if version == 0:
        raise TransferError(f"{source.label} holds no dramabot database (schema version 0)")
    if version > known:
        raise SchemaTooNew(
            f"{source.label} is at schema version {version} but this dramabot knows only up to {known}: "
            "upgrade dramabot first"
        )
    present = await source.tables()
    unknown = present - {t.name for t in TABLES} - set(DERIVED)
    if unknown:
        raise TransferError(f"migrate-db does not know the tables {sorted(unknown)}: add them to TABLES")
    tables = [t for t in TABLES if t.name in present]
    target_version = await target.version()
    if target_version > version:
        raise TransferError(
            f"{target.label} is at schema version {target_version}, newer than the source's {version}: "
            "open the source with this dramabot once (it migrates), or pick another target"
        )
    if not force:
        existing = await target.tables()
        for name in [t.name for t in tables] + list(DERIVED):
            if name in existing and await target.count(name):
                problem = f"{target.label} is not empty ({name} has rows)"
                raise TransferError(f"{problem}: use --force to replace it")
    await target.migrate_to(version)
    report = TransferReport(version=version)
    await source.execute(source.READ)
    try:
        await target.execute(target.WRITE)
        try:
            if force:
                await target.clear([t.name for t in tables] + list(DERIVED))
            for table in tables:
                report.counts[table.name] = await _copy_table(source, target, table, progress)
            for name, rebuild in DERIVED.items():
                if name == "rating_totals" and "country" not in await target.columns(name):
                    rebuild = REBUILD_RATING_TOTALS_BEFORE_0013
                await target.execute(f"DELETE FROM {name}")
                await target.execute(rebuild)
                report.counts[name] = await target.count(name)
            await target.after_copy()
            report.totals, report.source_totals_were_wrong = await _check(source, target, tables)
            await target.execute("COMMIT")
        except BaseException:
            await target.rollback()
            raise
    finally:
        await source.execute("COMMIT")
    return report


async def _copy_table(source: End, target: End, table: Table, progress: Progress) -> int:
    columns = await source.columns(table.name)
    target_columns = await target.columns(table.name)
    if set(columns) != set(target_columns):
        theirs, ours = sorted(columns), sorted(target_columns)
        raise TransferError(f"{table.name}: the source's columns {theirs} differ from the target's {ours}")
    names = list(columns)
    convert = target.convert(table.name, names, target_columns)
    total = await source.count(table.name)
    done = 0
    progress(table.name, 0, total)
    if table.maintained:
        await target.triggers_off(table.name)
    async for batch in source.rows(table.name, names, table.order):
        rows = [convert(r) for r in batch] if convert else batch
        await target.insert(table.name, names, rows)
        done += len(rows)
        progress(table.name, done, total)
    if table.maintained:
        await target.triggers_on(table.name)
    return done


async def _check(source: End, target: End, tables: list[Table]) -> tuple[tuple[int, ...], bool]:
    """Row counts and rating totals on both sides; TransferError on any difference."""
    wrong = []
    for table in tables:
        theirs, ours = await source.count(table.name), await target.count(table.name)
        if theirs != ours:
            wrong.append(f"{table.name}: {theirs} rows in the source, {ours} in the target")
    expected, stored_source, copied = [
        tuple(int(v) for v in (await end.fetch(sql))[0])
        for end, sql in ((source, TOTALS_FROM_RATINGS), (source, TOTALS_STORED), (target, TOTALS_STORED))
    ]
    if copied != expected:
        wrong.append(f"rating totals: {expected} from the source's ratings, {copied} in the target")
    if "country" in await target.columns("rating_totals"):
        misplaced = await target.scalar(TOTALS_WRONG_COUNTRY)
        if misplaced:
            wrong.append(f"rating totals: {misplaced} target rows carry another country than their drama")
    if wrong:
        raise TransferError("the copy does not match the source (rolled back): " + "; ".join(wrong))
    return copied, stored_source != expected

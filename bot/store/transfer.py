"""`migrate-db`: copy a whole database from one backend to the other (or to another file / database).

Table-driven: TABLES lists every copied table in an order that respects foreign keys, DERIVED every table
rebuilt from others instead of copied. A table the source has that neither names stops the copy before it
starts (a later migration's table must be added here; tests/bot/store/test_transfer.py checks the schema too).

The steps: read the source's schema version (refused when newer than this code); refuse a target at a newer
version, or holding rows (unless `force`: then its rows go); migrate the target to the source's version;
then, in one snapshot of the source and ONE transaction on the target, copy each table in chunks (COPY on
PostgreSQL, executemany on SQLite) keeping ids, with the ratings' total triggers off; rebuild rating_totals
from the ratings (each with its drama's country); move PostgreSQL identity sequences past the copied ids;
and check, before committing, each table's row count against the source and the totals against the
source's ratings and the copied dramas' countries. Any difference
raises TransferError and rolls the target back to what it was.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bot.errors import SchemaTooNew
from bot.store.migrations import migrations
from bot.store.transfer_ends import ROWID_ALIASES, PostgresEnd, SqliteEnd

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
    Table("title_index", ("id",)),  # 0008: the title index snapshot, labelled with meta's catalogue_rev
    Table("catalogue_audit", ("id",)),
    Table("guild_settings", ("guild_id",)),
    Table("tmdb_providers", ("drama_id",)),
    Table("bundled_dramas", ("slug",)),
    # Tables of migrations on parallel branches (skipped while a database does not have them; the test of
    # the schema fails if a merged migration's table is missing here):
    Table("watchlist", ("user_id", "drama_id")),  # 0005 watchlists
    Table("member_settings", ("user_id",)),
    Table("announce_settings", ("guild_id",)),  # 0006 airing
    Table("follows", ("guild_id", "drama_id")),
    Table("reminders", ("user_id", "drama_id")),
    Table("announcements", ("key",)),
    Table("tmdb_refreshes", ("drama_id",)),  # 0018: when the TMDB refresh last took each linked drama
    Table("catalogue_suggestions", ("id",)),  # 0014 members' suggestions
)


def _rebuild_totals(country: bool) -> str:
    """The totals from the ratings; with each total's drama's country when `country` (migration 0013)."""
    column = ", country" if country else ""
    value = ", (SELECT d.country FROM dramas d WHERE d.id = r.drama_id)" if country else ""
    return (
        f"INSERT INTO rating_totals (drama_id, episode, scope, n, halves{column}) "
        f"SELECT drama_id, episode, 0, count(*), sum(halves){value} FROM ratings r GROUP BY drama_id, episode "
        f"UNION ALL SELECT drama_id, episode, guild_id, count(*), sum(halves){value} FROM ratings r "
        "WHERE guild_id IS NOT NULL GROUP BY drama_id, episode, guild_id"
    )


REBUILD_RATING_TOTALS = _rebuild_totals(country=True)
REBUILD_RATING_TOTALS_BEFORE_0013 = _rebuild_totals(country=False)  # a target migrated to an older source's
DERIVED: dict[str, str] = {"rating_totals": REBUILD_RATING_TOTALS}  # table -> the SQL that rebuilds it
TOTALS_WRONG_COUNTRY = (  # totals whose country is not their drama's
    "SELECT count(*) FROM rating_totals t JOIN dramas d ON d.id = t.drama_id "
    "WHERE coalesce(t.country, '') <> coalesce(d.country, '')"
)


def _aggregate_from_ratings() -> str:
    return (
        "SELECT drama_id, episode, 0 AS scope, count(*) AS n, sum(halves) AS halves FROM ratings "
        "GROUP BY drama_id, episode UNION ALL SELECT drama_id, episode, guild_id, count(*), sum(halves) "
        "FROM ratings WHERE guild_id IS NOT NULL GROUP BY drama_id, episode, guild_id"
    )


def _fingerprint(source: str) -> str:
    """(rows, sum n, sum halves, a weighted sum) of the totals in `source`: equal on both sides or wrong."""
    return (
        "SELECT count(*), coalesce(sum(n), 0), coalesce(sum(halves), 0), "
        "coalesce(sum(n * (drama_id % 1000003) + halves * (episode + 1) + n * (scope % 1000003)), 0) "
        f"FROM ({source}) AS t WHERE n <> 0"
    )


TOTALS_STORED = _fingerprint("SELECT drama_id, episode, scope, n, halves FROM rating_totals")
TOTALS_FROM_RATINGS = _fingerprint(_aggregate_from_ratings())
_STORED = "SELECT drama_id, episode, scope, n, halves FROM rating_totals"
_COMPUTED = f"SELECT drama_id, episode, scope, n, halves FROM ({_aggregate_from_ratings()}) AS a"
TOTALS_DIFFERENT = (  # rows in one and not the other, either way round (stored rows at n = 0 are fine)
    f"SELECT (SELECT count(*) FROM ({_STORED} WHERE n <> 0 EXCEPT {_COMPUTED}) AS x) "
    f"+ (SELECT count(*) FROM ({_COMPUTED} EXCEPT {_STORED}) AS y)"
)


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


def _is_postgres(location: str) -> bool:
    return location.partition("://")[0].lower() in ("postgresql", "postgres")


async def open_end(location: str, *, source: bool) -> End:
    if _is_postgres(location):
        return await PostgresEnd.open(location)
    from bot.settings import database_path_from_url

    return SqliteEnd.open(Path(database_path_from_url(location)), source=source)


def _same(a: str, b: str) -> bool:
    if _is_postgres(a) or _is_postgres(b):
        return a.strip() == b.strip()
    from bot.settings import database_path_from_url

    return Path(database_path_from_url(a)).resolve() == Path(database_path_from_url(b)).resolve()


async def transfer(
    source_url: str, target_url: str, *, force: bool = False, progress: Progress | None = None
) -> TransferReport:
    """Copy the database at `source_url` to `target_url` (see the module docstring)."""
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
        raise TransferError(f"{source.label()} holds no dramabot database (schema version 0)")
    if version > known:
        raise SchemaTooNew(
            f"{source.label()} is at schema version {version} but this dramabot knows only up to {known}: "
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
            f"{target.label()} is at schema version {target_version}, newer than the source's {version}: "
            "open the source with this dramabot once (it migrates), or pick another target"
        )
    if not force:
        existing = await target.tables()
        for name in [t.name for t in tables] + list(DERIVED):
            if name in existing and await target.count(name):
                raise TransferError(
                    f"{target.label()} is not empty ({name} has rows): use --force to replace it"
                )
    await target.migrate_to(version)
    return await _copy(source, target, tables, force, progress, version)


async def _copy(
    source: End, target: End, tables: list[Table], force: bool, progress: Progress, version: int
) -> TransferReport:
    report = TransferReport(version=version)
    await source.begin_read()
    try:
        await target.begin_write()
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
            await target.commit()
        except BaseException:
            await target.rollback()
            raise
    finally:
        await source.end_read()
    return report


async def _copy_table(source: End, target: End, table: Table, progress: Progress) -> int:
    columns = await source.columns(table.name)
    target_columns = await target.columns(table.name)
    if set(columns) != set(target_columns):
        raise TransferError(
            f"{table.name}: the source's columns {sorted(columns)} differ from the target's "
            f"{sorted(target_columns)}"
        )
    names = list(columns)
    convert = target.convert(table.name, names, target_columns)
    total = await source.count(table.name)
    order = ", ".join(
        ROWID_ALIASES.get((table.name, c), c) if source.dialect == "sqlite" else c for c in table.order
    )
    done = 0
    progress(table.name, 0, total)
    if table.maintained:
        await target.triggers_off(table.name)
    async for batch in source.rows(table.name, names, order):
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
    expected = tuple(int(v) for v in (await source.fetch(TOTALS_FROM_RATINGS))[0])
    stored_source = tuple(int(v) for v in (await source.fetch(TOTALS_STORED))[0])
    copied = tuple(int(v) for v in (await target.fetch(TOTALS_STORED))[0])
    if copied != expected:
        wrong.append(f"rating totals: {expected} from the source's ratings, {copied} in the target")
    differing = await target.scalar(TOTALS_DIFFERENT)
    if differing:
        wrong.append(f"rating totals: {differing} rows in the target differ from its ratings")
    if "country" in await target.columns("rating_totals"):
        misplaced = await target.scalar(TOTALS_WRONG_COUNTRY)
        if misplaced:
            wrong.append(
                f"rating totals: {misplaced} rows in the target carry another country than their drama"
            )
    if wrong:
        raise TransferError("the copy does not match the source (rolled back): " + "; ".join(wrong))
    return copied, stored_source != expected

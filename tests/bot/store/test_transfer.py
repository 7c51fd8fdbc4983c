"""`migrate-db` (bot/store/transfer.py): SQLite -> PostgreSQL -> SQLite keeps everything, on the throwaway
PostgreSQL server of tests/pg.py."""

from __future__ import annotations

import asyncio
import json
import random
import sqlite3
import subprocess
import sys
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.catalogue.format import export_document, load_starter_catalogue
from bot.errors import SchemaTooNew
from bot.store import Store, open_store
from bot.store import transfer as transfer_module
from bot.store.transfer import DERIVED, TABLES, TransferError, transfer
from tests.bot.store.readbacks import community_scores

REPO_ROOT = Path(__file__).resolve().parents[3]
GUILDS = [None, 1111, 2222, 3333]


async def _fill(path: Path) -> None:
    """A SQLite database with a bit of everything: bundle, edits (audit), settings, caches, many ratings."""
    store = await Store.open(path)
    try:
        await load_starter_catalogue(store)
        dramas = [drama for drama, _, _ in (await store.catalogue.entries())[:30]]
        rng = random.Random(11)
        calls = []
        for user in range(1, 121):
            for drama in rng.sample(dramas, 6):
                guild = rng.choice(GUILDS)
                calls.append(
                    dict(user_id=user, guild_id=guild, drama_id=drama.id, score=rng.randint(1, 10) / 2)
                )
                episode = rng.randint(1, drama.episode_count)
                calls.append(dict(user_id=user, guild_id=guild, drama_id=drama.id, score=rng.randint(1, 10) / 2,
                                  episode=episode))  # fmt: skip
        await asyncio.gather(*(store.ratings.rate(**c) for c in calls))
        for c in calls[:200:3]:  # changed minds, some in another server: the update paths of the totals
            await store.ratings.rate(**{**c, "score": 5.0, "guild_id": rng.choice(GUILDS)})

        def retitle(record):
            drama, episodes, availability = record
            return replace(drama, synopsis="Edited before the move."), episodes, availability

        await store.curation.curate(
            dramas[0].slug, retitle, action="edit", actor_id=42, actor_name="Ari", guild_id=1111
        )
        await store.curation.set_curator_role(2222, 777, actor_id=43, actor_name="Bo")
        # A removed drama: hidden, its ratings kept (and copied, still hidden).
        await store.curation.curate(
            dramas[5].slug, lambda r: None, action="remove", actor_id=42, actor_name="Ari", guild_id=None
        )
        await store.caches.store_providers(
            dramas[1].id, 555, datetime(2026, 3, 1, 12, 30, 5, 123456, tzinfo=UTC),
            {"KR": {"link": "https://x", "offers": [["Netflix", "flatrate", "/n.png"]]}}
        )  # fmt: skip
        await store.set_meta("moved", "yes")
    finally:
        await store.close()


def _rows(path: Path) -> dict[str, list[tuple]]:
    conn = sqlite3.connect(path)
    try:
        found = {}
        present = {name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        for table in [t.name for t in TABLES if t.name in present] + list(DERIVED):
            cols = "rowid, *" if table == "drama_names" else "*"
            found[table] = sorted(conn.execute(f"SELECT {cols} FROM {table}").fetchall(), key=repr)
        return found
    finally:
        conn.close()


def _normalised(rows: dict[str, list[tuple]]) -> dict[str, list[tuple]]:
    """What may differ in form only: times as instants (fetched_at written by Python with '+00:00' comes
    back in SQLite's 'Z' form); JSON as parsed (jsonb keeps no spacing or key order); rating totals whose
    ratings are all gone (n = 0) are not rebuilt."""

    def one(value):
        if isinstance(value, str) and value[:1] in ("{", "["):
            return json.dumps(json.loads(value), sort_keys=True)
        if isinstance(value, str) and len(value) >= 20 and value[4] == "-" and value[10] == "T":
            try:
                return datetime.fromisoformat(value).astimezone(UTC)
            except ValueError:
                return value
        return value

    rows = {**rows, "rating_totals": [r for r in rows["rating_totals"] if r[3] != 0]}
    return {t: [tuple(one(v) for v in r) for r in rs] for t, rs in rows.items()}


async def test_sqlite_to_postgres_to_sqlite_keeps_everything(tmp_path: Path, pg_url: str) -> None:
    first, last = tmp_path / "first.db", tmp_path / "last.db"
    await _fill(first)
    there = await transfer(str(first), pg_url)
    back = await transfer(pg_url, f"sqlite:///{last}")
    assert there.counts == back.counts and there.totals == back.totals
    assert there.counts["ratings"] > 1000 and there.counts["catalogue_audit"] >= 2
    assert _normalised(_rows(first)) == _normalised(_rows(last))

    stores = [await Store.open(p) for p in (first, last)] + [await open_store(pg_url)]
    try:
        exports = [json.dumps(await export_document(s), sort_keys=True) for s in stores]
        assert exports[0] == exports[1] == exports[2]
        assert [await s.integrity_check() for s in stores] == ["ok", "ok", "ok"]
        assert [len(await s.catalogue.hidden()) for s in stores] == [1, 1, 1]
        ids = [drama.id for drama, _, _ in (await stores[0].catalogue.entries())[:30]]
        pairs = [(d, g) for d in ids for g in GUILDS]
        expected = [await community_scores(stores[0], d, g) for d, g in pairs]
        assert sum(1 for s in expected if s.server.count and s.server_episodes) > 10  # not vacuous
        assert [await community_scores(stores[2], d, g) for d, g in pairs] == expected
        assert [await community_scores(stores[1], d, g) for d, g in pairs] == expected
        # The PostgreSQL copy goes on: new ids come after the copied ones (sequences moved past them).
        audit_before = (await stores[2].curation.audit_log(1))[0].id
        await stores[2].curation.set_curator_role(3333, 888, actor_id=1, actor_name="after")
        assert (await stores[2].curation.audit_log(1))[0].id == audit_before + 1
    finally:
        for s in stores:
            await s.close()


async def test_a_target_with_rows_is_refused_unless_forced(tmp_path: Path, pg_url: str) -> None:
    source = tmp_path / "source.db"
    await _fill(source)
    await transfer(str(source), pg_url)
    with pytest.raises(TransferError, match="not empty"):
        await transfer(str(source), pg_url)
    other = tmp_path / "other.db"
    store = await Store.open(other)
    try:
        await load_starter_catalogue(store)
        await store.ratings.rate(
            user_id=9, guild_id=None, drama_id=(await store.catalogue.entries())[0][0].id, score=1.0
        )
    finally:
        await store.close()
    report = await transfer(str(other), pg_url, force=True)
    assert report.counts["ratings"] == 1
    copy = await open_store(pg_url)
    try:
        assert len(await copy.catalogue.entries()) == report.counts["dramas"]
        assert (await copy.curation.audit_log(5)) == []  # the first copy's audit rows went with --force
    finally:
        await copy.close()


async def test_a_failed_check_rolls_the_target_back(tmp_path: Path, pg_url: str, monkeypatch) -> None:
    source = tmp_path / "source.db"
    await _fill(source)
    wrong = transfer_module.REBUILD_RATING_TOTALS.split(" UNION ALL ")[0]  # forgets the per-server totals
    monkeypatch.setitem(transfer_module.DERIVED, "rating_totals", wrong)
    with pytest.raises(TransferError, match="rating totals"):
        await transfer(str(source), pg_url)
    monkeypatch.undo()
    report = await transfer(str(source), pg_url)  # nothing was left behind: the target is still empty
    assert report.counts["ratings"] > 0


async def test_totals_copied_with_another_country_than_their_drama_fail_the_check(
    tmp_path: Path, monkeypatch
) -> None:
    source, target = tmp_path / "source.db", tmp_path / "target.db"
    await _fill(source)
    country = "(SELECT d.country FROM dramas d WHERE d.id = r.drama_id)"
    assert country in transfer_module.REBUILD_RATING_TOTALS
    monkeypatch.setitem(
        transfer_module.DERIVED,
        "rating_totals",
        transfer_module.REBUILD_RATING_TOTALS.replace(country, "'XX'"),
    )
    with pytest.raises(TransferError, match="another country"):
        await transfer(str(source), f"sqlite:///{target}")
    monkeypatch.undo()
    report = await transfer(str(source), f"sqlite:///{target}")  # rolled back: the target is still empty
    assert report.counts["rating_totals"] > 0


async def test_a_source_newer_than_the_code_is_refused(tmp_path: Path) -> None:
    source, target = tmp_path / "new.db", tmp_path / "copy.db"
    await (await Store.open(source)).close()
    conn = sqlite3.connect(source)
    conn.execute("PRAGMA user_version = 999")
    conn.close()
    with pytest.raises(SchemaTooNew):
        await transfer(str(source), str(target))
    with pytest.raises(TransferError, match="same database"):
        await transfer(str(source), f"sqlite:///{source}")


async def test_every_table_of_the_schema_is_copied(tmp_path: Path, pg_url: str) -> None:
    """A later migration's table must be added to TABLES (or DERIVED), or this fails."""
    from bot.store.transfer_ends import PostgresEnd, SqliteEnd

    known = {t.name for t in TABLES} | set(DERIVED)
    await (await Store.open(tmp_path / "schema.db")).close()
    lite = SqliteEnd.open(tmp_path / "schema.db", source=True)
    await (await open_store(pg_url)).close()
    pg = await PostgresEnd.open(pg_url)
    try:
        for schema in (await lite.tables(), await pg.tables()):
            assert schema - known == set(), "tables migrate-db does not copy: add them to TABLES or DERIVED"
            assert {"dramas", "ratings", "rating_totals", "catalogue_audit", "bundled_dramas"} <= schema
    finally:
        await lite.close()
        await pg.close()


def test_the_command_line_copies_and_reports(tmp_path: Path) -> None:
    source, target = tmp_path / "source.db", tmp_path / "target.db"
    asyncio.run(_fill(source))
    command = [
        sys.executable,
        "-m",
        "bot",
        "migrate-db",
        "--from",
        str(source),
        "--to",
        f"sqlite:///{target}",
    ]
    done = subprocess.run(command, capture_output=True, text=True, cwd=REPO_ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    assert (
        "ratings: " in done.stderr and "rating totals checked" in done.stdout
    )  # plain lines: not a terminal
    again = subprocess.run(command, capture_output=True, text=True, cwd=REPO_ROOT, timeout=120)
    assert again.returncode == 1 and "--force" in again.stderr


async def test_the_target_is_migrated_to_the_source_version_only(tmp_path: Path, pg_url: str) -> None:
    """A source at an older schema is copied at that schema; opening the copy migrates it as usual."""
    from bot.store.transfer_ends import PostgresEnd, SqliteEnd

    old = SqliteEnd.open(tmp_path / "old.db", source=False)
    try:
        await old.migrate_to(3)
        old.conn.execute(
            "INSERT INTO dramas (id, slug, title, episode_count, genres) VALUES (7, 'old-one', 'Old One', 2, '[]')"
        )
        old.conn.execute(
            "INSERT INTO ratings (drama_id, episode, user_id, guild_id, halves) VALUES (7, 0, 5, 9, 8)"
        )
    finally:
        await old.close()
    report = await transfer(str(tmp_path / "old.db"), pg_url)
    assert report.version == 3 and report.counts["ratings"] == 1 and report.totals[:3] == (2, 2, 16)
    end = await PostgresEnd.open(pg_url)
    try:
        assert await end.version() == 3
    finally:
        await end.close()
    store = await open_store(pg_url)  # migrates the copy to the newest schema, like any database
    try:
        assert (await community_scores(store, 7, 9)).server.total_halves == 8
    finally:
        await store.close()


def test_progress_is_redrawn_on_a_terminal_and_plain_otherwise() -> None:
    import io

    from bot.cli.migrate import ProgressPrinter

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    tty, plain = Terminal(), io.StringIO()
    for out in (tty, plain):
        show = ProgressPrinter(out)
        show("ratings", 0, 40_000)
        show("ratings", 40_000, 40_000)
        show("meta", 0, 0)
    assert tty.getvalue() == (
        "\r\033[Kratings: 0 / 40,000 rows   0.0%\r\033[Kratings: 40,000 / 40,000 rows 100.0%\n"
        "\r\033[Kmeta: 0 / 0 rows   100%\n"
    )
    assert plain.getvalue() == "ratings: 40,000 rows\nmeta: 0 rows\n"

"""Erasing a member (/privacy delete-my-data, bot/store/erasure.py) on both backends (the `store` fixture).

The schema tests read each backend's own schema (sqlite_master and PRAGMA table_info on SQLite,
information_schema.columns on PostgreSQL) and find every column that can hold a Discord user id by its
name. The rule (USER_ID_COLUMN, also in bot/store/erasure.py's docstring): a column holds a Discord user id
when its name is `user_id` or `actor_id`, ends with `_user_id`, or ends with `_by` (`set_by`,
`followed_by`, `decided_by`). Each such column is
filled with the member's id in some row (through the store for the tables known here, and generically for
any other), the member is erased, and no row anywhere may still hold the id: a table or column added later
that erasure does not handle fails here.
"""

from __future__ import annotations

import argparse
import re
from datetime import UTC, date, datetime, time

from bot.cli import catalogue as catalogue_cli
from bot.models import AnnounceSettings, DeletedData, Episode
from bot.store.erasure import ERASED
from tests.bot.store.readbacks import reminders_of, reminders_sent
from tests.bot.store.test_store import FRESH_TOTALS, GUILD_A, GUILD_B

USER_ID_COLUMN = re.compile(r"user_id|actor_id|.+_user_id|.+_by")  # the rule (the module's docstring)


def holds_user_id(column: str) -> bool:
    return USER_ID_COLUMN.fullmatch(column) is not None


# Ids nothing else in a test database can contain, so a text search of every column finds only them.
MEMBER, OTHER = 424_242_424_242_424_242, 515_151_515_151_515_151
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


async def columns(raw) -> dict[str, dict[str, str]]:  # noqa: ANN001 - the `raw` fixture
    """Every table of the store's schema -> its columns -> their declared type, read from the backend."""
    found: dict[str, dict[str, str]] = {}
    if raw.backend == "sqlite":
        tables = await raw.fetch(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        )
        for (table,) in tables:
            info = await raw.fetch(f"PRAGMA table_info({table})")  # (cid, name, type, notnull, default, pk)
            found[table] = {row[1]: row[2].lower() for row in info}
    else:
        rows = await raw.fetch(
            "SELECT c.table_name, c.column_name, c.data_type FROM information_schema.columns c "
            "JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name "
            "WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE' "
            "ORDER BY c.table_name, c.ordinal_position"
        )
        for table, column, kind in rows:
            found.setdefault(table, {})[column] = kind.lower()
    return found


async def not_null_without_default(raw, table: str) -> dict[str, str]:  # noqa: ANN001
    """The columns an INSERT into `table` must give: NOT NULL, no default, not an id the database makes."""
    if raw.backend == "sqlite":
        info = await raw.fetch(f"PRAGMA table_info({table})")
        return {
            r[1]: r[2].lower() for r in info if r[3] and r[4] is None and not (r[5] and "int" in r[2].lower())
        }
    rows = await raw.fetch(
        "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = 'public' "
        "AND table_name = ? AND is_nullable = 'NO' AND column_default IS NULL AND is_identity = 'NO'",
        table,
    )
    return {r[0]: r[1].lower() for r in rows}


def user_id_columns(schema: dict[str, dict[str, str]]) -> set[tuple[str, str]]:
    return {(table, column) for table, cols in schema.items() for column in cols if holds_user_id(column)}


async def fill_through_the_store(store, add_drama) -> tuple[int, int]:  # noqa: ANN001
    """Everything a member can leave in the store, for MEMBER and for OTHER; returns two drama ids."""
    eps = (Episode(1, air_date=date(2026, 12, 1), air_time=time(21, 0)), Episode(2), Episode(3), Episode(4))
    a = await add_drama("erase-a", episodes=eps, country="KR", status="airing")
    b = await add_drama("erase-b", episode_count=4, country="KR")
    for user, guild in ((MEMBER, GUILD_A), (OTHER, GUILD_B)):
        await store.ratings.rate(user_id=user, guild_id=guild, drama_id=a, score=4.5)
        await store.ratings.rate(user_id=user, guild_id=guild, drama_id=a, score=2, episode=1)
        await store.ratings.rate(user_id=user, guild_id=None, drama_id=b, score=3)
        await store.watchlists.set(user_id=user, guild_id=guild, drama_id=b, status="plan")
        await store.watchlists.set_private(user, True)
        await store.airing.remind(user, a, now=NOW)
        await store.airing.remind(user, b, now=NOW)
        await store.airing.record_reminders([(user, a, 1)], now=NOW)
        await store.airing.set_announce(AnnounceSettings(guild, 50), set_by=user, now=NOW)
        await store.airing.follow(guild, a, by=user, now=NOW)
        await store.curation.set_guild_region(guild, "KR", actor_id=user, actor_name=f"name-{user}")
    await store.curation.set_curator_role(GUILD_A, 77, actor_id=MEMBER, actor_name="the member")
    return a, b


async def test_erasure_removes_every_row_and_keeps_changes_without_their_author(store, add_drama, raw):
    a, b = await fill_through_the_store(store, add_drama)
    other_only = sorted(
        await raw.fetch(
            FRESH_TOTALS.replace("FROM ratings", f"FROM (SELECT * FROM ratings WHERE user_id = {OTHER}) AS r")
        )
    )
    audit_before = await store.curation.audit_log()
    held = await store.erasure.counts(MEMBER)
    assert held == DeletedData(ratings=3, watchlist=2, settings=1, reminders=2, sent=1, named=4)
    # named: two audit rows (region, curator role), the announcement channel, the follow

    removed = await store.erasure.erase(MEMBER)
    assert removed == held
    assert await store.erasure.counts(MEMBER) == DeletedData(0, 0, 0)
    assert not (await store.erasure.counts(MEMBER)).anything
    # Totals as if the member had never rated.
    assert (
        sorted(await raw.fetch("SELECT drama_id, episode, scope, n, halves FROM rating_totals")) == other_only
    )
    # Their reminders and the records of them are gone; the other member's are all there.
    assert await reminders_of(store, MEMBER) == []
    assert await store.airing.reminded([a, b]) == [(OTHER, a), (OTHER, b)]
    assert await reminders_sent(store, [MEMBER, OTHER]) == {(OTHER, a, 1)}
    # The changes stay, without who made them; the other member's keep theirs.
    audit = await store.curation.audit_log()
    assert [(e.id, e.action, e.subject, e.before, e.after) for e in audit] == [
        (e.id, e.action, e.subject, e.before, e.after) for e in audit_before
    ]
    mine = [e for e in audit if e.id in {x.id for x in audit_before if x.actor_id == MEMBER}]
    assert len(mine) == 2 and all(e.actor_id is None and e.actor_name is None for e in mine)
    assert {(e.actor_id, e.actor_name) for e in audit if e.id not in {x.id for x in mine}} == {
        (OTHER, f"name-{OTHER}")
    }
    assert await store.airing.announce_settings(GUILD_A) == AnnounceSettings(GUILD_A, 50)
    assert await store.airing.followed(GUILD_A) == (a,)
    assert await raw.fetch("SELECT set_by FROM announce_settings ORDER BY guild_id") == [(None,), (OTHER,)]
    assert await raw.fetch("SELECT followed_by FROM follows ORDER BY guild_id") == [(None,), (OTHER,)]
    # The other member is untouched.
    assert await store.erasure.counts(OTHER) == DeletedData(3, 2, 1, reminders=2, sent=1, named=3)
    assert await store.watchlists.is_private(OTHER) and not await store.watchlists.is_private(MEMBER)
    assert await store.erasure.erase(MEMBER) == DeletedData(0, 0, 0)


async def test_the_audit_shows_an_erased_members_change_without_them(store, capsys):
    await store.curation.set_guild_region(GUILD_A, "KR", actor_id=MEMBER, actor_name="minji")
    await store.curation.set_guild_region(GUILD_B, "JP", actor_id=OTHER, actor_name="jisoo")
    await store.erasure.erase(MEMBER)
    args = argparse.Namespace(catalogue_command="audit", limit=10)
    assert await catalogue_cli.run(store, args) == 0
    lines = [line for line in capsys.readouterr().out.splitlines() if not line.startswith(" ")]
    assert len(lines) == 2
    assert f"  jisoo ({OTHER})  region  guild:{GUILD_B}" in lines[0]
    assert f"  erased member  region  guild:{GUILD_A}" in lines[1]
    assert "minji" not in lines[1] and str(MEMBER) not in lines[1]


async def test_a_member_with_only_a_reminder_has_something_to_erase(store, add_drama, raw):
    drama = await add_drama("reminded", episode_count=2)
    assert not (await store.erasure.counts(MEMBER)).anything
    await store.airing.remind(MEMBER, drama, now=NOW)
    held = await store.erasure.counts(MEMBER)
    assert held.anything and held == DeletedData(0, 0, 0, reminders=1)
    assert await store.erasure.erase(MEMBER) == held
    assert await raw.fetch("SELECT count(*) FROM reminders") == [(0,)]


async def test_a_reminder_erased_while_a_cycle_records_it_is_not_recorded(store, add_drama):
    """The cycle reads the reminders, then records one DM each: a member erased in between gets none."""
    drama = await add_drama("racing", episode_count=2)
    for user in (MEMBER, OTHER):
        await store.airing.remind(user, drama, now=NOW)
    due = await store.airing.reminded([drama])
    await store.erasure.erase(MEMBER)
    made = await store.airing.record_reminders([(u, d, 1) for u, d in due], now=NOW)
    assert made == [f"remind:{OTHER}:{drama}:1"]
    assert await reminders_sent(store, [MEMBER, OTHER]) == {(OTHER, drama, 1)}


def test_the_rule_names_user_id_columns_and_nothing_else():
    for column in ("user_id", "actor_id", "credit_user_id", "set_by", "followed_by", "decided_by"):
        assert holds_user_id(column), column
    for column in ("guild_id", "channel_id", "drama_id", "message_id", "actor_name", "users", "by", "_by"):
        assert not holds_user_id(column), column


async def test_every_user_id_column_of_the_schema_is_erased(store, raw):
    """Static half: each column the rule finds is in ERASED (what erasure does to it), and each entry of
    ERASED names a column of this schema."""
    found = user_id_columns(await columns(raw))
    listed = {(h.table, h.column) for h in ERASED}
    assert found - listed == set(), (
        "columns holding a Discord user id that erasure does not handle: add them to ERASED in "
        "bot/store/erasure.py (delete the row, or clear the id)"
    )
    assert listed - found == set(), "ERASED names columns the schema does not have"
    assert {("ratings", "user_id"), ("reminders", "user_id"), ("catalogue_audit", "actor_id")} <= found


def _literal(column: str, kind: str, drama_id: int, backend: str) -> str:
    """A value of this column's type for a generic INSERT (SQL text, so either backend takes it)."""
    if holds_user_id(column):
        return str(MEMBER)
    if column == "drama_id" or column.endswith("_drama_id"):
        return str(drama_id)
    if "bool" in kind:
        return "false" if backend == "postgres" else "0"
    if "int" in kind or kind in ("numeric", "real", "double precision"):
        return "0"
    if "timestamp" in kind or kind == "date":
        return "CURRENT_TIMESTAMP" if "timestamp" in kind else "CURRENT_DATE"
    if "json" in kind:
        return "'{}'"
    return "'x'"


async def fill_generically(raw, table: str, column: str, drama_id: int) -> str | None:  # noqa: ANN001
    """Put MEMBER in `table.column` in one row: an existing row's, else a new row built from the column
    types. Returns why it could not (then the table needs a filler through the store above)."""
    if (await raw.fetch(f"SELECT count(*) FROM {table}"))[0][0]:
        one = (
            "rowid = (SELECT min(rowid) FROM {t})"
            if raw.backend == "sqlite"
            else "ctid = (SELECT ctid FROM {t} LIMIT 1)"
        )
        try:
            await raw.execute(f"UPDATE {table} SET {column} = {MEMBER} WHERE {one.format(t=table)}")
            return None
        except Exception as exc:  # noqa: BLE001 - reported as the test's failure
            return f"UPDATE failed: {exc!r}"
    needed = await not_null_without_default(raw, table)
    needed.setdefault(column, "bigint")
    names = ", ".join(needed)
    values = ", ".join(_literal(c, k, drama_id, raw.backend) for c, k in needed.items())
    try:
        await raw.execute(f"INSERT INTO {table} ({names}) VALUES ({values})")
        return None
    except Exception as exc:  # noqa: BLE001 - reported as the test's failure
        return f"INSERT failed: {exc!r}"


async def test_no_row_anywhere_holds_an_erased_members_id(store, add_drama, raw):
    """Behavioural half: every column the rule finds holds MEMBER in some row (through the store, or put
    there generically), erasure runs, and no column of any table holds the id afterwards, whatever its
    name (a text search of every column, so keys and JSON count too)."""
    a, _ = await fill_through_the_store(store, add_drama)
    schema = await columns(raw)
    found = user_id_columns(schema)
    problems = []
    for table, column in sorted(found):
        if (await raw.fetch(f"SELECT count(*) FROM {table} WHERE {column} = {MEMBER}"))[0][0]:
            continue
        why = await fill_generically(raw, table, column, a)
        if why is not None:
            problems.append(f"{table}.{column}: {why}")
    assert problems == [], (
        "cannot put a member's id in these columns: fill them through the store in fill_through_the_store()"
    )
    for table, column in sorted(found):
        held = await raw.fetch(f"SELECT count(*) FROM {table} WHERE {column} = {MEMBER}")
        assert held[0][0] >= 1, f"{table}.{column} was not filled"

    await store.erasure.erase(MEMBER)

    left = []
    as_text = "CAST({c} AS TEXT)" if raw.backend == "sqlite" else "CAST({c} AS text)"
    for table, cols in sorted(schema.items()):
        for column in cols:
            quoted = f'"{column}"'
            n = await raw.fetch(
                f"SELECT count(*) FROM {table} WHERE {as_text.format(c=quoted)} LIKE '%{MEMBER}%'"
            )
            if n[0][0]:
                left.append(f"{table}.{column}: {n[0][0]} row(s)")
    assert left == [], "the erased member's id is still stored"
    assert (await raw.fetch(f"SELECT count(*) FROM ratings WHERE user_id = {OTHER}"))[0][0] == 3


async def test_migration_0016_keeps_every_audit_row_and_lets_the_actor_go(tmp_path):
    """SQLite makes actor_id again (it cannot drop NOT NULL in place): a database at 0015 with audit rows
    keeps every row and value, and takes a NULL actor afterwards."""
    import sqlite3

    from bot.store import Store
    from bot.store.migrations import migrations

    path = tmp_path / "old.sqlite3"
    conn = sqlite3.connect(path, isolation_level=None)
    for number, _name, sql in migrations("sqlite")[:15]:
        conn.executescript(f"BEGIN;\n{sql}\nPRAGMA user_version = {number};\nCOMMIT;")
    conn.execute(
        "INSERT INTO catalogue_audit (actor_id, actor_name, guild_id, action, subject, before, after) "
        "VALUES (?, 'minji', ?, 'region', 'guild:1', NULL, '{\"region\": \"KR\"}'), (0, NULL, NULL, 'add', 'x', NULL, '{}')",
        (MEMBER, GUILD_A),
    )
    before = conn.execute("SELECT id, at, actor_id, actor_name, guild_id, action, subject, before, after "
                          "FROM catalogue_audit ORDER BY id").fetchall()  # fmt: skip
    conn.close()
    store = await Store.open(path)
    try:
        fields = ("id", "at", "actor_id", "actor_name", "guild_id", "action", "subject", "before", "after")
        assert [
            tuple(getattr(e, f) for f in fields) for e in reversed(await store.curation.audit_log())
        ] == before
        await store.erasure.erase(MEMBER)
        assert [(e.actor_id, e.actor_name) for e in await store.curation.audit_log()] == [
            (0, None),
            (None, None),
        ]
    finally:
        await store.close()
    conn = sqlite3.connect(path)
    try:
        (notnull,) = [r[3] for r in conn.execute("PRAGMA table_info(catalogue_audit)") if r[1] == "actor_id"]
        assert notnull == 0 and conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert conn.execute("PRAGMA user_version").fetchone() == (len(migrations("sqlite")),)
    finally:
        conn.close()

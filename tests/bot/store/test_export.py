"""Exporting a member (/export, `store.erasure.export`) on both backends: everything erasure removes or
clears is in the export (the same fill as tests/bot/store/test_erasure.py: through the store, then every
column that can hold a user id, generically), and nothing of another member."""

from __future__ import annotations

import re

from bot.models import ExportedEntry
from bot.store.erasure import ERASED
from tests.bot.store.test_erasure import (
    MEMBER,
    OTHER,
    columns,
    fill_generically,
    fill_through_the_store,
    user_id_columns,
)
from tests.bot.store.test_store import GUILD_A


async def test_the_export_holds_every_row_erasure_touches(store, add_drama, raw):
    a, b = await fill_through_the_store(store, add_drama)
    schema = await columns(raw)
    for table, column in sorted(user_id_columns(schema)):
        if not (await raw.fetch(f"SELECT count(*) FROM {table} WHERE {column} = {MEMBER}"))[0][0]:
            assert await fill_generically(raw, table, column, a) is None, (table, column)

    data = await store.erasure.export(MEMBER)
    assert data.anything and data.user_id == MEMBER
    by_place = {(h.table, h.column): h for h in data.held}
    assert list(by_place) == [(h.table, h.column) for h in ERASED]
    for table, column in sorted(user_id_columns(schema)):  # every row holding the id, as stored
        stored = await raw.fetch(f"SELECT * FROM {table} WHERE {column} = {MEMBER}")
        exported = by_place[(table, column)].rows
        assert len(exported) == len(stored) >= 1, (table, column)
        assert all(dict(row)[column] == MEMBER for row in exported), (table, column)
        assert set(dict(exported[0])) == set(schema[table]), (table, column)  # every column
    # Any table holding the id in any column (a text search, as erasure's test does) is in the export.
    tables = set()
    for table, cols in schema.items():
        for column in cols:
            n = await raw.fetch(
                f"SELECT count(*) FROM {table} WHERE CAST(\"{column}\" AS TEXT) LIKE '%{MEMBER}%'"
            )
            if n[0][0]:
                tables.add(table)
    assert tables <= {table for table, _ in by_place}
    assert not any(str(OTHER) in repr(h.rows) for h in data.held)

    # Scores and list entries name their drama (ids too) and where they were given.
    scores = {(r.drama_id, r.episode): (r.halves, r.guild_id) for r in data.ratings}
    assert (
        scores[(a, None)] == (9, GUILD_A)
        and scores[(a, 1)] == (4, GUILD_A)
        and scores[(b, None)] == (6, None)
    )
    stamp = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")  # the same on both backends
    assert all(
        r.title and stamp.fullmatch(r.created_at) and stamp.fullmatch(r.updated_at) for r in data.ratings
    )
    (entry,) = [e for e in data.watchlist if e.drama_id == b]
    assert entry == ExportedEntry(
        b, entry.title, entry.year, entry.tmdb_id, entry.imdb_id, "plan", 0, GUILD_A, entry.updated_at
    )

    await store.erasure.erase(MEMBER)  # what is erased is no longer exported
    after = await store.erasure.export(MEMBER)
    assert not after.anything and after.ratings == () and after.watchlist == ()

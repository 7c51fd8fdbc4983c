"""The synthetic catalogue: shapes, consistent rating totals, and never written over real data."""

from __future__ import annotations

import sqlite3

import pytest

from bench.generate import SLUG_PREFIX, NotSynthetic, Size, generate

TINY = Size("tiny", 50, 800, 2_000, 300, 4)


def test_generates_the_requested_shape_with_consistent_totals(tmp_path):
    db = tmp_path / "bench.sqlite3"
    generate(db, TINY)
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("SELECT count(*) FROM dramas").fetchone()[0] == 50
        assert conn.execute("SELECT count(*) FROM episodes").fetchone()[0] == 800
        assert conn.execute("SELECT count(*) FROM ratings").fetchone()[0] == 2_000
        assert conn.execute("SELECT count(DISTINCT user_id) FROM ratings").fetchone()[0] <= 300
        assert conn.execute("SELECT min(episode_count), max(episode_count) FROM dramas").fetchone()[0] >= 1
        assert conn.execute("SELECT max(episode_count) FROM dramas").fetchone()[0] <= 100
        assert all(slug.startswith(SLUG_PREFIX) for (slug,) in conn.execute("SELECT slug FROM dramas"))
        hangul = conn.execute("SELECT count(*) FROM drama_names WHERE kind = 'native'").fetchone()[0]
        assert hangul == 50
        # rating_totals equal a fresh GROUP BY, and the triggers are back for the bot's own writes.
        stale = conn.execute(
            "SELECT count(*) FROM (SELECT drama_id, episode, 0 AS scope, count(*) AS n, sum(halves) AS h "
            "FROM ratings GROUP BY drama_id, episode UNION ALL SELECT drama_id, episode, guild_id, count(*), "
            "sum(halves) FROM ratings WHERE guild_id IS NOT NULL GROUP BY drama_id, episode, guild_id) g "
            "LEFT JOIN rating_totals t USING (drama_id, episode, scope) WHERE t.n IS NOT g.n OR t.halves IS NOT g.h"
        ).fetchone()[0]
        assert stale == 0
        misplaced = conn.execute(  # and each total carries its drama's country (migration 0013)
            "SELECT count(*) FROM rating_totals t JOIN dramas d ON d.id = t.drama_id "
            "WHERE t.country IS NOT d.country"
        ).fetchone()[0]
        assert misplaced == 0 and conn.execute("SELECT count(country) FROM rating_totals").fetchone()[0] > 0
        triggers = {name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
        assert {"ratings_after_insert", "ratings_after_update", "ratings_after_delete"} <= triggers
    finally:
        conn.close()
    generate(db, TINY)  # a synthetic database may be replaced


def test_refuses_a_database_with_real_dramas(tmp_path):
    db = tmp_path / "real.sqlite3"
    generate(db, TINY)
    conn = sqlite3.connect(db)
    conn.execute("UPDATE dramas SET slug = 'goblin' WHERE id = 1")
    conn.commit()
    conn.close()
    with pytest.raises(NotSynthetic):
        generate(db, TINY)
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT count(*) FROM dramas WHERE slug = 'goblin'").fetchone()[0] == 1
    conn.close()

"""bot.store: migrations, ratings and their maintained totals, catalogue writes, meta, backup, failures.

Every test uses a real SQLite file under tmp_path. The store's private connections are only touched to
read connection-level PRAGMAs that have no public accessor.
"""

from __future__ import annotations

import asyncio
import math
import os
import random
import shutil
import sqlite3
import stat
import tempfile
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from bot.catalogue.format import starter_entries
from bot.errors import SchemaTooNew, StoreUnavailable
from bot.models import Availability, Episode, ScoreSummary
from bot.store import Store, migrations
from tests.bot.conftest import Raw, Records
from tests.bot.store.readbacks import community_scores, upsert, user_rating

GUILD_A = 111_111_111_111_111_111
GUILD_B = 222_222_222_222_222_222
TABLES = {"dramas", "drama_names", "episodes", "availability", "ratings", "rating_totals", "meta"}
TRIGGERS = {"ratings_after_insert", "ratings_after_delete", "ratings_after_update"}

FRESH_TOTALS = """
    SELECT drama_id, episode, 0 AS scope, count(*), sum(halves) FROM ratings GROUP BY drama_id, episode
    UNION ALL
    SELECT drama_id, episode, guild_id, count(*), sum(halves) FROM ratings
        WHERE guild_id IS NOT NULL GROUP BY drama_id, episode, guild_id
"""


def raw_sqlite(path: Path) -> sqlite3.Connection:
    """A second, independent connection to the same file (autocommit)."""
    return sqlite3.connect(path, isolation_level=None)


def compare_totals(kept: list[tuple], fresh: list[tuple]) -> None:
    """rating_totals must equal a fresh GROUP BY over ratings (rows emptied to zero are allowed)."""
    assert all(n >= 0 for _, _, _, n, _ in kept), kept
    assert all(halves == 0 for _, _, _, n, halves in kept if n == 0), kept
    maintained = sorted(row for row in kept if row[3] != 0)
    assert maintained == sorted(fresh)


# Totals whose country is not their drama's (migration 0013: the triggers copy it and keep it current).
WRONG_COUNTRY = (
    "SELECT t.drama_id, t.episode, t.scope, t.country, d.country FROM rating_totals t "
    "JOIN dramas d ON d.id = t.drama_id WHERE coalesce(t.country, '') <> coalesce(d.country, '')"
)


def check_totals_sqlite(conn: sqlite3.Connection) -> None:
    compare_totals(
        conn.execute("SELECT drama_id, episode, scope, n, halves FROM rating_totals").fetchall(),
        conn.execute(FRESH_TOTALS).fetchall(),
    )
    assert conn.execute(WRONG_COUNTRY).fetchall() == []


def check_totals_sqlite_file(path: Path) -> None:
    conn = raw_sqlite(path)
    try:
        check_totals_sqlite(conn)
    finally:
        conn.close()


async def check_totals(raw: Raw) -> None:
    """As check_totals_sqlite, on either backend."""
    compare_totals(
        await raw.fetch("SELECT drama_id, episode, scope, n, halves FROM rating_totals"),
        await raw.fetch(FRESH_TOTALS),
    )
    assert list(await raw.fetch(WRONG_COUNTRY)) == []


async def ratings_count(store: Store) -> int:
    return (await store.catalogue.stats()).ratings


# --- opening and migrations ---------------------------------------------------------------------------


async def test_new_file_is_migrated_in_wal_mode(db_path):
    store = await Store.open(db_path)
    try:
        conn = raw_sqlite(db_path)
        try:
            (version,) = conn.execute("PRAGMA user_version").fetchone()
            names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            triggers = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
            (mode,) = conn.execute("PRAGMA journal_mode").fetchone()
        finally:
            conn.close()
        assert len(migrations()) >= 1
        assert version == len(migrations())
        assert TABLES <= names
        assert TRIGGERS <= triggers
        assert mode == "wal"
        for connection in (store.db._writer, store.db._reader):
            async with connection.execute("PRAGMA foreign_keys") as cur:
                assert (await cur.fetchone())[0] == 1
        async with store.db._reader.execute("PRAGMA query_only") as cur:
            assert (await cur.fetchone())[0] == 1
        assert await store.integrity_check() == "ok"
    finally:
        await store.close()


def test_migrations_are_numbered_from_one():
    found = migrations()
    assert [number for number, _, _ in found] == list(range(1, len(found) + 1))
    assert found[0][1] == "0001_catalogue_and_ratings.sql"
    assert all(sql.strip() for _, _, sql in found)


async def test_parent_folders_are_created(tmp_path):
    path = tmp_path / "a" / "b" / "c" / "bot.sqlite3"
    store = await Store.open(path)
    await store.close()
    assert path.is_file()


async def test_reopen_is_idempotent_and_keeps_data(db_path, records):
    store = await Store.open(db_path)
    drama_id, created = await upsert(
        store, records.drama("reopen-me", aliases=("Again",)), records.episodes(2)
    )
    assert created
    await store.ratings.rate(user_id=1, guild_id=GUILD_A, drama_id=drama_id, score=4.5)
    await store.set_meta("k", "v")
    await store.close()

    for _ in range(2):
        store = await Store.open(db_path)
        try:
            assert await user_rating(store, user_id=1, drama_id=drama_id) == 4.5
            assert await store.get_meta("k") == "v"
            assert [d.id for d in await store.catalogue.find("again")] == [drama_id]
            assert (await store.catalogue.stats()).dramas == 1
        finally:
            await store.close()
    conn = raw_sqlite(db_path)
    try:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == len(migrations())
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        conn.close()


@pytest.mark.parametrize("journal_mode", ["delete", "wal"])
async def test_newer_schema_is_refused_and_file_left_unchanged(db_path, journal_mode):
    db_path.parent.mkdir(parents=True)
    conn = raw_sqlite(db_path)
    conn.execute(f"PRAGMA journal_mode = {journal_mode}")
    conn.execute("CREATE TABLE from_the_future (x TEXT)")
    conn.execute("INSERT INTO from_the_future VALUES ('keep me')")
    conn.execute(f"PRAGMA user_version = {len(migrations()) + 1}")
    conn.close()
    files_before = sorted(p.name for p in db_path.parent.iterdir())
    before = db_path.read_bytes()

    with pytest.raises(SchemaTooNew, match=str(len(migrations()) + 1)):
        await Store.open(db_path)

    assert db_path.read_bytes() == before
    assert sorted(p.name for p in db_path.parent.iterdir()) == files_before


# --- rating -------------------------------------------------------------------------------------------


async def test_first_rating_then_rerate_replaces(store, add_drama):
    drama_id = await add_drama("rated")
    first = await store.ratings.rate(user_id=7, guild_id=GUILD_A, drama_id=drama_id, score=4)
    assert first.previous is None
    assert first.score == 4.0
    assert first.episode is None
    assert first.in_guild
    assert first.drama.id == drama_id and first.drama.slug == "rated"
    assert first.server == ScoreSummary(1, 8)
    assert first.everyone == ScoreSummary(1, 8)

    second = await store.ratings.rate(user_id=7, guild_id=GUILD_A, drama_id=drama_id, score=2.5)
    assert second.previous == 4.0
    assert second.score == 2.5
    assert second.server == ScoreSummary(1, 5)
    assert second.everyone == ScoreSummary(1, 5)
    assert await user_rating(store, user_id=7, drama_id=drama_id) == 2.5
    assert await ratings_count(store) == 1


async def test_same_score_again_changes_nothing(store, add_drama, raw):
    drama_id = await add_drama("same")
    await store.ratings.rate(user_id=7, guild_id=GUILD_A, drama_id=drama_id, score=3.5)
    before = await raw.fetch("SELECT * FROM ratings")
    totals_before = await raw.fetch("SELECT * FROM rating_totals")
    again = await store.ratings.rate(user_id=7, guild_id=GUILD_A, drama_id=drama_id, score=3.5)
    assert await raw.fetch("SELECT * FROM ratings") == before  # updated_at untouched too
    assert await raw.fetch("SELECT * FROM rating_totals") == totals_before
    assert again.previous == 3.5
    assert again.score == 3.5
    assert again.server == ScoreSummary(1, 7)


async def test_episode_ratings_are_separate_from_the_whole_drama(store, add_drama):
    drama_id = await add_drama("episodic", episode_count=4)
    await store.ratings.rate(user_id=1, guild_id=GUILD_A, drama_id=drama_id, score=5)
    ep2 = await store.ratings.rate(user_id=1, guild_id=GUILD_A, drama_id=drama_id, score=2, episode=2)
    assert ep2.previous is None  # the whole-drama score is not this episode's
    assert ep2.episode == 2
    assert ep2.server == ScoreSummary(1, 4)
    await store.ratings.rate(user_id=1, guild_id=GUILD_A, drama_id=drama_id, score=3, episode=3)

    assert await user_rating(store, user_id=1, drama_id=drama_id) == 5
    assert await user_rating(store, user_id=1, drama_id=drama_id, episode=2) == 2
    assert await user_rating(store, user_id=1, drama_id=drama_id, episode=3) == 3
    assert await user_rating(store, user_id=1, drama_id=drama_id, episode=4) is None
    scores = await community_scores(store, drama_id, GUILD_A)
    assert scores.server == scores.everyone == ScoreSummary(1, 10)
    assert (
        scores.server_episodes == scores.everyone_episodes == {2: ScoreSummary(1, 4), 3: ScoreSummary(1, 6)}
    )


@pytest.mark.parametrize("episode", [0, -1, 5, 10**6])
async def test_episode_out_of_range_stores_nothing(store, add_drama, episode):
    drama_id = await add_drama("four-eps", episode_count=4)
    with pytest.raises(ValueError, match="episode"):
        await store.ratings.rate(user_id=1, guild_id=GUILD_A, drama_id=drama_id, score=3, episode=episode)
    assert await ratings_count(store) == 0
    assert await community_scores(store, drama_id, GUILD_A) == await community_scores(store,
        drama_id, None
    )
    assert (await community_scores(store, drama_id, GUILD_A)).everyone == ScoreSummary()


@pytest.mark.parametrize(
    "score", [0, 0.25, 0.49, 0.75, 4.4, 5.5, 6, 10, -0.5, -1, math.nan, math.inf, -math.inf, 1e308]
)
async def test_bad_scores_are_refused_and_store_nothing(store, add_drama, score):
    drama_id = await add_drama("scored")
    await store.ratings.rate(user_id=2, guild_id=None, drama_id=drama_id, score=1)
    with pytest.raises(ValueError, match="score"):
        await store.ratings.rate(user_id=1, guild_id=GUILD_A, drama_id=drama_id, score=score)
    with pytest.raises(ValueError, match="score"):
        # no replacing either
        await store.ratings.rate(user_id=2, guild_id=None, drama_id=drama_id, score=score)
    assert await ratings_count(store) == 1
    assert await user_rating(store, user_id=2, drama_id=drama_id) == 1
    assert await user_rating(store, user_id=1, drama_id=drama_id) is None


async def test_every_half_step_is_accepted(store, add_drama):
    drama_id = await add_drama("steps")
    for user, halves in enumerate(range(1, 11), start=1):
        result = await store.ratings.rate(user_id=user, guild_id=None, drama_id=drama_id, score=halves / 2)
        assert result.score == halves / 2
    assert (await community_scores(store, drama_id, None)).everyone == ScoreSummary(10, 55)


async def test_unknown_drama_is_a_lookup_error(store, add_drama):
    drama_id = await add_drama("known")
    with pytest.raises(LookupError):
        await store.ratings.rate(user_id=1, guild_id=GUILD_A, drama_id=drama_id + 1000, score=3)
    with pytest.raises(LookupError):
        await store.ratings.rate(user_id=1, guild_id=GUILD_A, drama_id=drama_id + 1000, score=3, episode=1)
    assert await ratings_count(store) == 0
    assert await store.catalogue.get(drama_id + 1000) is None
    assert await store.catalogue.review(drama_id + 1000, GUILD_A) is None


async def test_community_average_is_exact(store, add_drama):
    drama_id = await add_drama("average")
    await store.ratings.rate(user_id=1, guild_id=GUILD_A, drama_id=drama_id, score=4.5)
    result = await store.ratings.rate(user_id=2, guild_id=GUILD_A, drama_id=drama_id, score=3)
    assert result.server.count == 2
    assert result.server.average == 3.75
    scores = await community_scores(store, drama_id, GUILD_A)
    assert scores.server.count == 2 and scores.server.average == 3.75
    assert scores.everyone.count == 2 and scores.everyone.average == 3.75


async def test_server_and_everyone_scopes(store, add_drama):
    drama_id = await add_drama("scoped", episode_count=2)
    await store.ratings.rate(user_id=1, guild_id=GUILD_A, drama_id=drama_id, score=5)
    await store.ratings.rate(user_id=2, guild_id=GUILD_B, drama_id=drama_id, score=3)
    dm = await store.ratings.rate(user_id=3, guild_id=None, drama_id=drama_id, score=4)
    await store.ratings.rate(user_id=3, guild_id=None, drama_id=drama_id, score=1, episode=1)
    await store.ratings.rate(user_id=1, guild_id=GUILD_A, drama_id=drama_id, score=2, episode=1)

    assert not dm.in_guild
    assert dm.server == ScoreSummary()
    assert dm.everyone == ScoreSummary(3, 24)

    in_a = await community_scores(store, drama_id, GUILD_A)
    assert in_a.server == ScoreSummary(1, 10)
    assert in_a.everyone == ScoreSummary(3, 24)
    assert in_a.everyone.average == 4.0
    assert in_a.server_episodes == {1: ScoreSummary(1, 4)}
    assert in_a.everyone_episodes == {1: ScoreSummary(2, 6)}

    in_b = await community_scores(store, drama_id, GUILD_B)
    assert in_b.server == ScoreSummary(1, 6)
    assert in_b.server_episodes == {}

    in_dm = await community_scores(store, drama_id, None)
    assert in_dm.server == ScoreSummary()
    assert in_dm.everyone == ScoreSummary(3, 24)
    assert in_dm.server_episodes == {}
    assert in_dm.everyone_episodes == {1: ScoreSummary(2, 6)}

    review = await store.catalogue.review(drama_id, None)
    assert review is not None and not review.in_guild and review.scores == in_dm


async def test_moving_a_rating_between_guilds_updates_both_scopes(store, add_drama, raw):
    drama_id = await add_drama("mover")
    await store.ratings.rate(user_id=9, guild_id=GUILD_B, drama_id=drama_id, score=1)
    await store.ratings.rate(user_id=1, guild_id=GUILD_A, drama_id=drama_id, score=5)

    moved = await store.ratings.rate(user_id=1, guild_id=GUILD_B, drama_id=drama_id, score=5)
    assert moved.previous == 5
    assert moved.server == ScoreSummary(2, 12)
    assert (await community_scores(store, drama_id, GUILD_A)).server == ScoreSummary()
    assert (await community_scores(store, drama_id, GUILD_B)).server == ScoreSummary(2, 12)
    assert (await community_scores(store, drama_id, GUILD_B)).everyone == ScoreSummary(2, 12)

    # to a DM, with a new score
    await store.ratings.rate(user_id=1, guild_id=None, drama_id=drama_id, score=3)
    assert (await community_scores(store, drama_id, GUILD_B)).server == ScoreSummary(1, 2)
    assert (await community_scores(store, drama_id, None)).everyone == ScoreSummary(2, 8)

    back = await store.ratings.rate(user_id=1, guild_id=GUILD_A, drama_id=drama_id, score=3)
    assert back.server == ScoreSummary(1, 6)
    assert back.everyone == ScoreSummary(2, 8)
    await check_totals(raw)


# --- rating_totals against a fresh GROUP BY ------------------------------------------------------------

SCORES = [h / 2 for h in range(1, 11)]
GUILDS = [None, GUILD_A, GUILD_B, 333]


async def test_totals_match_group_by_after_random_operations(store, add_drama, raw, records):
    """A few hundred random rates, re-rates, moves, bad inputs and run-length changes."""
    rng = random.Random(20240501)
    counts = {await add_drama(f"drama-{i}", episode_count=c): c for i, c in enumerate((1, 4, 8))}
    slugs = {drama_id: f"drama-{i}" for i, drama_id in enumerate(counts)}
    model: dict[tuple[int, int, int], tuple[int | None, int]] = {}
    for step in range(400):
        drama_id = rng.choice(list(counts))
        roll = rng.random()
        if roll < 0.06:  # the run length and the country change (the totals' country follows)
            new_count = rng.randint(1, 9)
            country = rng.choice(["KR", "JP", "TH", None])
            await upsert(
                store, records.drama(slugs[drama_id], episode_count=new_count, country=country)
            )
            counts[drama_id] = new_count
            model = {k: v for k, v in model.items() if not (k[0] == drama_id and k[1] > new_count)}
        else:
            user = rng.randint(1, 12)
            guild = rng.choice(GUILDS)
            episode = rng.choice([None, None, *range(0, 11)])
            score = rng.choice([*SCORES, *SCORES, 0, 7.25])
            valid_episode = episode is None or 1 <= episode <= counts[drama_id]
            if score in SCORES and valid_episode:
                result = await store.ratings.rate(
                    user_id=user, guild_id=guild, drama_id=drama_id, score=score, episode=episode
                )
                key = (drama_id, episode or 0, user)
                assert result.previous == (model[key][1] / 2 if key in model else None)
                model[key] = (guild, int(score * 2))
            else:
                with pytest.raises(ValueError):
                    await store.ratings.rate(
                        user_id=user, guild_id=guild, drama_id=drama_id, score=score, episode=episode
                    )
        if step % 20 == 0 or roll < 0.06:
            await check_totals(raw)
    await check_totals(raw)
    stored = {(d, e, u): (g, h) for d, e, u, g, h in
              await raw.fetch("SELECT drama_id, episode, user_id, guild_id, halves FROM ratings")}  # fmt: skip
    assert stored == model
    for drama_id in counts:
        for guild in GUILDS:
            scores = await community_scores(store, drama_id, guild)
            mine = [(g, h) for (d, e, _), (g, h) in model.items() if d == drama_id and e == 0]
            everyone = ScoreSummary(len(mine), sum(h for _, h in mine))
            server = [h for g, h in mine if guild is not None and g == guild]
            assert scores.everyone == everyone
            assert scores.server == ScoreSummary(len(server), sum(server))


class RatingTotalsMachine(RuleBasedStateMachine):
    """Stateful check of the triggers: after every step, rating_totals == GROUP BY over ratings."""

    def __init__(self) -> None:
        super().__init__()
        self.loop = asyncio.new_event_loop()
        self.folder = Path(tempfile.mkdtemp(prefix="dramabot-totals-"))
        self.path = self.folder / "totals.sqlite3"
        self.store = self.run(Store.open(self.path))
        self.conn = raw_sqlite(self.path)
        self.counts: dict[int, int] = {}
        self.slugs: dict[int, str] = {}
        self.model: dict[tuple[int, int, int], tuple[int | None, int]] = {}

    def run(self, coro):
        return self.loop.run_until_complete(coro)

    @initialize(counts=st.lists(st.integers(1, 6), min_size=1, max_size=3))
    def add_dramas(self, counts):
        for i, count in enumerate(counts):
            drama_id, _ = self.run(upsert(self.store, Records.drama(f"m-{i}", episode_count=count)))
            self.counts[drama_id], self.slugs[drama_id] = count, f"m-{i}"

    @rule(data=st.data(), user=st.integers(1, 5), guild=st.sampled_from(GUILDS),
          score=st.sampled_from(SCORES), whole=st.booleans())  # fmt: skip
    def rate(self, data, user, guild, score, whole):
        drama_id = data.draw(st.sampled_from(sorted(self.counts)))
        episode = None if whole else data.draw(st.integers(1, self.counts[drama_id]))
        key = (drama_id, episode or 0, user)
        result = self.run(
            self.store.ratings.rate(
                user_id=user, guild_id=guild, drama_id=drama_id, score=score, episode=episode
            )
        )
        assert result.previous == (self.model[key][1] / 2 if key in self.model else None)
        self.model[key] = (guild, int(score * 2))

    @rule(data=st.data(), new_count=st.integers(1, 6), country=st.sampled_from(["KR", "JP", None]))
    def change_run_length(self, data, new_count, country):
        drama_id = data.draw(st.sampled_from(sorted(self.counts)))
        self.run(
            upsert(
                self.store, Records.drama(self.slugs[drama_id], episode_count=new_count, country=country)
            )
        )
        self.counts[drama_id] = new_count
        self.model = {k: v for k, v in self.model.items() if not (k[0] == drama_id and k[1] > new_count)}

    @invariant()
    def totals_match(self):
        check_totals_sqlite(self.conn)
        stored = {(d, e, u): (g, h) for d, e, u, g, h in
                  self.conn.execute("SELECT drama_id, episode, user_id, guild_id, halves FROM ratings")}  # fmt: skip
        assert stored == self.model

    def teardown(self):
        try:
            self.conn.close()
            self.run(self.store.close())
            self.loop.close()
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)


TestRatingTotalsMachine = RatingTotalsMachine.TestCase
TestRatingTotalsMachine.settings = settings(
    max_examples=12, stateful_step_count=30, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


# --- concurrency --------------------------------------------------------------------------------------


async def test_two_hundred_concurrent_rates_all_commit(store, add_drama, raw):
    drama_id = await add_drama("busy", episode_count=3)
    jobs = []
    expected: dict[tuple[int, int], int] = {}
    for user in range(1, 201):
        episode = None if user % 4 else user % 3 + 1
        halves = user % 10 + 1
        guild = (GUILD_A, GUILD_B, None)[user % 3]
        expected[(user, episode or 0)] = halves
        jobs.append(
            store.ratings.rate(
                user_id=user, guild_id=guild, drama_id=drama_id, score=halves / 2, episode=episode
            )
        )
    results = await asyncio.gather(*jobs)

    assert all(r.previous is None for r in results)
    assert await ratings_count(store) == 200
    for (user, episode), halves in expected.items():
        assert (
            await user_rating(store, user_id=user, drama_id=drama_id, episode=episode or None)
            == halves / 2
        )
    scores = await community_scores(store, drama_id, None)
    whole = [h for (_, e), h in expected.items() if e == 0]
    assert scores.everyone == ScoreSummary(len(whole), sum(whole))
    assert sum(s.count for s in scores.everyone_episodes.values()) == 200 - len(whole)
    await check_totals(raw)


async def test_a_members_scores_given_at_once_apply_in_the_order_given(store, add_drama, raw):
    """Among many concurrent rates over several dramas and episodes (transactions side by side on
    PostgreSQL), one member's scores for one drama are applied in the order given: each answer's previous
    score is the one before it, and the last one stays."""
    dramas = [await add_drama(f"order-{i}", episode_count=2) for i in range(4)]
    jobs, mine = [], []
    for i in range(400):
        if i % 10 == 0:
            mine.append(len(jobs))
            score = SCORES[(i // 10) % len(SCORES)]
            jobs.append(store.ratings.rate(user_id=7, guild_id=GUILD_A, drama_id=dramas[0], score=score))
        else:
            episode = (None, 1, 2)[i % 3]
            jobs.append(
                store.ratings.rate(
                    user_id=1000 + i, guild_id=GUILD_B, drama_id=dramas[i % 4], score=3, episode=episode
                )
            )
    results = await asyncio.gather(*jobs)
    given = [results[j] for j in mine]
    assert given[0].previous is None
    assert [r.previous for r in given[1:]] == [r.score for r in given[:-1]]
    assert await user_rating(store, user_id=7, drama_id=dramas[0]) == given[-1].score
    await check_totals(raw)


async def test_concurrent_rates_on_the_same_member_leave_one_rating(store, add_drama, raw):
    drama_id = await add_drama("contested")
    results = await asyncio.gather(
        *(
            store.ratings.rate(user_id=5, guild_id=GUILDS[i % 4], drama_id=drama_id, score=SCORES[i % 10])
            for i in range(50)
        )
    )
    assert await ratings_count(store) == 1
    assert sum(r.previous is None for r in results) == 1
    final = await user_rating(store, user_id=5, drama_id=drama_id)
    assert final in {r.score for r in results}
    assert (await community_scores(store, drama_id, None)).everyone == ScoreSummary(1, int(final * 2))
    await check_totals(raw)


# --- catalogue writes ---------------------------------------------------------------------------------


async def test_upsert_creates_then_updates_and_keeps_ratings(store, records):
    original = records.drama(
        "hometown-cha-cha-cha", title="Hometown Cha-Cha-Cha", episode_count=16, native_title="갯마을 차차차",
        aliases=("Seaside Village Cha-Cha-Cha", "HCCC"), country="KR", year=2021, network="tvN",
        genres=("Romance", "Comedy"), synopsis="A dentist moves to a seaside village.",
        critic_score=4.5, critic_summary="cosy", critic_verdict="Comfort viewing.",
    )  # fmt: skip
    drama_id, created = await upsert(
        store, original,
        records.episodes(16),
        [records.availability("Netflix"), records.availability("Viki", "free")],
    )
    assert created
    assert await store.catalogue.get(drama_id) == replace(original, id=drama_id)
    await store.ratings.rate(user_id=1, guild_id=GUILD_A, drama_id=drama_id, score=5)
    await store.ratings.rate(user_id=1, guild_id=GUILD_A, drama_id=drama_id, score=4, episode=3)

    updated = records.drama(
        "hometown-cha-cha-cha", title="Hometown Cha Cha Cha", episode_count=16, aliases=("Gaetmaeul",),
        year=2021, genres=("Romance",),
    )  # fmt: skip
    same_id, created = await upsert(
        store,
        updated,
        [records.episode(1, 3.5, "Pilot")],
        [records.availability("Netflix", "ads", regions=())],
    )
    assert (same_id, created) == (drama_id, False)
    stored = await store.catalogue.get(drama_id)
    assert stored == replace(updated, id=drama_id)
    assert stored.native_title is None and stored.critic_score is None
    assert await store.catalogue.episodes(drama_id) == (Episode(1, 3.5, "Pilot", None),)
    assert await store.catalogue.availability(drama_id) == (
        records.availability("Netflix", "ads", regions=()),
    )
    assert await user_rating(store, user_id=1, drama_id=drama_id) == 5
    assert await user_rating(store, user_id=1, drama_id=drama_id, episode=3) == 4
    assert (await store.catalogue.stats()).dramas == 1

    assert [h.drama_id for h in store.titles.search("gaetmaeul")] == [drama_id]
    assert [d.id for d in await store.catalogue.find("Gaetmaeul")] == [drama_id]
    for gone in ("HCCC", "Seaside Village Cha-Cha-Cha", "갯마을 차차차"):
        assert await store.catalogue.find(gone) == []
    # The old spelling of the title still finds it through the compact form of the new one.
    assert [d.id for d in await store.catalogue.find("Hometown Cha-Cha-Cha")] == [drama_id]
    assert store.titles.search("seaside") == []
    assert store.titles.search("갯마을") == []
    assert store.titles.search("HCCC") == []
    assert [h.title for h in store.titles.search("hometown")] == ["Hometown Cha Cha Cha"]
    assert [d.id for d in await store.catalogue.find("hometown-cha-cha-cha")] == [drama_id]


async def test_index_after_reopen_matches_the_database(db_path, records):
    store = await Store.open(db_path)
    drama_id, _ = await upsert(
        store, records.drama("my-mister", title="My Mister", aliases=("My Ajusshi",), native_title="나의 아저씨")
    )
    await upsert(store, records.drama("my-mister", title="My Mister", aliases=("Ajusshi",)))
    before = [store.titles.search(q) for q in ("my", "ajus", "나의", "mister", "")]
    await store.close()
    store = await Store.open(db_path)
    try:
        after = [store.titles.search(q) for q in ("my", "ajus", "나의", "mister", "")]
        assert [[h.drama_id for h in hits] for hits in after] == [
            [h.drama_id for h in hits] for hits in before
        ]
        assert [h.drama_id for h in store.titles.search("ajus")] == [drama_id]
        assert store.titles.search("나의") == []
        assert store.titles.search("my aj") == []
    finally:
        await store.close()


async def test_shortening_the_run_drops_ratings_past_the_end(store, add_drama, records, raw):
    drama_id = await add_drama("shrinking", episode_count=6)
    for episode in (None, 2, 4, 5, 6):
        await store.ratings.rate(user_id=1, guild_id=GUILD_A, drama_id=drama_id, score=3, episode=episode)
    await store.ratings.rate(user_id=2, guild_id=None, drama_id=drama_id, score=5, episode=6)
    await upsert(store, records.drama("shrinking", episode_count=4), records.episodes(4))

    assert await ratings_count(store) == 3
    scores = await community_scores(store, drama_id, GUILD_A)
    assert set(scores.everyone_episodes) == {2, 4}
    assert set(scores.server_episodes) == {2, 4}
    assert scores.server == ScoreSummary(1, 6)
    with pytest.raises(ValueError):
        await store.ratings.rate(user_id=1, guild_id=GUILD_A, drama_id=drama_id, score=3, episode=5)
    await check_totals(raw)


async def test_availability_round_trip(store, add_drama):
    offers = (
        Availability("Disney+", "subscription", (), "https://www.disneyplus.com/", None),
        Availability("iQIYI", "free", ("TW", "HK", "SG"), None, date(2025, 2, 28)),
        Availability("iQIYI", "subscription", ("TW",), "https://www.iq.com/", date(2024, 1, 1)),
        Availability("Apple TV", "buy", ("US",), None, None),
    )
    drama_id = await add_drama("offered", availability=offers)
    got = await store.catalogue.availability(drama_id)
    assert got == tuple(sorted(offers, key=lambda a: (a.service.lower(), a.kind)))
    assert got[0].service == "Apple TV"
    disney = next(a for a in got if a.service == "Disney+")
    assert disney.regions == () and disney.checked_on is None
    review = await store.catalogue.review(drama_id, GUILD_A)
    assert review is not None and review.availability == got and review.in_guild


async def test_meta_round_trip(db_path):
    store = await Store.open(db_path)
    assert await store.get_meta("missing") is None
    await store.set_meta("greeting", "안녕 👋")
    await store.set_meta("count", "1")
    await store.set_meta("count", "2")
    assert await store.get_meta("greeting") == "안녕 👋"
    assert await store.get_meta("count") == "2"
    await store.close()
    store = await Store.open(db_path)
    try:
        assert await store.get_meta("count") == "2"
    finally:
        await store.close()


async def test_stats_count_everything(seeded_store):
    entries = starter_entries()
    (drama,) = await seeded_store.catalogue.find("Soundtrack #1")
    await seeded_store.ratings.rate(user_id=1, guild_id=None, drama_id=drama.id, score=4)
    stats = await seeded_store.catalogue.stats()
    assert (stats.dramas, stats.episodes, stats.availability, stats.ratings) == (
        len(entries),
        sum(len(e.episodes) for e in entries),
        sum(len(e.availability) for e in entries),
        1,
    )


# --- backup -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("backend", ["sqlite"])  # PostgreSQL: pg_dump
async def test_backup_while_writing_is_consistent(store, add_drama, tmp_path):
    drama_id = await add_drama("backed-up", episode_count=4)
    started, backed_up = asyncio.Event(), asyncio.Event()
    written = 0

    async def keep_rating() -> None:
        nonlocal written
        user = 0
        while not backed_up.is_set() or user < written_at_backup + 30:
            user += 1
            await store.ratings.rate(user_id=user, guild_id=GUILDS[user % 4], drama_id=drama_id,
                             score=SCORES[user % 10], episode=(None, 1, 4)[user % 3])  # fmt: skip
            written = user
            if user == 30:
                started.set()

    written_at_backup = 10**9
    writer = asyncio.create_task(keep_rating())
    await started.wait()
    before = written
    target = tmp_path / "backups" / "copy.sqlite3"
    await store.backup(target)
    written_at_backup = written
    backed_up.set()
    await writer
    assert written > written_at_backup >= before >= 30

    conn = raw_sqlite(target)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
        (copied,) = conn.execute("SELECT count(*) FROM ratings").fetchone()
        assert before <= copied <= written_at_backup + 1  # +1: committed, not yet counted by the task
        check_totals_sqlite(conn)
    finally:
        conn.close()
    copy = await Store.open(target)
    try:
        assert await copy.integrity_check() == "ok"
        assert (await copy.catalogue.get(drama_id)).slug == "backed-up"
        assert [h.drama_id for h in copy.titles.search("backed")] == [drama_id]
    finally:
        await copy.close()
    assert await ratings_count(store) == written


@pytest.mark.parametrize("backend", ["sqlite"])  # PostgreSQL: pg_dump
async def test_backup_refuses_an_existing_file(seeded_store, tmp_path):
    target = tmp_path / "taken.sqlite3"
    target.write_bytes(b"not yours")
    with pytest.raises(FileExistsError):
        await seeded_store.backup(target)
    assert target.read_bytes() == b"not yours"
    fresh = tmp_path / "fresh.sqlite3"
    await seeded_store.backup(str(fresh))
    with pytest.raises(FileExistsError):
        await seeded_store.backup(fresh)


# --- closing and failures -----------------------------------------------------------------------------


async def test_after_close_every_call_is_unavailable(db_path, records, tmp_path):
    store = await Store.open(db_path)
    drama_id, _ = await upsert(store, records.drama("closing"))
    await store.close()
    await store.close()  # idempotent
    assert store.closed

    calls = [
        store.catalogue.get(drama_id),
        store.catalogue.episodes(drama_id),
        store.catalogue.availability(drama_id),
        community_scores(store, drama_id, GUILD_A),
        store.catalogue.review(drama_id, GUILD_A),
        store.catalogue.stats(),
        store.catalogue.find("closing"),
        store.ratings.rate(user_id=1, guild_id=None, drama_id=drama_id, score=3),
        user_rating(store, user_id=1, drama_id=drama_id),
        upsert(store, records.drama("another")),
        store.get_meta("k"),
        store.set_meta("k", "v"),
        store.integrity_check(),
        store.backup(tmp_path / "after-close.sqlite3"),
    ]
    for call in calls:
        with pytest.raises(StoreUnavailable):
            await call
    assert not (tmp_path / "after-close.sqlite3").exists()


async def test_close_while_writes_are_queued_loses_nothing_committed(db_path, records):
    store = await Store.open(db_path)
    drama_id, _ = await upsert(store, records.drama("queued"))
    rates = [asyncio.ensure_future(store.ratings.rate(user_id=u, guild_id=None, drama_id=drama_id, score=2))
             for u in range(1, 41)]  # fmt: skip
    await asyncio.sleep(0)
    await store.close()
    outcomes = await asyncio.gather(*rates, return_exceptions=True)
    assert all(not isinstance(o, BaseException) or isinstance(o, StoreUnavailable) for o in outcomes)
    committed = {u for u, o in enumerate(outcomes, start=1) if not isinstance(o, BaseException)}

    store = await Store.open(db_path)
    try:
        for user in range(1, 41):
            assert (await user_rating(store, user_id=user, drama_id=drama_id) is not None) == (
                user in committed
            )
    finally:
        await store.close()
    check_totals_sqlite_file(db_path)


@pytest.mark.parametrize("backend", ["sqlite"])  # SQLite's file lock
async def test_write_while_another_connection_holds_the_lock(store, add_drama, db_path):
    drama_id = await add_drama("locked")
    await store.ratings.rate(user_id=1, guild_id=GUILD_A, drama_id=drama_id, score=4)

    other = sqlite3.connect(db_path, isolation_level=None, timeout=0)
    try:
        other.execute("BEGIN EXCLUSIVE")
        other.execute("INSERT INTO meta (key, value) VALUES ('other', 'uncommitted')")
        with pytest.raises(StoreUnavailable, match="locked"):
            await store.ratings.rate(user_id=2, guild_id=GUILD_A, drama_id=drama_id, score=2)
        # Reads go on during the lock (WAL), and see what was committed.
        assert await user_rating(store, user_id=1, drama_id=drama_id) == 4
        other.execute("ROLLBACK")
    finally:
        other.close()

    result = await store.ratings.rate(user_id=2, guild_id=GUILD_A, drama_id=drama_id, score=2)
    assert result.previous is None  # the failed attempt left nothing behind
    assert result.server == ScoreSummary(2, 12)
    await store.set_meta("after", "lock")
    assert await store.get_meta("other") is None
    assert await store.get_meta("after") == "lock"
    assert await user_rating(store, user_id=1, drama_id=drama_id) == 4
    assert await ratings_count(store) == 2
    check_totals_sqlite_file(db_path)


@pytest.mark.parametrize("read_only_folder", [False, True], ids=["file", "file-and-folder"])
async def test_read_only_database_is_unavailable_not_a_crash(db_path, records, read_only_folder):
    store = await Store.open(db_path)
    drama_id, _ = await upsert(store, records.drama("frozen"))
    await store.ratings.rate(user_id=1, guild_id=None, drama_id=drama_id, score=4)
    await store.close()

    folder = db_path.parent
    for path in folder.iterdir():
        path.chmod(stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)  # 0444
    if read_only_folder:
        folder.chmod(0o555)
    try:
        if os.access(db_path, os.W_OK) or (read_only_folder and os.access(folder, os.W_OK)):
            pytest.skip("chmod cannot make the database read-only here (running as root?)")
        try:
            store = await Store.open(db_path)
        except (StoreUnavailable, sqlite3.DatabaseError):
            # Without a writable folder SQLite cannot make its WAL files, so opening fails;
            # bot/__main__.py reports either error. With a writable folder, opening must work.
            assert read_only_folder
            store = None
        if store is not None:
            try:
                assert await user_rating(store, user_id=1, drama_id=drama_id) == 4
                with pytest.raises(StoreUnavailable):
                    await store.ratings.rate(user_id=2, guild_id=None, drama_id=drama_id, score=1)
                with pytest.raises(StoreUnavailable):
                    await store.set_meta("k", "v")
                assert await user_rating(store, user_id=1, drama_id=drama_id) == 4
            finally:
                await store.close()
    finally:
        folder.chmod(0o755)
        for path in folder.iterdir():
            path.chmod(0o644)
    store = await Store.open(db_path)
    try:
        assert await user_rating(store, user_id=1, drama_id=drama_id) == 4
        assert await user_rating(store, user_id=2, drama_id=drama_id) is None
        await store.ratings.rate(user_id=2, guild_id=None, drama_id=drama_id, score=1)
        assert await ratings_count(store) == 2
    finally:
        await store.close()


async def test_exclusive_runs_one_holder_at_a_time(store):
    held: list[str] = []

    async def hold(name: str) -> None:
        async with store.exclusive("job"):
            held.append(f"{name} in")
            await asyncio.sleep(0.01)
            held.append(f"{name} out")

    await asyncio.gather(hold("a"), hold("b"), hold("c"))
    assert all(held[i].split()[0] == held[i + 1].split()[0] for i in range(0, 6, 2))  # never interleaved
    async with store.exclusive("another"):
        async with store.exclusive("job"):  # names are independent
            pass


async def test_try_exclusive_says_whether_it_got_it(store):
    async with store.try_exclusive("leader") as first:
        assert first is True
        async with store.try_exclusive("leader") as second:
            assert second is False  # held: the caller goes on without it
        async with store.try_exclusive("other") as other:
            assert other is True
    async with store.try_exclusive("leader") as again:
        assert again is True  # released at the end of the block

"""TMDB's own episode numbers (docs/catalogue.md, "Episode numbers"): the numbering function with gaps,
specials and several seasons, and on both backends an import whose season skips an episode: the gap
stays until TMDB fills it, and a member's score never moves to another episode."""

from __future__ import annotations

from datetime import date
from typing import Any

from bot.catalogue.format import limits
from bot.models import Episode
from bot.store import Store
from bot.tmdb.client import TMDB, season_offsets, series_record
from bot.tmdb.importer import import_series
from tests.bot.store.readbacks import upsert, user_rating
from tests.tmdb_standin import FakeTMDB

SERIES_ID = 9_960_001
MAX_EPISODES = limits()["episode_count"]  # the catalogue schema's longest run


def tv(seasons: list[tuple[int, int | None]], number_of_episodes: int | None = None) -> dict[str, Any]:
    listed = [{"season_number": s} | ({} if c is None else {"episode_count": c}) for s, c in seasons]
    return {
        "id": SERIES_ID, "name": "Gap Street", "original_name": "Gap Street", "first_air_date": "2026-11-01",
        "origin_country": ["KR"], "status": "Returning Series", "in_production": True,
        "number_of_episodes": number_of_episodes, "genres": [{"id": 18, "name": "Drama"}], "seasons": listed,
        "alternative_titles": {"results": []}, "external_ids": {},
    }  # fmt: skip


def season(number: int, episodes: list[int], name: str = "S") -> dict[str, Any]:
    return {
        "season_number": number,
        "episodes": [
            {"episode_number": n, "name": f"{name}{number}E{n}", "air_date": f"2026-11-{n:02d}"}
            for n in episodes
        ],
    }


def numbered(rec: dict[str, Any]) -> dict[int, str]:
    return {e["number"]: e.get("title") for e in rec.get("episodes", [])}


def test_a_gap_in_a_season_stays_a_gap():
    rec = series_record(tv([(1, 6)], 6), [season(1, [1, 2, 4, 5, 6])], "gap-street")
    assert numbered(rec) == {1: "S1E1", 2: "S1E2", 4: "S1E4", 5: "S1E5", 6: "S1E6"}
    assert rec["episode_count"] == 6


def test_later_seasons_continue_from_the_season_lists_counts_not_from_the_episodes_listed():
    # Season 1 has 4 episodes by TMDB's season list but lists only 1, 2 and 4; season 2 still starts at 5.
    rec = series_record(tv([(0, 2), (1, 4), (2, 3)], 7), [season(1, [1, 2, 4]), season(2, [1, 2, 3])], "s")
    assert numbered(rec) == {1: "S1E1", 2: "S1E2", 4: "S1E4", 5: "S2E1", 6: "S2E2", 7: "S2E3"}
    assert season_offsets(tv([(0, 2), (1, 4), (2, 3)]), []) == {1: 0, 2: 4}


def test_specials_are_not_numbered_and_move_nothing():
    specials = season(0, [1, 2, 3], name="SP")
    rec = series_record(tv([(0, 3), (1, 2)], 2), [specials, season(1, [1, 2])], "s")
    assert numbered(rec) == {1: "S1E1", 2: "S1E2"} and rec["episode_count"] == 2


def test_a_missing_count_or_an_episode_past_it_falls_back_to_the_highest_listed_number():
    # No episode_count for season 1: its highest listed number (5) sizes it. Season 2 lists an episode past
    # its count (4 of 3): it is numbered, and a season 3 would start after it.
    rec = series_record(
        tv([(1, None), (2, 3), (3, 2)], 10), [season(1, [1, 5]), season(2, [1, 4]), season(3, [1])], "s"
    )
    assert numbered(rec) == {1: "S1E1", 5: "S1E5", 6: "S2E1", 9: "S2E4", 10: "S3E1"}
    assert season_offsets(tv([(1, None), (2, 3), (3, 2)]), [season(1, [1, 5]), season(2, [1, 4])]) == {
        1: 0, 2: 5, 3: 9,
    }  # fmt: skip


def test_episodes_without_a_number_of_their_own_are_left_out_never_renumbered():
    broken = season(1, [1, 3])
    broken["episodes"] += [{"name": "no number"}, {"episode_number": "2"}, {"episode_number": True},
                           {"episode_number": 0}, {"episode_number": 3, "name": "twice"}]  # fmt: skip
    rec = series_record(tv([(1, 3)], 3), [broken], "s")
    assert numbered(rec) == {1: "S1E1", 3: "S1E3"}


def test_numbers_past_the_catalogues_longest_run_are_left_out():
    rec = series_record(tv([(1, MAX_EPISODES), (2, 5)]), [season(2, [1, 2])], "s")
    assert "episodes" not in rec and rec["episode_count"] == 1
    rec = series_record(tv([(1, MAX_EPISODES - 1), (2, 5)]), [season(2, [1, 2])], "s")
    assert numbered(rec) == {MAX_EPISODES: "S2E1"} and rec["episode_count"] == MAX_EPISODES


async def test_a_score_stays_on_its_episode_when_tmdb_fills_the_gap(store: Store, fake: FakeTMDB):
    fake.own_series[SERIES_ID] = tv([(1, 6)], 6)
    fake.own_seasons[(SERIES_ID, 1)] = season(1, [1, 2, 4, 5, 6])
    async with TMDB("k", fake.base) as tmdb:
        entry, outcome = await import_series(store, tmdb, SERIES_ID)
        assert outcome == "added"
        drama = await store.catalogue.by("tmdb_id", SERIES_ID)
        assert [(e.number, e.title) for e in await store.catalogue.episodes(drama.id)] == [
            (1, "S1E1"), (2, "S1E2"), (4, "S1E4"), (5, "S1E5"), (6, "S1E6"),
        ]  # fmt: skip
        await store.ratings.rate(user_id=7, guild_id=70, drama_id=drama.id, score=4.5, episode=4)
        fake.own_seasons[(SERIES_ID, 1)] = season(1, [1, 2, 3, 4, 5, 6])  # TMDB fills the gap in
        _, outcome = await import_series(store, tmdb, SERIES_ID)
        assert outcome == "changed"
    episodes = {e.number: e.title for e in await store.catalogue.episodes(drama.id)}
    assert episodes == {n: f"S1E{n}" for n in range(1, 7)}
    assert await user_rating(store, user_id=7, drama_id=drama.id, episode=4) == 4.5
    assert await user_rating(store, user_id=7, drama_id=drama.id, episode=3) is None
    review = await store.catalogue.review(drama.id, 70)
    assert set(review.scores.server_episodes) == {4}


async def test_a_copy_left_by_the_old_sequential_numbering_loses_tmdbs_data_not_its_score(
    store: Store, fake: FakeTMDB, records
):
    """Before, an episode after a gap was stored one number early (4 at 3, 5 at 4 ...). The next refresh
    writes TMDB's numbers; the row left at 3, a copy of episode 4's title and date, keeps only what a
    curator wrote, and the scores on 3 stay on 3."""
    aired_4 = date(2026, 11, 4)
    old = [Episode(1, title="S1E1"), Episode(2, title="S1E2"),
           Episode(3, 4.0, "S1E4", "aired 2026-11-04", air_date=aired_4)]  # fmt: skip
    drama_id, _ = await upsert(
        store, records.drama("gap-street", "Gap Street", 6, tmdb_id=SERIES_ID, status="airing"), old
    )
    await store.ratings.rate(user_id=7, guild_id=70, drama_id=drama_id, score=3.0, episode=3)
    fake.own_series[SERIES_ID] = tv([(1, 6)], 6)
    fake.own_seasons[(SERIES_ID, 1)] = season(1, [1, 2, 4, 5, 6])
    async with TMDB("k", fake.base) as tmdb:
        await import_series(store, tmdb, SERIES_ID)
    rows = {e.number: e for e in await store.catalogue.episodes(drama_id)}
    assert sorted(rows) == [1, 2, 3, 4, 5, 6]
    assert (rows[3].title, rows[3].air_date, rows[3].note, rows[3].critic_score) == (None, None, None, 4.0)
    assert rows[4].title == "S1E4" and rows[4].air_date == aired_4
    assert await user_rating(store, user_id=7, drama_id=drama_id, episode=3) == 3.0

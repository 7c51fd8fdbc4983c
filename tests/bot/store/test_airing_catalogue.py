"""Air dates in the catalogue (issue 13): the file format, the store on both backends, TMDB's data."""

from __future__ import annotations

from datetime import date, time

import pytest

from bot.catalogue.format import CatalogueError, entry_record, parse_entry
from bot.models import Episode
from bot.tmdb.client import series_record
from tests.bot.conftest import Records
from tests.bot.store.readbacks import upsert


def _rec(**episode) -> dict:
    return {
        "slug": "x",
        "title": "X",
        "episode_count": 4,
        "country": "KR",
        "episodes": [{"number": 1, **episode}],
    }


def test_episode_air_date_and_time_parse_and_export_round_trip():
    entry = parse_entry(_rec(air_date="2026-12-04", air_time="21:10"), "t")
    (ep,) = entry.episodes
    assert (ep.air_date, ep.air_time) == (date(2026, 12, 4), time(21, 10))
    out = entry_record(entry.drama, entry.episodes, entry.availability)
    assert out["episodes"] == [{"number": 1, "air_date": "2026-12-04", "air_time": "21:10"}]
    assert parse_entry(out, "again").episodes == entry.episodes


def test_episode_without_air_facts_exports_without_them():
    entry = parse_entry(_rec(), "t")
    assert entry.episodes == (Episode(1),)
    assert entry_record(entry.drama, entry.episodes, ())["episodes"] == [{"number": 1}]


@pytest.mark.parametrize(
    ("field", "value"),
    [("air_date", "2026-13-01"), ("air_date", "04/12/2026"), ("air_date", 20261204), ("air_date", "2026-12-4"),
     ("air_time", "24:00"), ("air_time", "9:10"), ("air_time", "21:10:00"), ("air_time", 2110)],
)  # fmt: skip
def test_bad_air_facts_are_refused_with_the_field_named(field, value):
    with pytest.raises(CatalogueError, match=field):
        parse_entry(_rec(**{field: value}), "t")


async def test_store_keeps_air_date_and_time(store, records: Records):
    eps = (
        Episode(1, air_date=date(2026, 12, 4), air_time=time(21, 10)),
        Episode(2, air_date=date(2026, 12, 5)),
        Episode(3),
    )
    drama_id, _ = await upsert(store, records.drama("airs", country="KR", status="airing"), eps)
    assert await store.catalogue.episodes(drama_id) == eps
    moved = (
        Episode(1, air_date=date(2026, 12, 4), air_time=time(21, 10)),
        Episode(2, air_date=date(2026, 12, 6)),
    )
    await upsert(store, records.drama("airs", country="KR", status="airing"), moved)
    assert await store.catalogue.episodes(drama_id) == moved


def _tv(**extra) -> dict:
    return {"id": 77, "name": "Airing", "first_air_date": "2026-11-20", "status": "Returning Series",
            "origin_country": ["KR"], "number_of_episodes": 4, **extra}  # fmt: skip


def test_tmdb_season_details_give_episode_air_dates():
    season = {"season_number": 1, "episodes": [
        {"episode_number": 1, "air_date": "2026-11-20"}, {"episode_number": 2, "air_date": "2026-11-21"},
        {"episode_number": 3, "air_date": None}, {"episode_number": 4}]}  # fmt: skip
    rec = series_record(_tv(), [season], "airing-2026")
    assert [e.get("air_date") for e in rec["episodes"]] == ["2026-11-20", "2026-11-21", None, None]
    entry = parse_entry(rec, "tmdb")
    assert entry.episodes[1].air_date == date(2026, 11, 21)


def test_tmdb_next_episode_to_air_fills_and_moves_a_date():
    season = {"season_number": 1, "episodes": [
        {"episode_number": 1, "air_date": "2026-11-20"}, {"episode_number": 2, "air_date": "2026-11-21"},
        {"episode_number": 3, "air_date": "2026-11-27"}, {"episode_number": 4}]}  # fmt: skip
    nxt = {"season_number": 1, "episode_number": 3, "air_date": "2026-11-28"}
    rec = series_record(_tv(next_episode_to_air=nxt), [season], "airing-2026")
    assert [e.get("air_date") for e in rec["episodes"]] == ["2026-11-20", "2026-11-21", "2026-11-28", None]
    other = {"season_number": 2, "episode_number": 1, "air_date": "2027-01-01"}  # not a listed episode
    rec = series_record(_tv(next_episode_to_air=other), [season], "airing-2026")
    assert rec["episodes"][3].get("air_date") is None

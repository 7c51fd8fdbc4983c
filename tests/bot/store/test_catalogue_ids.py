"""The catalogue format's open-data identifiers and airing facts: wikidata_id, imdb_id,
first_air_date, status. Parsed, stored, exported and imported without loss (CSV too)."""

from __future__ import annotations

import json
import sqlite3
from datetime import date

import pytest

from bot.catalogue.format import (
    CSV_COLUMNS,
    FORMAT,
    entry_record,
    export_document,
    merge_kept,
    parse_catalogue,
    parse_csv,
)
from bot.store import Store, migrations
from tests.bot.store.readbacks import upsert

IDS = {"tmdb_id": 94796, "wikidata_id": "Q65258113", "imdb_id": "tt10850932",
       "first_air_date": "2019-12-14", "status": "ended"}  # fmt: skip


def record(slug: str = "crash-landing-on-you-2019", **changes) -> dict:
    rec = {"slug": slug, "title": "Crash Landing on You", "native_title": "사랑의 불시착", "country": "KR",
           "year": 2019, "episode_count": 16, "network": "tvN", **IDS}  # fmt: skip
    rec.update(changes)
    return {k: v for k, v in rec.items() if v is not None}


def document(*records: dict) -> str:
    return json.dumps({"format": FORMAT, "dramas": list(records)}, ensure_ascii=False)


def test_the_new_fields_parse_into_the_drama():
    (entry,) = parse_catalogue(document(record()), "c.json")
    drama = entry.drama
    assert (drama.wikidata_id, drama.imdb_id, drama.status) == ("Q65258113", "tt10850932", "ended")
    assert drama.first_air_date == date(2019, 12, 14)
    assert drama.tmdb_id == 94796


def test_the_new_fields_are_optional():
    (entry,) = parse_catalogue(document(record(**dict.fromkeys(IDS))), "c.json")
    drama = entry.drama
    assert (drama.wikidata_id, drama.imdb_id, drama.first_air_date, drama.status, drama.tmdb_id) == (
        None,
    ) * 5


@pytest.mark.parametrize(
    ("field", "value"),
    [("wikidata_id", "q65258113"), ("wikidata_id", 65258113), ("imdb_id", "nm0000001"), ("imdb_id", "tt12"),
     ("first_air_date", "2019-02-30"), ("first_air_date", 2019), ("status", "Ended"), ("status", "")],
)  # fmt: skip
def test_bad_values_name_the_field(field, value):
    with pytest.raises(ValueError, match=rf"c.json record #1 \(crash-landing-on-you-2019\): field '{field}'"):
        parse_catalogue(document(record(**{field: value})), "c.json")


def test_entry_record_writes_them_back_as_read():
    (entry,) = parse_catalogue(document(record()), "c.json")
    rec = entry_record(entry.drama, entry.episodes, entry.availability)
    assert {k: rec[k] for k in IDS} == IDS
    assert parse_catalogue(document(rec), "again.json") == [entry]


async def test_the_store_keeps_them_and_export_import_round_trips(store: Store, tmp_path):
    (entry,) = parse_catalogue(document(record()), "c.json")
    await store.catalogue.upsert_many([(entry.drama, entry.episodes, entry.availability)])
    (drama,) = await store.catalogue.find("Crash Landing on You")
    assert drama.first_air_date == date(2019, 12, 14) and drama.wikidata_id == "Q65258113"
    assert drama.imdb_id == "tt10850932" and drama.status == "ended"
    exported = await export_document(store)
    assert {k: exported["dramas"][0][k] for k in IDS} == IDS
    other = await Store.open(tmp_path / "other.sqlite3")
    try:
        entries = parse_catalogue(json.dumps(exported), "export.json")
        await other.catalogue.upsert_many([(e.drama, e.episodes, e.availability) for e in entries])
        assert await export_document(other) == exported
        # Importing the export again changes nothing: the new fields compare equal after a read-back.
        assert await other.catalogue.upsert_many(
            [(e.drama, e.episodes, e.availability) for e in entries]
        ) == [("crash-landing-on-you-2019", "unchanged")]
    finally:
        await other.close()


async def test_wikidata_and_imdb_ids_are_unique_in_the_database(store: Store, integrity_error):
    (first,) = parse_catalogue(document(record()), "c.json")
    await upsert(store, first.drama)
    for field in ("wikidata_id", "imdb_id"):
        clash = {k: None for k in ("tmdb_id", "wikidata_id", "imdb_id")} | {field: IDS[field]}
        (second,) = parse_catalogue(document(record("a-remake", **clash)), "c.json")
        with pytest.raises(integrity_error, match=field):
            await upsert(store, second.drama)
    (third,) = parse_catalogue(document(record("no-ids", **dict.fromkeys(IDS))), "c.json")
    (fourth,) = parse_catalogue(document(record("no-ids-either", **dict.fromkeys(IDS))), "c.json")
    await upsert(store, third.drama)
    await upsert(store, fourth.drama)  # NULLs never clash
    assert (await store.catalogue.stats()).dramas == 3


def test_csv_has_the_columns():
    for column in IDS:
        assert column in CSV_COLUMNS
    text = ("slug,title,episode_count,tmdb_id,wikidata_id,imdb_id,first_air_date,status\n"
            "cloy-2019,Crash Landing on You,16,94796,Q65258113,tt10850932,2019-12-14,ended\n")  # fmt: skip
    (entry,) = parse_csv(text, "c.csv")
    assert entry.drama.tmdb_id == 94796 and entry.drama.wikidata_id == "Q65258113"
    assert entry.drama.first_air_date == date(2019, 12, 14) and entry.drama.status == "ended"
    with pytest.raises(ValueError, match=r"c.csv row #2 \(cloy-2019\): field 'tmdb_id'"):
        parse_csv(text.replace("94796", "x"), "c.csv")


async def test_a_csv_without_id_columns_unlinks_nothing(store: Store):
    (entry,) = parse_catalogue(document(record()), "c.json")
    await upsert(store, entry.drama)
    (row,) = parse_csv("slug,title,episode_count\ncrash-landing-on-you-2019,CLOY,16\n", "c.csv")
    (merged,) = await merge_kept(store, [row])
    assert merged.drama.title == "CLOY"
    assert (merged.drama.tmdb_id, merged.drama.wikidata_id, merged.drama.imdb_id) == (
        94796,
        "Q65258113",
        "tt10850932",
    )
    assert (merged.drama.first_air_date, merged.drama.status) == (date(2019, 12, 14), "ended")


async def test_a_database_at_schema_3_gains_the_columns_and_keeps_its_dramas(db_path):
    db_path.parent.mkdir(parents=True)
    old = sqlite3.connect(db_path, isolation_level=None)
    try:
        for number, _name, sql in migrations()[:3]:
            old.executescript(f"BEGIN;\n{sql}\nPRAGMA user_version = {number};\nCOMMIT;")
        old.execute("INSERT INTO dramas (slug, title, episode_count) VALUES ('old-show', 'Old Show', 8)")
        old.execute(
            "INSERT INTO drama_names (drama_id, kind, name, folded) VALUES (1, 'title', 'Old Show', 'old show')"
        )
    finally:
        old.close()
    store = await Store.open(db_path)
    try:
        (drama,) = await store.catalogue.find("Old Show")
        assert (drama.wikidata_id, drama.imdb_id, drama.first_air_date, drama.status) == (None,) * 4
    finally:
        await store.close()
    check = sqlite3.connect(db_path)
    try:
        assert check.execute("PRAGMA user_version").fetchone()[0] == len(migrations())
        with pytest.raises(sqlite3.IntegrityError):
            check.execute("UPDATE dramas SET status = 'finished'")
    finally:
        check.close()

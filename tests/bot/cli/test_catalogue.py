"""The catalogue file format, its JSON Schema, and `python -m bot catalogue ...`."""

from __future__ import annotations

import argparse
import asyncio
import json
from pathlib import Path

import jsonschema
import pytest

from bot.cli import catalogue as catalogue_cli
from bot.cards.review import review_text
from bot.catalogue.format import CatalogueError, export_document, parse_catalogue, parse_csv, starter_entries
from bot.store import Store

ROOT = Path(__file__).resolve().parents[3]
SCHEMA = json.loads((ROOT / "docs" / "catalogue.schema.json").read_text(encoding="utf-8"))
STARTER = ROOT / "bot" / "data" / "catalogue.json"


def validator() -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(SCHEMA, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)


def good_record(**changes) -> dict:
    rec = {
        "slug": "test-drama",
        "title": "Test Drama",
        "episode_count": 2,
        "country": "KR",
        "year": 2020,
        "genres": ["Romance"],
        "critic": {"score": 4, "summary": "fine"},
        "episodes": [{"number": 1, "critic_score": 4.5}],
        "availability": [{"service": "Netflix", "kind": "subscription", "regions": ["KR"],
                          "url": "https://www.netflix.com/", "checked_on": "2026-01-02"}],
    }  # fmt: skip
    rec.update(changes)
    return {k: v for k, v in rec.items() if v is not ...}


def doc(*records: dict) -> str:
    return json.dumps({"format": "dramabot-catalogue/1", "dramas": list(records)})


def test_the_starter_catalogue_validates_against_the_schema():
    validator().validate(json.loads(STARTER.read_text(encoding="utf-8")))
    assert starter_entries()


BROKEN = [
    ("slug", {"slug": "Not A Slug"}),
    ("slug", {"slug": ...}),
    ("title", {"title": ...}),
    ("title", {"title": "   "}),
    ("title", {"title": "x" * 201}),
    ("episode_count", {"episode_count": 0}),
    ("episode_count", {"episode_count": "12"}),
    ("year", {"year": 1800}),
    ("country", {"country": "Korea"}),
    ("genres", {"genres": "Romance"}),
    ("aliases", {"aliases": [""]}),
    ("score", {"critic": {"score": 6}}),
    ("kind", {"availability": [{"service": "X", "kind": "stream"}]}),
    ("regions", {"availability": [{"service": "X", "kind": "free", "regions": ["kr"]}]}),
    ("url", {"availability": [{"service": "X", "kind": "free", "url": "ftp://x"}]}),
    ("checked_on", {"availability": [{"service": "X", "kind": "free", "checked_on": "yesterday"}]}),
    ("service", {"availability": [{"kind": "free"}]}),
    ("critic_score", {"episodes": [{"number": 1, "critic_score": -1}]}),
    ("number", {"episodes": [{"number": 0}]}),
    ("wikidata_id", {"wikidata_id": "65258113"}),
    ("wikidata_id", {"wikidata_id": "Q0"}),
    ("imdb_id", {"imdb_id": "10850932"}),
    ("imdb_id", {"imdb_id": 10850932}),
    ("first_air_date", {"first_air_date": "14/12/2019"}),
    ("first_air_date", {"first_air_date": "20191214"}),
    ("status", {"status": "finished"}),
]


@pytest.mark.parametrize(("field", "change"), BROKEN, ids=[f"{f}-{i}" for i, (f, _) in enumerate(BROKEN)])
def test_the_schema_and_the_parser_reject_the_same_records(field, change):
    text = doc(good_record(**change))
    assert list(validator().iter_errors(json.loads(text))), "the schema accepted it"
    with pytest.raises(CatalogueError) as caught:
        parse_catalogue(text, "broken.json")
    message = str(caught.value)
    assert message.startswith("broken.json record #1")
    assert field in message


def test_the_schema_and_the_parser_accept_the_same_good_record():
    text = doc(
        good_record(wikidata_id="Q65258113", imdb_id="tt10850932", first_air_date="2019-12-14", status="ended"),
        good_record(slug="other", native_title=None, critic=None, wikidata_id=None, status=None),
    )
    validator().validate(json.loads(text))
    assert [e.drama.slug for e in parse_catalogue(text, "good.json")] == ["test-drama", "other"]


def ns(command: str, **kw) -> argparse.Namespace:
    return argparse.Namespace(catalogue_command=command, **kw)


async def test_import_is_all_or_nothing_and_names_file_record_field(store: Store, tmp_path, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text(doc(good_record(), good_record(slug="second", year=1800)), encoding="utf-8")
    assert await catalogue_cli.run(store, ns("import", file=str(bad), dry_run=False)) == 1
    err = capsys.readouterr().err
    assert "bad.json record #2 (second): field 'year'" in err
    assert "nothing was imported" in err
    assert (await store.catalogue.stats()).dramas == 0


async def test_import_is_idempotent_and_reports_added_changed_unchanged(store: Store, tmp_path, capsys):
    f = tmp_path / "c.json"
    f.write_text(doc(good_record(), good_record(slug="second", title="Second")), encoding="utf-8")
    assert await catalogue_cli.run(store, ns("import", file=str(f), dry_run=False)) == 0
    assert "2 added, 0 changed, 0 left alone" in capsys.readouterr().out
    assert await catalogue_cli.run(store, ns("import", file=str(f), dry_run=False)) == 0
    assert "0 added, 0 changed, 2 left alone" in capsys.readouterr().out
    f.write_text(doc(good_record(), good_record(slug="second", title="Second, edited")), encoding="utf-8")
    assert await catalogue_cli.run(store, ns("import", file=str(f), dry_run=False)) == 0
    out = capsys.readouterr().out
    assert "changed   second" in out and "0 added, 1 changed, 1 left alone" in out
    assert (await store.catalogue.stats()).dramas == 2
    assert [d.title for d in await store.catalogue.find("second")] == ["Second, edited"]


async def test_starter_import_twice_leaves_everything_alone(store: Store, capsys):
    args = ns("import", file=str(STARTER), dry_run=False)
    assert await catalogue_cli.run(store, args) == 0
    assert await catalogue_cli.run(store, args) == 0
    assert f"0 added, 0 changed, {len(starter_entries())} left alone" in capsys.readouterr().out


async def test_export_then_import_into_an_empty_database_gives_the_same_catalogue(store: Store, tmp_path):
    f = tmp_path / "c.json"
    f.write_text(doc(good_record(aliases=["TD", "Test  Drama 2"]), *json.loads(STARTER.read_text())["dramas"]))
    assert await catalogue_cli.run(store, ns("import", file=str(f), dry_run=False)) == 0
    out = tmp_path / "export" / "out.json"
    assert await catalogue_cli.run(store, ns("export", file=str(out))) == 0
    exported = json.loads(out.read_text(encoding="utf-8"))
    validator().validate(exported)
    other = await Store.open(tmp_path / "other.sqlite3")
    try:
        assert await catalogue_cli.run(other, ns("import", file=str(out), dry_run=False)) == 0
        assert await export_document(other) == exported
        assert await other.catalogue.entries() == await store.catalogue.entries()
    finally:
        await other.close()


CSV = """slug,title,native_title,aliases,country,year,episode_count,network,genres,critic_score,critic_summary
goblin-2016,Goblin,도깨비,Guardian: The Lonely and Great God|Dokkaebi,KR,2016,16,tvN,Fantasy|Romance,4.5,grand
"""


async def test_csv_import_keeps_episodes_and_availability(store: Store, tmp_path, capsys):
    entries = parse_csv(CSV, "c.csv")
    assert entries[0].drama.aliases == ("Guardian: The Lonely and Great God", "Dokkaebi")
    f = tmp_path / "c.csv"
    f.write_text(CSV, encoding="utf-8")
    assert await catalogue_cli.run(store, ns("import", file=str(f), dry_run=False)) == 0
    (drama,) = await store.catalogue.find("Dokkaebi")
    assert drama.critic_score == 4.5 and drama.genres == ("Fantasy", "Romance")
    with pytest.raises(CatalogueError, match=r"c.csv row #2 \(goblin-2016\): field 'year'"):
        parse_csv(CSV.replace(",2016,", ",20x6,"), "c.csv")


async def test_show_prints_the_review_card_as_text(seeded_store: Store, capsys):
    assert await catalogue_cli.run(seeded_store, ns("show", title="soundtrack 1")) == 0
    out = capsys.readouterr().out
    assert out.startswith("Soundtrack #1  ·  사운드트랙 #1\n")
    assert "Critic:       ★★★★☆ 4/5" in out and "Episode 4" in out and "Disney+ (subscription)" in out
    assert await catalogue_cli.run(seeded_store, ns("show", title="nope nope")) == 1
    assert await catalogue_cli.run(seeded_store, ns("stats")) == 0
    assert "dramas:               1" in capsys.readouterr().out
    data = await seeded_store.catalogue.review((await seeded_store.catalogue.find("soundtrack 1"))[0].id, 1)
    assert "This server:" in review_text(data)


async def test_the_index_notices_catalogue_changes_from_another_process(store: Store, store_location, backend):
    assert store.titles.search("Test Drama") == []
    other = await Store.open(store_location)  # as the CLI would, while the bot runs
    try:
        entries = parse_catalogue(doc(good_record()), "c.json")
        await other.catalogue.upsert_many((e.drama, e.episodes, e.availability) for e in entries)
    finally:
        await other.close()
    if backend == "sqlite":  # the next interaction's check notices (PRAGMA data_version)
        assert await store.titles.refresh() is True
    else:  # NOTIFY reaches the LISTEN connection and the index reloads by itself
        for _ in range(200):
            if store.titles.search("Test Drama"):
                break
            await asyncio.sleep(0.05)
    assert [h.slug for h in store.titles.search("Test Drama")] == ["test-drama"]
    assert await store.titles.refresh() is False


# ---- members' suggestions from the command line --------------------------------------------------------


async def test_suggestions_are_listed_accepted_and_rejected_from_the_command_line(store: Store, add_drama, capsys):
    from datetime import UTC, datetime, timedelta

    drama_id = await add_drama(slug="goblin", title="Goblin", year=2016)
    now = datetime.now(UTC)
    made = [
        await store.suggestions.add(
            user_id=41, guild_id=5, drama_id=drama_id, field=field, value=value, note=note,
            now=now, per_window=5, window=timedelta(hours=1)
        )  # fmt: skip
        for field, value, note in (("year", "2017", "it aired in 2017"), ("network", "tvN", None),
                                   ("year", "1800", None))  # fmt: skip
    ]
    args = ns("suggestions", action="list", id=None, limit=50)
    assert await catalogue_cli.run(store, args) == 0
    out = capsys.readouterr().out
    assert f"#{made[0].id}" in out and "Goblin  year -> '2017'  by 41" in out and "note: it aired in 2017" in out
    assert "3 of 3 pending shown" in out

    assert await catalogue_cli.run(store, ns("suggestions", action="accept", id=made[0].id, limit=50)) == 0
    assert f"accepted suggestion #{made[0].id}: year of Goblin saved, credited to 41" in capsys.readouterr().out
    assert (await store.catalogue.get(drama_id)).year == 2017
    assert await catalogue_cli.run(store, ns("suggestions", action="reject", id=made[1].id, limit=50)) == 0
    assert (await store.suggestions.get(made[1].id)).status == "rejected"
    # no longer valid for the field: stays pending, nothing written
    assert await catalogue_cli.run(store, ns("suggestions", action="accept", id=made[2].id, limit=50)) == 1
    assert (
        "cannot be applied" in capsys.readouterr().err
        and (await store.suggestions.get(made[2].id)).status == "pending"
    )
    # decided already, unknown, or no id: a clear line and exit 1
    assert await catalogue_cli.run(store, ns("suggestions", action="accept", id=made[0].id, limit=50)) == 1
    assert "already accepted" in capsys.readouterr().err
    assert await catalogue_cli.run(store, ns("suggestions", action="reject", id=999, limit=50)) == 1
    assert "no suggestion #999" in capsys.readouterr().err
    assert await catalogue_cli.run(store, ns("suggestions", action="accept", id=None, limit=50)) == 1

    assert await catalogue_cli.run(store, ns("audit", limit=50)) == 0
    out = capsys.readouterr().out
    assert "command line (0)  edit year  goblin  suggested by 41" in out

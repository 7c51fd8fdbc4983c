"""bot.catalogue.format: the bundled starter catalogue, the JSON format's validation by its schema (the one
source of its rules), first-start loading."""

from __future__ import annotations

import copy
import hashlib
import json
import re
import sqlite3
import unicodedata
from pathlib import Path

import pytest

import bot.data
from bot.catalogue import schema
from bot.catalogue.format import (
    FORMAT,
    MAX_EPISODES,
    STARTER_LOADED,
    CatalogueError,
    limits,
    load_starter_catalogue,
    parse_catalogue,
    parse_entry,
    starter_entries,
)
from bot.store import Store
from bot.store.bundle import BUNDLE_DIGEST
from tests.bot.store.readbacks import user_rating

ROOT = Path(__file__).resolve().parents[3]
# The seed review's 8-word runs, hashed (tools/prose_fingerprint.py): the review itself is not ours to copy.
SEED_FINGERPRINT = Path(__file__).resolve().parents[1] / "data" / "seed_review_8grams.txt"


def _fingerprint_tool():
    import importlib.util

    spec = importlib.util.spec_from_file_location("prose_fingerprint", ROOT / "tools" / "prose_fingerprint.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def seed_fingerprint() -> set[str]:
    lines = SEED_FINGERPRINT.read_text(encoding="utf-8").splitlines()
    return {line for line in lines if line and not line.startswith("#")}


def soundtrack():
    (entry,) = [e for e in starter_entries() if e.drama.slug == "soundtrack-1-2022"]
    return entry


# --- the starter catalogue ----------------------------------------------------------------------------


def test_starter_catalogue_holds_soundtrack_1():
    entry = soundtrack()
    drama = entry.drama
    assert drama.title == "Soundtrack #1"
    assert drama.native_title == "사운드트랙 #1"
    assert drama.year == 2022
    assert drama.country == "KR"
    assert drama.episode_count == 4
    assert {"Soundtrack No. 1", "Soundtrack 1"} <= set(drama.aliases)
    assert [(e.number, e.critic_score) for e in entry.episodes] == [(1, 4.0), (2, 4.0), (3, 4.0), (4, 4.0)]
    assert drama.critic_score == 4.0
    assert drama.critic_summary and drama.critic_verdict

    (offer,) = entry.availability
    assert (offer.service, offer.kind) == ("Disney+", "subscription")
    assert offer.regions == ()  # "select regions": not known yet
    assert offer.checked_on is None


@pytest.mark.parametrize("word", ["Eun-Soo", "Sun-Woo", "Ma-Ri", "Gyeol-Han", "lyricist", "photographer"])
def test_starter_synopsis_names_the_characters(word):
    assert word in soundtrack().drama.synopsis


def words(text: str) -> list[str]:
    text = unicodedata.normalize("NFKC", text).casefold().replace("\u2019", "'")
    return re.findall(r"[\w']+", text)


def shared_runs(a: str, b: str, n: int) -> set[tuple[str, ...]]:
    wa, wb = words(a), words(b)
    return {tuple(wa[i : i + n]) for i in range(len(wa) - n + 1)} & {
        tuple(wb[i : i + n]) for i in range(len(wb) - n + 1)
    }


def test_shared_runs_helper_finds_copies():
    original = "Eun-Soo is a bubbly, lively personality and she makes her living working as a lyricist."
    assert shared_runs("As we know, EUN-SOO is a bubbly lively personality and she makes", original, 8)
    assert not shared_runs("Eun-Soo, a bright and bubbly lyricist, lives well.", original, 8)


def test_fingerprint_catches_a_copied_run():
    tool = _fingerprint_tool()
    original = "Eun-Soo is a bubbly, lively personality and she makes her living working as a lyricist."
    copied = tool.fingerprint("As we know, EUN-SOO is a bubbly lively personality and she makes")
    assert copied & tool.fingerprint(original)
    assert not tool.fingerprint("Eun-Soo, a bright and bubbly lyricist, lives well.") & tool.fingerprint(original)
    # the tool's word rule is the one these tests use
    assert tool.words(original) == words(original)


@pytest.mark.parametrize("field", ["synopsis", "critic_summary", "critic_verdict"])
def test_starter_text_does_not_copy_the_seed_review(field):
    seed = seed_fingerprint()
    assert len(seed) > 500  # the whole review is fingerprinted, not a stub
    text = getattr(soundtrack().drama, field)
    assert _fingerprint_tool().fingerprint(text) & seed == set()


def test_starter_catalogue_round_trips_through_the_store_shape():
    for entry in starter_entries():
        numbers = [e.number for e in entry.episodes]
        assert numbers == sorted(set(numbers))
        assert all(1 <= n <= entry.drama.episode_count for n in numbers)


# --- loading on start ----------------------------------------------------------------------------------


async def test_loads_once_on_an_empty_database(store):
    bundled = len(starter_entries())
    assert await load_starter_catalogue(store) == bundled
    (drama,) = await store.catalogue.find("Soundtrack #1")
    review = await store.catalogue.review(drama.id, None)
    assert review is not None
    assert review.drama.native_title == "사운드트랙 #1"
    assert [e.number for e in review.episodes] == [1, 2, 3, 4]
    assert review.availability[0].regions == ()
    assert [h.title for h in store.titles.search("사운드트랙")] == ["Soundtrack #1"]
    (goblin,) = await store.catalogue.find("Guardian: The Lonely and Great God")
    assert (goblin.native_title, goblin.network, goblin.wikidata_id) == ("도깨비", "tvN", "Q24859151")

    assert await load_starter_catalogue(store) == 0
    assert (await store.catalogue.stats()).dramas == bundled


async def test_not_loaded_again_after_restart(db_path):
    store = await Store.open(db_path)
    try:
        assert await load_starter_catalogue(store) > 1
        (drama,) = await store.catalogue.find("soundtrack-1-2022")
        await store.ratings.rate(user_id=1, guild_id=None, drama_id=drama.id, score=5)
        count = (await store.catalogue.stats()).dramas
    finally:
        await store.close()
    store = await Store.open(db_path)
    try:
        assert await load_starter_catalogue(store) == 0
        assert (await store.catalogue.stats()).dramas == count
        assert await user_rating(store, user_id=1, drama_id=drama.id) == 5
    finally:
        await store.close()


async def test_not_reloaded_after_the_admin_emptied_the_catalogue(db_path):
    store = await Store.open(db_path)
    try:
        assert await load_starter_catalogue(store) > 1
    finally:
        await store.close()
    admin = sqlite3.connect(db_path, isolation_level=None)
    try:
        admin.execute("PRAGMA foreign_keys = ON")
        admin.execute("DELETE FROM dramas")
        admin.execute("DELETE FROM meta WHERE key = 'bundle_digest'")  # as if a newer bundle came with an upgrade
    finally:
        admin.close()
    store = await Store.open(db_path)
    try:
        assert await load_starter_catalogue(store) == 0
        assert (await store.catalogue.stats()).dramas == 0
        assert store.titles.search("soundtrack") == []
    finally:
        await store.close()


async def test_a_database_with_its_own_dramas_gets_the_bundle_too(store, add_drama):
    await add_drama("my-own-show")
    assert await load_starter_catalogue(store) == len(starter_entries())
    assert (await store.catalogue.stats()).dramas == len(starter_entries()) + 1
    assert await store.catalogue.find("My Own Show") != []
    assert await store.get_meta(STARTER_LOADED) is not None


async def test_a_database_that_records_this_bundle_gets_no_bundle(store):
    bundle = (Path(bot.data.__file__).parent / "catalogue.json").read_text(encoding="utf-8")
    digest = hashlib.sha256(bundle.encode()).hexdigest()
    await store.set_meta(BUNDLE_DIGEST, digest)  # as bench/generate.py does: a synthetic world, no bundle
    assert await load_starter_catalogue(store) == 0
    assert (await store.catalogue.stats()).dramas == 0


# --- parse errors name file, record and field ---------------------------------------------------------

GOOD = {
    "slug": "good-show",
    "title": "Good Show",
    "episode_count": 2,
    "country": "KR",
    "year": 2020,
    "aliases": ["GS"],
    "critic": {"score": 3.5, "summary": "fine", "verdict": "Fine."},
    "episodes": [{"number": 1, "critic_score": 3}, {"number": 2}],
    "availability": [{"service": "Viki", "kind": "free", "regions": ["US"], "checked_on": "2025-01-31"}],
}


def document(*records) -> str:
    return json.dumps({"format": FORMAT, "dramas": list(records)})


def changed(path: tuple, value) -> dict:
    """GOOD with one value replaced (or removed when value is ...)."""
    rec = copy.deepcopy(GOOD)
    target = rec
    for key in path[:-1]:
        target = target[key]
    if value is ...:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return rec


def test_good_record_parses():
    (entry,) = parse_catalogue(document(GOOD), "cat.json")
    assert entry.drama.slug == "good-show"
    assert entry.drama.id == 0
    assert entry.drama.critic_score == 3.5
    assert [e.number for e in entry.episodes] == [1, 2]
    assert entry.availability[0].checked_on.isoformat() == "2025-01-31"
    assert entry.availability[0].regions == ("US",)


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        (("slug",), "Bad Slug", "slug"),
        (("slug",), "double--hyphen", "slug"),
        (("slug",), ..., "slug"),
        (("title",), ..., "title"),
        (("title",), "   ", "title"),
        (("episode_count",), 0, "episode_count"),
        (("episodes", 1, "number"), 3, "number"),
        (("episodes", 1, "number"), 0, "number"),
        (("episodes", 1, "number"), 1, "number"),  # duplicate episode
        (("availability", 0, "kind"), "stream", "kind"),
        (("availability", 0, "regions"), ["usa"], "regions"),
        (("availability", 0, "regions"), ["US", "1"], "regions"),
        (("availability", 0, "checked_on"), "31/01/2025", "checked_on"),
        (("availability", 0, "checked_on"), "2025-02-30", "checked_on"),
        (("availability", 0, "url"), "ftp://x", "url"),
        (("country",), "Korea", "country"),
        (("year",), "2020", "year"),
        (("critic", "score"), 6, "critic.score"),
        (("aliases",), ["ok", ""], "aliases"),
    ],
)
def test_bad_values_name_file_record_and_field(path, value, field):
    with pytest.raises(CatalogueError) as caught:
        parse_catalogue(document(GOOD, changed(path, value)), "dramas/extra.json")
    message = str(caught.value)
    assert message.startswith("dramas/extra.json record #2")
    assert f"field {field!r}" in message


def test_episode_and_availability_errors_say_which_item():
    with pytest.raises(
        CatalogueError, match=r"record #1 \(good-show\) episode #2: field 'number'.*listed twice"
    ):
        parse_catalogue(document(changed(("episodes", 1, "number"), 1)), "cat.json")
    with pytest.raises(CatalogueError, match=r"record #1 \(good-show\) availability #1: field 'kind'"):
        parse_catalogue(document(changed(("availability", 0, "kind"), "torrent")), "cat.json")


def test_duplicate_slug_names_file_and_slug():
    with pytest.raises(CatalogueError) as caught:
        parse_catalogue(document(GOOD, changed(("title",), "Other")), "cat.json")
    assert str(caught.value).startswith("cat.json")
    assert "'good-show'" in str(caught.value)


def test_duplicate_offer_is_refused_before_it_reaches_the_database():
    offer = GOOD["availability"][0]
    with pytest.raises(CatalogueError) as caught:
        parse_catalogue(
            document(changed(("availability",), [offer, dict(offer, regions=["KR"])])), "cat.json"
        )
    assert str(caught.value).startswith("cat.json record #1 (good-show) availability #2")
    assert "field 'service'" in str(caught.value)


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ('{"format": "dramabot-catalogue/1", "dramas": [', "not valid JSON"),
        ("", "not valid JSON"),
        ('{"format": "dramabot-catalogue/2", "dramas": []}', FORMAT),
        ('{"dramas": []}', FORMAT),
        ('{"format": "dramabot-catalogue/1", "dramas": {}}', FORMAT),
        ("[]", FORMAT),
    ],
)
def test_document_level_errors_name_the_file(text, needle):
    with pytest.raises(CatalogueError) as caught:
        parse_catalogue(text, "broken.json")
    assert str(caught.value).startswith("broken.json: ")
    assert needle in str(caught.value)


def test_invalid_json_says_where():
    with pytest.raises(CatalogueError, match=r"line 3 column"):
        parse_catalogue('{\n"format": "dramabot-catalogue/1",\n"dramas": [,]}', "cat.json")


def test_record_that_is_not_an_object():
    with pytest.raises(CatalogueError, match=r"^cat.json record #1: must be an object"):
        parse_catalogue(document("soundtrack"), "cat.json")


def test_empty_catalogue_is_fine():
    assert parse_catalogue(document(), "empty.json") == []


# --- one source of truth: the schema is what the parser runs -------------------------------------------


def test_the_schema_is_valid_json_schema_and_shipped_with_the_package():
    import tomllib

    import jsonschema

    jsonschema.Draft202012Validator.check_schema(schema())
    package_data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    assert "schema.json" in package_data["package-data"]["bot.catalogue"]
    assert not (ROOT / "docs" / "catalogue.schema.json").exists()  # one copy; the docs link to it
    assert "bot/catalogue/schema.json" in (ROOT / "docs" / "catalogue.md").read_text(encoding="utf-8")


def test_the_constants_python_needs_at_import_are_the_schemas():
    from bot.models import AVAILABILITY_KINDS, DRAMA_STATUSES

    rules = schema()
    drama = rules["$defs"]["drama"]["properties"]
    assert rules["properties"]["format"]["const"] == FORMAT
    assert limits()["episode_count"] == MAX_EPISODES
    assert drama["availability"]["items"]["properties"]["kind"]["enum"] == list(AVAILABILITY_KINDS)
    assert drama["status"]["enum"] == [*DRAMA_STATUSES, None]


def test_a_change_to_the_schema_is_a_change_to_the_parser(monkeypatch):
    """The parser, its messages and the limits TMDB and Discord use all read the schema: edit it, they follow."""
    import bot.catalogue

    stricter = copy.deepcopy(schema())
    stricter["$defs"]["drama"]["properties"]["title"]["maxLength"] = 10
    stricter["$defs"]["drama"]["properties"]["year"]["minimum"] = 2021
    caches = (bot.catalogue.format._validator, bot.catalogue.format.limits)
    for cached in caches:
        cached.cache_clear()
    monkeypatch.setattr(bot.catalogue.format, "schema", lambda: stricter)
    try:
        assert limits()["title"] == 10
        with pytest.raises(CatalogueError, match=r"field 'title': is 11 characters, at most 10"):
            parse_catalogue(document(changed(("title",), "x" * 11)), "cat.json")
        with pytest.raises(CatalogueError, match=r"field 'year': must be a whole number from 2021 to 2100"):
            parse_catalogue(document(GOOD), "cat.json")
    finally:
        for cached in caches:
            cached.cache_clear()
    monkeypatch.undo()
    assert limits()["title"] == 200 and parse_catalogue(document(GOOD), "cat.json")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"year": 1800}, "field 'year': must be a whole number from 1900 to 2100, or null"),
        ({"title": "x" * 201}, "field 'title': is 201 characters, at most 200"),
        ({"country": "Korea"}, "field 'country': must be an ISO 3166-1 alpha-2 code such as KR, or null"),
        ({"status": "done"}, "field 'status': must be one of upcoming, airing, ended, or null"),
        ({"episodes": [{"critic_score": 3}]}, "episode #1: field 'number': is required"),
        ({"availability": [{"service": "X", "kind": "free", "url": "http://x.example"}]},
         "availability #1: field 'url': must start with https://"),
    ],
)  # fmt: skip
def test_messages_name_the_field_and_say_what_it_must_be(change, message):
    with pytest.raises(CatalogueError) as caught:
        parse_entry({**GOOD, **change}, "your change")
    assert str(caught.value).startswith("your change (good-show)") and message in str(caught.value)

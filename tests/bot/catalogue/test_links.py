"""Safe links (bot/catalogue/links.py, the schema's `link`): one rule on every path that stores a where-to-watch
link or a poster, and cards that leave out a link stored before the rule held."""

from __future__ import annotations

import argparse
import json
from dataclasses import replace
from datetime import UTC, date, datetime

import jsonschema
import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.cards import airing as airing_cards
from bot.cards import review as cards
from bot.catalogue import regions, schema
from bot.catalogue.format import CatalogueError, entry_record, parse_catalogue, parse_csv, parse_entry
from bot.catalogue.links import link_problem, safe_link
from bot.cli import catalogue as catalogue_cli
from bot.models import Availability, Drama, Episode
from bot.tmdb.client import parse_providers, series_record

SCHEMA = schema()
MAX_LENGTH = SCHEMA["$defs"]["link"]["maxLength"]

GOOD = [
    "https://www.netflix.com/",
    "https://www.netflix.com",
    "https://image.tmdb.org/t/p/w342/goblin.jpg",
    "https://www.themoviedb.org/tv/4242/watch?locale=KR",
    "https://example.com:8443/a/b?x=1&y=%20z#frag",
    "https://en.wikipedia.org/wiki/Goblin_%28TV_series%29",
    "https://example.com/@someone/page",
    "https://[2001:db8::1]/x",
    "https://" + "a" * (MAX_LENGTH - len("https://")),
]
BAD = [
    ("http://www.netflix.com/", "https://"),
    ("HTTPS://www.netflix.com/", "https://"),
    ("ftp://x", "https://"),
    ("javascript:alert(1)", "https://"),
    ("//www.netflix.com/", "https://"),
    ("https://", "host"),
    ("https:///path", "host"),
    ("https://:443/", "host"),
    ("https://user:pass@example.com/", "password"),
    ("https://user@example.com/", "password"),
    ("https://example.com/a b", "spaces"),
    (" https://example.com/", "spaces"),
    ("https://example.com/\n", "spaces"),
    ("https://example.com/\x00", "control"),
    ("https://example.com/\u202egpj.exe", "control"),  # right-to-left override
    ("https://example.com/\u00a0", "spaces"),
    ("https://example.com/(x)", "percent-encoded"),
    ("https://example.com/a)[click](https://evil.example", "percent-encoded"),
    ("https://exam ple.com/", "spaces"),
    ("https://bücher.example/", "percent-encoded"),
    ("https://example.com/é", "percent-encoded"),
    ("https://example.com/<script>", "percent-encoded"),
    ("https://example.com:99999/", "port"),
    ("https://" + "a" * (MAX_LENGTH - len("https://") + 1), f"at most {MAX_LENGTH}"),
    ("", "https://"),
]


@pytest.mark.parametrize("url", GOOD)
def test_good_links_pass(url):
    assert link_problem(url) is None
    assert safe_link(url) == url


@pytest.mark.parametrize(("url", "said"), BAD)
def test_bad_links_are_refused_with_the_reason(url, said):
    problem = link_problem(url)
    assert problem is not None and said in problem
    assert safe_link(url) is None


def test_not_text_is_no_link():
    assert link_problem(None) is not None and link_problem(42) is not None
    assert safe_link(None) is None


@given(st.text(max_size=80))
def test_anything_is_a_link_or_a_reason(text):
    """Never a crash; anything it accepts starts with https:// and holds no space or credentials."""
    problem = link_problem("https://" + text)
    if problem is None:
        authority = text.split("/")[0].split("?")[0].split("#")[0]
        assert "@" not in authority and not any(c.isspace() for c in text) and text.isascii()


# --- the schema says the same ------------------------------------------------------------------------


def test_both_links_of_a_record_take_the_schemas_link_rule():
    drama = SCHEMA["$defs"]["drama"]["properties"]
    assert drama["poster_url"] == {"$ref": "#/$defs/link"}
    assert drama["availability"]["items"]["properties"]["url"] == {"$ref": "#/$defs/link"}


def record(**changes) -> dict:
    return {"slug": "test-drama", "title": "Test Drama", "episode_count": 2, **changes}


def doc(rec: dict) -> str:
    return json.dumps({"format": "dramabot-catalogue/1", "dramas": [rec]})


@pytest.mark.parametrize(("url", "said"), BAD)
def test_the_schema_and_the_parser_refuse_the_same_links(url, said):
    validator = jsonschema.Draft202012Validator(SCHEMA)
    for rec, field in (
        (record(poster_url=url), "'poster_url'"),
        (record(availability=[{"service": "X", "kind": "free", "url": url}]), "'url'"),
    ):
        assert list(validator.iter_errors(json.loads(doc(rec)))), f"the schema accepted {url!r}"
        with pytest.raises(CatalogueError) as caught:
            parse_catalogue(doc(rec), "links.json")
        assert field in str(caught.value) and said in str(caught.value)


@pytest.mark.parametrize("url", GOOD)
def test_the_schema_and_the_parser_accept_the_same_links(url):
    rec = record(poster_url=url, availability=[{"service": "X", "kind": "free", "url": url}])
    jsonschema.Draft202012Validator(SCHEMA).validate(json.loads(doc(rec)))
    entry = parse_catalogue(doc(rec), "links.json")[0]
    assert entry.drama.poster_url == url and entry.availability[0].url == url


def test_a_csv_poster_gets_the_same_rule():
    text = "slug,title,episode_count,poster_url\ntest-drama,Test,2,http://example.com/p.jpg\n"
    with pytest.raises(CatalogueError) as caught:
        parse_csv(text, "sheet.csv")
    assert "sheet.csv row #2 (test-drama): field 'poster_url': must start with https://" in str(caught.value)
    good = parse_csv(text.replace("http://", "https://"), "sheet.csv")
    assert good[0].drama.poster_url == "https://example.com/p.jpg"


# --- /catalogue: where-add and edit go through parse_entry ---------------------------------------------


def test_catalogue_edits_from_discord_get_the_same_rule():
    from bot.catalogue.edits import edit_field, validated
    from bot.errors import UserError

    rec = record()
    edit_field(rec, "poster_url", "https://user:pw@example.com/p.jpg")
    with pytest.raises(UserError) as caught:
        validated(rec)
    assert "field 'poster\\_url'" in caught.value.message and "password" in caught.value.message  # _ escaped
    rec = record(availability=[{"service": "Netflix", "kind": "subscription", "regions": [], "url": "http://n.example"}])
    with pytest.raises(UserError) as caught:
        validated(rec)
    assert "availability #1" in caught.value.message and "field 'url'" in caught.value.message


# --- TMDB: a poster or page that breaks the rule is left out, the drama still imports -------------------


def tv(**changes) -> dict:
    return {"id": 4242, "name": "Goblin", "first_air_date": "2016-12-02", "poster_path": "/goblin.jpg", **changes}


def test_a_tmdb_poster_is_an_https_link_and_a_bad_path_is_left_out():
    assert series_record(tv(), [], "goblin-2016")["poster_url"] == "https://image.tmdb.org/t/p/w342/goblin.jpg"
    for bad in ("/고블린.jpg", "/a b.jpg", "//evil.example/x.jpg", "/x.jpg?y", "/" + "a" * 600 + ".jpg"):
        rec = series_record(tv(poster_path=bad), [], "goblin-2016")
        assert "poster_url" not in rec, bad
        rec["episode_count"] = 1
        assert parse_entry(rec, "TMDB series 4242").drama.title == "Goblin"


def test_tmdb_provider_pages_that_are_not_safe_links_are_dropped():
    offer = {"flatrate": [{"provider_name": "Netflix", "logo_path": "/n.png"}]}
    body = {"results": {
        "KR": {**offer, "link": "https://www.themoviedb.org/tv/4242/watch?locale=KR"},
        "JP": {**offer, "link": "http://www.themoviedb.org/tv/4242/watch?locale=JP"},
        "US": {**offer, "link": "https://u:p@www.themoviedb.org/tv/4242"},
        "DE": {**offer, "link": "https://www.themoviedb.org/tv/4242 watch"},
    }}  # fmt: skip
    links = {code: entry["link"] for code, entry in parse_providers(body).items()}
    assert links == {"KR": "https://www.themoviedb.org/tv/4242/watch?locale=KR", "JP": None, "US": None, "DE": None}


# --- cards: a link stored before the rule is never sent ----------------------------------------------------

OLD_POSTER = "http://old.example/p.jpg"
OLD_LINK = "https://old.example/watch (KR)"


def old_drama() -> Drama:
    return Drama(id=1, slug="old-2010", title="Old", episode_count=2, country="KR", poster_url=OLD_POSTER)


def old_availability() -> tuple[Availability, ...]:
    return (
        Availability("Netflix", "subscription", ("KR",), OLD_LINK, date(2026, 1, 2)),
        Availability("Viki", "free", ("KR",), "https://viki.example/old", date(2026, 1, 2)),
    )


def sent(embed) -> str:
    return json.dumps(embed.to_dict())


def test_cards_leave_out_links_stored_before_the_rule():
    from bot.models import CommunityScores, ReviewData

    drama, availability = old_drama(), old_availability()
    data = ReviewData(drama, (Episode(1, 4.0),), availability, CommunityScores(), True)
    embeds = [
        cards.review_card(data).embed,
        cards.where_card(drama, availability, regions.lookup("KR"), region_links={"KR": "http://tmdb.example/kr"}),
        cards.where_card(drama, availability, None),
    ]
    episode = airing_cards.AiringEpisode(drama, 1, datetime(2026, 1, 2, 12, tzinfo=UTC))
    embeds += [
        airing_cards.announcement_card(episode, availability, "KR"),
        airing_cards.reminder_card(episode, availability, "KR"),
    ]
    for embed in embeds:
        body = sent(embed)
        assert OLD_POSTER not in body and "old.example" not in body and "tmdb.example" not in body
        assert "thumbnail" not in embed.to_dict()
    assert "[Viki](https://viki.example/old)" in sent(embeds[1]) and "[Viki](https://viki.example/old)" in sent(embeds[3])
    assert "Netflix" in sent(embeds[1])  # the service stays, without its link
    good = replace(drama, poster_url="https://image.tmdb.org/t/p/w342/old.jpg")
    assert cards.where_card(good, availability, None).to_dict()["thumbnail"]["url"] == good.poster_url


def test_a_stored_bad_link_is_left_out_of_the_record_so_edits_and_refreshes_still_validate():
    rec = entry_record(old_drama(), (), old_availability())
    assert "poster_url" not in rec
    assert [a["url"] for a in rec["availability"]] == [None, "https://viki.example/old"]
    assert parse_entry(rec, "old").availability[1].url == "https://viki.example/old"


async def test_export_leaves_out_stored_bad_links_and_names_them(store, tmp_path, capsys):
    await store.catalogue.upsert_many([(old_drama(), (), old_availability())])
    target = tmp_path / "out.json"
    args = argparse.Namespace(catalogue_command="export", file=str(target))
    assert await catalogue_cli.run(store, args) == 0
    err = capsys.readouterr().err
    assert "old-2010: poster_url" in err and "old-2010: Netflix (subscription) url" in err
    assert OLD_POSTER not in err  # named by field, not echoed
    exported = target.read_text(encoding="utf-8")
    assert "old.example/p.jpg" not in exported and "watch (KR)" not in exported
    assert [e.drama.slug for e in parse_catalogue(exported, "out.json") if e.drama.slug == "old-2010"] == ["old-2010"]

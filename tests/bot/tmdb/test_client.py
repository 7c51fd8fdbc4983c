"""The TMDB client, import-tmdb and live /where data, against a TMDB stand-in on 127.0.0.1."""

from __future__ import annotations

import argparse
import asyncio
import time
from datetime import UTC, datetime, timedelta

import pytest

from bot.cli import catalogue as catalogue_cli
from bot.settings import Settings
from bot.store import Store
from bot.tmdb.client import ATTRIBUTION, TMDB, TMDBError, parse_providers
from bot.tmdb.providers import WhereData
from tests.tmdb_standin import TV_ID, FakeTMDB


def settings(fake: FakeTMDB, key: str = "k3y") -> Settings:
    return Settings(token="", tmdb_api_key=key, tmdb_api_base=fake.base)


async def import_tmdb(store: Store, fake: FakeTMDB, query: str) -> int:
    args = argparse.Namespace(catalogue_command="import-tmdb", query=query, discover=False)
    return await catalogue_cli.run(store, args, settings(fake))


async def test_import_tmdb_by_search_fills_every_field_and_is_idempotent(store: Store, fake: FakeTMDB, capsys):
    assert await import_tmdb(store, fake, "goblin") == 0
    assert "added" in capsys.readouterr().out
    (drama,) = await store.catalogue.find("Dokkaebi")
    assert drama.title == "Guardian: The Lonely and Great God" and drama.native_title == "쓸쓸하고 찬란하神-도깨비"
    assert drama.aliases == ("Goblin", "Dokkaebi")
    assert (drama.year, drama.country, drama.network, drama.episode_count) == (2016, "KR", "tvN", 16)
    assert drama.genres == ("Drama", "Sci-Fi & Fantasy") and drama.tmdb_id == TV_ID
    assert drama.poster_url == "https://image.tmdb.org/t/p/w342/goblin.jpg"
    assert drama.slug == "guardian-the-lonely-and-great-god-2016"
    episodes = await store.catalogue.episodes(drama.id)
    assert episodes[0].title == "Episode 1 title" and episodes[0].note == "aired 2017-01-01" and len(episodes) == 16
    assert fake.requests[0][1]["api_key"] == "k3y"

    # Curated data survives a re-import; the same TMDB data changes nothing.
    await store.curation.curate(
        drama.slug, lambda r: (r[0].__class__(**{**_fields(r[0]), "critic_score": 4.5}), r[1], r[2]),
        action="edit", actor_id=1, actor_name="t", guild_id=None
    )  # fmt: skip
    assert await import_tmdb(store, fake, str(TV_ID)) == 0
    assert capsys.readouterr().out.startswith("unchanged")
    assert (await store.catalogue.by("tmdb_id", TV_ID)).critic_score == 4.5


def _fields(drama) -> dict:
    return {f: getattr(drama, f) for f in drama.__slots__}


async def test_a_429_is_retried_after_retry_after(fake: FakeTMDB):
    fake.script("/tv/", "429")
    async with TMDB("k", fake.base) as tmdb:
        data = await tmdb.watch_providers(TV_ID)
    assert [p for p, _, _ in fake.requests] == [f"/tv/{TV_ID}/watch/providers"] * 2
    assert sorted(data) == ["JP", "KR", "US"]


async def test_a_long_retry_after_or_repeated_429s_give_up_quickly(fake: FakeTMDB):
    fake.retry_after = "120"
    fake.script("/tv/", "429")
    async with TMDB("k", fake.base) as tmdb:
        started = time.monotonic()
        with pytest.raises(TMDBError, match="rate limit"):
            await tmdb.watch_providers(TV_ID)
        assert time.monotonic() - started < 2
    fake.retry_after = "0"
    fake.script("/tv/", "429", "429", "429")
    async with TMDB("k", fake.base, max_retries=2) as tmdb:
        with pytest.raises(TMDBError, match="rate limit"):
            await tmdb.watch_providers(TV_ID)


async def test_every_request_times_out(fake: FakeTMDB):
    fake.delay = 1.5
    fake.script("/tv/", "slow")
    async with TMDB("k", fake.base, timeout=0.5) as tmdb:
        started = time.monotonic()
        with pytest.raises(TMDBError, match="in time"):
            await tmdb.tv(TV_ID)
        assert time.monotonic() - started < 2


@pytest.mark.parametrize("behaviour", ["malformed", "500", "shape"])
async def test_malformed_answers_are_errors_not_crashes(fake: FakeTMDB, behaviour: str):
    fake.script("/tv/", behaviour)
    async with TMDB("k", fake.base) as tmdb:
        with pytest.raises(TMDBError):
            await tmdb.watch_providers(TV_ID)


async def test_unreachable_tmdb_is_an_error(fake: FakeTMDB):
    base = fake.base
    await fake.stop()
    async with TMDB("k", base, timeout=1) as tmdb:
        with pytest.raises(TMDBError, match="unreachable|in time"):
            await tmdb.search_tv("x")


def test_provider_parsing_skips_what_is_not_shaped_as_documented():
    data = parse_providers(FakeTMDB().providers)
    assert sorted(data) == ["JP", "KR", "US"]  # XXX: no ISO code; DE: not an object
    assert data["JP"]["offers"] == [["Amazon Video", "rent", "/a.jpg"]]  # the nameless buy offer is dropped
    assert data["US"]["offers"] == [["Netflix", "subscription", "/n.jpg"], ["Viki", "ads", "/v.jpg"]]
    with pytest.raises(TMDBError):
        parse_providers({"id": 1})


async def test_import_tmdb_failures_write_nothing(store: Store, fake: FakeTMDB, capsys):
    fake.script("/tv/", "malformed")
    assert await import_tmdb(store, fake, str(TV_ID)) == 1
    assert "nothing was imported" in capsys.readouterr().err
    assert (await store.catalogue.stats()).dramas == 0
    assert await catalogue_cli.run(store, argparse.Namespace(catalogue_command="import-tmdb", query="x"),
                                   Settings(token="")) == 1  # fmt: skip


async def test_where_data_caches_and_falls_back_to_the_last_check(store: Store, fake: FakeTMDB, capsys):
    assert await import_tmdb(store, fake, str(TV_ID)) == 0
    drama = await store.catalogue.by("tmdb_id", TV_ID)
    async with TMDB("k", fake.base, timeout=5) as tmdb:
        live = WhereData(lambda: store, tmdb, ttl=timedelta(hours=1), wait=0.5)
        answer = await live.lookup(drama, await live.cached(drama))
        assert answer.source.startswith(ATTRIBUTION)
        assert {(a.service, a.kind, a.regions) for a in answer.availability} >= {
            ("Netflix", "subscription", ("KR", "US")), ("Viki", "ads", ("US",))}
        assert answer.region_links["KR"].endswith("locale=KR")
        cached = await live.cached(drama)
        assert cached is not None and not live.needs_fetch(drama, cached, datetime.now(UTC))

        # Stale cache, TMDB slow: the answer comes from the last check, within the wait.
        live.ttl = timedelta(seconds=0)
        fake.script("/tv/", "slow")
        fake.delay = 1.0
        started = time.monotonic()
        stale = await live.lookup(drama, await live.cached(drama))
        assert time.monotonic() - started < 1.0
        assert "last check" in stale.source and stale.availability
        await asyncio.sleep(1.0)  # the background fetch finishes and refreshes the cache
        assert (await live.cached(drama))[0] > cached[0]
        await live.close()


async def test_where_data_without_cache_and_without_tmdb_shows_the_catalogue(store: Store, fake: FakeTMDB):
    assert await import_tmdb(store, fake, str(TV_ID)) == 0
    drama = await store.catalogue.by("tmdb_id", TV_ID)
    fake.script("/tv/", "500")
    async with TMDB("k", fake.base) as tmdb:
        answer = await WhereData(lambda: store, tmdb, ttl=timedelta(hours=1)).lookup(drama, None)
    assert answer.notice and "unavailable" in answer.notice and answer.source is None
    assert (await WhereData(lambda: store, None, ttl=timedelta(hours=1)).lookup(drama)).source is None

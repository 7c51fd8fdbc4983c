"""TMDB on demand inside the bot (bot/tmdb/ondemand.py) against the TMDB stand-in and a real SQLite store."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta

import pytest

from bot.errors import UserError
from bot.settings import DEFAULT_TMDB_COUNTRIES
from bot.store import Store
from bot.tmdb.bulk import REFRESHED_AT
from bot.tmdb.client import TMDB, not_scripted, series_status
from bot.tmdb.ondemand import OnDemandImports, RefreshJob, TMDBSearch, parse_tmdb_value
from tests.tmdb_standin import EXCLUDED, HARBOR_ID, SCRIPTED, FakeTMDB

COUNTRIES = DEFAULT_TMDB_COUNTRIES


@pytest.fixture
async def tmdb(fake: FakeTMDB) -> TMDB:
    async with TMDB("k", fake.base, timeout=3.0) as client:
        yield client


def test_only_scripted_series_from_the_countries_pass():
    assert not_scripted({"genre_ids": [18], "origin_country": ["KR"]}, COUNTRIES) is None
    assert (
        not_scripted({"genres": [{"id": 18}], "origin_country": ["JP"]}, COUNTRIES) is None
    )  # /tv/{id} shape
    for genre, why in ((16, "animation"), (10767, "talk"), (10763, "news"), (10764, "reality")):
        assert not_scripted({"genre_ids": [18, genre], "origin_country": ["KR"]}, COUNTRIES) == f"genre {why}"
    assert not_scripted({"genre_ids": [18], "origin_country": ["US"]}, COUNTRIES).startswith("origin US")
    assert not_scripted({"genre_ids": [18]}, COUNTRIES).startswith("origin unknown")
    assert not_scripted({"genre_ids": [18], "origin_country": ["US"]}, ("US",)) is None


def test_tmdb_status_becomes_upcoming_airing_or_ended():
    today = date(2026, 11, 29)
    assert series_status({"status": "Ended", "first_air_date": "2016-12-02"}, today) == "ended"
    assert series_status({"status": "Canceled", "first_air_date": "2016-12-02"}, today) == "ended"
    assert series_status({"status": "Returning Series", "first_air_date": "2026-10-03"}, today) == "airing"
    assert series_status({"status": "In Production", "first_air_date": "2027-01-01"}, today) == "upcoming"
    assert series_status({"status": "Planned"}, today) == "upcoming"
    assert series_status({"status": "In Production", "first_air_date": "2026-11-01"}, today) == "airing"
    assert series_status({}, today) is None


def test_autocomplete_values_carry_the_tmdb_id():
    assert parse_tmdb_value("tmdb:9900001") == 9_900_001
    for text in ("tmdb:", "tmdb:-1", "tmdb:0", "tmdb:１２", "tmdb:99999999999", "goblin", "TMDB:12"):
        assert parse_tmdb_value(text) is None


async def test_search_filters_caches_and_shares_identical_searches(fake: FakeTMDB, tmdb: TMDB):
    search = TMDBSearch(tmdb, COUNTRIES)
    fake.latency = 0.2
    first, second = await asyncio.gather(search.search("Harbor"), search.search("harbor "))
    assert first == second
    assert [h.tmdb_id for h in first] == [HARBOR_ID, SCRIPTED[5]["id"]]  # no animation, talk, reality, US
    assert {s["id"] for s in EXCLUDED}.isdisjoint(h.tmdb_id for h in first)
    assert fake.hits("/search/tv") == 1
    assert (await search.search("HARBOR")) == first and fake.hits("/search/tv") == 1  # cached
    assert (
        first[0].name == "Moonlit Harbor" and first[0].year == 2026 and first[0].value == f"tmdb:{HARBOR_ID}"
    )
    await search.close()


async def test_suggest_gives_up_in_time_and_the_search_still_fills_the_cache(fake: FakeTMDB, tmdb: TMDB):
    search = TMDBSearch(tmdb, COUNTRIES)
    fake.latency = 0.5
    assert await search.suggest("moonlit", 0.05) == []
    assert len(search.flights) == 1  # still running in the background
    await asyncio.sleep(0.8)
    assert [h.tmdb_id for h in await search.suggest("moonlit", 0.0)] == [HARBOR_ID]  # from the cache, no wait
    assert fake.hits("/search/tv") == 1
    await search.close()


async def test_a_failed_search_is_remembered_briefly_and_answers_nothing(fake: FakeTMDB, tmdb: TMDB):
    search = TMDBSearch(tmdb, COUNTRIES)
    fake.down = True
    assert await search.suggest("moonlit", 1.0) == []
    fake.down = False
    assert await search.suggest("moonlit", 1.0) == []  # not asked again for a while
    assert fake.hits("/search/tv") == 1
    await search.close()


async def test_import_on_use_is_single_flight_audited_and_limited_per_member(
    store: Store, fake: FakeTMDB, tmdb: TMDB
):
    imports = OnDemandImports(lambda: store, tmdb, COUNTRIES, per_member=2)
    fake.latency = 0.1
    # Member 1 starts the import, member 2 asks while it runs. (Started together, which one's catalogue
    # check returns first is up to the backend: PostgreSQL's pool answers in any order.)
    first = asyncio.create_task(imports.get(HARBOR_ID, member_id=1, member_name="one", guild_id=5))
    for _ in range(1000):  # a few loop turns: until its flight runs
        if HARBOR_ID in imports.flights or first.done():
            break
        await asyncio.sleep(0)
    a, b = await asyncio.gather(first, imports.get(HARBOR_ID, member_id=2, member_name="two", guild_id=5))
    assert a == b and a.tmdb_id == HARBOR_ID and a.status == "airing"
    assert fake.hits(f"/tv/{HARBOR_ID}") == 1
    (audit,) = await store.curation.audit_log(subject=a.slug)
    assert (audit.action, audit.actor_id, audit.actor_name, audit.guild_id) == ("tmdb-import", 1, "one", 5)
    assert '"Moonlit Harbor"' in audit.after and audit.before is None
    # Already in the catalogue: free, and no TMDB request.
    assert (await imports.get(HARBOR_ID, member_id=1, member_name="one", guild_id=5)).id == a.id
    assert fake.hits(f"/tv/{HARBOR_ID}") == 1
    await imports.get(SCRIPTED[1]["id"], member_id=1, member_name="one", guild_id=5)
    with pytest.raises(UserError, match="Try again in about 10 minutes"):
        await imports.get(SCRIPTED[2]["id"], member_id=1, member_name="one", guild_id=5)
    assert await store.catalogue.by("tmdb_id", SCRIPTED[2]["id"]) is None
    assert (
        await imports.get(SCRIPTED[2]["id"], member_id=3, member_name="x", guild_id=5)
    ).title == "The Quiet Tailor"


@pytest.mark.parametrize("failure", ["down", "season-500", "malformed"])
async def test_a_tmdb_failure_stores_nothing(store: Store, fake: FakeTMDB, tmdb: TMDB, failure: str):
    imports = OnDemandImports(lambda: store, tmdb, COUNTRIES)
    if failure == "down":
        fake.down = True
    elif failure == "season-500":
        fake.script(f"/tv/{HARBOR_ID}/season", "500")  # the series answered, its episodes did not
    else:
        fake.script(f"/tv/{HARBOR_ID}", "malformed")
    with pytest.raises(UserError, match="TMDB could not be reached.*nothing was added"):
        await imports.get(HARBOR_ID, member_id=1, member_name="one", guild_id=None)
    assert await store.catalogue.by("tmdb_id", HARBOR_ID) is None
    assert await store.curation.audit_log() == []
    assert store.titles.search("moonlit", 5) == []


async def test_an_unscripted_series_is_not_imported(store: Store, fake: FakeTMDB, tmdb: TMDB):
    imports = OnDemandImports(lambda: store, tmdb, COUNTRIES)
    with pytest.raises(UserError, match="not a drama this bot covers"):
        await imports.get(EXCLUDED[1]["id"], member_id=1, member_name="one", guild_id=None)
    assert await store.catalogue.by("tmdb_id", EXCLUDED[1]["id"]) is None
    assert fake.hits(f"/tv/{EXCLUDED[1]['id']}/season/1") == 0


async def test_refresh_job_waits_an_interval_on_first_start_and_then_until_due(store: Store, tmdb: TMDB):
    now = datetime(2026, 11, 29, 12, tzinfo=UTC)
    job = RefreshJob(lambda: store, tmdb, timedelta(hours=24), clock=lambda: now)
    assert await job.seconds_until_due() == 24 * 3600  # no burst of requests on a first start
    assert await store.get_meta(REFRESHED_AT) == now.isoformat()
    await store.set_meta(REFRESHED_AT, (now - timedelta(hours=30)).isoformat())
    assert await job.seconds_until_due() == 0
    await store.set_meta(REFRESHED_AT, (now - timedelta(hours=20)).isoformat())
    assert await job.seconds_until_due() == 4 * 3600


async def test_refresh_job_starts_and_stops(store: Store, fake: FakeTMDB, tmdb: TMDB):
    await store.set_meta(REFRESHED_AT, "2000-01-01T00:00:00+00:00")  # overdue: runs at once
    job = RefreshJob(lambda: store, tmdb, timedelta(hours=24))
    job.start()
    for _ in range(100):
        if (await store.get_meta(REFRESHED_AT)) != "2000-01-01T00:00:00+00:00":
            break
        await asyncio.sleep(0.02)
    assert (await store.get_meta(REFRESHED_AT)).startswith(str(datetime.now(UTC).year))
    await job.stop()
    assert job._task is None


async def test_refresh_jobs_of_processes_sharing_a_database_refresh_once(
    backend: str, store_location, fake: FakeTMDB, tmdb: TMDB
):
    """Two bot processes (two Store instances) on one PostgreSQL database: when the refresh is due, one of
    them runs it (the leader lock), the other finds it running or done. SQLite serves one process: two
    jobs on its one Store."""
    first = await Store.open(store_location)
    stores = [first, await Store.open(store_location) if backend == "postgres" else first]
    try:
        imports = OnDemandImports(lambda: stores[0], tmdb, COUNTRIES, per_member=5)
        await imports.get(HARBOR_ID, member_id=1, member_name="one", guild_id=None)
        fetched = fake.hits(f"/tv/{HARBOR_ID}")
        await stores[0].set_meta(REFRESHED_AT, "2000-01-01T00:00:00+00:00")  # overdue: both start at once
        fake.latency = 0.2  # the refresh takes a while: the two overlap
        jobs = [RefreshJob(lambda s=s: s, tmdb, timedelta(hours=24)) for s in stores]
        for job in jobs:
            job.start()
        for _ in range(250):
            if (await stores[1].get_meta(REFRESHED_AT)) != "2000-01-01T00:00:00+00:00":
                break
            await asyncio.sleep(0.02)
        await asyncio.sleep(0.5)  # room for a second refresh, were the other job to run one
        for job in jobs:
            await job.stop()
        assert (await stores[1].get_meta(REFRESHED_AT)).startswith(str(datetime.now(UTC).year))
        assert fake.hits(f"/tv/{HARBOR_ID}") == fetched + 1
    finally:
        for s in {id(s): s for s in stores}.values():
            await s.close()

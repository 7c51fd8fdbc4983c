"""TMDB's rate limit shared fairly inside the bot, against the TMDB stand-in: autocomplete's searches have
a budget of their own and never queue for a token, at most a few run at once, and a 429's Retry-After is
believed only up to a cap."""

from __future__ import annotations

import asyncio

from bot.settings import load_settings
from bot.tmdb.client import RETRY_AFTER_CAP, TMDB, TMDBBusy, TMDBError, _retry_after
from bot.tmdb.limits import TokenBucket
from bot.tmdb.ondemand import MAX_SEARCHES, OnDemand
from tests.tmdb_standin import FakeTMDB


def ondemand_for(fake: FakeTMDB) -> OnDemand:
    settings = load_settings(
        {"DISCORD_TOKEN": "x", "TMDB_API_KEY": "k", "TMDB_API_BASE": fake.base, "TMDB_REFRESH_HOURS": "0"},
        dotenv=False,
    )
    return OnDemand(settings, lambda: None)  # type: ignore[arg-type, return-value]


async def test_searches_spend_their_own_budget_never_the_imports(fake: FakeTMDB):
    ondemand = ondemand_for(fake)
    try:
        imports_before = ondemand.tmdb.limiter.level
        found = [await ondemand.search.search(f"harbor {i}") for i in range(25)]  # a member typing fast
        asked = fake.hits("/search/tv")
        assert asked <= 11  # the search budget (10, refilling 1 a second) and not one more
        assert ondemand.search.turned_away >= 25 - asked
        assert found[asked:] == [[]] * (25 - asked)  # the catalogue's matches only: no TMDB suggestions
        # The imports' budget is untouched, so an import goes at once.
        assert ondemand.tmdb.limiter.level >= imports_before - 0.01
        assert ondemand.tmdb.limiter.try_take() == 0
        # A text turned away is not remembered as failed: it is asked once the budget refills.
        await asyncio.sleep(1.2)  # a token refills
        assert await ondemand.search.search("harbor 24") == [] and fake.hits("/search/tv") == asked + 1
    finally:
        await ondemand.close()


async def test_at_most_max_searches_run_at_once_the_rest_get_the_catalogue_only(fake: FakeTMDB):
    ondemand = ondemand_for(fake)
    fake.latency = 0.3
    try:
        texts = [f"harbor {i}" for i in range(MAX_SEARCHES + 3)]
        started = asyncio.get_running_loop().time()
        results = await asyncio.gather(*(ondemand.search.search(t) for t in texts))
        assert fake.hits("/search/tv") == MAX_SEARCHES
        assert results[MAX_SEARCHES:] == [[]] * 3
        assert ondemand.search.turned_away == 3
        assert asyncio.get_running_loop().time() - started < 3.0  # nobody queued behind the slow ones
        # Joining a search already in flight for the same text is not turned away.
        fake.latency = 0.0
        assert len(await asyncio.gather(*(ondemand.search.search("harbor") for _ in range(10)))) == 10
    finally:
        await ondemand.close()


def test_retry_after_is_capped():
    assert _retry_after("2.5") == 2.5
    assert _retry_after("86400") == RETRY_AFTER_CAP == 60.0
    assert _retry_after("1e308") == RETRY_AFTER_CAP
    assert _retry_after("nan") == 1.0 and _retry_after("soon") == 1.0 and _retry_after(None) == 1.0


async def test_a_huge_retry_after_pauses_the_bucket_a_minute_at_most(fake: FakeTMDB):
    fake.retry_after = "86400"  # a day
    fake.script("/search/tv", "429")
    bucket = TokenBucket(10, 1.0)
    async with TMDB("k", fake.base, limiter=bucket, max_retry_after=10.0) as tmdb:
        try:
            await tmdb.search_tv("harbor")
        except TMDBError as exc:
            assert "rate limit" in str(exc)
        else:
            raise AssertionError("a 429 beyond max_retry_after is an error")
    wait = bucket.try_take()
    assert 0 < wait <= RETRY_AFTER_CAP + 1  # paused for the cap, not a day


async def test_a_client_that_must_not_wait_is_told_busy_without_asking(fake: FakeTMDB):
    bucket = TokenBucket(1, 0.01)
    async with TMDB("k", fake.base, limiter=bucket, wait_for_token=False) as tmdb:
        assert await tmdb.search_tv("harbor")
        started = asyncio.get_running_loop().time()
        try:
            await tmdb.search_tv("harbor")
        except TMDBBusy:
            pass
        else:
            raise AssertionError("no token was free")
        assert asyncio.get_running_loop().time() - started < 0.5
    assert fake.hits("/search/tv") == 1

"""/top's pages (TopCharts.page: the scope's chart kept in memory, bot/store/chartbook.py, filtered with the
catalogue's sets) against the reference computation (the scope's tallies -> bot.community.ranking.rank, within the
filter's dramas -> paginate), page by page, on both backends; and how the kept charts follow writes."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import replace

from bot.community.ranking import Tally, paginate, rank
from bot.store.rows import genres

from tests.bot.store.test_store import GUILD_A, GUILD_B

GENRES = ("Romance", "Thriller", "Comedy", "romance")  # two spellings of one genre


async def reference(store, scope, page, *, genre=None, country=None, year=None):
    """The scope's chart from all its tallies, restricted to the dramas the filters pass (as
    Community.tallies filters them in SQL)."""
    tallies = await store.community.tallies(scope)
    within = None
    if genre is not None or country is not None or year is not None:
        within = {
            t.drama_id for t in await store.community.tallies(scope, genre=genre, country=country, year=year)
        }
    chart = rank((Tally(t.drama_id, t.count, t.halves / 2) for t in tallies), within=within)
    return chart, paginate(chart.rows, page)


async def matches_reference(store, scope, page, **query) -> bool:
    """TopCharts.page's page, scope mean and unranked count are the reference's."""
    chart, got = await store.community.top.page(scope, page, **query)
    ref_chart, expected = await reference(store, scope, page, **query)
    return (got, chart.scope_mean, chart.unranked) == (expected, ref_chart.scope_mean, ref_chart.unranked)


async def seed(store, add_drama) -> list[int]:
    """36 dramas; many exact ties (the same scores on several dramas) and equal averages over
    different counts, so every tie rule is exercised."""
    rng = random.Random(13)
    ids = []
    for i in range(36):
        ids.append(await add_drama(f"top-{i}", country=("KR", "JP")[i % 2], year=2020 + i % 3,
                                   genres=(GENRES[i % 4], GENRES[(i + 1) % 3])))  # fmt: skip
    patterns = [[5, 4, 4], [4, 4, 5], [3, 3, 3, 3], [4.5] * 6, [4.5] * 3, [2, 5, 5, 3.5, 4], [1], [5, 5]]
    user = 1
    for i, drama_id in enumerate(ids):
        scores = patterns[i % len(patterns)] if i < 24 else [rng.choice([1, 2.5, 3, 4, 4.5, 5])
                                                              for _ in range(rng.randint(1, 9))]  # fmt: skip
        for score in scores:
            guild = (GUILD_A, GUILD_B, None)[user % 3]
            await store.ratings.rate(user_id=user, guild_id=guild, drama_id=drama_id, score=score)
            user += 1
    # Server 444: every drama averages 4, the server's mean: all score exactly 4, ranked by count, then id;
    # 14 of them, so the tie runs over the page boundary.
    patterns = ([4, 4, 4], [3, 5, 4, 4], [4, 4, 4], [5, 3], [4.5, 3.5, 4, 4, 4], [4] * 4) + ([3, 5, 4],) * 8
    for drama_id, scores in zip(ids[:14], patterns, strict=True):
        for score in scores:
            await store.ratings.rate(user_id=user, guild_id=444, drama_id=drama_id, score=score)
            user += 1
    return ids


async def test_top_page_gives_the_reference_ranking_on_every_page(store, add_drama):
    ids = await seed(store, add_drama)
    queries = [{}, {"country": "KR"}, {"year": 2021}, {"country": "JP", "year": 2022}, {"genre": "ROMANCE"},
               {"genre": "thriller", "country": "KR"}, {"genre": "Horror"}, {"country": "FR"}]  # fmt: skip
    compared = 0
    for scope in (0, GUILD_A, GUILD_B, 333, 444):
        for query in queries:
            for page in (-1, 1, 2, 3, 4, 9):
                chart, got = await store.community.top.page(scope, page, **query)
                ref_chart, expected = await reference(store, scope, page, **query)
                assert got == expected, (scope, query, page)
                assert (chart.scope_mean, chart.unranked, chart.min_ratings, chart.prior_weight) == (
                    ref_chart.scope_mean, ref_chart.unranked, ref_chart.min_ratings, ref_chart.prior_weight,
                ), (scope, query, page)  # fmt: skip
                compared += len(got.items)
    assert compared > 100  # the comparisons were of real pages, not only empty ones
    _, tied = await store.community.top.page(444, 1)
    _, rest = await store.community.top.page(444, 2)
    threes = [ids[0], ids[2], *ids[6:14]]
    assert [r.drama_id for r in tied.items + rest.items] == [
        ids[4],
        ids[1],
        ids[5],
        *threes,
    ]  # ids[3]: 2 ratings, unranked
    assert [r.rank for r in rest.items] == [11, 12, 13]


async def test_genre_index_follows_catalogue_changes(store, add_drama):
    ids = await seed(store, add_drama)
    before, _ = await store.community.top.page(0, 1, genre="Fantasy")
    assert before.rows == ()
    drama = await store.catalogue.by("slug", "top-3")
    await store.catalogue.upsert(replace(drama, genres=("Fantasy",)))
    after, page = await store.community.top.page(0, 1, genre="fantasy")
    assert [r.drama_id for r in page.items] == [ids[3]]
    assert (after, page) == await reference(store, 0, 1, genre="fantasy")


async def test_country_filter_follows_a_country_change(store, add_drama):
    """A catalogue edit that moves dramas to another country (or to none) moves them in /top's country
    filter at once (the filter sets follow catalogue_rev), alone or with a genre or a year, in every scope."""
    ids = await seed(store, add_drama)
    _, kr_before = await store.community.top.page(0, 1, country="KR")
    moved = kr_before.items[0].drama_id  # the top KR drama goes to Thailand
    for drama_id, country in ((moved, "TH"), (ids[1], "KR"), (ids[3], "TH"), (ids[5], None), (ids[6], "JP")):
        drama = await store.catalogue.get(drama_id)
        await store.catalogue.upsert(replace(drama, country=country))
    book = store.community.top.book
    book.gap = 0.0
    builds = book.builds
    _, kr_after = await store.community.top.page(0, 1, country="KR")
    await book.settled()  # a new catalogue_rev rebuilds the kept charts (in the background)
    assert book.builds > builds
    _, th = await store.community.top.page(0, 1, country="TH")
    assert moved not in [r.drama_id for r in kr_after.items]
    assert moved in [r.drama_id for r in th.items]
    queries = [{"country": "KR"}, {"country": "JP"}, {"country": "TH"}, {"genre": "romance", "country": "KR"},
               {"genre": "comedy", "country": "TH"}, {"country": "KR", "year": 2021},
               {"country": "TH", "year": 2020}, {"year": 2022}]  # fmt: skip
    compared = 0
    for scope in (0, GUILD_A, GUILD_B, 444):
        for query in queries:
            for page in (1, 2):
                chart, got = await store.community.top.page(scope, page, **query)
                ref_chart, expected = await reference(store, scope, page, **query)
                assert got == expected, (scope, query, page)
                assert (chart.scope_mean, chart.unranked) == (ref_chart.scope_mean, ref_chart.unranked)
                compared += len(got.items)
    assert compared > 50


async def test_a_rating_shows_on_the_kept_chart_after_its_rebuild_never_holding_up_a_read(store, add_drama):
    """/top reads the scope's kept chart; this process's ratings rebuild it in the background (at most once a
    GAP): the read right after a rating is the chart before it, the read after the rebuild is exact."""
    ids = await seed(store, add_drama)
    book = store.community.top.book
    book.gap = 0.5  # longer than the six ratings take: the read after them comes before the rebuild
    before = await store.community.top.page(0, 1)
    builds = book.builds
    for user in range(9000, 9006):  # a drama far down the chart gets six 5-star ratings
        await store.ratings.rate(user_id=user, guild_id=GUILD_A, drama_id=ids[30], score=5)
    assert await store.community.top.page(0, 1) == before  # served as kept: no read waits for a rebuild
    await book.settled()
    assert book.builds > builds
    for scope in (0, GUILD_A):
        assert await matches_reference(store, scope, 1)
    assert ids[30] in [r.drama_id for r in (await store.community.top.page(0, 1))[1].items]
    # An episode rating does not touch the drama-level chart: nothing is rebuilt.
    builds = book.builds
    await store.ratings.rate(user_id=9100, guild_id=GUILD_A, drama_id=ids[30], score=1, episode=1)
    await book.settled()
    assert book.builds == builds


async def test_erased_member_data_rebuilds_every_kept_chart(store, add_drama):
    await seed(store, add_drama)
    book = store.community.top.book
    book.gap = 0.0
    for scope in (0, GUILD_A, GUILD_B, 444):
        await store.community.top.page(scope, 1)
    rated = await store.community.tallies(444)
    assert rated
    member = (await store.db.fetch("SELECT user_id FROM ratings WHERE guild_id = 444 LIMIT 1"))[0][0]
    await store.erasure.erase(member)
    await book.settled()
    for scope in (0, GUILD_A, GUILD_B, 444):
        for page in (1, 2):
            assert await matches_reference(store, scope, page), (scope, page)


async def test_other_processes_ratings_show_by_the_charts_age(store, add_drama, store_location):
    """Ratings written by another process (here another Store on the same database) show once the kept
    chart is older than `refresh` (rebuilt in the background) or `max_age` (rebuilt before the read): on
    PostgreSQL 30 s and 60 s; on SQLite, where one process is the whole cluster, never by age."""
    from bot.store import Store

    ids = await seed(store, add_drama)
    book = store.community.top.book
    if store.backend == "sqlite":  # one process is the whole cluster: no rebuild by age
        assert book.refresh == book.max_age == float("inf")
    else:
        assert (book.refresh, book.max_age) == (30.0, 60.0)
    before = await store.community.top.page(0, 1)
    other = await Store.open(store_location)
    try:
        for user in range(9000, 9008):
            await other.ratings.rate(user_id=user, guild_id=None, drama_id=ids[31], score=5)
    finally:
        await other.close()
    assert await store.community.top.page(0, 1) == before  # younger than refresh: kept as it is
    book.gap = book.refresh = 0.0
    assert await store.community.top.page(0, 1) == before  # older than refresh: served, and rebuilt meanwhile
    await book.settled()
    assert await matches_reference(store, 0, 1)
    assert ids[31] in [r.drama_id for r in (await store.community.top.page(0, 1))[1].items]
    book.refresh, book.max_age = 60.0, 0.0  # every read rebuilds first
    await book.settled()
    builds = book.builds
    assert await matches_reference(store, GUILD_B, 1)
    assert book.builds == builds + 1


async def test_readers_share_one_build_and_only_the_last_scopes_are_kept(store, add_drama, monkeypatch):
    import asyncio

    from bot.store import chartbook

    await seed(store, add_drama)
    book = store.community.top.book
    pages = await asyncio.gather(*(store.community.top.page(0, page) for page in (1, 2, 3, 1, 2, 3, 1, 2)))
    assert book.builds == 1
    assert pages[0] == pages[3] == pages[6] and pages[0] != pages[1]
    monkeypatch.setattr(chartbook, "KEEP", 2)
    for scope in (GUILD_A, GUILD_B, 444):
        await store.community.top.page(scope, 1)
    assert book.builds == 4
    await store.community.top.page(444, 1)  # kept
    assert book.builds == 4
    await store.community.top.page(0, 1)  # dropped for the newer scopes: built again, the same chart
    assert book.builds == 5
    assert await store.community.top.page(0, 1) == pages[0]


async def test_closing_the_store_stops_pending_rebuilds(store_location, add_drama, store):
    ids = await seed(store, add_drama)
    book = store.community.top.book
    await store.community.top.page(0, 1)
    book.gap = 60.0  # the rebuild this rating asks for would wait a minute
    await store.ratings.rate(user_id=9000, guild_id=GUILD_A, drama_id=ids[0], score=1)
    assert book.pending == 1 and book.kept == 1
    await store.close()
    assert book.pending == 0 and book.kept == 0


async def test_genre_names_one_spelling_each_the_most_used(store, add_drama):
    await seed(store, add_drama)
    dramas = {r["id"]: genres(r["genres"]) for r in await store.community._db.fetch("SELECT id, genres FROM dramas")}
    spelled = Counter(g for own in dramas.values() for g in set(own))  # dramas per spelling
    names = await store.community.top.genre_names()
    assert [g.casefold() for g in names] == ["comedy", "romance", "thriller"]
    romance = min((-spelled[g], g) for g in ("Romance", "romance"))[1]  # more dramas, then the first
    assert romance in names and set(names) <= set(spelled)
    assert all([await store.community.top.has_genre(g) for g in ("ROMANCE", "thriller", "Comedy")])
    assert not await store.community.top.has_genre("Horror")

"""/top's pages (TopCharts.page: ranked by the database on every request) against the reference computation
(the scope's tallies -> bot.community.ranking.rank, within the filter's dramas -> paginate), page by page, on
both backends; and that a write shows at once."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import replace

from bot.store.rows import genres
from tests.bot.store.oracles import top_reference as reference
from tests.bot.store.readbacks import upsert
from tests.bot.store.test_store import GUILD_A, GUILD_B

GENRES = ("Romance", "Thriller", "Comedy", "romance")  # two spellings of one genre


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
    await upsert(store, replace(drama, genres=("Fantasy",)))
    after, page = await store.community.top.page(0, 1, genre="fantasy")
    assert [r.drama_id for r in page.items] == [ids[3]]
    assert (after, page) == await reference(store, 0, 1, genre="fantasy")


async def test_country_filter_follows_a_country_change(store, add_drama):
    """A catalogue edit that moves dramas to another country (or to none) moves them in /top's country
    filter at once alone or with a genre or a year, in every scope."""
    ids = await seed(store, add_drama)
    _, kr_before = await store.community.top.page(0, 1, country="KR")
    moved = kr_before.items[0].drama_id  # the top KR drama goes to Thailand
    for drama_id, country in ((moved, "TH"), (ids[1], "KR"), (ids[3], "TH"), (ids[5], None), (ids[6], "JP")):
        drama = await store.catalogue.get(drama_id)
        await upsert(store, replace(drama, country=country))
    _, kr_after = await store.community.top.page(0, 1, country="KR")
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


async def test_a_rating_shows_on_top_at_once(store, add_drama):
    """No chart is kept: the rating just made moves the chart of its server and everyone's right away."""
    ids = await seed(store, add_drama)
    for scope, users in ((0, range(9000, 9012)), (GUILD_A, range(9020, 9032))):
        before, page = await store.community.top.page(scope, 1)
        last = page.items[-1]
        for user in users:
            await store.ratings.rate(user_id=user, guild_id=GUILD_A, drama_id=last.drama_id, score=5)
        after, moved = await store.community.top.page(scope, 1)
        ref_chart, expected = await reference(store, scope, 1)
        assert (moved, after.scope_mean) == (expected, ref_chart.scope_mean)
        now = next(r for r in moved.items if r.drama_id == last.drama_id)
        assert now.count == last.count + 12 and now.score > last.score
        assert after.scope_mean != before.scope_mean
    unrated = await add_drama("top-new")
    for user in range(9100, 9103):
        await store.ratings.rate(user_id=user, guild_id=None, drama_id=unrated, score=5)
    _, page = await store.community.top.page(0, 1)
    assert unrated in [r.drama_id for r in page.items] and ids


async def test_erased_member_data_leaves_the_chart_at_once(store, add_drama):
    await seed(store, add_drama)
    before = await store.community.top.page(0, 1)
    await store.erasure.erase(1)
    await store.erasure.erase(2)
    after = await store.community.top.page(0, 1)
    assert after[1] == (await reference(store, 0, 1))[1] and after != before


async def test_genre_names_one_spelling_each_the_most_used(store, add_drama):
    await seed(store, add_drama)
    dramas = {
        r["id"]: genres(r["genres"]) for r in await store.community._db.fetch("SELECT id, genres FROM dramas")
    }
    spelled = Counter(g for own in dramas.values() for g in set(own))  # dramas per spelling
    names = await store.community.top.genre_names()
    assert [g.casefold() for g in names] == ["comedy", "romance", "thriller"]
    romance = min((-spelled[g], g) for g in ("Romance", "romance"))[1]  # more dramas, then the first
    assert romance in names and set(names) <= set(spelled)
    assert all([await store.community.top.has_genre(g) for g in ("ROMANCE", "thriller", "Comedy")])
    assert not await store.community.top.has_genre("Horror")


async def test_other_processes_ratings_show_by_the_charts_age(store, add_drama, store_location):
    """Ratings written by another process (here another Store on the same database) show once the kept
    chart is older than `max_age`: on PostgreSQL 10 s; on SQLite, where one process is the whole cluster,
    never by age. An episode rating leaves the drama-level chart as kept."""
    from bot.store import Store

    ids = await seed(store, add_drama)
    book = store.community.top.book
    assert book.max_age == (float("inf") if store.backend == "sqlite" else 10.0)
    before = await store.community.top.page(0, 1)
    await store.ratings.rate(user_id=9100, guild_id=GUILD_A, drama_id=ids[30], score=1, episode=1)
    other = await Store.open(store_location)
    try:
        for user in range(9000, 9008):
            await other.ratings.rate(user_id=user, guild_id=None, drama_id=ids[31], score=5)
    finally:
        await other.close()
    assert await store.community.top.page(0, 1) == before  # kept as it is
    book.max_age = 0.0
    chart, page = await store.community.top.page(0, 1)
    ref_chart, expected = await reference(store, 0, 1)
    assert (page, chart.scope_mean) == (expected, ref_chart.scope_mean)
    assert ids[31] in [r.drama_id for r in page.items]


async def test_only_the_last_scopes_are_kept(store, add_drama, monkeypatch):
    from bot.store import chartbook

    await seed(store, add_drama)
    monkeypatch.setattr(chartbook, "KEEP", 2)
    book = store.community.top.book
    for scope in (0, GUILD_A, GUILD_B, 444):
        await store.community.top.page(scope, 1)
    assert list(book._snaps) == [GUILD_B, 444]
    first = await store.community.top.page(0, 1)  # built again: the same chart
    assert list(book._snaps) == [444, 0] and first == await store.community.top.page(0, 1)


async def test_readers_share_one_build_and_a_rating_meanwhile_starts_another(store, add_drama):
    import asyncio

    ids = await seed(store, add_drama)
    book = store.community.top.book
    builds = []
    began = asyncio.Event()
    real = book._build

    async def counted(scope):
        builds.append(scope)
        began.set()
        return await real(scope)

    book._build = counted
    pages = await asyncio.gather(*(store.community.top.page(0, page) for page in (1, 2, 1, 2)))
    assert builds == [0] and pages[0] == pages[2] and pages[0] != pages[1]
    book.touched(None)
    began.clear()
    first = asyncio.ensure_future(store.community.top.page(0, 1))
    await began.wait()  # its build has begun
    for user in range(9000, 9012):
        await store.ratings.rate(user_id=user, guild_id=None, drama_id=ids[30], score=5)
    after = await store.community.top.page(0, 1)  # not the build begun before the ratings
    await first
    assert builds == [0, 0, 0] and ids[30] in [r.drama_id for r in after[1].items]

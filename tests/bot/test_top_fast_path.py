"""/top's fast path (Store.top_page: ranked in SQL, or through the genre index) against the reference
computation (the scope's tallies -> bot.ranking.rank -> paginate), page by page, on both backends."""

from __future__ import annotations

import random
from dataclasses import replace

from bot.ranking import Tally, paginate, rank

from .test_store import GUILD_A, GUILD_B

GENRES = ("Romance", "Thriller", "Comedy", "romance")  # two spellings of one genre


async def reference(store, scope, page, *, genre=None, country=None, year=None):
    tallies = await store.chart_tallies(scope, genre=genre, country=country, year=year)
    chart = rank(Tally(t.drama_id, t.count, t.halves / 2) for t in tallies)
    return chart, paginate(chart.rows, page)


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
            await store.rate(user_id=user, guild_id=guild, drama_id=drama_id, score=score)
            user += 1
    # Server 444: every drama averages 4, the server's mean: all score exactly 4, ranked by count, then id;
    # 14 of them, so the tie runs over the page boundary.
    patterns = ([4, 4, 4], [3, 5, 4, 4], [4, 4, 4], [5, 3], [4.5, 3.5, 4, 4, 4], [4] * 4) + ([3, 5, 4],) * 8
    for drama_id, scores in zip(ids[:14], patterns, strict=True):
        for score in scores:
            await store.rate(user_id=user, guild_id=444, drama_id=drama_id, score=score)
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
                chart, got = await store.top_page(scope, page, **query)
                ref_chart, expected = await reference(store, scope, page, **query)
                assert got == expected, (scope, query, page)
                assert (chart.scope_mean, chart.unranked, chart.min_ratings, chart.prior_weight) == (
                    ref_chart.scope_mean, ref_chart.unranked, ref_chart.min_ratings, ref_chart.prior_weight,
                ), (scope, query, page)  # fmt: skip
                compared += len(got.items)
    assert compared > 100  # the comparisons were of real pages, not only empty ones
    _, tied = await store.top_page(444, 1)
    _, rest = await store.top_page(444, 2)
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
    before, _ = await store.top_page(0, 1, genre="Fantasy")
    assert before.rows == ()
    drama = await store.drama_by_slug("top-3")
    await store.upsert_drama(replace(drama, genres=("Fantasy",)))
    after, page = await store.top_page(0, 1, genre="fantasy")
    assert [r.drama_id for r in page.items] == [ids[3]]
    assert (after, page) == await reference(store, 0, 1, genre="fantasy")


async def test_top_page_is_the_same_whichever_filter_set_drives_the_query(store, add_drama, monkeypatch):
    """A country or genre set probes the everyone scope's index when small (top.PROBE_SHARE) and is checked
    while scanning otherwise: both shapes give the reference's pages (forced one way, then the other)."""
    from bot.store import top

    await seed(store, add_drama)
    queries = [{"country": "KR"}, {"genre": "ROMANCE"}, {"genre": "thriller", "country": "KR"},
               {"genre": "comedy", "country": "JP"}, {"country": "FR"}]  # fmt: skip
    for share in (0, 2):  # never under the share (scan), always under it (probe)
        monkeypatch.setattr(top, "PROBE_SHARE", share)
        for query in queries:
            for page in (1, 2, 3):
                chart, got = await store.top_page(0, page, **query)
                ref_chart, expected = await reference(store, 0, page, **query)
                assert got == expected and chart.scope_mean == ref_chart.scope_mean, (share, query, page)
    assert [r for r in (await store.top_page(0, 1, country="KR"))[1].items], (
        "the pages compared were not empty"
    )


async def test_country_filter_follows_a_country_change(store, add_drama, monkeypatch):
    """The totals carry their drama's country (migration 0013): a catalogue edit that moves dramas to another
    country (or to none) moves them in /top's country filter at once, alone or with a genre or a year, in
    every scope, whichever way the query is driven."""
    from bot.store import top

    ids = await seed(store, add_drama)
    _, kr_before = await store.top_page(0, 1, country="KR")
    moved = kr_before.items[0].drama_id  # the top KR drama goes to Thailand
    for drama_id, country in ((moved, "TH"), (ids[1], "KR"), (ids[3], "TH"), (ids[5], None), (ids[6], "JP")):
        drama = await store.get_drama(drama_id)
        await store.upsert_drama(replace(drama, country=country))
    _, kr_after = await store.top_page(0, 1, country="KR")
    _, th = await store.top_page(0, 1, country="TH")
    assert moved not in [r.drama_id for r in kr_after.items]
    assert moved in [r.drama_id for r in th.items]
    queries = [{"country": "KR"}, {"country": "JP"}, {"country": "TH"}, {"genre": "romance", "country": "KR"},
               {"genre": "comedy", "country": "TH"}, {"country": "KR", "year": 2021},
               {"country": "TH", "year": 2020}, {"year": 2022}]  # fmt: skip
    compared = 0
    for share in (0, 2):  # never probe, always probe (the everyone scope)
        monkeypatch.setattr(top, "PROBE_SHARE", share)
        for scope in (0, GUILD_A, GUILD_B, 444):
            for query in queries:
                for page in (1, 2):
                    chart, got = await store.top_page(scope, page, **query)
                    ref_chart, expected = await reference(store, scope, page, **query)
                    assert got == expected, (share, scope, query, page)
                    assert (chart.scope_mean, chart.unranked) == (ref_chart.scope_mean, ref_chart.unranked)
                    compared += len(got.items)
    assert compared > 50

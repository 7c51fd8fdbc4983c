"""/top's tallies, /match's shared scores and /profile's figures in the store, on both backends."""

from __future__ import annotations

from .test_store import GUILD_A, GUILD_B

ALICE, BOB = 1001, 1002


async def test_chart_tallies_by_scope_and_filters(store, add_drama):
    kr = await add_drama("kr", country="KR", year=2016, genres=("Romance", "Fantasy"))
    jp = await add_drama("jp", country="JP", year=2020, genres=("Mystery",))
    await store.rate(user_id=ALICE, guild_id=GUILD_A, drama_id=kr, score=5)
    await store.rate(user_id=BOB, guild_id=GUILD_B, drama_id=kr, score=3)
    await store.rate(
        user_id=BOB, guild_id=GUILD_A, drama_id=jp, score=4, episode=1
    )  # an episode: not counted
    everyone = {t.drama_id: (t.count, t.halves) for t in await store.chart_tallies(0)}
    assert everyone == {kr: (2, 16)}
    assert [(t.drama_id, t.count) for t in await store.chart_tallies(GUILD_B)] == [(kr, 1)]
    await store.rate(user_id=ALICE, guild_id=GUILD_A, drama_id=jp, score=2)
    assert {t.drama_id for t in await store.chart_tallies(0, country="JP")} == {jp}
    assert {t.drama_id for t in await store.chart_tallies(0, year=2016)} == {kr}
    assert {t.drama_id for t in await store.chart_tallies(0, genre="romance")} == {kr}
    assert await store.chart_tallies(0, genre="Horror") == []


async def test_shared_scores_are_drama_level_and_shared_only(store, add_drama):
    a, b, c = [await add_drama(s) for s in ("a", "b", "c")]
    await store.rate(user_id=ALICE, guild_id=GUILD_A, drama_id=a, score=4)
    await store.rate(user_id=ALICE, guild_id=GUILD_A, drama_id=b, score=2.5)
    await store.rate(user_id=BOB, guild_id=GUILD_B, drama_id=a, score=3)
    await store.rate(user_id=BOB, guild_id=GUILD_B, drama_id=b, score=1, episode=2)
    await store.rate(user_id=BOB, guild_id=GUILD_B, drama_id=c, score=5)
    assert await store.shared_scores(ALICE, BOB) == ({a: 4.0}, {a: 3.0})
    assert await store.shared_scores(BOB, ALICE) == ({a: 3.0}, {a: 4.0})


async def test_profile_figures(store, add_drama):
    ids = [await add_drama(f"p{i}", genres=g) for i, g in enumerate(
        [("Romance",), ("Romance", "Comedy"), ("Thriller",), ("Comedy",), ("Romance",), ("Horror",), ("Fantasy",)]
    )]  # fmt: skip
    for drama, score in zip(ids[:6], (5, 4.5, 4.5, 3, 1, 0.5), strict=True):
        await store.rate(user_id=ALICE, guild_id=GUILD_A, drama_id=drama, score=score)
    await store.set_watch(
        user_id=ALICE, guild_id=GUILD_A, drama_id=ids[6], status="plan"
    )  # planned: not watched
    await store.set_watch(user_id=ALICE, guild_id=GUILD_A, drama_id=ids[0], status="completed")
    profile = await store.profile(ALICE)
    assert (profile.statuses["plan"], profile.statuses["completed"], profile.statuses["watching"]) == (
        1,
        1,
        0,
    )
    assert profile.ratings == 6 and profile.mean == (5 + 4.5 + 4.5 + 3 + 1 + 0.5) / 6
    assert profile.histogram == (1, 1, 0, 0, 0, 1, 0, 0, 2, 1)
    assert profile.genres[:2] == (("Romance", 3), ("Comedy", 2)) and ("Fantasy", 1) not in profile.genres
    assert len(profile.recent) == 5 and {r.drama_id for r in profile.recent} <= set(ids[:6])
    empty = await store.profile(BOB)
    assert (empty.ratings, empty.mean, empty.histogram, empty.genres, empty.recent) == (
        0,
        None,
        (0,) * 10,
        (),
        (),
    )

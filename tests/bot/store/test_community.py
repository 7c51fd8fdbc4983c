"""/top's tallies, /match's shared scores and /profile's figures in the store, on both backends."""

from __future__ import annotations

from tests.bot.store.oracles import tallies
from tests.bot.store.test_store import GUILD_A, GUILD_B

ALICE, BOB = 1001, 1002


async def test_scope_tallies_by_scope_and_filters(store, add_drama):
    kr = await add_drama("kr", country="KR", year=2016, genres=("Romance", "Fantasy"))
    jp = await add_drama("jp", country="JP", year=2020, genres=("Mystery",))
    await store.ratings.rate(user_id=ALICE, guild_id=GUILD_A, drama_id=kr, score=5)
    await store.ratings.rate(user_id=BOB, guild_id=GUILD_B, drama_id=kr, score=3)
    await store.ratings.rate(
        user_id=BOB, guild_id=GUILD_A, drama_id=jp, score=4, episode=1
    )  # an episode: not counted
    everyone = {t.drama_id: (t.count, t.halves) for t in await tallies(store, 0)}
    assert everyone == {kr: (2, 16)}
    assert [(t.drama_id, t.count) for t in await tallies(store, GUILD_B)] == [(kr, 1)]
    await store.ratings.rate(user_id=ALICE, guild_id=GUILD_A, drama_id=jp, score=2)
    assert {t.drama_id for t in await tallies(store, 0, country="JP")} == {jp}
    assert {t.drama_id for t in await tallies(store, 0, year=2016)} == {kr}
    assert {t.drama_id for t in await tallies(store, 0, genre="romance")} == {kr}
    assert await tallies(store, 0, genre="Horror") == []


async def test_shared_scores_are_drama_level_and_shared_only(store, add_drama):
    a, b, c = [await add_drama(s) for s in ("a", "b", "c")]
    await store.ratings.rate(user_id=ALICE, guild_id=GUILD_A, drama_id=a, score=4)
    await store.ratings.rate(user_id=ALICE, guild_id=GUILD_A, drama_id=b, score=2.5)
    await store.ratings.rate(user_id=BOB, guild_id=GUILD_B, drama_id=a, score=3)
    await store.ratings.rate(user_id=BOB, guild_id=GUILD_B, drama_id=b, score=1, episode=2)
    await store.ratings.rate(user_id=BOB, guild_id=GUILD_B, drama_id=c, score=5)
    assert await store.community.shared_scores(ALICE, BOB) == [(a, 8, 6)]  # half stars
    assert await store.community.shared_scores(BOB, ALICE) == [(a, 6, 8)]


async def test_profile_figures(store, add_drama):
    ids = [await add_drama(f"p{i}", genres=g) for i, g in enumerate(
        [("Romance",), ("Romance", "Comedy"), ("Thriller",), ("Comedy",), ("Romance",), ("Horror",), ("Fantasy",)]
    )]  # fmt: skip
    for drama, score in zip(ids[:6], (5, 4.5, 4.5, 3, 1, 0.5), strict=True):
        await store.ratings.rate(user_id=ALICE, guild_id=GUILD_A, drama_id=drama, score=score)
    await store.watchlists.set(
        user_id=ALICE, guild_id=GUILD_A, drama_id=ids[6], status="plan"
    )  # planned: not watched
    await store.watchlists.set(user_id=ALICE, guild_id=GUILD_A, drama_id=ids[0], status="completed")
    profile = await store.community.profile(ALICE)
    assert (profile.statuses["plan"], profile.statuses["completed"], profile.statuses["watching"]) == (
        1,
        1,
        0,
    )
    assert profile.ratings == 6 and profile.mean == (5 + 4.5 + 4.5 + 3 + 1 + 0.5) / 6
    assert profile.histogram == (1, 1, 0, 0, 0, 1, 0, 0, 2, 1)
    assert profile.genres[:2] == (("Romance", 3), ("Comedy", 2)) and ("Fantasy", 1) not in profile.genres
    assert len(profile.recent) == 5 and {r.drama_id for r in profile.recent} <= set(ids[:6])
    empty = await store.community.profile(BOB)
    assert (empty.ratings, empty.mean, empty.histogram, empty.genres, empty.recent) == (
        0,
        None,
        (0,) * 10,
        (),
        (),
    )


async def reference_profile(store, user_id):
    """/profile's figures as first written: one SQL read each, genres from every watched drama's row."""
    import json
    from collections import Counter

    db = store.community._db
    histogram = await db.fetch(
        "SELECT halves, COUNT(*) AS n FROM ratings WHERE user_id = ? AND episode = 0 GROUP BY halves",
        (user_id,),
    )
    recent = await db.fetch(
        "SELECT r.drama_id, d.title, r.halves FROM ratings r JOIN dramas d ON d.id = r.drama_id "
        "WHERE r.user_id = ? AND r.episode = 0 ORDER BY r.updated_at DESC, r.drama_id DESC LIMIT 5",
        (user_id,),
    )
    watched = await db.fetch(
        "SELECT d.genres FROM dramas d WHERE d.id IN (SELECT drama_id FROM watchlist WHERE user_id = ? AND "
        "status <> 'plan' UNION SELECT drama_id FROM ratings WHERE user_id = ? AND episode = 0)",
        (user_id, user_id),
    )
    bins = [0] * 10
    for r in histogram:
        bins[r["halves"] - 1] = r["n"]
    genres = Counter(
        g
        for r in watched
        for g in set(r["genres"] if isinstance(r["genres"], list) else json.loads(r["genres"]))
    )
    top = tuple(sorted(genres.items(), key=lambda gn: (-gn[1], gn[0].casefold(), gn[0]))[:5])
    return tuple(bins), top, tuple((r["drama_id"], r["title"], r["halves"] / 2) for r in recent)


async def test_profile_equals_the_reference_reads(store, add_drama):
    import random

    rng = random.Random(5)
    spellings = ("Romance", "romance", "Comedy", "Thriller", "Mystery", "Medical", "Legal", "Family")
    ids = [
        await add_drama(f"r{i}", genres=tuple(rng.sample(spellings, rng.randint(0, 3)))) for i in range(30)
    ]
    for user in (ALICE, BOB):
        for drama in rng.sample(ids, 20):
            await store.ratings.rate(
                user_id=user, guild_id=GUILD_A, drama_id=drama, score=rng.randint(1, 10) / 2
            )
        for drama in rng.sample(ids, 12):
            status = rng.choice(("watching", "completed", "plan", "on_hold", "dropped"))
            await store.watchlists.set(user_id=user, guild_id=GUILD_A, drama_id=drama, status=status)
        # rated again: newest
        await store.ratings.rate(user_id=user, guild_id=GUILD_A, drama_id=ids[3], score=2.5)
    for user in (ALICE, BOB, 4242):
        profile = await store.community.profile(user)
        bins, genres, recent = await reference_profile(store, user)
        assert profile.histogram == bins and profile.genres == genres, user
        assert tuple((r.drama_id, r.title, r.score) for r in profile.recent) == recent, user
    assert (await store.community.profile(ALICE)).recent[0].drama_id == ids[3]


async def test_shared_scores_equal_the_reference_on_random_data(store, add_drama):
    """/match's SQL join (only the shared pairs come back) gives what reading both members' whole drama-level
    ratings into Python and intersecting them gives, and so the same taste match, on random data."""
    import random

    from bot.community import taste

    rng = random.Random(12)
    ids = [await add_drama(f"m{i}") for i in range(40)]
    users = (ALICE, BOB, 1003, 1004)
    for user, count in zip(users, (30, 25, 8, 0), strict=True):
        for drama in rng.sample(ids, count):
            await store.ratings.rate(
                user_id=user, guild_id=GUILD_A, drama_id=drama, score=rng.randint(1, 10) / 2
            )
        for drama in rng.sample(ids, 10):  # episode scores never count
            await store.ratings.rate(
                user_id=user, guild_id=GUILD_B, drama_id=drama, score=rng.randint(1, 10) / 2, episode=1
            )
    await store.ratings.rate(user_id=ALICE, guild_id=GUILD_A, drama_id=ids[0], score=0.5)  # rated again
    await store.ratings.rate(user_id=BOB, guild_id=GUILD_A, drama_id=ids[0], score=5)

    async def everything(user):
        rows = await store.community._db.fetch(
            "SELECT drama_id, halves FROM ratings WHERE user_id = ? AND episode = 0", (user,)
        )
        return {r["drama_id"]: r["halves"] / 2 for r in rows}

    for a in users:
        for b in users:
            if a == b:
                continue
            mine, theirs = await everything(a), await everything(b)
            expected = sorted((i, round(mine[i] * 2), round(theirs[i] * 2)) for i in mine.keys() & theirs.keys())
            got = await store.community.shared_scores(a, b)
            assert sorted(got) == expected, (a, b)
            assert taste.match_halves(got) == taste.match(mine, theirs), (a, b)
    assert len(await store.community.shared_scores(ALICE, BOB)) >= 5, "the data has a match to compare"


async def test_match_scores_kept_follow_ratings_erasure_and_removal_at_once(store, add_drama):
    """/match keeps the members it compared; this process's writes show at once, and a removed drama
    leaves both members' scores."""
    a, b = await add_drama("kept-a"), await add_drama("kept-b")
    await store.ratings.rate(user_id=ALICE, guild_id=GUILD_A, drama_id=a, score=4)
    await store.ratings.rate(user_id=BOB, guild_id=GUILD_A, drama_id=a, score=3)
    assert await store.community.shared_scores(ALICE, BOB) == [(a, 8, 6)]
    await store.ratings.rate(user_id=BOB, guild_id=GUILD_A, drama_id=a, score=5)
    await store.ratings.rate(user_id=ALICE, guild_id=GUILD_B, drama_id=b, score=1)
    await store.ratings.rate(user_id=BOB, guild_id=GUILD_B, drama_id=b, score=2)
    assert sorted(await store.community.shared_scores(ALICE, BOB)) == [(a, 8, 10), (b, 2, 4)]
    await store.curation.curate(
        "kept-b", lambda record: None, action="remove", actor_id=1, actor_name="c", guild_id=None
    )
    assert await store.community.shared_scores(ALICE, BOB) == [(a, 8, 10)]
    await store.erasure.erase(BOB)
    assert await store.community.shared_scores(ALICE, BOB) == []

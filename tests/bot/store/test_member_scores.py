"""/match's members' scores kept in memory (bot/store/memberscores.py), on both backends:
Community.shared_scores always equals the reference read straight from the database, however the members
were kept, and writes (this process's ratings, erased data, a removed drama, another process's ratings)
show as promised."""

from __future__ import annotations

import asyncio
import random

import pytest

from bot.store import Store

from tests.bot.store.test_store import GUILD_A, GUILD_B

ALICE, BOB, CAROL = 1001, 1002, 1003


async def reference(store: Store, a: int, b: int) -> list[tuple[int, int, int]]:
    rows = await store.community._db.fetch(
        "SELECT x.drama_id, x.halves, y.halves FROM ratings x JOIN ratings y ON y.drama_id = x.drama_id "
        "AND y.episode = 0 AND y.user_id = ? WHERE x.user_id = ? AND x.episode = 0 "
        "AND x.drama_id NOT IN (SELECT id FROM dramas WHERE hidden_at IS NOT NULL)",  # removed: not shown
        (b, a),
    )
    return sorted((r[0], r[1], r[2]) for r in rows)


async def shared(store: Store, a: int, b: int) -> list[tuple[int, int, int]]:
    return sorted(await store.community.shared_scores(a, b))


async def seed(store, add_drama) -> list[int]:
    rng = random.Random(7)
    ids = [await add_drama(f"ms-{i}") for i in range(30)]
    for user, count in ((ALICE, 25), (BOB, 20), (CAROL, 12)):
        for drama in rng.sample(ids, count):
            await store.ratings.rate(
                user_id=user, guild_id=GUILD_A, drama_id=drama, score=rng.randint(1, 10) / 2
            )
            # not counted
            await store.ratings.rate(user_id=user, guild_id=GUILD_B, drama_id=drama, score=3, episode=1)
    return ids


async def test_kept_members_give_the_reference_and_are_read_once(store, add_drama):
    await seed(store, add_drama)
    members = store.community.members
    expected = await reference(store, ALICE, BOB)
    assert len(expected) >= 5
    assert await shared(store, ALICE, BOB) == expected  # both read, in one query
    assert (members.reads, members.kept) == (2, 2)
    assert await shared(store, BOB, ALICE) == sorted((i, y, x) for i, x, y in expected)
    assert await shared(store, ALICE, CAROL) == await reference(store, ALICE, CAROL)
    assert (members.reads, members.kept) == (3, 3)  # only Carol was read
    assert await shared(store, ALICE, 4242) == []  # a member with no ratings
    assert await shared(store, 4242, 4243) == []


async def test_this_process_ratings_and_erased_data_show_at_once(store, add_drama):
    ids = await seed(store, add_drama)
    members = store.community.members
    await shared(store, ALICE, BOB)
    drama = next(i for i, _, _ in await reference(store, ALICE, BOB))
    await store.ratings.rate(user_id=ALICE, guild_id=GUILD_A, drama_id=drama, score=0.5)  # changed
    both = {d for d, _, _ in await reference(store, ALICE, BOB)}
    fresh = next(i for i in ids if i not in both)
    await store.ratings.rate(user_id=BOB, guild_id=None, drama_id=fresh, score=5)  # a new one
    await store.ratings.rate(user_id=ALICE, guild_id=None, drama_id=fresh, score=4)
    # an episode: no drop
    await store.ratings.rate(user_id=CAROL, guild_id=None, drama_id=fresh, score=2, episode=2)
    assert (drama, 1) in {(d, x) for d, x, _ in await shared(store, ALICE, BOB)}
    assert await shared(store, ALICE, BOB) == await reference(store, ALICE, BOB)
    assert (fresh, 8, 10) in await shared(store, ALICE, BOB)
    await store.erasure.erase(BOB)
    assert await shared(store, ALICE, BOB) == [] == await reference(store, ALICE, BOB)
    assert members.kept == 2  # Alice, and Bob with nothing


async def test_a_removed_drama_leaves_every_kept_member(store, add_drama):
    """A drama removed through the catalogue is hidden, its ratings no longer shown (they stay, for restore):
    the catalogue's rev moves, and the kept members are read again."""
    await seed(store, add_drama)
    before = await shared(store, ALICE, BOB)
    gone = before[0][0]
    slug = (await store.catalogue.get_dramas([gone]))[gone].slug
    await store.curation.curate(
        slug, lambda record: None, action="remove", actor_id=1, actor_name="t", guild_id=None
    )
    after = await shared(store, ALICE, BOB)
    assert gone not in {d for d, _, _ in after}
    assert after == await reference(store, ALICE, BOB) == before[1:]


async def test_a_read_in_flight_when_a_write_commits_is_not_kept(store, add_drama, monkeypatch):
    await seed(store, add_drama)
    members = store.community.members
    db = store.community._db
    reading, release = asyncio.Event(), asyncio.Event()
    method = "stream" if db.dialect == "sqlite" else "fetch"
    real = getattr(db, method)

    async def slow(*args, **kwargs):
        reading.set()
        await release.wait()
        return await real(*args, **kwargs)

    monkeypatch.setattr(db, method, slow)
    match = asyncio.create_task(store.community.shared_scores(ALICE, CAROL))
    await reading.wait()
    members.wrote([CAROL])  # as Ratings reports a committed batch with Carol's rating
    release.set()
    await match
    monkeypatch.setattr(db, method, real)
    assert members.kept == 1  # Alice only: Carol's read may predate her write
    reads = members.reads
    assert await shared(store, ALICE, CAROL) == await reference(store, ALICE, CAROL)
    assert members.reads == reads + 1


async def test_other_processes_ratings_show_by_age(store, add_drama, store_location):
    """Another process's ratings (another Store on the same database): on SQLite there is none in a running
    cluster, so members are kept until dropped; with `refresh` and `max_age` (PostgreSQL's defaults are 30 s
    and 60 s, as for /top) they show once a kept member is that old."""
    ids = await seed(store, add_drama)
    members = store.community.members
    before = await shared(store, ALICE, BOB)
    if store.backend == "sqlite":
        assert members.refresh == members.max_age == float("inf")
    else:
        assert (members.refresh, members.max_age) == (30.0, 60.0)
    new = next(i for i in ids if i not in {d for d, _, _ in before})
    other = await Store.open(store_location)
    try:
        await other.ratings.rate(user_id=ALICE, guild_id=None, drama_id=new, score=1)
        await other.ratings.rate(user_id=BOB, guild_id=None, drama_id=new, score=1)
    finally:
        await other.close()
    assert await shared(store, ALICE, BOB) == before  # kept as it is
    members.refresh = 0.0
    assert await shared(store, ALICE, BOB) == before  # served, and read again in the background
    await members.settled()
    assert await shared(store, ALICE, BOB) == await reference(store, ALICE, BOB) != before
    members.refresh, members.max_age = 60.0, 0.0  # every use reads first
    await members.settled()  # the background read the last use started (refresh was 0)
    reads = members.reads
    assert await shared(store, ALICE, BOB) == await reference(store, ALICE, BOB)
    assert members.reads == reads + 2


async def test_bounded_by_members_and_scores(store, add_drama):
    await seed(store, add_drama)
    members = store.community.members
    members.keep = 2
    await shared(store, ALICE, BOB)
    await shared(store, CAROL, ALICE)  # Alice used last, then Carol read: Bob is dropped
    assert members.kept == 2
    reads = members.reads
    await shared(store, ALICE, CAROL)
    assert members.reads == reads
    members.keep, members.keep_scores = 10, 30  # at most 30 scores: Carol 12, Alice 25, Bob 20
    await shared(store, ALICE, BOB)  # Bob read: Carol (used least recently), then Alice, dropped
    assert list(members._kept) == [BOB] and members._scores == 20
    assert await shared(store, CAROL, BOB) == await reference(store, CAROL, BOB)


async def test_closing_stops_background_reads(store, add_drama):
    await seed(store, add_drama)
    members = store.community.members
    await shared(store, ALICE, BOB)
    members.refresh = 0.0
    members._in_turn = asyncio.Semaphore(0)  # the background read would wait forever
    await shared(store, ALICE, BOB)
    assert members._refreshing
    await store.close()
    assert not members._refreshing and members.kept == 0


async def test_profile_counts_the_kept_scores_and_follows_writes(store, add_drama):
    """/profile's histogram, count, mean and genres come from the kept scores: after a rating they are this
    member's scores as the database has them."""
    ids = await seed(store, add_drama)

    async def expected(user):
        rows = await store.community._db.fetch(
            "SELECT halves FROM ratings WHERE user_id = ? AND episode = 0", (user,)
        )
        halves = [r[0] for r in rows]
        return len(halves), tuple(halves.count(h) for h in range(1, 11)), sum(halves) / len(halves) / 2

    first = await store.community.profile(ALICE)
    assert (first.ratings, first.histogram, first.mean) == await expected(ALICE)
    assert store.community.members.kept == 1
    kept = store.community.members.kept_scores(ALICE)
    new = next(i for i in ids if i not in kept)
    await store.ratings.rate(user_id=ALICE, guild_id=None, drama_id=new, score=0.5)
    after = await store.community.profile(ALICE)
    assert (after.ratings, after.histogram, after.mean) == await expected(ALICE)
    assert after.ratings == first.ratings + 1 and after.recent[0].drama_id == new
    await store.erasure.erase(ALICE)
    erased = await store.community.profile(ALICE)
    assert (erased.ratings, erased.histogram, erased.mean, erased.genres) == (0, (0,) * 10, None, ())


async def reference_profile(store: Store, user: int):
    """/profile's figures straight from the database: statuses, drama-level ratings, the genres of the
    watched dramas (rated, or on the list and not just planned), the last five rated."""
    from collections import Counter

    from bot.store.rows import genres

    db = store.community._db
    listed = [tuple(r) for r in await db.fetch("SELECT drama_id, status FROM watchlist WHERE user_id = ?", (user,))]
    rated = [tuple(r) for r in await db.fetch(
        "SELECT r.drama_id, r.halves, r.updated_at, d.title FROM ratings r JOIN dramas d ON d.id = r.drama_id "
        "WHERE r.user_id = ? AND r.episode = 0", (user,))]  # fmt: skip
    watched = {d for d, _h, _at, _t in rated} | {d for d, status in listed if status != "plan"}
    counts: Counter[str] = Counter()
    for r in await db.fetch("SELECT id, genres FROM dramas"):
        if r[0] in watched:
            counts.update(dict.fromkeys(genres(r[1]), 1))
    halves = [h for _d, h, _at, _t in rated]
    last = sorted(rated, key=lambda r: (r[2], r[0]), reverse=True)[:5]
    return (
        dict(Counter(status for _d, status in listed)),
        len(halves),
        sum(halves) / len(halves) / 2 if halves else None,
        tuple(halves.count(h) for h in range(1, 11)),
        tuple(sorted(counts.items(), key=lambda gn: (-gn[1], gn[0].casefold(), gn[0]))[:5]),
        tuple((d, t, h / 2) for d, h, _at, t in last),
    )


def figures(profile):
    return (
        {s: n for s, n in profile.statuses.counts.items() if n},
        profile.ratings,
        profile.mean,
        profile.histogram,
        profile.genres,
        tuple((r.drama_id, r.title, r.score) for r in profile.recent),
    )


@pytest.mark.parametrize("quick_rows", [200, 3])  # SQLite: read on the loop's thread, or on the reader's
async def test_profile_equals_the_reference_kept_or_not_through_list_and_rating_changes(
    store, add_drama, monkeypatch, quick_rows
):
    from bot.store import community

    monkeypatch.setattr(community, "QUICK_ROWS", quick_rows)
    rng = random.Random(5)
    kinds = ("Romance", "Thriller", "Comedy", "romance", "Fantasy", "Medical", "Horror")
    ids = [await add_drama(f"pf-{i}", genres=tuple(rng.sample(kinds, rng.randint(0, 3)))) for i in range(40)]
    statuses = ("watching", "completed", "plan", "on_hold", "dropped")
    for drama in rng.sample(ids, 18):
        await store.watchlists.set(
            user_id=ALICE, guild_id=GUILD_A, drama_id=drama, status=rng.choice(statuses)
        )
    for drama in rng.sample(ids, 22):
        await store.ratings.rate(
            user_id=ALICE, guild_id=GUILD_A, drama_id=drama, score=rng.randint(1, 10) / 2
        )
    members = store.community.members
    for step in range(12):
        assert figures(await store.community.profile(ALICE)) == await reference_profile(store, ALICE), step
        assert members.kept_scores(ALICE) is not None  # kept after the first /profile (and after each drop)
        # kept
        assert figures(await store.community.profile(ALICE)) == await reference_profile(store, ALICE), step
        drama = rng.choice(ids)
        if step % 3 == 0:  # the list changes: the scores stay kept, the list is read each time
            await store.watchlists.set(
                user_id=ALICE, guild_id=GUILD_A, drama_id=drama, status=rng.choice(statuses)
            )
        elif step % 3 == 1:  # a drama not rated yet, with genres: the rated dramas' genre counts change
            rated = members.kept_scores(ALICE)
            dramas = await store.catalogue.get_dramas(ids)
            drama = next(d for d in ids if d not in rated and dramas[d].genres)
            await store.ratings.rate(
                user_id=ALICE, guild_id=GUILD_B, drama_id=drama, score=rng.randint(1, 10) / 2
            )
        else:
            await store.watchlists.remove(user_id=ALICE, drama_id=drama)

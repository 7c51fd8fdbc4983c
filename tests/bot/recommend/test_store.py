"""/recommend through the store, on both backends: the rebuild writes what the pure build gives and every
store reads it back; the rebuild trigger; the answer (ranked picks with the member's own scores as reasons,
the chart for a member with fewer than 3 scores, scope this server, the filters) and its bad input."""

from __future__ import annotations

import pytest

from bot.errors import UserError
from bot.recommend import knn
from bot.recommend.answer import CHART, MIN_SCORES, RATED, TASTE, Entry, recommendations
from bot.store import Store
from bot.store import recommend as recommend_store

GUILD, OTHER = 501, 502
ALICE = 1001  # the member asking
# Members 1..6: three like the "sweet" dramas 0-2 and dislike the "dark" ones 3-5; three the other way round.
# Drama 6 is loved by the sweet members, drama 7 by the dark ones; the members of OTHER rate drama 8 highly.
SWEET = {0: 5, 1: 4.5, 2: 4.5, 3: 1.5, 4: 1, 5: 2, 6: 5}
DARK = {0: 1.5, 1: 1, 2: 2, 3: 5, 4: 4.5, 5: 4.5, 7: 5}
COUNTRIES = ("KR", "KR", "JP", "KR", "JP", "KR", "KR", "JP", "KR", "KR")
GENRES = (("Romance",), ("Romance", "Comedy"), ("Comedy",), ("Thriller",), ("Thriller",), ("Crime",),
          ("Romance",), ("Thriller",), ("Romance",), ("Comedy",))  # fmt: skip


async def seed(store: Store, add_drama) -> list[int]:
    ids = [
        await add_drama(f"rec-{i}", title=f"Drama {i}", country=COUNTRIES[i], genres=GENRES[i])
        for i in range(10)
    ]
    for member in range(1, 7):
        pattern = SWEET if member <= 3 else DARK
        for i, score in pattern.items():
            await store.ratings.rate(user_id=member, guild_id=GUILD, drama_id=ids[i], score=score)
    for member in range(11, 15):  # another server's members: drama 8 and 9
        for i, score in ((8, 5), (9, 4), (0, 4.5)):
            await store.ratings.rate(user_id=member, guild_id=OTHER, drama_id=ids[i], score=score)
    await store.watchlists.set_private(2, True)  # a private member's scores still count (anonymously)
    return ids


async def test_rebuild_writes_the_pure_build_and_another_process_reads_it(store, add_drama, store_location):
    ids = await seed(store, add_drama)
    built = await store.recommend.rebuild()
    rows = []
    for member in range(1, 7):
        pattern = SWEET if member <= 3 else DARK
        rows += sorted((member, ids[i], int(s * 2)) for i, s in pattern.items())
    for member in range(11, 15):
        rows += sorted((member, ids[i], int(s * 2)) for i, s in ((8, 5), (9, 4), (0, 4.5)))
    rows.sort(key=lambda r: (r[0], r[1]))
    mean = sum(r[2] for r in rows) / len(rows)
    expected = knn.build(rows, mean)
    assert (built.ratings, built.dramas, built.neighbours) == (len(rows), len(expected.index), len(expected))
    assert built.mean == pytest.approx(mean)
    other = await Store.open(store_location)  # another process: reads the table
    try:
        read = await other.recommend.neighbours()
        assert read.index.keys() == expected.index.keys()
        for drama in expected.index:
            assert [(j, pytest.approx(s, rel=1e-6), n) for j, s, n in read.of(drama)] == expected.of(drama)
        assert read.mean == pytest.approx(mean)
        # The sweet dramas are each other's closest neighbours; the dark ones, watched by the same members
        # with opposite scores, come after.
        sims = {j: s for j, s, _ in read.of(ids[0])}
        assert min(sims[ids[1]], sims[ids[2]]) > max(sims.get(ids[k], 0) for k in (3, 4, 5))
    finally:
        await other.close()


async def test_a_rebuild_is_due_once_enough_scores_changed(store, add_drama, monkeypatch):
    monkeypatch.setattr(recommend_store, "REBUILD_MIN", 3)
    ids = await seed(store, add_drama)
    assert await store.recommend.due()  # never built
    built = await store.recommend.rebuild()
    assert not await store.recommend.due()
    await store.ratings.rate(user_id=ALICE, guild_id=GUILD, drama_id=ids[0], score=5)
    await store.ratings.rate(user_id=ALICE, guild_id=GUILD, drama_id=ids[1], score=4)
    await store.ratings.rate(user_id=ALICE, guild_id=GUILD, drama_id=ids[1], score=4)  # the same: no change
    await store.ratings.rate(user_id=ALICE, guild_id=GUILD, drama_id=ids[2], score=2, episode=1)  # an episode
    assert await store.recommend.changed_since(built) == 2 and not await store.recommend.due()
    await store.ratings.rate(user_id=1, guild_id=GUILD, drama_id=ids[0], score=2)  # a score changed
    assert await store.recommend.due()
    await store.recommend.rebuild()
    assert not await store.recommend.due()
    await store.erasure.erase(1)  # 7 scores removed: counted
    assert await store.recommend.due()


async def test_recommendations_rank_neighbours_with_the_members_own_reasons(store, add_drama):
    ids = await seed(store, add_drama)
    await store.recommend.rebuild()
    for i, score in ((0, 5), (1, 4.5), (3, 1)):
        await store.ratings.rate(user_id=ALICE, guild_id=GUILD, drama_id=ids[i], score=score)
    await store.watchlists.set(user_id=ALICE, guild_id=GUILD, drama_id=ids[9], status="plan")
    recs = await recommendations(store, ALICE, GUILD, server=False)
    assert not recs.fallback and recs.scores == 3
    first = recs.entries[0]
    # the third sweet drama, backed by her sweet scores
    assert (first.drama_id, first.reason) == (ids[2], RATED)
    assert set(dict(first.because)) <= {ids[0], ids[1]} and dict(first.because)[ids[0]] == 5.0
    shown = [e.drama_id for e in recs.entries]
    assert not set(shown) & {ids[0], ids[1], ids[3], ids[9]}  # rated or listed: never
    ranked = [e.drama_id for e in recs.entries if e.reason != CHART]
    assert ids[6] in ranked and ids[7] not in ranked  # the sweet members' favourite, not the dark ones'
    for e in recs.entries:
        assert e.reason in (RATED, TASTE, CHART)
        assert all(d in (ids[0], ids[1]) for d, _ in e.because)  # only her own scores, at or above her usual
    assert recs.dramas[ids[2]].title == "Drama 2"

    kr = await recommendations(store, ALICE, GUILD, server=False, country="KR")
    assert {e.drama_id for e in kr.entries} <= {ids[i] for i, c in enumerate(COUNTRIES) if c == "KR"}
    comedy = await recommendations(store, ALICE, GUILD, server=False, genre="comedy")
    assert [e.drama_id for e in comedy.entries] == [ids[2]]  # drama 9 is listed

    here = await recommendations(store, ALICE, GUILD, server=True)
    # This server loves what its members rate at or above its mean: never OTHER's dramas 8 and 9.
    assert here.server and not {e.drama_id for e in here.entries} & {ids[8], ids[9]}
    there = await recommendations(store, ALICE, OTHER, server=True)
    # OTHER loves 8 (5 stars, over its mean 4.5) and 0 (4.5, which she rated), not 9 (4): 8, for her 5 on 0.
    assert there.entries == (Entry(ids[8], RATED, ((ids[0], 5.0),)),)


async def test_fewer_than_three_scores_get_the_chart_without_what_they_listed(store, add_drama):
    ids = await seed(store, add_drama)
    await store.recommend.rebuild()
    await store.ratings.rate(user_id=ALICE, guild_id=GUILD, drama_id=ids[8], score=4)
    await store.watchlists.set(user_id=ALICE, guild_id=GUILD, drama_id=ids[0], status="completed")
    recs = await recommendations(store, ALICE, GUILD, server=False)
    assert recs.fallback and recs.scores == 1 and MIN_SCORES == 3
    chart, page = await store.community.top.page(0, 1)
    expected = [r.drama_id for r in page.items if r.drama_id not in (ids[0], ids[8])]
    assert [e.drama_id for e in recs.entries] == expected[:10]
    assert all(e.reason == CHART and e.count >= 3 for e in recs.entries)
    by_id = {r.drama_id: r for r in page.items}
    assert [(e.average, e.count) for e in recs.entries] == [
        (by_id[e.drama_id].average, by_id[e.drama_id].count) for e in recs.entries
    ]
    listed_only = 2002
    await store.watchlists.set(user_id=listed_only, guild_id=None, drama_id=ids[1], status="plan")
    assert (await recommendations(store, listed_only, None, server=False)).fallback


async def test_bad_input_gets_a_clear_error_and_nothing_is_stored(store, add_drama, raw):
    ids = await seed(store, add_drama)
    await store.recommend.rebuild()
    before = await raw.fetch("SELECT COUNT(*) FROM drama_neighbours")
    with pytest.raises(UserError) as no_data:
        await recommendations(store, ALICE, GUILD, server=False)
    assert no_data.value.key == "recommend.no_data"
    await store.ratings.rate(user_id=ALICE, guild_id=None, drama_id=ids[0], score=5)
    with pytest.raises(UserError) as dm:
        await recommendations(store, ALICE, None, server=True)  # a DM: no server
    assert dm.value.key == "recommend.no_server"
    with pytest.raises(UserError) as nothing:
        await recommendations(store, ALICE, GUILD, server=False, genre="Documentary")
    assert nothing.value.key == "recommend.nothing"
    young = 4_000  # a member of a community where no drama they have not seen has enough ratings yet
    await store.ratings.rate(user_id=young, guild_id=None, drama_id=ids[0], score=4)
    for drama_id in ids[1:]:
        await store.watchlists.set(user_id=young, guild_id=None, drama_id=drama_id, status="plan")
    with pytest.raises(UserError) as nothing_yet:
        await recommendations(store, young, GUILD, server=False)  # no filter: not "try without a filter"
    assert nothing_yet.value.key == "recommend.nothing_yet"
    with pytest.raises(UserError) as server_nothing:
        await recommendations(store, ALICE, 999, server=True)  # a server with no ratings
    assert server_nothing.value.key == "recommend.nothing_server"
    assert await raw.fetch("SELECT COUNT(*) FROM drama_neighbours") == before

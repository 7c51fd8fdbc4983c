"""Watch lists, privacy and delete-my-data in the store, on both backends (the `store` fixture)."""

from __future__ import annotations

import asyncio

import pytest

from bot.store.watchlists import WATCH_PAGE
from tests.bot.store.readbacks import community_scores, status_counts
from tests.bot.store.test_store import FRESH_TOTALS, GUILD_A, GUILD_B

ALICE, BOB = 1001, 1002


async def test_set_show_and_remove(store, add_drama):
    drama = await add_drama("goblin", episode_count=16)
    now, before = await store.watchlists.set(
        user_id=ALICE, guild_id=GUILD_A, drama_id=drama, status="watching", episode=7
    )
    assert before is None
    assert (now.status, now.progress, now.episode_count, now.score) == ("watching", 7, 16, None)
    await store.ratings.rate(user_id=ALICE, guild_id=GUILD_A, drama_id=drama, score=4.5)
    again, before = await store.watchlists.set(
        user_id=ALICE, guild_id=GUILD_A, drama_id=drama, status="on_hold"
    )
    assert before.status == "watching" and (again.status, again.progress, again.score) == ("on_hold", 7, 4.5)
    page = await store.watchlists.page(ALICE)
    assert page.total == 1 and page.pages == 1 and page.entries[0].title == "Goblin"
    assert (await store.watchlists.page(ALICE, "completed")).total == 0
    removed = await store.watchlists.remove(user_id=ALICE, drama_id=drama)
    assert removed is not None and removed.status == "on_hold"
    assert await store.watchlists.remove(user_id=ALICE, drama_id=drama) is None
    assert (await store.watchlists.page(ALICE)).total == 0


async def test_completed_sets_the_last_episode_and_progress_is_bounded(store, add_drama):
    drama = await add_drama("short", episode_count=4)
    now, _ = await store.watchlists.set(user_id=ALICE, guild_id=None, drama_id=drama, status="completed")
    assert now.progress == 4
    with pytest.raises(ValueError, match="episode must be"):
        await store.watchlists.set(user_id=ALICE, guild_id=None, drama_id=drama, status="watching", episode=5)
    with pytest.raises(ValueError, match="unknown watch status"):
        await store.watchlists.set(user_id=ALICE, guild_id=None, drama_id=drama, status="binged")
    with pytest.raises(LookupError):
        await store.watchlists.set(user_id=ALICE, guild_id=None, drama_id=drama + 999, status="watching")
    entry = await store.watchlists.entry(user_id=ALICE, drama_id=drama)
    assert (entry.status, entry.progress) == ("completed", 4)  # the refused calls stored nothing


async def test_rating_an_episode_raises_progress_and_sets_watching(store, add_drama):
    drama = await add_drama("long", episode_count=16)
    await store.ratings.rate(user_id=ALICE, guild_id=GUILD_A, drama_id=drama, score=4, episode=3)
    entry = await store.watchlists.entry(user_id=ALICE, drama_id=drama)
    assert (entry.status, entry.progress) == ("watching", 3)
    # lower: kept
    await store.ratings.rate(user_id=ALICE, guild_id=GUILD_A, drama_id=drama, score=4, episode=2)
    assert (await store.watchlists.entry(user_id=ALICE, drama_id=drama)).progress == 3
    await store.watchlists.set(user_id=ALICE, guild_id=GUILD_A, drama_id=drama, status="plan", episode=1)
    # re-rated: raised
    await store.ratings.rate(user_id=ALICE, guild_id=GUILD_A, drama_id=drama, score=3, episode=2)
    entry = await store.watchlists.entry(user_id=ALICE, drama_id=drama)
    assert (entry.status, entry.progress) == ("plan", 2)  # a status already set stays
    # the whole drama: no list entry
    await store.ratings.rate(user_id=BOB, guild_id=GUILD_A, drama_id=drama, score=3)
    assert await store.watchlists.entry(user_id=BOB, drama_id=drama) is None


async def test_a_batch_of_ratings_raises_progress_in_the_same_transaction(store, add_drama):
    """Ratings queued together are one group-commit batch; a bad one (episode 99) fails alone, and
    raises nothing on the list."""
    drama = await add_drama("batch", episode_count=8)
    results = await asyncio.gather(
        *(
            store.ratings.rate(user_id=ALICE, guild_id=GUILD_A, drama_id=drama, score=4, episode=ep)
            for ep in (1, 5, 3)
        ),
        store.ratings.rate(user_id=BOB, guild_id=GUILD_A, drama_id=drama, score=4, episode=99),
        return_exceptions=True,
    )
    assert isinstance(results[3], ValueError)
    assert (await store.watchlists.entry(user_id=ALICE, drama_id=drama)).progress == 5
    assert await store.watchlists.entry(user_id=BOB, drama_id=drama) is None


async def test_pages_and_status_filter(store, add_drama):
    ids = [await add_drama(f"d{i:02}", episode_count=10) for i in range(WATCH_PAGE + 3)]
    for i, drama in enumerate(ids):
        status = "completed" if i % 2 else "watching"
        await store.watchlists.set(user_id=ALICE, guild_id=GUILD_A, drama_id=drama, status=status, episode=1)
    first, last = await store.watchlists.page(ALICE), await store.watchlists.page(ALICE, page=1)
    assert (first.total, first.pages, len(first.entries), len(last.entries)) == (13, 2, 10, 3)
    assert {e.drama_id for e in first.entries + last.entries} == set(ids)
    assert [e.status for e in first.entries + last.entries] == ["watching"] * 7 + ["completed"] * 6
    assert (await store.watchlists.page(ALICE, page=5)).page == 1  # clipped to the last page
    done = await store.watchlists.page(ALICE, "completed")
    assert done.total == 6 and all(e.status == "completed" and e.progress == 10 for e in done.entries)
    counts = await status_counts(store, ALICE)
    assert (counts["watching"], counts["completed"], counts["dropped"]) == (7, 6, 0)


async def test_a_page_is_the_most_recent_of_its_status_with_the_members_own_scores(store, add_drama):
    """The page is picked in the list alone, then joined to dramas and scores: the right ten entries, in
    order (by status, most recently changed first), each with the owner's score and nobody else's."""
    ids = [await add_drama(f"p{i:02}", episode_count=10) for i in range(WATCH_PAGE + 5)]
    for drama in ids:
        await store.watchlists.set(
            user_id=ALICE, guild_id=GUILD_A, drama_id=drama, status="watching", episode=1
        )
    await store.watchlists.set(user_id=ALICE, guild_id=GUILD_A, drama_id=ids[0], status="watching", episode=2)
    await store.ratings.rate(user_id=ALICE, guild_id=GUILD_A, drama_id=ids[0], score=4.5)
    await store.ratings.rate(user_id=BOB, guild_id=GUILD_A, drama_id=ids[0], score=1)
    await store.ratings.rate(user_id=BOB, guild_id=GUILD_A, drama_id=ids[-1], score=2)
    first, second = await store.watchlists.page(ALICE), await store.watchlists.page(ALICE, page=1)
    assert first.entries[0].drama_id == ids[0]  # changed last: first
    listed = [e.drama_id for e in first.entries + second.entries]
    assert sorted(listed) == sorted(ids)  # every entry once across the pages
    scores = {e.drama_id: e.score for e in first.entries + second.entries}
    assert scores[ids[0]] == 4.5 and scores[ids[-1]] is None


async def test_review_counts_this_servers_lists_in_the_same_read(store, add_drama):
    drama = await add_drama("counted", episode_count=4)
    for user, status in ((1, "watching"), (2, "watching"), (3, "completed"), (4, "plan")):
        await store.watchlists.set(user_id=user, guild_id=GUILD_A, drama_id=drama, status=status)
    await store.watchlists.set(user_id=5, guild_id=GUILD_B, drama_id=drama, status="watching")
    await store.ratings.rate(user_id=1, guild_id=GUILD_A, drama_id=drama, score=4)
    data = await store.catalogue.review(drama, GUILD_A)
    assert (data.watching["watching"], data.watching["completed"], data.watching["plan"]) == (2, 1, 1)
    assert data.scores.server.count == 1 and data.scores.everyone.count == 1
    assert (await store.catalogue.review(drama, None)).watching is None


async def test_privacy_setting(store):
    assert await store.watchlists.is_private(ALICE) is False
    assert await store.watchlists.set_private(ALICE, True) is False
    assert (
        await store.watchlists.is_private(ALICE) is True and await store.watchlists.is_private(BOB) is False
    )
    assert await store.watchlists.set_private(ALICE, False) is True
    assert await store.watchlists.is_private(ALICE) is False


async def test_delete_my_data_leaves_totals_as_if_never_rated(store, add_drama, raw):
    a, b = await add_drama("a", episode_count=4), await add_drama("b", episode_count=4)
    for user, guild, drama, score, ep in [
        (ALICE, GUILD_A, a, 4.5, None), (ALICE, GUILD_A, a, 2, 3), (ALICE, GUILD_B, b, 5, None),
        (ALICE, None, b, 1, 2), (BOB, GUILD_A, a, 3, None), (BOB, GUILD_B, a, 3.5, 3),
    ]:  # fmt: skip
        await store.ratings.rate(user_id=user, guild_id=guild, drama_id=drama, score=score, episode=ep)
    await store.watchlists.set(user_id=ALICE, guild_id=GUILD_A, drama_id=a, status="dropped")
    await store.watchlists.set_private(ALICE, True)

    # What the totals would be had Alice never rated: Bob's ratings alone, in a fresh database's terms.
    bob_only = sorted(
        await raw.fetch(
            FRESH_TOTALS.replace("FROM ratings", "FROM (SELECT * FROM ratings WHERE user_id = 1002) AS r")
        )
    )
    removed = await store.erasure.erase(ALICE)
    assert (removed.ratings, removed.watchlist, removed.settings) == (4, 2, 1)  # episode 2 of b listed it
    assert (
        sorted(await raw.fetch("SELECT drama_id, episode, scope, n, halves FROM rating_totals")) == bob_only
    )
    assert sorted(await raw.fetch(FRESH_TOTALS)) == bob_only
    assert await raw.fetch("SELECT * FROM ratings WHERE user_id = ?", ALICE) == []
    assert await raw.fetch("SELECT * FROM watchlist WHERE user_id = ?", ALICE) == []
    assert await store.watchlists.is_private(ALICE) is False
    assert (await community_scores(store, b, GUILD_B)).everyone.count == 0
    again = await store.erasure.erase(ALICE)
    assert (again.ratings, again.watchlist, again.settings) == (0, 0, 0)

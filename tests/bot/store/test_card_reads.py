"""The reads behind a command's card, on both backends: a drama by id in one query (its aliases in order),
and everything else a /review card shows in one query (Catalogue.card_reads)."""

from __future__ import annotations

from datetime import date, time

from bot.models import Availability, Episode
from tests.bot.store.readbacks import community_scores, upsert

GUILD_A, GUILD_B = 9001, 9002


async def test_dramas_by_id_come_with_their_aliases_in_order_one_or_many_at_once(store, records):
    ids = []
    for n in range(7):
        aliases = tuple(f"Alias {n}-{k}" for k in range(n % 3))[::-1]  # none, one, two (not in name order)
        drama_id, _ = await upsert(
            store, records.drama(f"d-{n}", aliases=aliases, genres=("Romance", "Thriller")[: n % 3])
        )
        ids.append((drama_id, aliases))
    single = await store.catalogue.get(ids[2][0])
    assert single.aliases == ("Alias 2-1", "Alias 2-0") and single.genres == ("Romance", "Thriller")
    many = await store.catalogue.get_dramas([i for i, _ in ids] + [999_999])
    assert sorted(many) == sorted(i for i, _ in ids)
    for drama_id, aliases in ids:
        assert many[drama_id].aliases == aliases and many[drama_id].id == drama_id
    few = await store.catalogue.get_dramas([i for i, _ in ids[:4]])
    assert [few[i] for i, _ in ids[:4]] == [many[i] for i, _ in ids[:4]]


async def test_the_review_read_brings_episodes_availability_scores_and_counts_in_order(store, records):
    episodes = [
        Episode(3, 4.5, "Third", "a note", date(2024, 1, 3), time(21, 10)),
        Episode(1, None, None, None, None, None),
        Episode(2, 3.0, "Second", None, date(2024, 1, 2), None),
    ]
    offers = [
        records.availability("viki", "free", regions=("KR",), url=None, checked_on=None),
        records.availability("Netflix", "subscription", regions=()),
        records.availability("Apple TV", "rent", regions=("US", "CA")),
        records.availability("Apple TV", "buy", regions=("US",)),
        records.availability("Écran", "ads", regions=("FR",)),
    ]
    drama_id, _ = await upsert(store, records.drama("ordered", episode_count=3), episodes, offers)
    for user, guild, score, ep in [(1, GUILD_A, 4, None), (2, GUILD_A, 3, 2), (3, GUILD_B, 5, None),
                                   (4, None, 2.5, 2), (5, GUILD_B, 1, 3)]:  # fmt: skip
        await store.ratings.rate(user_id=user, guild_id=guild, drama_id=drama_id, score=score, episode=ep)
    for user, status in ((1, "watching"), (2, "completed"), (6, "dropped")):
        await store.watchlists.set(user_id=user, guild_id=GUILD_A, drama_id=drama_id, status=status)
    await store.watchlists.set(user_id=3, guild_id=GUILD_B, drama_id=drama_id, status="plan")

    data = await store.catalogue.review(drama_id, GUILD_A)
    assert (
        data.episodes
        == tuple(sorted(episodes, key=lambda e: e.number))
        == await store.catalogue.episodes(drama_id)
    )
    assert data.availability == await store.catalogue.availability(drama_id)  # the order /where shows
    assert [(a.service, a.kind) for a in data.availability] == [
        ("Apple TV", "buy"), ("Apple TV", "rent"), ("Netflix", "subscription"), ("viki", "free"), ("Écran", "ads"),
    ]  # fmt: skip
    assert data.availability[0] == Availability("Apple TV", "buy", ("US",), "https://www.netflix.com/",
                                                date(2024, 5, 1))  # fmt: skip
    assert data.availability[2].regions == () and data.availability[3].checked_on is None
    assert data.scores == await community_scores(store, drama_id, GUILD_A)
    assert (data.scores.server.count, data.scores.everyone.count) == (1, 2)
    assert set(data.scores.server_episodes) == {2} and set(data.scores.everyone_episodes) == {2, 3}
    assert data.scores.everyone_episodes[2].count == 2
    assert dict(data.watching.counts) == {"watching": 1, "completed": 1, "dropped": 1} and data.in_guild

    elsewhere = await store.catalogue.review(drama_id, None)
    assert elsewhere.watching is None and not elsewhere.in_guild
    assert elsewhere.scores == await community_scores(store, drama_id, None)
    assert elsewhere.scores.server.count == 0 and elsewhere.scores.everyone.count == 2
    assert (await store.catalogue.review(drama_id, GUILD_B)).watching["plan"] == 1


async def test_a_drama_with_nothing_yet_has_a_card_and_a_removed_one_has_none(store, records, raw):
    bare_id, _ = await upsert(store, records.drama("bare", episode_count=2), (), ())
    drama = await store.catalogue.get(bare_id)
    data = await store.catalogue.review(drama, GUILD_A)
    assert data is not None and data.drama == drama
    assert (data.episodes, data.availability, data.scores.everyone.count) == ((), (), 0)
    assert data.watching is not None and data.watching["watching"] == 0
    await raw.execute(f"DELETE FROM dramas WHERE id = {bare_id}")
    # the Drama in hand is stale: the card says so
    assert await store.catalogue.review(drama, GUILD_A) is None

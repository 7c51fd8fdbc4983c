"""Removing a drama hides it and keeps members' data; restore brings it all back; merge joins a duplicate
into the drama kept with every total exact (bot/store/removal.py). On both backends."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, date, datetime

import pytest

from bot.errors import CatalogueRefused
from bot.models import AnnounceSettings, Episode
from bot.store import Store
from bot.store.airing import announce_key, remind_key
from bot.store.removal import merged_record
from tests.bot.conftest import Records
from tests.bot.store.oracles import tallies
from tests.bot.store.readbacks import community_scores, linked, status_counts, upsert

GUILD_A, GUILD_B = 1001, 1002
ALICE, BOB, CAROL, DAVE = 11, 12, 13, 14
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)

# rating_totals against a recount of the ratings (rows left at n = 0 are fine), on either backend.
RECOUNT = (
    "SELECT drama_id, episode, 0 AS scope, count(*) AS n, sum(halves) AS halves FROM ratings "
    "GROUP BY drama_id, episode UNION ALL SELECT drama_id, episode, guild_id, count(*), sum(halves) "
    "FROM ratings WHERE guild_id IS NOT NULL GROUP BY drama_id, episode, guild_id"
)


async def assert_totals_exact(raw) -> None:
    expected = {(r[0], r[1], r[2]): (r[3], r[4]) for r in await raw.fetch(RECOUNT)}
    stored = {(r[0], r[1], r[2]): (r[3], r[4])
              for r in await raw.fetch("SELECT drama_id, episode, scope, n, halves FROM rating_totals WHERE n <> 0")}  # fmt: skip
    assert stored == expected
    wrong = await raw.fetch(
        "SELECT t.drama_id FROM rating_totals t JOIN dramas d ON d.id = t.drama_id "
        "WHERE coalesce(t.country, '') <> coalesce(d.country, '')"
    )
    assert wrong == []


async def everything_shown(store: Store, drama_id: int) -> tuple:
    """What members see of a drama's scores: everyone's and both servers', per episode too."""
    return tuple([await community_scores(store, drama_id, g) for g in (None, GUILD_A, GUILD_B)])


async def seed_one(store: Store, add_drama) -> int:
    aired = tuple(Episode(number=n, critic_score=4.0, air_date=date(2026, 1, n)) for n in range(1, 17))
    drama_id = await add_drama(
        "signal-2016", 16, episodes=aired, country="KR", year=2016, genres=("Thriller",), tmdb_id=64840
    )
    await add_drama("other-show", 4)  # keeps /top's charts non-empty once Signal is hidden
    other = (await store.catalogue.find("other-show"))[0].id
    for user, guild, score in (
        (ALICE, GUILD_A, 4.5),
        (BOB, GUILD_A, 3.0),
        (CAROL, GUILD_B, 5.0),
        (DAVE, None, 2.0),
    ):
        await store.ratings.rate(user_id=user, guild_id=guild, drama_id=drama_id, score=score)
        await store.ratings.rate(
            user_id=user, guild_id=guild, drama_id=drama_id, score=score - 0.5, episode=3
        )
        await store.ratings.rate(user_id=user, guild_id=guild, drama_id=other, score=4.0)
    await store.watchlists.set(
        user_id=ALICE, guild_id=GUILD_A, drama_id=drama_id, status="watching", episode=5
    )
    await store.airing.follow(GUILD_A, drama_id, by=ALICE, now=NOW)
    await store.airing.remind(BOB, drama_id, now=NOW)
    return drama_id


async def remove(store: Store, slug: str) -> None:
    before, after = await store.curation.curate(
        slug, lambda record: None, action="remove", actor_id=1, actor_name="c",
        guild_id=GUILD_A
    )  # fmt: skip
    assert before is not None and after is None


async def test_remove_hides_the_drama_and_restore_gives_back_every_rating(store, add_drama, raw):
    drama_id = await seed_one(store, add_drama)
    shown = await everything_shown(store, drama_id)
    ratings = await raw.fetch(
        "SELECT drama_id, episode, user_id, guild_id, halves FROM ratings ORDER BY 1, 2, 3"
    )
    chart = await tallies(store, 0)
    profile = await store.community.profile(ALICE)
    schedule = await store.airing.scheduled(date(2000, 1, 1), date(2100, 1, 1))
    assert len(schedule) == 16
    other = (await store.catalogue.find("other-show"))[0].id
    _, top = await store.community.top.page(0, 0)
    assert {r.drama_id for r in top.items} == {drama_id, other}
    assert any(t.drama_id == drama_id for t in chart)

    await remove(store, "signal-2016")
    # Nothing of the members' data is deleted ...
    assert (
        await raw.fetch("SELECT drama_id, episode, user_id, guild_id, halves FROM ratings ORDER BY 1, 2, 3")
        == ratings
    )
    assert await raw.fetch("SELECT count(*) FROM watchlist WHERE drama_id = ?", drama_id) == [
        (4,)
    ]  # rated ep 3
    assert await raw.fetch("SELECT count(*) FROM follows WHERE drama_id = ?", drama_id) == [(1,)]
    assert await raw.fetch("SELECT count(*) FROM reminders WHERE drama_id = ?", drama_id) == [(1,)]
    await assert_totals_exact(raw)
    # ... and members see none of it.
    assert store.titles.search("Signal") == [] and await store.catalogue.find("signal-2016") == []
    assert (
        await store.catalogue.get(drama_id) is None
        and await store.catalogue.by("slug", "signal-2016") is None
    )
    assert await store.catalogue.by("tmdb_id", 64840) is None
    assert await store.catalogue.review(drama_id, GUILD_A) is None
    assert all(t.drama_id != drama_id for t in await tallies(store, 0))
    assert all(t.drama_id != drama_id for t in await tallies(store, GUILD_A, genre="Thriller"))
    _, page = await store.community.top.page(0, 0)
    assert [r.drama_id for r in page.items] == [other]
    assert await store.community.top.genre_names() == []  # Thriller was Signal's alone
    assert (await store.community.profile(ALICE)).ratings == profile.ratings - 1
    assert (await store.watchlists.page(ALICE)).total == 0 and (
        await status_counts(store, ALICE)
    ).counts == {}
    assert drama_id not in {s for s, _, _ in await store.community.shared_scores(ALICE, BOB)}
    assert [d.id for d in await linked(store)] == []
    assert [c.drama_id for c in await store.refreshes.candidates()] == []  # the TMDB refresh skips it
    assert await store.airing.scheduled(date(2000, 1, 1), date(2100, 1, 1)) == []
    assert await store.airing.followed(GUILD_A) == ()
    assert (await store.catalogue.stats()).dramas == 1
    # Curators find it to restore it.
    assert await store.catalogue.hidden() == [("signal-2016", "Signal 2016", 2016)]
    assert await store.catalogue.hidden("sign") == [("signal-2016", "Signal 2016", 2016)]
    assert await store.catalogue.hidden("goblin") == []
    assert (await store.catalogue.hidden_by("slug", "signal-2016")).id == drama_id
    assert (await store.catalogue.hidden_by("tmdb_id", 64840)).id == drama_id
    # TMDB's autocomplete does not offer it again
    assert await store.catalogue.tmdb_ids_present([64840]) == {64840}

    record = await store.removal.restore("signal-2016", actor_id=1, actor_name="c", guild_id=GUILD_A)
    assert record[0].id == drama_id
    assert await everything_shown(store, drama_id) == shown  # every average as it was
    assert await tallies(store, 0) == chart
    assert await store.community.profile(ALICE) == profile
    assert [h.drama_id for h in store.titles.search("Signal")] == [drama_id]
    assert (await store.catalogue.review(drama_id, GUILD_A)).scores == shown[1]
    assert (await store.watchlists.page(ALICE)).total == 1
    assert await store.airing.followed(GUILD_A) == (drama_id,)
    assert [c.drama_id for c in await store.refreshes.candidates()] == [drama_id]
    assert await store.airing.scheduled(date(2000, 1, 1), date(2100, 1, 1)) == schedule
    assert (await store.community.top.page(0, 0))[1] == top
    assert await store.catalogue.hidden() == []
    assert [(e.action, e.subject) for e in await store.curation.audit_log(limit=2)] == [
        ("restore", "signal-2016"), ("remove", "signal-2016")]  # fmt: skip
    await assert_totals_exact(raw)


async def until(store: Store, done, seconds: float = 10.0) -> None:
    """Wait for another process's change to reach `store` (SQLite: its next check; PostgreSQL: NOTIFY)."""
    for _ in range(int(seconds / 0.05)):
        await store.titles.refresh()
        if done():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the change never reached the other store")


async def test_a_removal_reaches_another_process_through_the_index(store_location, store, add_drama):
    """The title index and Drama rows of a second store on the same database follow a removal and a
    restore (catalogue_rev moves on both)."""
    drama_id = await seed_one(store, add_drama)
    other = await Store.open(store_location)
    try:
        assert [h.drama_id for h in other.titles.search("Signal")] == [drama_id]
        await remove(store, "signal-2016")
        await until(other, lambda: other.titles.search("Signal") == [])
        assert await other.catalogue.get(drama_id) is None
        await store.removal.restore("signal-2016", actor_id=1, actor_name="c", guild_id=None)
        await until(other, lambda: [h.drama_id for h in other.titles.search("Signal")] == [drama_id])
        assert (await other.catalogue.get(drama_id)).slug == "signal-2016"
    finally:
        await other.close()


async def test_rating_again_after_restore_counts_exactly(store, add_drama, raw):
    drama_id = await seed_one(store, add_drama)
    await remove(store, "signal-2016")
    await store.erasure.erase(DAVE)  # erasure reaches a hidden drama's ratings too
    await store.removal.restore("signal-2016", actor_id=1, actor_name="c", guild_id=None)
    result = await store.ratings.rate(user_id=ALICE, guild_id=GUILD_A, drama_id=drama_id, score=1.0)
    assert result.previous == 4.5
    assert result.everyone.count == 3  # Alice, Bob, Carol: Dave's was erased
    await assert_totals_exact(raw)


async def test_restore_and_remove_refuse_what_cannot_be_done(store, add_drama, raw):
    await seed_one(store, add_drama)
    audit = len(await store.curation.audit_log())
    with pytest.raises(CatalogueRefused) as refused:
        await store.removal.restore("no-such-drama", actor_id=1, actor_name="c", guild_id=None)
    assert (refused.value.reason, refused.value.slug) == ("unknown", "no-such-drama")
    with pytest.raises(CatalogueRefused) as refused:
        await store.removal.restore("signal-2016", actor_id=1, actor_name="c", guild_id=None)
    assert refused.value.reason == "not_hidden"
    await remove(store, "signal-2016")
    # Removing it again does nothing (and audits nothing).
    again = await store.curation.curate(
        "signal-2016", lambda r: None, action="remove", actor_id=1, actor_name="c", guild_id=None
    )
    assert again == (None, None)
    assert len(await store.curation.audit_log()) == audit + 1


# ---- merge ----------------------------------------------------------------------------------------------
async def seed_pair(store: Store, add_drama, raw) -> tuple[int, int]:
    """INTO (bundled-like, Wikidata id) and FROM (a TMDB import of the same series), rated by overlapping
    members at known times."""
    into = await add_drama("goblin-2016", 16, title="Goblin", country="KR", year=2016, wikidata_id="Q24859151",
                           availability=(Records.availability("Netflix"),))  # fmt: skip
    dup = await add_drama("guardian-tmdb-67915", 16, title="Guardian: The Lonely and Great God", tmdb_id=67915,
                          native_title="쓸쓸하고 찬란하神 – 도깨비", genres=("Fantasy",), synopsis="A goblin.",
                          availability=(Records.availability("Viki", "free"), Records.availability("netflix")))  # fmt: skip
    # (user, drama, episode, guild, halves, updated_at)
    rows = [
        (ALICE, into, 0, GUILD_A, 6, "2026-01-01"),
        (ALICE, dup, 0, GUILD_B, 10, "2026-02-01"),  # dup is later
        (BOB, into, 0, GUILD_A, 8, "2026-03-01"),
        (BOB, dup, 0, GUILD_A, 2, "2026-02-01"),  # into is later
        (CAROL, dup, 0, GUILD_B, 7, "2026-01-05"),
        (CAROL, dup, 2, GUILD_B, 9, "2026-01-05"),  # dup only
        (DAVE, into, 2, None, 4, "2026-01-01"),
        (DAVE, dup, 2, None, 5, "2026-01-01"),  # a tie: into's stays
    ]
    for user, drama, episode, guild, halves, at in rows:
        await store.ratings.rate(
            user_id=user, guild_id=guild, drama_id=drama, score=halves / 2, episode=episode or None
        )
        stamp = f"{at}T00:00:00.000Z" if raw.backend == "sqlite" else f"{at} 00:00:00+00"
        await raw.execute(f"UPDATE ratings SET updated_at = '{stamp}' WHERE user_id = {user} AND drama_id = {drama} "
                          f"AND episode = {episode}")  # fmt: skip
    # Lists: Alice has both (dup's changed last), Bob only dup; Carol's dup entry came from rating episode 2.
    await store.watchlists.set(user_id=ALICE, guild_id=GUILD_A, drama_id=into, status="watching", episode=9)
    await store.watchlists.set(user_id=ALICE, guild_id=GUILD_B, drama_id=dup, status="on_hold", episode=4)
    await store.watchlists.set(user_id=BOB, guild_id=GUILD_A, drama_id=dup, status="plan")
    late = "2099-06-01T00:00:00.000Z" if raw.backend == "sqlite" else "2099-06-01 00:00:00+00"
    await raw.execute(
        f"UPDATE watchlist SET updated_at = '{late}' WHERE user_id = {ALICE} AND drama_id = {dup}"
    )
    await store.airing.follow(GUILD_A, into, by=ALICE, now=NOW)
    await store.airing.follow(GUILD_A, dup, by=ALICE, now=NOW)
    await store.airing.follow(GUILD_B, dup, by=CAROL, now=NOW)
    await store.airing.remind(BOB, dup, now=NOW)
    await store.airing.remind(CAROL, into, now=NOW)
    await store.airing.remind(CAROL, dup, now=NOW)
    settings = AnnounceSettings(GUILD_A, 555, False, 0)
    await store.airing.record_posts(settings, [(into, 1), (dup, 1), (dup, 2)], state="done", now=NOW)
    await store.airing.record_reminders([(BOB, dup, 2)], state="done", now=NOW)
    return into, dup


async def test_merge_keeps_each_members_latest_score_and_every_total_exact(store, add_drama, raw):
    into, dup = await seed_pair(store, add_drama, raw)
    assert (await store.community.profile(ALICE)).ratings == 2  # her scores are kept in memory from now on
    await assert_totals_exact(raw)
    outcome = await store.removal.merge("guardian-tmdb-67915", "goblin-2016", actor_id=1, actor_name="c",
                                       guild_id=GUILD_A)  # fmt: skip
    assert (outcome.into.id, outcome.merged.id) == (into, dup)
    scores = {(r[0], r[1]): (r[2], r[3]) for r in await raw.fetch(
        "SELECT user_id, episode, halves, guild_id FROM ratings WHERE drama_id = ?", into)}  # fmt: skip
    assert scores == {
        (ALICE, 0): (10, GUILD_B),  # FROM's, the later
        (BOB, 0): (8, GUILD_A),  # INTO's, the later
        (CAROL, 0): (7, GUILD_B), (CAROL, 2): (9, GUILD_B),  # moved
        (DAVE, 2): (4, None),  # a tie: INTO's
    }  # fmt: skip
    assert (outcome.ratings, outcome.replaced) == (3, 3)
    assert await raw.fetch("SELECT count(*) FROM ratings WHERE drama_id = ?", dup) == [(0,)]
    assert await raw.fetch("SELECT count(*) FROM dramas WHERE id = ?", dup) == [(0,)]
    await assert_totals_exact(raw)
    everyone = await community_scores(store, into, None)
    assert (everyone.everyone.count, everyone.everyone.average) == (3, pytest.approx((10 + 8 + 7) / 3 / 2))
    assert everyone.everyone_episodes[2].count == 2
    here = await community_scores(store, into, GUILD_B)
    assert here.server.count == 2  # Alice's (given in B) and Carol's
    counted = {t.drama_id: (t.count, t.halves) for t in await tallies(store, 0)}
    assert counted == {into: (3, 25)}
    mine = await store.community.profile(ALICE)
    assert (mine.ratings, mine.mean) == (1, 5.0)  # the scores followed the merge
    assert sorted(await store.community.shared_scores(ALICE, BOB)) == [(into, 10, 8)]


async def test_merge_moves_lists_follows_reminders_and_the_ledger(store, add_drama, raw):
    into, dup = await seed_pair(store, add_drama, raw)
    outcome = await store.removal.merge("guardian-tmdb-67915", "goblin-2016", actor_id=1, actor_name="c",
                                       guild_id=None)  # fmt: skip
    listed = {r[0]: (r[1], r[2], r[3]) for r in await raw.fetch(
        "SELECT user_id, status, progress, guild_id FROM watchlist WHERE drama_id = ?", into)}  # fmt: skip
    assert listed[ALICE] == ("on_hold", 9, GUILD_B)  # FROM's entry (changed last), the further progress
    assert listed[BOB] == ("plan", 0, GUILD_A)
    assert listed[CAROL][0] == "watching"  # put on the list by rating episode 2 of FROM
    assert outcome.watchlist == 4  # Alice's, Bob's, and Carol's and Dave's from rating episode 2
    assert await raw.fetch("SELECT count(*) FROM watchlist WHERE drama_id = ?", dup) == [(0,)]
    assert sorted(await raw.fetch("SELECT guild_id FROM follows WHERE drama_id = ?", into)) == [
        (GUILD_A,),
        (GUILD_B,),
    ]
    assert sorted(await raw.fetch("SELECT user_id FROM reminders WHERE drama_id = ?", into)) == [
        (BOB,),
        (CAROL,),
    ]
    assert (outcome.follows, outcome.reminders) == (2, 2)
    keys = {r[0] for r in await raw.fetch("SELECT key FROM announcements")}
    assert keys == {announce_key(GUILD_A, into, 1), announce_key(GUILD_A, into, 2), remind_key(BOB, into, 2)}
    assert outcome.announcements == 2  # (dup, 1) was dropped: INTO's own post of episode 1 is the record
    assert all(r[0] == into for r in await raw.fetch("SELECT drama_id FROM announcements"))


async def test_merge_joins_names_ids_and_facts(store, add_drama, raw):
    into, dup = await seed_pair(store, add_drama, raw)
    outcome = await store.removal.merge("guardian-tmdb-67915", "goblin-2016", actor_id=1, actor_name="c",
                                       guild_id=None)  # fmt: skip
    kept = await store.catalogue.get(into)
    assert kept == outcome.into
    assert (kept.slug, kept.title, kept.wikidata_id, kept.tmdb_id) == (
        "goblin-2016",
        "Goblin",
        "Q24859151",
        67915,
    )
    assert kept.native_title == "쓸쓸하고 찬란하神 – 도깨비" and kept.genres == ("Fantasy",)
    assert kept.synopsis == "A goblin." and kept.country == "KR"
    assert "Guardian: The Lonely and Great God" in kept.aliases
    assert [h.drama_id for h in store.titles.search("Guardian")] == [into]
    assert [d.id for d in await store.catalogue.find("guardian-tmdb-67915")] == []
    assert (await store.catalogue.by("tmdb_id", 67915)).id == into
    services = sorted((a.service, a.kind) for a in await store.catalogue.availability(into))
    assert services == [("Netflix", "subscription"), ("Viki", "free")]  # FROM's "netflix" was the same entry
    actions = [(e.action, e.subject) for e in await store.curation.audit_log(limit=2)]
    assert sorted(actions) == [("merge", "goblin-2016"), ("merge", "guardian-tmdb-67915")]
    (gone,) = await store.curation.audit_log(subject="guardian-tmdb-67915")
    assert json.loads(gone.after)["merged_into"] == "goblin-2016"
    assert json.loads(gone.before)["drama"]["tmdb_id"] == 67915  # FROM's record stays in the audit


async def test_merge_of_a_removed_duplicate_brings_its_members_data_along(store, add_drama, raw):
    into, dup = await seed_pair(store, add_drama, raw)
    await remove(store, "guardian-tmdb-67915")
    await store.removal.merge("guardian-tmdb-67915", "goblin-2016", actor_id=1, actor_name="c", guild_id=None)
    assert (await community_scores(store, into, None)).everyone.count == 3
    assert await store.catalogue.hidden() == []
    await assert_totals_exact(raw)


@pytest.mark.parametrize(
    ("source", "target", "reason", "slug"),
    [
        ("no-such", "goblin-2016", "unknown", "no-such"),
        ("guardian-tmdb-67915", "no-such", "unknown", "no-such"),
        ("goblin-2016", "goblin-2016", "same", "goblin-2016"),
        ("goblin-2016", "guardian-tmdb-67915", "into_hidden", "guardian-tmdb-67915"),
    ],
)
async def test_merge_refuses_bad_input_and_changes_nothing(
    store, add_drama, raw, source, target, reason, slug
):
    await seed_pair(store, add_drama, raw)
    if reason == "into_hidden":
        await remove(store, "guardian-tmdb-67915")
    tables = ("dramas", "drama_names", "ratings", "rating_totals", "watchlist", "follows", "reminders",
              "announcements", "catalogue_audit")  # fmt: skip
    before = [await raw.fetch(f"SELECT count(*) FROM {t}") for t in tables]
    with pytest.raises(CatalogueRefused) as refused:
        await store.removal.merge(source, target, actor_id=1, actor_name="c", guild_id=None)
    assert (refused.value.reason, refused.value.slug) == (reason, slug)
    assert [await raw.fetch(f"SELECT count(*) FROM {t}") for t in tables] == before


def test_merged_record_takes_only_what_into_lacks():
    into = (
        Records.drama("a", title="A", episode_count=10, year=2020, aliases=("Ay",)),
        Records.episodes(2),
        (),
    )
    other = (Records.drama("b", title="B", episode_count=12, year=1999, network="KBS", aliases=("ay", "Bee")),
             Records.episodes(3, critic_score=1.0), (Records.availability(),))  # fmt: skip
    drama, episodes, availability = merged_record(into, other)
    assert (drama.slug, drama.title, drama.year, drama.network, drama.episode_count) == (
        "a",
        "A",
        2020,
        "KBS",
        12,
    )
    assert drama.aliases == ("Ay", "B", "Bee")  # "ay" is "Ay" folded
    assert [(e.number, e.critic_score) for e in episodes] == [(1, 4.0), (2, 4.0), (3, 1.0)]
    assert len(availability) == 1


# ---- the bundled catalogue --------------------------------------------------------------------------------
def bundled(slug: str, title: str, **fields):
    return (Records.drama(slug, title=title, episode_count=16, country="KR", year=2016, **fields), (), ())


async def test_the_bundle_never_brings_back_a_removed_or_merged_drama(store):
    v1 = [bundled("goblin-2016", "Goblin", wikidata_id="Q24859151"), bundled("signal-2016", "Signal", tmdb_id=64840),
          bundled("w-2016", "W")]  # fmt: skip
    await store.bundle.apply(v1, "v1")
    await upsert(store, *bundled("moving-2023", "Moving"))  # the CLI's, before any bundle offered it
    await remove(store, "goblin-2016")
    await store.removal.merge("w-2016", "signal-2016", actor_id=1, actor_name="c", guild_id=None)
    await store.removal.merge("moving-2023", "signal-2016", actor_id=1, actor_name="c", guild_id=None)

    v2 = [bundled("goblin-2016", "Goblin: The Lonely God", wikidata_id="Q24859151"),
          bundled("signal-2016", "Signal", tmdb_id=64840), bundled("w-2016", "W: Two Worlds"),
          bundled("moving-2023", "Moving")]  # fmt: skip
    outcome = await store.bundle.apply(v2, "v2")
    assert (outcome.added, outcome.updated) == (0, 1)  # the untouched removed Goblin follows the bundle ...
    assert (
        await store.catalogue.hidden_by("slug", "goblin-2016")
    ).title == "Goblin: The Lonely God"  # ... and stays hidden
    assert store.titles.search("Goblin") == [] and store.titles.search("Two Worlds") == []
    assert [d.slug for d, _, _ in await store.catalogue.entries()] == ["signal-2016"]


# ---- the command line -------------------------------------------------------------------------------------
async def cli(store: Store, *argv: str) -> int:
    import argparse

    from bot.cli import catalogue as catalogue_cli

    parser = argparse.ArgumentParser()
    catalogue_cli.add_parser(parser.add_subparsers(dest="command"))
    return await catalogue_cli.run(store, parser.parse_args(["catalogue", *argv]))


async def test_the_command_line_removes_restores_and_merges(store, add_drama, raw, capsys):
    into, dup = await seed_pair(store, add_drama, raw)
    shown = await everything_shown(store, into)
    assert await cli(store, "remove", "goblin-2016") == 0
    assert "removed goblin-2016" in capsys.readouterr().out
    assert await store.catalogue.get(into) is None
    assert await cli(store, "remove", "goblin-2016") == 1
    assert "removed already" in capsys.readouterr().err
    assert await cli(store, "merge", "guardian-tmdb-67915", "goblin-2016") == 1
    assert "restore it before merging into it" in capsys.readouterr().err
    assert await cli(store, "restore", "goblin-2016") == 0
    assert await everything_shown(store, into) == shown
    assert await cli(store, "restore", "goblin-2016") == 1
    assert "nothing to restore" in capsys.readouterr().err
    assert (
        await cli(store, "restore", "nope") == 1
        and "no drama with the slug 'nope'" in capsys.readouterr().err
    )
    assert await cli(store, "merge", "guardian-tmdb-67915", "guardian-tmdb-67915") == 1
    assert "into itself" in capsys.readouterr().err
    assert await cli(store, "merge", "guardian-tmdb-67915", "goblin-2016") == 0
    assert "3 scores moved, 3 older duplicates dropped" in capsys.readouterr().out
    await assert_totals_exact(raw)
    audit = [(e.action, e.subject, e.actor_name) for e in await store.curation.audit_log(limit=4)]
    assert audit[-2:] == [
        ("restore", "goblin-2016", "command line"),
        ("remove", "goblin-2016", "command line"),
    ]


# ---- TMDB ---------------------------------------------------------------------------------------------------
async def test_a_removed_tmdb_series_is_not_imported_again_on_use(store, fake):
    from bot.errors import UserError
    from bot.settings import DEFAULT_TMDB_COUNTRIES
    from bot.tmdb.client import TMDB
    from bot.tmdb.importer import import_series
    from bot.tmdb.ondemand import OnDemandImports
    from tests.tmdb_standin import HARBOR_ID

    async with TMDB("k", fake.base, timeout=3.0) as tmdb:
        imports = OnDemandImports(lambda: store, tmdb, DEFAULT_TMDB_COUNTRIES)
        drama = await imports.get(HARBOR_ID, member_id=1, member_name="one", guild_id=None)
        await remove(store, drama.slug)
        hits = fake.hits(f"/tv/{HARBOR_ID}")
        with pytest.raises(UserError, match="was removed from the catalogue"):
            await imports.get(HARBOR_ID, member_id=2, member_name="two", guild_id=None)
        assert fake.hits(f"/tv/{HARBOR_ID}") == hits  # TMDB not even asked
        # The command line's import updates the removed drama, which stays removed.
        entry, outcome = await import_series(store, tmdb, HARBOR_ID)
        assert entry.drama.slug == drama.slug and outcome in ("changed", "unchanged")
        assert await store.catalogue.by("tmdb_id", HARBOR_ID) is None
        assert (await store.catalogue.hidden_by("tmdb_id", HARBOR_ID)).id == drama.id


async def test_an_import_updates_a_removed_drama_and_leaves_it_removed(store, add_drama):
    from dataclasses import replace

    drama_id = await seed_one(store, add_drama)
    await remove(store, "signal-2016")
    hidden = await store.catalogue.hidden_by("slug", "signal-2016")
    outcomes = await store.catalogue.upsert_many(
        [(replace(hidden, title="Signal Again"), await store.catalogue.episodes(drama_id), ())]
    )
    assert outcomes == [("signal-2016", "changed")]  # the CLI's `catalogue import`
    await upsert(store, replace(hidden, title="Signal Once More"))
    assert store.titles.search("Signal") == [] and await store.catalogue.get(drama_id) is None
    assert (await store.catalogue.hidden_by("slug", "signal-2016")).title == "Signal Once More"


# ---- an existing database ---------------------------------------------------------------------------------
@pytest.fixture
def empty_location(backend, db_path, request):
    """An empty database: a SQLite path, or a new PostgreSQL database (not migrated)."""
    return db_path if backend == "sqlite" else request.getfixturevalue("pg_url")


async def test_an_existing_database_migrates_with_every_drama_shown(backend, db_path, empty_location):
    """A database at schema 13 (before removal hid dramas) gains `hidden_at`: every drama stays shown with its
    ratings; one deleted before (the old removal) is simply gone, with nothing to restore."""
    from bot.store.migrations import migrations

    statements = [
        "INSERT INTO dramas (id, slug, title, episode_count) VALUES (1, 'kept', 'Kept Drama', 4)",
        "INSERT INTO drama_names (drama_id, kind, name, folded) VALUES (1, 'title', 'Kept Drama', 'kept drama')",
        "INSERT INTO dramas (id, slug, title, episode_count) VALUES (2, 'gone', 'Gone Drama', 4)",
        "INSERT INTO ratings (drama_id, episode, user_id, guild_id, halves) VALUES (1, 0, 7, 1, 9)",
        "INSERT INTO ratings (drama_id, episode, user_id, guild_id, halves) VALUES (2, 0, 7, 1, 3)",
        "DELETE FROM dramas WHERE id = 2",
    ]
    if backend == "sqlite":
        import sqlite3

        db_path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(db_path)
        for number, _name, sql in migrations("sqlite")[:13]:
            conn.executescript(f"BEGIN;\n{sql}\nPRAGMA user_version = {number};\nCOMMIT;")
        conn.execute("PRAGMA foreign_keys = ON")
        for statement in statements:
            conn.execute(statement)
        conn.commit()
        conn.close()
        location = db_path
    else:
        import asyncpg

        from bot.store.pg_schema import migrate

        location = empty_location
        conn = await asyncpg.connect(location)
        try:
            await migrate(conn, migrations("postgres")[:13])
            for statement in statements:
                await conn.execute(statement)
        finally:
            await conn.close()
    store = await Store.open(location)
    try:
        assert [h.slug for h in store.titles.search("Drama")] == ["kept"]
        assert (await community_scores(store, 1, 1)).server.count == 1
        assert await store.catalogue.hidden() == []
        with pytest.raises(CatalogueRefused):
            await store.removal.restore("gone", actor_id=1, actor_name="c", guild_id=None)
        await remove(store, "kept")
        assert (await store.removal.restore("kept", actor_id=1, actor_name="c", guild_id=None))[0].id == 1
    finally:
        await store.close()

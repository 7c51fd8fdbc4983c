"""A newer bundled catalogue on an existing database (Bundle.apply, load_starter_catalogue):
new dramas come in, untouched ones follow the bundle, and what curators or the CLI changed or
removed stays as they left it."""

from __future__ import annotations

import sqlite3
from dataclasses import replace

from bot.catalogue.format import LEGACY_BUNDLE, STARTER_LOADED, load_starter_catalogue, starter_entries
from bot.models import Drama, Episode
from bot.store import Store
from tests.bot.store.readbacks import upsert, user_rating


def drama(slug: str, title: str, episodes: int = 16, **fields) -> tuple[Drama, tuple[Episode, ...], tuple]:
    return (
        Drama(id=0, slug=slug, title=title, episode_count=episodes, country="KR", year=2016, **fields),
        (),
        (),
    )


V1 = [drama("goblin-2016", "Goblin", wikidata_id="Q24859151"), drama("signal-2016", "Signal", tmdb_id=64840),
      drama("w-2016", "W", 16)]  # fmt: skip


async def titles(store: Store) -> dict[str, tuple[str, int]]:
    return {d.slug: (d.title, d.episode_count) for d, _, _ in await store.catalogue.entries()}


async def test_a_newer_bundle_adds_its_new_dramas_and_updates_untouched_ones(store: Store, add_drama):
    await add_drama("my-own-show")
    outcome = await store.bundle.apply(V1, "v1")
    assert (outcome.added, outcome.updated, outcome.kept) == (3, 0, ())
    # the catalogue was in use: audited
    assert [e.action for e in await store.curation.audit_log()] == ["bundle"]
    (w,) = await store.catalogue.find("W")
    await store.ratings.rate(user_id=7, guild_id=1, drama_id=w.id, score=4.5)

    v2 = [*V1[:2], drama("w-2016", "W: Two Worlds", 16), drama("moving-2023", "Moving", 20)]
    outcome = await store.bundle.apply(v2, "v2")
    assert (outcome.added, outcome.updated, outcome.kept) == (1, 1, ())
    assert await titles(store) == {"my-own-show": ("My Own Show", 4), "goblin-2016": ("Goblin", 16),
                                   "signal-2016": ("Signal", 16), "w-2016": ("W: Two Worlds", 16),
                                   "moving-2023": ("Moving", 20)}  # fmt: skip
    assert [h.title for h in store.titles.search("Two Worlds")] == ["W: Two Worlds"]
    assert (
        await user_rating(store, user_id=7, drama_id=w.id) == 4.5
    )  # the update kept the drama and its ratings
    assert await store.get_meta("bundle_digest") == "v2"
    (entry,) = await store.curation.audit_log(limit=1)
    assert (entry.action, entry.actor_name) == ("bundle", "bundled catalogue")
    assert '"added": ["moving-2023"]' in entry.after and '"updated": ["w-2016"]' in entry.after

    again = await store.bundle.apply(v2, "v2")
    assert (again.added, again.updated, again.kept) == (0, 0, ())


async def test_a_drama_a_curator_or_the_cli_changed_is_never_overwritten(store: Store):
    await store.bundle.apply(V1, "v1")
    # the first load into an empty catalogue is the starting point
    assert await store.curation.audit_log() == []
    await store.curation.curate(
        "goblin-2016", lambda rec: (replace(rec[0], title="Goblin (curated)"), rec[1], rec[2]),
        action="edit", actor_id=42, actor_name="curator", guild_id=1,
    )  # fmt: skip
    await store.catalogue.upsert_many(
        [(replace(V1[1][0], episode_count=20), (), ())]
    )  # the CLI's `catalogue import`

    v2 = [drama("goblin-2016", "Guardian: The Lonely and Great God", wikidata_id="Q24859151"),
          drama("signal-2016", "Signal", 17, tmdb_id=64840), V1[2]]  # fmt: skip
    outcome = await store.bundle.apply(v2, "v2")
    assert (outcome.added, outcome.updated, sorted(outcome.kept)) == (0, 0, ["goblin-2016", "signal-2016"])
    current = await titles(store)
    assert current["goblin-2016"] == ("Goblin (curated)", 16)
    assert current["signal-2016"] == ("Signal", 20)
    (goblin,) = await store.catalogue.find("goblin-2016")
    assert goblin.wikidata_id == "Q24859151"


async def test_a_drama_a_curator_removed_never_comes_back(store: Store, raw):
    await store.bundle.apply(V1, "v1")
    await store.curation.curate(
        "goblin-2016", lambda rec: None, action="remove", actor_id=42, actor_name="c", guild_id=1
    )
    await raw.execute(
        "DELETE FROM dramas WHERE slug = 'w-2016'"
    )  # and one deleted straight from the database
    await store.titles.refresh()

    v2 = [*V1, drama("moving-2023", "Moving", 20)]
    outcome = await store.bundle.apply(v2, "v2")
    assert (outcome.added, outcome.updated) == (1, 0)
    assert set(await titles(store)) == {"signal-2016", "moving-2023"}
    assert store.titles.search("Goblin") == []


async def test_a_drama_removed_before_the_bundle_was_tracked_stays_removed(store: Store):
    await upsert(store, *V1[0])
    await store.curation.curate(
        "goblin-2016", lambda rec: None, action="remove", actor_id=42, actor_name="c", guild_id=1
    )
    outcome = await store.bundle.apply(V1, "v1")
    assert outcome.added == 2
    assert set(await titles(store)) == {"signal-2016", "w-2016"}


async def test_the_same_series_under_another_slug_is_not_added_twice(store: Store):
    await upsert(store, *drama("signal-tmdb-64840", "Signal", tmdb_id=64840))  # e.g. import-tmdb
    outcome = await store.bundle.apply(V1, "v1")
    assert outcome.added == 2
    assert set(await titles(store)) == {"signal-tmdb-64840", "goblin-2016", "w-2016"}


async def test_a_database_from_before_tracking_keeps_its_soundtrack_1_state(db_path):
    """Databases loaded by the Soundtrack-only dramabot: it is taken over when untouched, and not
    brought back when it was deleted."""
    (soundtrack,) = [e for e in starter_entries() if e.drama.slug in LEGACY_BUNDLE]
    for deleted in (False, True):
        path = db_path.with_name(f"legacy-{deleted}.sqlite3")
        store = await Store.open(path)
        try:
            await upsert(store, soundtrack.drama, soundtrack.episodes, soundtrack.availability)
            await store.set_meta(STARTER_LOADED, "1")
            if deleted:  # as an operator did it before /catalogue remove existed: straight in the database
                admin = sqlite3.connect(path, isolation_level=None)
                try:
                    admin.execute("PRAGMA foreign_keys = ON")
                    admin.execute("DELETE FROM dramas")
                finally:
                    admin.close()
                await store.titles.refresh()
            added = await load_starter_catalogue(store)
            assert added == len(starter_entries()) - 1
            assert bool(await store.catalogue.find("Soundtrack #1")) is not deleted
        finally:
            await store.close()

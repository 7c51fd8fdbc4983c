"""The Drama cache next to the title index: bounded, least recently used out first (it used to empty
itself whenever it was full, so a popular drama was read again after every 4,096 others)."""

from __future__ import annotations

from bot.store import Store
from bot.store import titles as titles_module


async def test_a_full_cache_drops_the_least_recently_used(seeded_store: Store, monkeypatch) -> None:
    monkeypatch.setattr(titles_module, "DRAMA_CACHE", 3)
    store = seeded_store
    for i in range(1, 6):
        assert await store.catalogue.get(i) is not None, "the starter catalogue has dramas 1-5"
    store.titles.forget()  # start empty

    for i in (1, 2, 3):
        await store.catalogue.get(i)
    assert list(store.titles._dramas) == [1, 2, 3]
    await store.catalogue.get(1)  # used again: now the most recent
    await store.catalogue.get(4)  # full: 2, the least recently used, goes
    assert list(store.titles._dramas) == [3, 1, 4]
    assert set(store.titles.cached([3, 2])) == {3}  # a hit is a use too
    await store.catalogue.get(5)
    assert list(store.titles._dramas) == [4, 3, 5]
    hits = store.titles.hits
    assert (await store.catalogue.get(3)).id == 3 and store.titles.hits == hits + 1, (
        "kept rows are served from memory"
    )

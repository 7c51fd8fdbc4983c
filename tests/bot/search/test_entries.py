"""The title index's packed entries (bot/search/entries.py): packed records and the overlay of later
changes answer exactly as an index built from the names."""

from __future__ import annotations

import random

from bot.search.entries import SEP, Entries, _Entry, pack, unpack
from bot.search.index import TitleIndex, fold
from tests.bot.search.test_index import DRAMAS, make_index

QUERIES = ["", "s", "so", "sound", "soundtrack 1", "사", "사랑", "#1", "1", "no. 1", "the", "god", "my a", "cloy",
           "mr.", "mr", "wise doctor", "1988", "gob lin", "goblin.", "synthetic-7", "x", "the lonely", "z"]  # fmt: skip


def catalogue(n: int = 600, seed: int = 14) -> list[tuple]:
    """Titles sharing words, Hangul names, aliases, a blank title and odd characters."""
    rng = random.Random(seed)
    words = [
        "The",
        "Moon",
        "love",
        "사랑",
        "비밀",
        "Sound",
        "#1",
        "Mr.",
        "garden",
        "Ｆｕｌｌ",
        "ﬁne",
        "a\u200fb",
    ]
    rows = []
    for i in range(1, n + 1):
        title = " ".join(rng.choice(words) for _ in range(rng.randint(1, 4)))
        names = [title] + [" ".join(rng.choice(words) for _ in range(2)) for _ in range(rng.randint(0, 3))]
        rows.append((100 + i * 3, f"synthetic-{i}", title, rng.choice([None, 2001, 2024]), names))
    rows.append((5000, "blank-title", "   ", 2020, ["   ", "Alias Of Blank"]))
    rows.append((5001, "control-title", "\u200b", None, ["\u200b", "zero width"]))
    return rows + list(DRAMAS)


def answers(index: TitleIndex, queries: list[str]) -> list:
    return [
        (index.search(q), index.search(q, limit=3), index.lookup(q), index.close_titles(q), len(index))
        for q in queries
    ] + [[index.title_of(i) for i in (1, 3, 4, 5000, 5001, 99999)]]


def test_changes_after_a_load_answer_as_an_index_built_with_them():
    rows = catalogue()
    changed = make_index(rows)
    changed.remove(3)  # a packed drama
    changed.put(6, "synthetic-2", "Moon Sound", 2025, ["Moon Sound", "달 소리"])  # its slug changed hands
    changed.put(7000, "brand-new", "The Brand New Moon", None, ["The Brand New Moon"])
    changed.put(7000, "brand-new", "The Renamed Moon", None, ["The Renamed Moon"])
    changed.remove(5000)
    kept = [r for r in rows if r[0] not in (3, 5000, 6)]
    built = make_index([*kept, (6, "synthetic-2", "Moon Sound", 2025, ["Moon Sound", "달 소리"]),
                        (7000, "brand-new", "The Renamed Moon", None, ["The Renamed Moon"])])  # fmt: skip
    queries = QUERIES + ["moon", "the r", "brand-new", "synthetic-2", "synthetic-1", "my-mister", "달", "alias of"]
    assert answers(changed, queries) == answers(built, queries)
    assert changed.lookup("synthetic-2") == [6] and changed.lookup("my-mister") == []  # 6 was my-mister


def test_the_empty_query_lists_titles_in_folded_order():
    rows = catalogue()
    index = make_index(rows)
    expected = sorted((fold(title), i) for i, _, title, _, _ in rows)
    assert [h.drama_id for h in index.search("", limit=40)] == [i for _, i in expected[:40]]
    assert [h.drama_id for h in index.search("", limit=2)] == [5000, 5001]  # titles folding to "" first


def test_a_drama_whose_names_hold_the_separator_stays_correct():
    rows = [*DRAMAS, (9, "odd", f"Odd{SEP}Title", None, [f"Odd{SEP}Title"])]
    assert make_index(rows).search("odd")[0].title == f"Odd{SEP}Title"


def test_entries_pack_and_overlay():
    entry = _Entry(5, "slug-5", "Title", 2020, ("Title", "별칭"))
    assert unpack(5, pack(entry)) == entry
    blank = _Entry(6, "slug-6", " ", None, ("Alias",))
    assert unpack(6, pack(blank)) == blank
    entries = Entries.packed([(5, "slug-5", pack(entry)), (6, "slug-6", pack(blank))])
    assert sorted(entries) == [5, 6] and len(entries) == 2 and entries.slug_id("slug-6") == 6
    assert entries.pop(5) == entry and 5 not in entries and entries.slug_id("slug-5") is None
    entries.put(_Entry(7, "slug-5", "New", None, ("New",)))
    assert entries.slug_id("slug-5") == 7 and sorted(entries) == [6, 7] and len(entries) == 3 - 1
    assert entries.get(5) is None and entries.pop(5) is None


def test_the_empty_query_follows_changes():
    index = make_index()
    first = [h.drama_id for h in index.search("", limit=3)]
    index.put(50, "aaa", "AAA First", None, ["AAA First"])
    assert [h.drama_id for h in index.search("", limit=3)] == [50, *first[:2]]
    index.remove(50)
    index.remove(first[0])
    assert [h.drama_id for h in index.search("", limit=2)] == first[1:3]
    assert len(index.search("", limit=100)) == len(index) == len(DRAMAS) - 1

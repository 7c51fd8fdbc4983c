"""The bundled starter catalogue (bot/data/catalogue.json): reproducible from the selection and the
committed source records, and every fact in it traceable to its source record."""

from __future__ import annotations

import csv
import json
import re
from dataclasses import replace
from pathlib import Path

import pytest

from bot.catalogue.format import parse_catalogue, starter_entries
from tools import build_catalogue
from tools.build_catalogue import BuildError, build, build_records, read_kowiki, read_mmdb, read_selection

ROOT = Path(__file__).resolve().parents[3]
SOURCES = ROOT / "bot" / "data" / "sources"
HANGUL = re.compile(r"[\uac00-\ud7a3]")
OWN_TEXT = {"soundtrack-1-2022"}  # dramabot's own record, with its written synopsis and verdict


def mmdb_lines() -> dict[str, dict]:
    records: dict[str, dict] = {}
    for line in (SOURCES / "mmdb-series.jsonl").read_text(encoding="utf-8").splitlines():
        rec = json.loads(line)
        assert rec["wikidata"] not in records, f"{rec['wikidata']} is committed twice"
        records[rec["wikidata"]] = rec
    return records


def kowiki_rows() -> list[dict]:
    with (SOURCES / "kowiki-dramas.csv").open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def selection() -> dict[str, dict]:
    lines = [line for line in (ROOT / "tools" / "catalogue_selection.tsv").read_text(encoding="utf-8").splitlines()
             if line and not line.startswith("#")]  # fmt: skip
    header = lines[0].split("\t")
    return {
        cells[0]: dict(zip(header, cells, strict=True)) for cells in (line.split("\t") for line in lines[1:])
    }


def bundled() -> list[dict]:
    return json.loads((ROOT / "bot" / "data" / "catalogue.json").read_text(encoding="utf-8"))["dramas"]


def test_rebuilding_gives_the_committed_file_byte_for_byte():
    assert build() == (ROOT / "bot" / "data" / "catalogue.json").read_text(encoding="utf-8")
    assert build_catalogue.main(["--check"]) == 0


def test_the_builder_reads_only_the_repository():
    for path in (build_catalogue.SELECTION, build_catalogue.SOURCES, build_catalogue.OUTPUT):
        assert path.resolve().is_relative_to(ROOT)


def test_at_least_500_dramas_and_350_korean():
    records = bundled()
    assert len(records) >= 500
    assert sum(r["country"] == "KR" for r in records) >= 350
    assert {r["country"] for r in records} == {"KR", "JP", "CN", "TW", "TH"}
    assert len(
        parse_catalogue(json.dumps({"format": "dramabot-catalogue/1", "dramas": records}), "b")
    ) == len(records)


def test_ids_and_slugs_are_unique_and_episode_counts_1_to_300():
    records = bundled()
    for key in ("slug", "wikidata_id", "tmdb_id", "imdb_id"):
        values = [r[key] for r in records if key in r]
        assert len(values) == len(set(values)), key
    assert all(1 <= r["episode_count"] <= 300 for r in records)


def test_every_record_matches_its_mmdb_record():
    mmdb, picks = mmdb_lines(), selection()
    records = [r for r in bundled() if r["slug"] not in OWN_TEXT]
    assert {r["wikidata_id"] for r in records} == set(mmdb) == set(picks)
    for rec in records:
        source, pick = mmdb[rec["wikidata_id"]], picks[rec["wikidata_id"]]
        assert (rec["title"], rec["year"], rec["country"]) == (
            source["title"],
            source["start_year"],
            pick["country"],
        )
        for key, source_key in (("tmdb_id", "tmdb"), ("imdb_id", "imdb")):
            if key not in rec:  # left out only where the selection records why
                assert source[source_key] is None or "ids:" in pick["decision"], rec["slug"]
            else:
                assert rec[key] == source[source_key], rec["slug"]
        if rec["episode_count"] != source["episodes"]:
            assert pick["decision"] and pick["episodes"] == str(rec["episode_count"]), rec["slug"]
        if "status" in rec:
            assert rec["status"] == "ended" and source["end_year"] is not None


def test_korean_wikipedia_fields_match_their_row_and_agree_or_carry_a_decision():
    rows = {(r["제목"], r["방송 시작"][:10]): r for r in kowiki_rows()}
    mmdb, picks = mmdb_lines(), selection()
    used = set()
    for rec in bundled():
        pick = picks.get(rec.get("wikidata_id"))
        if pick is None or not pick["kowiki_title"]:
            assert (
                not {"native_title", "first_air_date", "network", "genres"} & rec.keys()
                or rec["slug"] in OWN_TEXT
            )
            continue
        key = (pick["kowiki_title"], pick["kowiki_start"])
        row = rows[key]
        used.add(key)
        assert rec["country"] == "KR"
        assert rec["native_title"].replace(" ", "") == row["제목"]
        assert rec.get("first_air_date") == (
            row["방송 시작"][:10] if row["방송 시작"][:4].isdigit() else None
        )
        episodes = re.match(r"\s*(\d+)", row["방송 횟수"])
        source = mmdb[rec["wikidata_id"]]
        agree = rec.get("first_air_date", "")[:4] == str(source["start_year"]) and episodes is not None and int(
            episodes.group(1)) == source["episodes"]  # fmt: skip
        assert agree or pick["decision"], f"{rec['slug']}: sources disagree without a recorded decision"
        if "network" in rec:
            assert rec["network"] == build_catalogue.network(row["채널"])
        assert rec.get("genres", []) == build_catalogue.genres(row["장르"])
    assert used == set(rows), "every committed kowiki row is used by a record"


def test_korean_dramas_carry_the_hangul_title_their_source_gives():
    hangul = {q for q, p in selection().items() if HANGUL.search(p["kowiki_title"])}  # not "THEK2"
    for rec in bundled():
        if rec.get("wikidata_id") in hangul:
            assert HANGUL.search(rec.get("native_title", "")), rec["slug"]
    assert (
        sum(1 for r in bundled() if r["country"] == "KR" and HANGUL.search(r.get("native_title", ""))) >= 500
    )


def test_nothing_of_prose_length_except_soundtrack_1s_own_text():
    allowed = {"slug", "title", "native_title", "country", "year", "episode_count", "network", "genres",
               "tmdb_id", "wikidata_id", "imdb_id", "first_air_date", "status", "aliases"}  # fmt: skip
    for rec in bundled():
        if rec["slug"] in OWN_TEXT:
            continue
        assert set(rec) <= allowed, rec["slug"]
        texts = [v for v in rec.values() if isinstance(v, str)] + rec.get("genres", []) + rec.get("aliases", [])
        assert all(len(t) <= 100 for t in texts), rec["slug"]
    (own,) = [e for e in starter_entries() if e.drama.slug in OWN_TEXT]
    assert own.drama.synopsis and own.drama.critic_verdict  # Soundtrack #1 keeps its written text


def test_a_kowiki_row_that_disagrees_needs_a_recorded_decision():
    picks, mmdb, kowiki = read_selection(), read_mmdb(), read_kowiki()
    decided = next(p for p in picks if p.kowiki_title and "broadcast halves" in p.decision)
    assert build_records([decided], mmdb, kowiki)  # with its decision: fine
    with pytest.raises(BuildError, match="disagree and no decision"):
        build_records([replace(decided, episodes=None, decision="")], mmdb, kowiki)


def test_a_pick_whose_title_is_not_its_mmdb_title_is_refused():
    picks, mmdb, kowiki = read_selection(), read_mmdb(), read_kowiki()
    voice = next(p for p in picks if p.qid == "Q27949148")  # "Voice" (2017, Korean), not Q903668 or Q78129922
    assert build_records([voice], mmdb, kowiki)[0]["native_title"] == "보이스"
    with pytest.raises(BuildError, match="MMDB calls it"):
        build_records([replace(voice, qid="Q65258113")], mmdb, kowiki)


@pytest.mark.parametrize(
    ("cell", "expected"),
    [(" KBS 2TV", "KBS2"), (" KBS 제2TV(지상파)", "KBS2"), ("문화방송", "MBC"), (" SBS TV, 넷플릭스", "SBS"),
     ("서울방송", "SBS"), (" OCN (방송)", "OCN"), (" tvN", "tvN"), (" JTBC (한국), 넷플릭스 (전세계)", "JTBC"),
     ("KBS 1TV", "KBS1"), ("소후티비", None), ("", None)],
)  # fmt: skip
def test_channel_names_are_normalised(cell, expected):
    assert build_catalogue.network(cell) == expected


def test_genre_cells_become_a_small_english_set():
    noisy = " 로맨스 드라마음악 드라마음악 발라드 (대중 음악) 코미디"
    assert build_catalogue.genres(noisy) == ["Romance", "Comedy"]
    assert build_catalogue.genres(" 드라마음악 드라마음악") == []


# --- other names members type -----------------------------------------------------------------------


def test_aliases_come_from_the_alias_file_and_never_name_another_drama():
    from tools.build_catalogue import read_aliases

    aliases = read_aliases()
    assert aliases, "the alias file is empty"
    assert set(aliases) <= set(selection())  # every QID is a bundled pick
    entries = [e for e in starter_entries() if e.drama.slug not in OWN_TEXT]
    by_qid = {e.drama.wikidata_id: e.drama for e in entries}

    def fold(name: str) -> str:
        return " ".join(name.casefold().split())

    titles = {fold(e.drama.title): e.drama.slug for e in entries}
    for qid, names in aliases.items():
        drama = by_qid[qid]
        for name in names:
            if fold(name) in (fold(drama.title), fold(drama.native_title or "")):
                continue  # the title itself: not repeated as an alias
            assert name in drama.aliases
            assert titles.get(fold(name), drama.slug) == drama.slug, f"{name!r} is another drama's title"
            assert len(name) <= 100


def test_an_alias_the_file_does_not_know_is_refused(tmp_path):
    from tools.build_catalogue import read_aliases

    path = tmp_path / "aliases.tsv"
    path.write_text("qid\taliases\nQ1\tSomething\n", encoding="utf-8")
    with pytest.raises(BuildError, match="Q1"):
        build_records(read_selection(), read_mmdb(), read_kowiki(), read_aliases(path))


async def test_goblin_is_found_by_the_name_members_use(tmp_path):
    from bot.catalogue.format import load_starter_catalogue
    from bot.store import Store

    store = await Store.open(tmp_path / "db.sqlite3")
    try:
        await load_starter_catalogue(store)
        (drama,) = await store.catalogue.find("Goblin")
        assert drama.title == "Guardian: The Lonely and Great God" and drama.native_title == "도깨비"
        assert [n.title for n in store.titles.search("gobl")] == ["Guardian: The Lonely and Great God"]
    finally:
        await store.close()

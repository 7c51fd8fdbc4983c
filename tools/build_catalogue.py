"""Build the bundled starter catalogue, bot/data/catalogue.json, from the curated selection
(tools/catalogue_selection.tsv) and the open-data records it uses (bot/data/sources/).

    python tools/build_catalogue.py           write bot/data/catalogue.json
    python tools/build_catalogue.py --check   exit 1 when the committed file differs from a fresh build

Reads nothing outside the repository. Facts only: each record's title, year, episode count and ids
come from its MMDB (Wikidata) record; its native title, first air date, network and genres from
its Korean Wikipedia row, used only where that row and the MMDB record agree on start year and
episode count, or where the selection records a decision. How the source subset was cut from the
full extracts is in bot/data/sources/README.md.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
from dataclasses import dataclass
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script: `bot` is importable from the repository root
    sys.path.insert(0, str(ROOT))

from bot.catalogue.format import FORMAT, slugify  # noqa: E402

SELECTION = ROOT / "tools" / "catalogue_selection.tsv"
ALIASES = ROOT / "tools" / "catalogue_aliases.tsv"
MAX_ALIAS = 100
SOURCES = ROOT / "bot" / "data" / "sources"
OUTPUT = ROOT / "bot" / "data" / "catalogue.json"
COLUMNS = ["qid", "country", "title", "kowiki_title", "kowiki_start", "native_title", "episodes", "decision"]
COUNTRIES = {"KR", "JP", "CN", "TW", "TH"}
ENDED_BEFORE = 2026  # the MMDB snapshots are from August 2026: an end year before it is a finished run
MAX_EPISODES = 300

# Korean Wikipedia channel cells (67 spellings) -> the network's usual name; the first match wins.
CHANNELS = (
    ("MBC EVERY1", "MBC Every1"), ("KBS 1", "KBS1"), ("KBS1", "KBS1"), ("KBS 제1", "KBS1"),
    ("KBS 2", "KBS2"), ("KBS2", "KBS2"), ("KBS 제2", "KBS2"), ("한국방송공사", "KBS"), ("MBC", "MBC"),
    ("문화방송", "MBC"), ("SBS", "SBS"), ("서울방송", "SBS"), ("XTVN", "XtvN"), ("TVN", "tvN"), ("JTBC", "JTBC"),
    ("OCN", "OCN"), ("채널A", "Channel A"), ("채널 A", "Channel A"), ("TV조선", "TV Chosun"),
    ("TV 조선", "TV Chosun"), ("TV CHOSUN", "TV Chosun"), ("MBN", "MBN"),
)  # fmt: skip
# Words in the noisy genre cells -> a small English set (soundtrack leftovers and the rest are dropped).
GENRES = (
    ("로맨스", "Romance"), ("로맨틱", "Romance"), ("멜로", "Romance"), ("로코", "Romance"), ("연애", "Romance"),
    ("코미디", "Comedy"), ("코믹", "Comedy"), ("시트콤", "Sitcom"), ("사극", "Historical"),
    ("시대극", "Historical"), ("팩션", "Historical"), ("판타지", "Fantasy"), ("서스펜스", "Thriller"),
    ("스릴러", "Thriller"), ("미스터리", "Mystery"), ("추리", "Mystery"), ("범죄", "Crime"), ("수사", "Crime"),
    ("느와르", "Crime"), ("메디컬", "Medical"), ("의학", "Medical"), ("법률", "Legal"), ("법정", "Legal"),
    ("가족", "Family"), ("액션", "Action"), ("청춘", "Youth"), ("학원", "Youth"), ("하이틴", "Youth"),
    ("호러", "Horror"), ("공포", "Horror"), ("SF", "Science fiction"), ("정치", "Political"),
    ("스포츠", "Sports"), ("요리", "Food"), ("무협", "Martial arts"), ("전쟁", "War"), ("첩보", "Spy"),
    ("재난", "Disaster"),
)  # fmt: skip


class BuildError(ValueError):
    """The selection and the sources do not fit together; the message says where."""


@dataclass(frozen=True, slots=True)
class Pick:
    line: int
    qid: str
    country: str
    title: str
    kowiki_title: str
    kowiki_start: str
    native_title: str
    episodes: int | None
    decision: str


def read_selection(path: Path = SELECTION) -> list[Pick]:
    picks = []
    rows = [(n, line) for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)]
    rows = [(n, line) for n, line in rows if line and not line.startswith("#")]
    if not rows or rows[0][1].split("\t") != COLUMNS:
        raise BuildError(f"{path.name}: the header must be {COLUMNS}")
    for n, line in rows[1:]:
        cells = line.split("\t")
        if len(cells) != len(COLUMNS):
            raise BuildError(f"{path.name} line {n}: {len(cells)} cells, expected {len(COLUMNS)}")
        qid, country, title, ktitle, kstart, native, episodes, decision = cells
        if country not in COUNTRIES:
            raise BuildError(f"{path.name} line {n}: country {country!r} is not one of {sorted(COUNTRIES)}")
        if episodes and not decision:
            raise BuildError(f"{path.name} line {n}: an episode count needs a recorded decision")
        picks.append(
            Pick(
                n, qid, country, title, ktitle, kstart, native, int(episodes) if episodes else None, decision
            )
        )
    return picks


def read_aliases(path: Path = ALIASES) -> dict[str, list[str]]:
    """QID -> the other names members type for it (tools/catalogue_aliases.tsv)."""
    out: dict[str, list[str]] = {}
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line and not line.startswith("#")]
    for number, line in enumerate(lines[1:], 2):
        qid, _, names = line.partition("\t")
        where = f"{path.name} row {number} ({qid})"
        if qid in out:
            raise BuildError(f"{where}: the QID is listed twice")
        aliases = [name.strip() for name in names.split("|") if name.strip()]
        if not aliases or any(len(name) > MAX_ALIAS for name in aliases):
            raise BuildError(f"{where}: give 1 or more names of at most {MAX_ALIAS} characters")
        out[qid] = aliases
    return out


def _fold(name: str) -> str:
    return " ".join(name.casefold().split())


def read_mmdb(path: Path = SOURCES / "mmdb-series.jsonl") -> dict[str, dict]:
    records: dict[str, dict] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        rec = json.loads(line)
        records.setdefault(rec["wikidata"], rec)
    return records


def read_kowiki(path: Path = SOURCES / "kowiki-dramas.csv") -> dict[tuple[str, str], dict]:
    with path.open(encoding="utf-8", newline="") as f:
        return {(row["제목"], row["방송 시작"][:10]): row for row in csv.DictReader(f)}


def kowiki_episodes(cell: str) -> int | None:
    match = re.match(r"\s*(\d+)\s*(부작|회|부)", cell)
    return int(match.group(1)) if match else None


def kowiki_date(cell: str) -> date | None:
    try:
        return date.fromisoformat(cell[:10])
    except ValueError:
        return None  # "unknown"


def network(cell: str) -> str | None:
    text = cell.strip().upper()
    return next((name for pattern, name in CHANNELS if pattern.upper() in text), None) if text else None


def genres(cell: str) -> list[str]:
    found: list[str] = []
    for word, genre in GENRES:
        if word in cell and genre not in found:
            found.append(genre)
    return found


def _kowiki_facts(pick: Pick, mmdb: dict, kowiki: dict) -> tuple[dict, int]:
    """The fields a Korean Wikipedia row gives a record, and the episode count to use."""
    where = f"{SELECTION.name} line {pick.line} ({pick.qid})"
    row = kowiki.get((pick.kowiki_title, pick.kowiki_start))
    if row is None:
        raise BuildError(f"{where}: no kowiki row {pick.kowiki_title!r} starting {pick.kowiki_start}")
    if re.sub(r"\s+", "", pick.native_title) != pick.kowiki_title:
        raise BuildError(f"{where}: native title {pick.native_title!r} is not the kowiki title with spaces")
    first = kowiki_date(row["방송 시작"])
    k_episodes = kowiki_episodes(row["방송 횟수"])
    agree = first is not None and first.year == mmdb["start_year"] and k_episodes == mmdb["episodes"]
    if not agree and not pick.decision:
        raise BuildError(
            f"{where}: kowiki ({first}, {k_episodes} episodes) and MMDB ({mmdb['start_year']}, "
            f"{mmdb['episodes']} episodes) disagree and no decision is recorded"
        )
    facts: dict = {"native_title": pick.native_title}
    if first is not None:
        facts["first_air_date"] = first.isoformat()
    if net := network(row["채널"]):
        facts["network"] = net
    if found := genres(row["장르"]):
        facts["genres"] = found
    episodes = pick.episodes if pick.episodes is not None else mmdb["episodes"]
    if pick.episodes is not None and pick.episodes not in (k_episodes, mmdb["episodes"]):
        raise BuildError(f"{where}: episodes {pick.episodes} is neither the kowiki nor the MMDB count")
    return facts, episodes


def build_records(
    picks: list[Pick], mmdb: dict[str, dict], kowiki: dict, aliases: dict[str, list[str]] | None = None
) -> list[dict]:
    aliases = aliases or {}
    unknown = sorted(set(aliases) - {pick.qid for pick in picks})
    if unknown:
        raise BuildError(f"{ALIASES.name}: {', '.join(unknown)} not in {SELECTION.name}")
    records, slugs, used_ids, used_rows = [], set(), {"tmdb_id": {}, "imdb_id": {}}, set()
    for pick in picks:
        where = f"{SELECTION.name} line {pick.line} ({pick.qid})"
        rec_in = mmdb.get(pick.qid)
        if rec_in is None:
            raise BuildError(f"{where}: no MMDB record")
        if rec_in["title"] != pick.title:
            raise BuildError(f"{where}: MMDB calls it {rec_in['title']!r}, the selection {pick.title!r}")
        facts: dict = {}
        episodes = pick.episodes if pick.episodes is not None else rec_in["episodes"]
        if pick.kowiki_title:
            if (pick.kowiki_title, pick.kowiki_start) in used_rows:
                raise BuildError(f"{where}: kowiki row {pick.kowiki_title!r} is already used by another pick")
            used_rows.add((pick.kowiki_title, pick.kowiki_start))
            facts, episodes = _kowiki_facts(pick, rec_in, kowiki)
        if not isinstance(episodes, int) or not 1 <= episodes <= MAX_EPISODES:
            raise BuildError(f"{where}: episode count {episodes!r} is not 1-{MAX_EPISODES}")
        slug = slugify(rec_in["title"], rec_in["start_year"])
        if not slug or slug in slugs:
            slug = f"{slug or 'drama'}-{pick.qid.lower()}"
        slugs.add(slug)
        rec: dict = {"slug": slug, "title": rec_in["title"]}
        if "native_title" in facts:
            rec["native_title"] = facts["native_title"]
        own = {_fold(rec["title"]), _fold(facts.get("native_title") or "")}
        extra = [name for name in aliases.get(pick.qid, []) if _fold(name) not in own]
        if extra:
            rec["aliases"] = extra
        rec |= {"country": pick.country, "year": rec_in["start_year"], "episode_count": episodes}
        for key in ("network", "genres"):
            if key in facts:
                rec[key] = facts[key]
        ids = {"tmdb_id": rec_in["tmdb"], "wikidata_id": pick.qid, "imdb_id": rec_in["imdb"]}
        for key in ("tmdb_id", "imdb_id"):
            if ids[key] is not None and ids[key] in used_ids[key]:
                if "ids:" not in pick.decision:
                    raise BuildError(
                        f"{where}: {key} {ids[key]} is also {used_ids[key][ids[key]]}'s; record a decision"
                    )
                ids[key] = None
            elif ids[key] is not None:
                used_ids[key][ids[key]] = pick.qid
        rec |= {k: v for k, v in ids.items() if v is not None}
        if "first_air_date" in facts:
            rec["first_air_date"] = facts["first_air_date"]
        end = rec_in["end_year"]
        if end is not None and rec_in["start_year"] <= end < ENDED_BEFORE:
            rec["status"] = "ended"
        records.append(rec)
    return records


def build() -> str:
    """The catalogue document's text: the curated records first, then the open-data ones."""
    curated = json.loads((SOURCES / "curated.json").read_text(encoding="utf-8"))["dramas"]
    records = curated + build_records(read_selection(), read_mmdb(), read_kowiki(), read_aliases())
    lines = ",\n".join("    " + json.dumps(rec, ensure_ascii=False) for rec in records)
    return f'{{\n  "format": "{FORMAT}",\n  "dramas": [\n{lines}\n  ]\n}}\n'


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare with the committed file, write nothing")
    args = parser.parse_args(argv)
    try:
        text = build()
    except BuildError as exc:
        print(f"build_catalogue: {exc}", file=sys.stderr)
        return 2
    if args.check:
        same = OUTPUT.read_text(encoding="utf-8") == text
        print(
            "bot/data/catalogue.json is "
            + ("up to date" if same else "OUT OF DATE: run tools/build_catalogue.py")
        )
        return 0 if same else 1
    OUTPUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUTPUT.relative_to(ROOT)}: {text.count(chr(10)) - 5} dramas")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

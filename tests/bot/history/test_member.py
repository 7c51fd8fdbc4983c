"""A member's export (bot/history/member.py): the JSON document and the Simkl CSV, which parse_upload reads
back to the same dramas, ids, scores, statuses and progress (cells a spreadsheet would run come back as
text)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from bot.history import parse_upload, simkl_csv
from bot.history.member import FORMAT, export_json, simkl_dramas
from bot.models import ExportedEntry, ExportedRating, HeldRows, MemberData

MEMBER = 424_242_424_242_424_242
GUILD = 515_151_515_151_515_151
AT = "2026-11-30 20:15:00"


def rating(drama_id: int, title: str, halves: int, episode: int | None = None, **ids) -> ExportedRating:
    return ExportedRating(
        drama_id, title, ids.get("year"), ids.get("tmdb_id"), ids.get("imdb_id"), episode, halves,
        ids.get("guild_id"), AT, AT,
    )  # fmt: skip


def entry(drama_id: int, title: str, status: str, progress: int, **ids) -> ExportedEntry:
    return ExportedEntry(
        drama_id, title, ids.get("year"), ids.get("tmdb_id"), ids.get("imdb_id"), status, progress,
        ids.get("guild_id"), AT,
    )  # fmt: skip


GOBLIN = {"year": 2016, "tmdb_id": 67915, "imdb_id": "tt5994346"}
SIGNAL = {"year": 2016, "tmdb_id": 64010}
TRICKY = {"year": 2020, "imdb_id": "tt0000001"}
DATA = MemberData(
    user_id=MEMBER,
    ratings=(
        rating(1, "Goblin", 9, guild_id=GUILD, **GOBLIN),
        rating(1, "Goblin", 4, episode=3, guild_id=GUILD, **GOBLIN),
        rating(2, "Signal", 1, **SIGNAL),
        rating(4, '=HYPERLINK("http://x")', 7, **TRICKY),
    ),
    watchlist=(
        entry(1, "Goblin", "watching", 3, guild_id=GUILD, **GOBLIN),
        entry(3, "Misaeng", "plan", 0, year=2014, tmdb_id=61500),
        entry(4, '=HYPERLINK("http://x")', "dropped", 2, **TRICKY),
        entry(5, "Kingdom", "on_hold", 1, year=2019),
    ),
    held=(HeldRows("member_settings", "user_id", True, ((("user_id", MEMBER), ("list_private", 1)),)),),
)


def test_the_json_holds_scores_list_and_every_stored_row():
    doc = json.loads(export_json(DATA, datetime(2026, 12, 7, 9, 30, tzinfo=UTC)))
    assert doc["format"] == FORMAT and doc["user_id"] == str(MEMBER)
    assert doc["exported_at"] == "2026-12-07T09:30:00+00:00"
    first = doc["ratings"][0]
    assert first == {
        "drama": {"id": 1, "title": "Goblin", "year": 2016, "tmdb_id": 67915, "imdb_id": "tt5994346"},
        "episode": None, "score": 4.5, "halves": 9, "server_id": str(GUILD), "first_rated_at": AT, "rated_at": AT,
    }  # fmt: skip
    assert doc["ratings"][1]["episode"] == 3 and doc["ratings"][2]["server_id"] is None
    assert [e["status"] for e in doc["watchlist"]] == ["watching", "plan", "dropped", "on_hold"]
    # Discord ids are text (JavaScript reads them exactly); small integers stay numbers.
    assert doc["stored"] == [{"table": "member_settings", "column": "user_id", "on_erasure": "deleted",
                              "rows": [{"user_id": str(MEMBER), "list_private": 1}]}]  # fmt: skip


def test_the_simkl_csv_reads_back_to_the_same_list_and_scores():
    dramas = simkl_dramas(DATA)
    assert [d.title for d in dramas] == ['=HYPERLINK("http://x")', "Goblin", "Kingdom", "Misaeng", "Signal"]
    data = simkl_csv(dramas)
    assert b"'=HYPERLINK" in data  # escaped: a spreadsheet shows it, does not run it
    parsed = parse_upload(data, "dramabot-simkl.csv", now=datetime(2026, 12, 7, tzinfo=UTC))
    assert parsed.format == "simkl" and parsed.skipped == ()
    back = {(r.title, r.year, r.tmdb_id, r.imdb_id, r.halves, r.status, r.progress or 0) for r in parsed.rows}
    assert back == {
        ("Goblin", 2016, 67915, "tt5994346", 9, "watching", 3),  # the drama's score, not episode 3's
        ("Signal", 2016, 64010, None, 1, None, 0),  # rated, not on the list
        ("Misaeng", 2014, 61500, None, None, "plan", 0),
        ('=HYPERLINK("http://x")', 2020, None, "tt0000001", 7, "dropped", 2),
        ("Kingdom", 2019, None, None, None, "on_hold", 1),
    }
    goblin = next(r for r in parsed.rows if r.title == "Goblin")
    assert goblin.at == datetime(2026, 11, 30, 20, 15, tzinfo=UTC)

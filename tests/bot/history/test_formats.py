"""Every format reads its sample in docs/import/ to the rows the sample means, detected from the
content whatever the file is called."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.history import EpisodeEvent, parse_upload
from tests.bot.history.samples import SAMPLES, ZIPS, build_zip, sample

NOW = datetime(2026, 12, 7, tzinfo=UTC)


def by_title(parsed):
    return {row.title: row for row in parsed.rows}


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.mark.parametrize("name", sorted(ZIPS))
def test_the_committed_zips_are_their_folders(name):
    assert sample(name) == build_zip(SAMPLES / ZIPS[name]), "run: python -m tests.bot.history.samples"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("simkl.csv", "simkl"),
        ("mydramalist.tsv", "mdl"),
        ("dramabot.csv", "dramabot"),
        ("trakt-export.zip", "trakt"),
        ("tvtime-export.zip", "tvtime"),
        ("tvtime/followed_tv_show.csv", "tvtime"),
        ("tvtime/tracking-prod-records-v2.csv", "tvtime"),
    ],
)
def test_the_format_comes_from_the_content_not_the_name(name, expected):
    assert parse_upload(sample(name), name, now=NOW).format == expected
    assert parse_upload(sample(name), "export.txt", now=NOW).format == expected


def test_simkl():
    parsed = parse_upload(sample("simkl.csv"), "simkl.csv", now=NOW)
    rows = by_title(parsed)
    assert list(rows) == [
        "Goblin", "Signal", "Crash Landing on You", "Reply 1988", "My Mister", "Parasite",
        "Frieren: Beyond Journey's End", "Moonlit Tea House",
    ]  # fmt: skip
    goblin = rows["Goblin"]
    assert (goblin.line, goblin.source, goblin.year, goblin.kind) == (2, "simkl.csv", 2016, "show")
    assert (goblin.tmdb_id, goblin.imdb_id, goblin.tvdb_id) == (67915, "tt5994364", None)
    assert (goblin.halves, goblin.status, goblin.progress) == (9, "completed", 16)
    assert goblin.at == at("2024-02-14T21:30:00") and goblin.episodes == ()
    assert [rows[t].status for t in ("Signal", "Crash Landing on You", "Reply 1988", "My Mister")] == [
        "watching", "plan", "on_hold", "dropped",
    ]  # fmt: skip
    assert rows["Crash Landing on You"].halves is None and rows["My Mister"].halves is None
    assert rows["Parasite"].kind == "movie" and rows["Parasite"].progress is None
    frieren = rows["Frieren: Beyond Journey's End"]
    assert (frieren.kind, frieren.progress, frieren.tmdb_id) == ("anime", 12, None)
    assert parsed.skipped == ()


def test_mydramalist():
    parsed = parse_upload(sample("mydramalist.tsv"), "mdl.tsv", now=NOW)
    rows = by_title(parsed)
    assert parsed.skipped == ((10, "Kingdom", "history.skip.not_interested"),)
    goblin = rows["Goblin"]
    assert (goblin.halves, goblin.status, goblin.progress, goblin.kind) == (10, "completed", 16, "show")
    assert goblin.at == at("2023-12-20T00:00:00") and goblin.year is None
    assert (rows["Signal"].halves, rows["Signal"].status) == (9, "watching")  # 8.5 rounds half up
    assert rows["Moonlit Tea House"].halves == 6  # 6.3
    assert rows["Crash Landing on You"].halves is None  # 0: not rated
    assert rows["Crash Landing on You"].progress is None and rows["Crash Landing on You"].status == "plan"
    assert rows["Reply 1988"].status == "on_hold" and rows["My Mister"].status == "dropped"
    assert rows["Parasite"].kind == "movie" and rows["Running Man"].kind == "reality"


def test_dramabot_csv():
    parsed = parse_upload(sample("dramabot.csv"), "mine.csv", now=NOW)
    rows = by_title(parsed)
    signal = rows["Signal"]
    assert (signal.line, signal.halves, signal.status, signal.progress) == (3, 8, "watching", 7)
    assert signal.episodes == (
        EpisodeEvent(None, 3, 10, at("2025-10-25T21:00:00")),
        EpisodeEvent(None, 5, 8, at("2025-10-27T21:00:00")),
    )
    assert rows["Goblin"].halves == 9 and rows["Reply 1988"].halves == 7
    assert rows["Parasite"].kind == "movie" and rows["Frieren: Beyond Journey's End"].kind == "anime"
    assert rows["+82 Seoul Nights"].halves == 6  # a formula-like start is data
    assert len(parsed.rows) == 7


def test_trakt():
    parsed = parse_upload(sample("trakt-export.zip"), "trakt.zip", now=NOW)
    rows = by_title(parsed)
    goblin = rows["Guardian: The Lonely and Great God"]
    assert (goblin.source, goblin.line, goblin.year, goblin.kind) == ("ratings-shows.json", 1, 2016, "show")
    assert (goblin.tmdb_id, goblin.imdb_id, goblin.tvdb_id) == (67915, "tt5994364", 9100001)
    assert (goblin.halves, goblin.status, goblin.progress) == (9, None, 16)
    assert goblin.at == at("2024-02-14T21:30:00")
    assert [(e.episode, e.halves) for e in goblin.episodes] == [(15, None), (16, None)]
    signal = rows["Signal"]
    assert signal.progress == 7 and signal.halves == 8
    rated = [(e.episode, e.halves) for e in signal.episodes if e.halves]
    assert rated == [(3, 10), (5, 7)]
    assert len([e for e in signal.episodes if e.halves is None]) == 7
    assert rows["Parasite"].kind == "movie" and rows["Parasite"].halves == 10
    cloy = rows["Crash Landing on You"]
    assert (cloy.status, cloy.source, cloy.halves) == ("plan", "lists-watchlist.json", None)
    assert rows["Moonlit Tea House"].tmdb_id is None
    assert parsed.skipped == ((2, "Frieren: Beyond Journey's End", "history.skip.unsupported_entry"),)


def test_tvtime_zip():
    parsed = parse_upload(sample("tvtime-export.zip"), "tv-time-personal-data.zip", now=NOW)
    rows = by_title(parsed)
    assert set(rows) == {
        "Goblin",
        "Signal",
        "My Mister",
        "Frieren: Beyond Journey's End",
        "Moonlit Tea House",
        "Crash Landing on You",
    }
    goblin = rows["Goblin"]
    assert (goblin.tvdb_id, goblin.status, goblin.progress, goblin.halves) == (9100001, "watching", 16, None)
    assert goblin.episodes == (
        EpisodeEvent(1, 15, None, at("2024-02-13T21:00:00")),
        EpisodeEvent(1, 16, None, at("2024-02-14T21:00:00")),
    )
    assert rows["My Mister"].status == "dropped" and rows["My Mister"].progress == 3
    assert rows["Crash Landing on You"].status == "plan"
    assert rows["Moonlit Tea House"].episodes == () and rows["Signal"].progress == 7


def test_tvtime_csvs_alone():
    followed = parse_upload(sample("tvtime/followed_tv_show.csv"), "f.csv", now=NOW)
    assert by_title(followed)["My Mister"].status == "dropped"
    tracking = by_title(parse_upload(sample("tvtime/tracking-prod-records-v2.csv"), "t.csv", now=NOW))
    assert tracking["Signal"].progress == 7 and tracking["Signal"].status is None
    assert tracking["Crash Landing on You"].status == "plan"
    assert tracking["My Mister"].progress == 3


def test_tvtime_progress_from_the_latest_episode_when_no_episode_rows():
    text = (
        "key,s_id,series_name,season_number,episode_number,created_at,is_archived,is_for_later,most_recent_ep_watched\n"
        "user-series-1,9100001,Goblin,,,2024-01-01 10:00:00,false,false,map[ep_id:7.1e+06 ep_no:9 s_no:1]\n"
    )
    (row,) = parse_upload(text.encode(), "t.csv", now=NOW).rows
    assert (row.progress, row.status, row.tvdb_id) == (9, None, 9100001)


def test_episodes_over_several_seasons_leave_progress_to_the_importer():
    text = (
        "key,s_id,series_name,season_number,episode_number,created_at\n"
        "watch-episode-1,9100007,Hospital Playlist,1,12,2024-01-01 10:00:00\n"
        "watch-episode-2,9100007,Hospital Playlist,2,3,2024-01-02 10:00:00\n"
        "watch-episode-3,9100007,Hospital Playlist,0,1,2024-01-03 10:00:00\n"
    )
    (row,) = parse_upload(text.encode(), "t.csv", now=NOW).rows
    assert row.progress is None and [(e.season, e.episode) for e in row.episodes] == [(0, 1), (1, 12), (2, 3)]

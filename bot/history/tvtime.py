"""TV Time's data export (TV Time closed on 15 July 2026): the zip it mailed, or one of its CSVs.

- followed_tv_show.csv: a followed series per row: tv_show_id (TheTVDB's id), tv_show_name, active,
  archived, created_at, updated_at ...; archived means the member stopped watching: dropped;
- tracking-prod-records-v2.csv: a log keyed by `key`: "watch-episode-..." and "rewatch-episode-..."
  rows are an episode watched (s_id: TheTVDB series id, series_name, season_number, episode_number,
  created_at in UTC); "user-series-..." rows carry is_for_later (plan) and is_archived (dropped) and
  most_recent_ep_watched ("map[ep_no:5 s_no:1 ...]"); other keys are TV Time's counters, ignored.

TV Time keeps no scores in these files. Rows of one series (by TheTVDB id) become one row."""

from __future__ import annotations

import re

from bot.history.entries import Group, later
from bot.history.rows import EpisodeEvent, ParsedFile
from bot.history.text import Context, Record, Table, decode
from bot.history.zipped import unpack

FOLLOWED = "followed_tv_show.csv"
TRACKING = "tracking-prod-records-v2.csv"
FOLLOWED_COLUMNS = {"tv show id": "tv_show_id", "tv show name": "tv_show_name"}
TRACKING_COLUMNS = {"key": "key", "s id": "s_id", "series name": "series_name", "created at": "created_at"}
GO_MAP = re.compile(r"\b(s_no|ep_no):(\d+)\b")
TRUE = {"1", "true", "yes"}


def detect(table: Table) -> bool:
    return table.has(*FOLLOWED_COLUMNS) or table.has("key", "series name")


def detect_zip(names: list[str]) -> bool:
    return FOLLOWED in names or TRACKING in names


def parse(table: Table) -> ParsedFile:
    groups: dict[tuple, Group] = {}
    _read(table, groups)
    return ParsedFile("tvtime", tuple(group.row() for group in groups.values()), ())


def parse_zip(context: Context, data: bytes) -> ParsedFile:
    groups: dict[tuple, Group] = {}
    files = dict(unpack(context, data, lambda name: name in (FOLLOWED, TRACKING)))
    for name in (FOLLOWED, TRACKING):
        if name in files:
            _read(Table.read(context, name, decode(files[name], name)), groups)
    return ParsedFile("tvtime", tuple(group.row() for group in groups.values()), ())


def _read(table: Table, groups: dict[tuple, Group]) -> None:
    if table.has(*FOLLOWED_COLUMNS):
        table.require(*FOLLOWED_COLUMNS, names=FOLLOWED_COLUMNS)
        for record in table.records():
            group = _group(record, "tv show id", "tv show name", groups)
            if group is None:
                continue
            archived = record.text("archived").lower() in TRUE
            group.status = group.status or ("dropped" if archived else "watching")
            group.at = later(group.at, record.date("updated at") or record.date("created at"))
        return
    table.require(*TRACKING_COLUMNS, names=TRACKING_COLUMNS)
    if not (table.has("season number") or table.has("s no")) or not (
        table.has("episode number") or table.has("ep no")
    ):
        table.require(
            "season number",
            "episode number",
            names={"season number": "season_number", "episode number": "episode_number"},
        )
    for record in table.records():
        key = record.text("key")
        if key.startswith(("watch-episode", "rewatch-episode")):
            group = _group(record, "s id", "series name", groups)
            if group is None:
                continue
            season = record.int("season number", 0, 1000)
            if season is None:
                season = record.int("s no", 0, 1000)
            episode = record.int("episode number", 0, 100_000) or record.int("ep no", 0, 100_000)
            if not episode:
                raise record.fail("episode number", "history.error.bad_number", value="")
            at = record.date("created at")
            group.episodes.append(EpisodeEvent(season, episode, None, at))
            group.at = later(group.at, at)
        elif key.startswith("user-series"):
            group = _group(record, "s id", "series name", groups)
            if group is None:
                continue
            if record.text("is for later").lower() in TRUE:
                group.status = "plan"
            elif record.text("is archived").lower() in TRUE:
                group.status = "dropped"
            recent = dict(GO_MAP.findall(record.text("most recent ep watched")))
            if recent.get("ep_no") and recent.get("s_no") in ("1", None) and group.progress is None:
                group.progress = int(recent["ep_no"]) or None


def _group(record: Record, id_key: str, title_key: str, groups: dict[tuple, Group]) -> Group | None:
    """The series' group, made on first sight; None (row ignored) when it has no name and no id."""
    title = record.text(title_key)
    raw_id = record.text(id_key)
    tvdb_id = record.int(id_key) if raw_id.replace(".", "", 1).replace("e+", "", 1).isdigit() else None
    if not title and not tvdb_id:
        return None
    key: tuple = ("tvdb", tvdb_id) if tvdb_id else ("title", title.casefold())
    group = groups.get(key)
    if group is None:
        group = groups[key] = Group(record.line, record.file, title, None, "show", tvdb_id=tvdb_id)
    elif not group.title:
        group.title = title
    return group

"""Trakt's data export: a zip of JSON lists (Settings → Your data). Read:

- ratings-shows.json, ratings-movies.json: {"rated_at", "rating" (1-10), "type", "show"|"movie"};
- ratings-episodes.json: the same with "episode": {"season", "number", ...} beside "show";
- watched-history.json or watched-history-N.json: {"id", "watched_at", "action", "type": "episode"
  with "show" and "episode", or "movie"};
- lists-watchlist.json (or -N): {"listed_at", "type": "show"|"movie", ...}: status plan.

A show or movie is {"title", "year", "ids": {"trakt", "slug", "tvdb", "imdb", "tmdb"}}. Entries of
one title become one row; other types (seasons, people) are skipped with a reason."""

from __future__ import annotations

import re
from datetime import datetime

from bot.history.entries import Entry, Group, later, load_list
from bot.history.rows import EpisodeEvent, ParsedFile
from bot.history.text import Context
from bot.history.zipped import unpack

RATINGS = ("ratings-shows.json", "ratings-movies.json", "ratings-episodes.json")
NUMBERED = re.compile(r"(watched-history|lists-watchlist)(-\d{1,4})?\.json")


def wanted(name: str) -> bool:
    return name in RATINGS or NUMBERED.fullmatch(name) is not None


def detect_zip(names: list[str]) -> bool:
    return any(wanted(name) for name in names)


def _order(name: str) -> tuple[int, int]:
    """Ratings first (they name the score), then history, then the watchlist; numbered files in order."""
    if name in RATINGS:
        return RATINGS.index(name), 0
    match = NUMBERED.fullmatch(name)
    assert match is not None
    number = int(match.group(2)[1:]) if match.group(2) else 0
    return (3 if match.group(1) == "watched-history" else 4), number


def parse_zip(context: Context, data: bytes) -> ParsedFile:
    files = sorted(unpack(context, data, wanted), key=lambda item: _order(item[0]))
    groups: dict[tuple, Group] = {}
    skipped: list[tuple[int, str, str]] = []
    for name, raw in files:
        for index, item in enumerate(load_list(context, name, raw), start=1):
            context.count_row(name)
            if not isinstance(item, dict):
                raise Entry(context, name, index, {}).fail("", item)
            entry = Entry(context, name, index, item)
            _read(entry, name, groups, skipped)
    return ParsedFile("trakt", tuple(group.row() for group in groups.values()), tuple(skipped))


def _read(entry: Entry, name: str, groups: dict[tuple, Group], skipped: list[tuple[int, str, str]]) -> None:
    kind = entry.text("type")
    media = "movie" if kind == "movie" else "show"
    if kind not in ("show", "movie", "episode"):
        title = (
            entry.text("person.name")
            if kind == "person"
            else entry.text("show.title")
            if kind == "season"
            else ""
        )
        skipped.append((entry.line, title, "history.skip.unsupported_entry"))
        return
    if entry.get(media) is None:
        raise entry.fail(media)
    title = entry.text(f"{media}.title")
    if not title:
        skipped.append((entry.line, "", "history.skip.no_title"))
        return
    group = _group(entry, media, title, groups)
    if name.startswith("ratings-"):
        halves, at = entry.score("rating"), entry.date("rated_at")
        if kind == "episode":
            group.episodes.append(_episode(entry, halves, at))
        else:
            group.halves, group.rated_at = halves, at
        group.at = later(group.at, at)
    elif name.startswith("watched-history"):
        at = entry.date("watched_at")
        if kind == "episode":
            group.episodes.append(_episode(entry, None, at))
        group.at = later(group.at, at)
    else:
        at = entry.date("listed_at")
        if kind == "episode":
            skipped.append((entry.line, title, "history.skip.unsupported_entry"))
            return
        group.status = "plan"
        group.at = later(group.at, at)


def _episode(entry: Entry, halves: int | None, at: datetime | None) -> EpisodeEvent:
    number = entry.int("episode.number", 0, 100_000)
    if number is None:
        raise entry.fail("episode.number")
    return EpisodeEvent(entry.int("episode.season", 0, 1000), number, halves, at)


def _group(entry: Entry, media: str, title: str, groups: dict[tuple, Group]) -> Group:
    trakt_id = entry.int(f"{media}.ids.trakt")
    tmdb_id = entry.int(f"{media}.ids.tmdb") or None
    imdb_id = entry.imdb(f"{media}.ids.imdb")
    tvdb_id = entry.int(f"{media}.ids.tvdb") or None
    year = entry.int(f"{media}.year", 1800, 2200)
    if trakt_id:
        key: tuple = (media, "trakt", trakt_id)
    elif tmdb_id:
        key = (media, "tmdb", tmdb_id)
    else:
        key = (media, "title", title.casefold(), year)
    group = groups.get(key)
    if group is None:
        group = groups[key] = Group(entry.line, entry.file, title, year, media, tmdb_id, imdb_id, tvdb_id)
    return group

"""What a history file says, format-free: one row per drama (with its episodes), already mapped to
dramabot's scale (half stars 1..10) and statuses. The importer matches and stores these."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

FORMATS = ("simkl", "trakt", "tvtime", "mdl", "dramabot")
KINDS = ("show", "movie", "anime", "talk", "reality", "other")
STATUSES = ("watching", "completed", "plan", "on_hold", "dropped")


@dataclass(frozen=True)
class EpisodeEvent:
    """An episode watched and/or rated. `season` is None where the file numbers episodes straight
    through; `halves` is the episode's score (1..10) or None when it was only watched."""

    season: int | None
    episode: int
    halves: int | None
    at: datetime | None


@dataclass(frozen=True)
class HistoryRow:
    """One drama (or film, or anime: see `kind`) as the file tells it."""

    line: int  # 1-based row (or entry) number in its file, for messages; a CSV's header is row 1
    source: str  # file name inside a zip, or the upload's name
    title: str
    year: int | None
    kind: str  # "show", "movie", "anime", "talk", "reality", "other"
    tmdb_id: int | None
    imdb_id: str | None
    tvdb_id: int | None
    halves: int | None  # the drama's score as half stars 1..10 (already mapped)
    status: str | None  # one of watching, completed, plan, on_hold, dropped (already mapped)
    progress: int | None  # last episode watched (absolute episode number where known)
    episodes: tuple[EpisodeEvent, ...]
    at: datetime | None  # when the file says this was rated/changed (aware, UTC)


@dataclass(frozen=True)
class ParsedFile:
    """A whole upload: its format, its rows in file order, and what parsing itself left out."""

    format: str  # "simkl", "trakt", "tvtime", "mdl", "dramabot"
    rows: tuple[HistoryRow, ...]
    skipped: tuple[tuple[int, str, str], ...]  # (line, title, reason key) skipped while parsing

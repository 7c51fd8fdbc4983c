"""The rows every history format parses into (the shared interface; the `formats` branch owns this file)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class EpisodeEvent:
    season: int | None
    episode: int
    halves: int | None
    at: datetime | None


@dataclass(frozen=True)
class HistoryRow:
    line: int
    source: str
    title: str
    year: int | None
    kind: str
    tmdb_id: int | None
    imdb_id: str | None
    tvdb_id: int | None
    halves: int | None
    status: str | None
    progress: int | None
    episodes: tuple[EpisodeEvent, ...]
    at: datetime | None


@dataclass(frozen=True)
class ParsedFile:
    format: str
    rows: tuple[HistoryRow, ...]
    skipped: tuple[tuple[int, str, str], ...]

"""The JSON side of reading: an entry of a JSON list read with errors naming the file, the entry's
number and the field (Trakt's exports), and the grouping of a file's entries into one row per title."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime

from bot.history.errors import HistoryFileError, shown
from bot.history.mapping import halves_from_ten
from bot.history.rows import EpisodeEvent, HistoryRow
from bot.history.text import FUTURE_SLACK, IMDB, Context, decode, parse_date


def load_list(context: Context, file: str, data: bytes) -> list[object]:
    """A JSON file that must hold a list (every Trakt export file does)."""
    try:
        value = json.loads(decode(data, file))
    except (ValueError, RecursionError):
        raise HistoryFileError.keyed("history.error.bad_json", file=file) from None
    if not isinstance(value, list):
        raise HistoryFileError.keyed("history.error.bad_json", file=file)
    return value


@dataclass
class Entry:
    context: Context
    file: str
    line: int
    data: dict

    def fail(self, path: str, value: object = "") -> HistoryFileError:
        return HistoryFileError.keyed(
            "history.error.bad_entry", file=self.file, row=self.line, column=path, value=shown(str(value))
        )

    def get(self, path: str) -> object:
        node: object = self.data
        for part in path.split("."):
            if node is None:
                return None
            if not isinstance(node, dict):
                raise self.fail(path, node)
            node = node.get(part)
        return node

    def text(self, path: str) -> str:
        value = self.get(path)
        if value is None:
            return ""
        if not isinstance(value, str):
            raise self.fail(path, value)
        if len(value) > self.context.limits.max_cell:
            raise HistoryFileError.keyed(
                "history.error.cell_too_long",
                file=self.file,
                row=self.line,
                column=path,
                limit=self.context.limits.max_cell,
            )
        return value.strip()

    def int(self, path: str, low: int = 0, high: int = 10**9) -> int | None:
        value = self.get(path)
        if value is None or value == "":
            return None
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise self.fail(path, value)
        return value

    def imdb(self, path: str) -> str | None:
        value = self.text(path).lower()
        if not value:
            return None
        if not IMDB.fullmatch(value):
            raise self.fail(path, value)
        return value

    def score(self, path: str) -> int | None:
        value = self.get(path)
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 1:
            raise HistoryFileError.keyed(
                "history.error.bad_score", file=self.file, row=self.line, column=path, value=shown(str(value))
            )
        try:
            return halves_from_ten(value)
        except ValueError:
            raise HistoryFileError.keyed(
                "history.error.bad_score", file=self.file, row=self.line, column=path, value=shown(str(value))
            ) from None

    def date(self, path: str) -> datetime | None:
        value = self.text(path)
        if not value:
            return None
        at = parse_date(value)
        if at is None:
            raise HistoryFileError.keyed(
                "history.error.bad_date", file=self.file, row=self.line, column=path, value=shown(value)
            )
        if at > self.context.now + FUTURE_SLACK:
            raise HistoryFileError.keyed(
                "history.error.future_date", file=self.file, row=self.line, column=path, value=shown(value)
            )
        return at


def later(a: datetime | None, b: datetime | None) -> datetime | None:
    return max((x for x in (a, b) if x is not None), default=None)


@dataclass
class Group:
    """One title being gathered from several files or rows."""

    line: int
    source: str
    title: str
    year: int | None
    kind: str
    tmdb_id: int | None = None
    imdb_id: str | None = None
    tvdb_id: int | None = None
    halves: int | None = None
    status: str | None = None
    progress: int | None = None
    rated_at: datetime | None = None
    at: datetime | None = None
    episodes: list[EpisodeEvent] = field(default_factory=list)

    def row(self) -> HistoryRow:
        episodes = tuple(sorted(self.episodes, key=_episode_order))
        return HistoryRow(
            line=self.line,
            source=self.source,
            title=self.title,
            year=self.year,
            kind=self.kind,
            tmdb_id=self.tmdb_id,
            imdb_id=self.imdb_id,
            tvdb_id=self.tvdb_id,
            halves=self.halves,
            status=self.status,
            progress=(progress_of(episodes) if episodes else None) or self.progress,
            episodes=episodes,
            at=self.rated_at or self.at,
        )


def _episode_order(event: EpisodeEvent) -> tuple:
    return (event.season or 0, event.episode, event.at is None, event.at or datetime.min)


def progress_of(episodes: tuple[EpisodeEvent, ...]) -> int | None:
    """The last episode watched, when the episodes are numbered in one run (season 1, or no season;
    specials, season 0, left out); None when they span seasons (the importer knows their lengths)."""
    regular = [event for event in episodes if event.season != 0]
    if not regular or any(event.season not in (None, 1) for event in regular):
        return None
    return max(event.episode for event in regular)

"""dramabot's own CSV (docs/import.md "dramabot's own CSV"): for a community's spreadsheet, or a
hand-made list. One row per drama, and one per episode score:

    title,year,tmdb_id,imdb_id,status,progress,episode,stars,rated_at
    Signal,2016,64840,tt5332206,completed,16,,4.5,2024-03-02T21:00:00Z
    Signal,2016,64840,tt5332206,,,3,5,2024-02-10

A row with `episode` is that episode's score; the others are the drama's. Rows of one drama (same
tmdb_id, else imdb_id, else title and year) become one HistoryRow. `stars` is 0.5..5 in halves; a
`score` column (1-10) may stand in its place. An optional `kind` column says show (the default),
movie, anime, talk, reality or other."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime

from bot.history import mapping
from bot.history.errors import HistoryFileError, shown
from bot.history.rows import KINDS, EpisodeEvent, HistoryRow, ParsedFile
from bot.history.text import Record, Table

REQUIRED = ("title", "year", "tmdb id", "imdb id", "status", "progress", "episode", "rated at")
NAMES = {key: key.replace(" ", "_") for key in (*REQUIRED, "stars", "score", "kind")}
HEADER = "title,year,tmdb_id,imdb_id,status,progress,episode,stars,rated_at"  # docs/import.md


def detect(table: Table) -> bool:
    return table.has("title", "tmdb id") and (table.has("stars") or table.has("score"))


@dataclass
class _Drama:
    row: HistoryRow
    episodes: list[EpisodeEvent] = field(default_factory=list)


def _halves(record: Record, scored_by: str) -> int | None:
    return record.stars("stars") if scored_by == "stars" else record.score("score")


def parse(table: Table) -> ParsedFile:
    table.require(*REQUIRED, names=NAMES)
    if table.has("stars") and table.has("score"):
        raise HistoryFileError.keyed("history.error.stars_and_score", file=table.file)
    scored_by = "stars" if table.has("stars") else "score"
    dramas: dict[tuple, _Drama] = {}
    skipped: list[tuple[int, str, str]] = []
    for record, title in table.titled(skipped):
        tmdb_id, imdb_id, year = record.int("tmdb id") or None, record.imdb("imdb id"), record.year("year")
        kind = record.text("kind").lower() or "show"
        if kind not in KINDS:
            raise record.fail("kind", "history.error.bad_kind", value=shown(kind))
        key = (
            ("tmdb", tmdb_id)
            if tmdb_id
            else ("imdb", imdb_id)
            if imdb_id
            else ("title", title.casefold(), year)
        )
        at = record.date("rated at")
        halves = _halves(record, scored_by)
        episode = record.int("episode", 0, 100_000)
        drama = dramas.get(key)
        if drama is None:
            empty = HistoryRow(
                record.line, table.file, title, year, kind, tmdb_id, imdb_id, None, None, None, None, (), None
            )
            drama = dramas[key] = _Drama(empty)
        if episode:
            drama.episodes.append(EpisodeEvent(None, episode, halves, at))
            continue
        status = record.status("status", mapping.OWN_STATUS)
        progress = record.int("progress", 0, 100_000)
        old = drama.row
        drama.row = replace(
            old,
            halves=halves if halves is not None else old.halves,
            status=status or old.status,
            progress=progress if progress else old.progress,
            at=_later(old.at, at),
        )
    rows = tuple(replace(d.row, episodes=tuple(d.episodes)) for d in dramas.values())
    return ParsedFile("dramabot", rows, tuple(skipped))


def _later(a: datetime | None, b: datetime | None) -> datetime | None:
    return max((x for x in (a, b) if x is not None), default=None)

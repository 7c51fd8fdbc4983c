"""Simkl's CSV backup, both ways: read ("Download backup (CSV format)") and written (/export's CSV,
which Simkl and this reader import).

    SIMKL_ID,Title,Type,Year,Watchlist,LastEpWatched,WatchedDate,Rating,Memo,TVDB,TMDB,IMDB
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from bot.history import mapping
from bot.history.errors import shown
from bot.history.rows import EpisodeEvent, HistoryRow, ParsedFile
from bot.history.text import CONTROL, Table, column_key, escape

HEADER = (
    "SIMKL_ID",
    "Title",
    "Type",
    "Year",
    "Watchlist",
    "LastEpWatched",
    "WatchedDate",
    "Rating",
    "Memo",
    "TVDB",
    "TMDB",
    "IMDB",
)
KEYS = {column_key(name): name for name in HEADER}  # "simkl id": "SIMKL_ID", ...
EPISODE = re.compile(r"s(\d{1,3})\s*e(\d{1,5})|(\d{1,5})", re.IGNORECASE)


def detect(table: Table) -> bool:
    return table.has("simkl id")


def parse(table: Table) -> ParsedFile:
    table.require(*KEYS, names=KEYS)
    rows: list[HistoryRow] = []
    skipped: list[tuple[int, str, str]] = []
    for record, title in table.titled(skipped):
        status = record.status("watchlist", mapping.SIMKL_STATUS)
        if status == mapping.SKIP:
            skipped.append((record.line, title, "history.skip.not_interested"))
            continue
        at = record.date("watcheddate")
        season, episode = last_episode(record)
        rows.append(
            HistoryRow(
                line=record.line,
                source=table.file,
                title=title,
                year=record.year("year"),
                kind=mapping.kind(mapping.SIMKL_KIND, record.text("type")),
                tmdb_id=record.int("tmdb") or None,
                imdb_id=record.imdb("imdb"),
                tvdb_id=record.int("tvdb") or None,
                halves=record.score("rating"),
                status=status,
                progress=episode if episode and season in (None, 1) else None,
                episodes=(EpisodeEvent(season, episode, None, at),)
                if episode and season not in (None, 1)
                else (),
                at=at,
            )
        )
    return ParsedFile("simkl", tuple(rows), tuple(skipped))


def last_episode(record) -> tuple[int | None, int | None]:  # noqa: ANN001 - a text.Record
    """LastEpWatched: "S01E07" (season 1, episode 7), or a bare "7" (anime count straight through)."""
    value = record.text("lastepwatched")
    if not value:
        return None, None
    match = EPISODE.fullmatch(value.strip())
    if not match:
        raise record.fail("lastepwatched", "history.error.bad_episode", value=shown(value))
    if match.group(3):
        return None, int(match.group(3)) or None
    return int(match.group(1)), int(match.group(2)) or None


@dataclass(frozen=True)
class ExportedDrama:
    """One drama of a member's list and ratings, as /export writes it."""

    title: str
    year: int | None
    tmdb_id: int | None
    imdb_id: str | None
    status: str | None
    progress: int
    halves: int | None
    rated_at: datetime | None
    memo: str = ""


def simkl_csv(dramas: Iterable[ExportedDrama]) -> bytes:
    """Simkl's import columns, one row per drama, UTF-8. Text cells starting with =, +, - or @ get a
    leading ' so a spreadsheet shows them instead of running them (this module's reader takes it off).
    Scores are 1-10 (half stars as they are), progress "S01E07", WatchedDate ISO 8601 in UTC."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    for drama in dramas:
        writer.writerow(
            (
                "",
                escape(CONTROL.sub("", drama.title)),
                "tv",
                drama.year or "",
                mapping.SIMKL_WRITE.get(drama.status or "", ""),
                f"S01E{drama.progress:02d}" if drama.progress > 0 else "",
                drama.rated_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if drama.rated_at else "",
                drama.halves or "",
                escape(" ".join(CONTROL.sub(" ", drama.memo).split())),
                "",
                drama.tmdb_id or "",
                escape(drama.imdb_id or ""),
            )
        )
    return out.getvalue().encode("utf-8")

"""MyDramaList lists, as the common exporters write them (MyDramaList has no export of its own): TSV,

    Title  Status  Episodes watched  Total episodes  Country of Origin  Show type  Rating
    Started on  Ended on  Re-watched

Some exporters add a "Show ID" first and say "Date Started"/"Date Ended"; both are read. Ratings are
out of 10 in halves (8.5) and round half up to half stars; "Not Interested" rows are skipped."""

from __future__ import annotations

from bot.history import mapping
from bot.history.rows import HistoryRow, ParsedFile
from bot.history.text import Table

REQUIRED = {
    "title": "Title",
    "status": "Status",
    "episodes watched": "Episodes watched",
    "total episodes": "Total episodes",
    "country of origin": "Country of Origin",
    "show type": "Show type",
    "rating": "Rating",
}
STARTED = ("started on", "date started")
ENDED = ("ended on", "date ended")


def detect(table: Table) -> bool:
    return table.has("country of origin") or (table.has("episodes watched") and table.has("show type"))


def _first(table: Table, keys: tuple[str, ...]) -> str | None:
    return next((key for key in keys if key in table.keys), None)


def parse(table: Table) -> ParsedFile:
    table.require(*REQUIRED, names=REQUIRED)
    started, ended = _first(table, STARTED), _first(table, ENDED)
    rows: list[HistoryRow] = []
    skipped: list[tuple[int, str, str]] = []
    for record, title in table.titled(skipped):
        status = record.status("status", mapping.MDL_STATUS)
        if status == mapping.SKIP:
            skipped.append((record.line, title, "history.skip.not_interested"))
            continue
        dates = [record.date(key) for key in (started, ended) if key]
        known = [at for at in dates if at is not None]
        rows.append(
            HistoryRow(
                line=record.line,
                source=table.file,
                title=title,
                year=None,
                kind=mapping.kind(mapping.MDL_KIND, record.text("show type")),
                tmdb_id=None,
                imdb_id=None,
                tvdb_id=None,
                halves=record.score("rating"),
                status=status,
                progress=record.int("episodes watched", 0, 100_000) or None,
                episodes=(),
                at=max(known) if known else None,
            )
        )
    return ParsedFile("mdl", tuple(rows), tuple(skipped))

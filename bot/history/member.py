"""A member's export (/export): everything stored about them as JSON (the format: docs/export.md), and
their scores and list as the dramas of a Simkl CSV (bot/history/simkl.py writes it). Pure: no I/O."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from bot.history.simkl import ExportedDrama
from bot.models import MemberData

FORMAT = "dramabot-export/1"
SAFE_INTEGER = 2**53 - 1  # larger integers (Discord ids) are written as text: JavaScript reads them exactly


def _id(value: int | None) -> str | None:
    return None if value is None else str(value)


def _value(value: int | str | None) -> int | str | None:
    return str(value) if isinstance(value, int) and abs(value) > SAFE_INTEGER else value


def _drama(item) -> dict:  # noqa: ANN001 - an ExportedRating or ExportedEntry
    return {"id": item.drama_id, "title": item.title, "year": item.year, "tmdb_id": item.tmdb_id,
            "imdb_id": item.imdb_id}  # fmt: skip


def export_json(data: MemberData, exported_at: datetime) -> bytes:
    """The member's data as UTF-8 JSON (docs/export.md)."""
    document = {
        "format": FORMAT,
        "exported_at": exported_at.astimezone(UTC).isoformat(timespec="seconds"),
        "user_id": str(data.user_id),
        "ratings": [
            {"drama": _drama(r), "episode": r.episode, "score": r.halves / 2, "halves": r.halves,
             "server_id": _id(r.guild_id), "first_rated_at": r.created_at, "rated_at": r.updated_at}
            for r in data.ratings
        ],
        "watchlist": [
            {"drama": _drama(e), "status": e.status, "progress": e.progress, "server_id": _id(e.guild_id),
             "changed_at": e.updated_at}
            for e in data.watchlist
        ],
        "stored": [
            {"table": h.table, "column": h.column, "on_erasure": "deleted" if h.erased else "id cleared",
             "rows": [{k: _value(v) for k, v in row} for row in h.rows]}
            for h in data.held
        ],
    }  # fmt: skip
    return json.dumps(document, ensure_ascii=False, indent=1).encode("utf-8")


def _when(text: str) -> datetime | None:
    """A stored time (ISO 8601 text, UTC when it names no zone) as an aware datetime; None if unreadable."""
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def simkl_dramas(data: MemberData) -> list[ExportedDrama]:
    """One drama per row of the Simkl CSV: the member's own score of it (not the episodes') and its list
    entry, by title."""
    scores = {r.drama_id: r for r in data.ratings if r.episode is None}
    entries = {e.drama_id: e for e in data.watchlist}
    dramas = []
    for drama_id in sorted(scores.keys() | entries.keys()):
        rating, entry = scores.get(drama_id), entries.get(drama_id)
        about = rating or entry
        assert about is not None
        dramas.append(ExportedDrama(
            title=about.title, year=about.year, tmdb_id=about.tmdb_id, imdb_id=about.imdb_id,
            status=entry.status if entry else None, progress=entry.progress if entry else 0,
            halves=rating.halves if rating else None, rated_at=_when(rating.updated_at) if rating else None,
        ))  # fmt: skip
    return sorted(dramas, key=lambda d: (d.title.casefold(), d.year or 0))

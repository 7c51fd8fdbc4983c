"""parse_upload: the format from the content (never the file's name), then that format's reader.

A zip is a Trakt export (its JSON files) or a TV Time export (its CSV files); text is CSV or TSV whose
header says which format it is. Everything is pure and synchronous: the importer runs it in a thread."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.history import mdl, own, simkl, trakt, tvtime
from bot.history.errors import HistoryFileError, shown
from bot.history.limits import LIMITS, Limits
from bot.history.rows import ParsedFile
from bot.history.text import Context, Table, decode
from bot.history.zipped import entries, is_zip

TABLES = (simkl, mdl, tvtime, own)  # each: detect(table) -> bool, parse(table) -> ParsedFile


def parse_upload(
    data: bytes, filename: str, *, now: datetime | None = None, limits: Limits = LIMITS
) -> ParsedFile:
    """The rows of an uploaded history file, or HistoryFileError naming the file, row and column.

    `now` (aware; default the current time) refuses dates after it; `limits` are the caps of
    bot/history/limits.py."""
    file = shown(filename or "upload", 80)
    if len(data) > limits.max_bytes:
        raise HistoryFileError.keyed(
            "history.error.too_large",
            file=file,
            size=f"{len(data) / 2**20:.1f}",
            limit=limits.max_bytes // 2**20,
        )
    if not data.strip():
        raise HistoryFileError.keyed("history.error.empty", file=file)
    context = Context(file, limits, (now or datetime.now(UTC)).astimezone(UTC))
    if is_zip(data):
        names = entries(context, data)
        for reader in (trakt, tvtime):
            if reader.detect_zip(names):
                return reader.parse_zip(context, data)
        raise HistoryFileError.keyed("history.error.zip_unknown", file=file)
    table = Table.read(context, file, decode(data, file))
    for reader in TABLES:
        if reader.detect(table):
            return reader.parse(table)
    raise HistoryFileError.keyed(
        "history.error.unknown_columns", file=file, header=shown(", ".join(table.header), 80)
    )

"""Bytes to text to rows: the encodings spreadsheets write, CSV and TSV read with every limit, and the
cells read as numbers, dates and ids with an error naming the file, row and column.

Cells are data only: nothing is evaluated, and a leading ``'`` that dramabot's own export puts before
``=``, ``+``, ``-`` or ``@`` (against formula injection) is taken off again."""

from __future__ import annotations

import codecs
import csv
import io
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from bot.history.errors import HistoryFileError, shown
from bot.history.limits import Limits
from bot.history.mapping import halves_from_stars, halves_from_ten
from bot.history.mapping import status as mapping_status

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
FUTURE_SLACK = timedelta(days=1)  # a date-only value is midnight UTC; members live up to UTC+14
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
IMDB = re.compile(r"tt\d{5,10}")


@dataclass
class Context:
    """One upload being read: its name, the limits, the time now, and the rows read so far (all
    files of a zip together)."""

    upload: str
    limits: Limits
    now: datetime
    rows: int = 0

    def count_row(self, file: str) -> None:
        self.rows += 1
        if self.rows > self.limits.max_rows:
            raise HistoryFileError.keyed("history.error.too_many_rows", file=file, limit=self.limits.max_rows)


def decode(data: bytes, file: str) -> str:
    """Text from UTF-8 (with or without a BOM), UTF-16 (spreadsheets' "Unicode text", with a BOM or
    recognised by its zero bytes) or, failing UTF-8, Windows-1252 when that gives plain text."""
    if data.startswith(codecs.BOM_UTF8):
        candidates = [("utf-8", data[len(codecs.BOM_UTF8) :])]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        candidates = [("utf-16", data)]
    elif b"\x00" in data[:4096]:
        sample = data[:4096]
        odd, even = sample[1::2].count(0), sample[0::2].count(0)
        guess = "utf-16-le" if odd > even else "utf-16-be"
        candidates = [(guess, data)] if max(odd, even) * 2 >= len(sample) // 2 else []
    else:
        candidates = [("utf-8", data), ("cp1252", data)]
    for encoding, raw in candidates:
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            continue
        text = text.removeprefix("\ufeff")
        if not CONTROL.search(text):
            return text
    raise HistoryFileError.keyed("history.error.not_text", file=file)


def unescape(value: str) -> str:
    """A cell as its author wrote it: without the ``'`` an export put before a formula-like start
    (or before a ``'`` of the text's own)."""
    if len(value) > 1 and value[0] == "'" and value[1] in (*FORMULA_START, "'"):
        return value[1:]
    return value


def escape(value: str) -> str:
    """A cell a spreadsheet will show as text, never run: ``'`` before a formula-like start (and
    before a leading ``'``, so that unescape gives the text back exactly)."""
    return "'" + value if value.startswith((*FORMULA_START, "'")) else value


def column_key(name: str) -> str:
    """A header cell compared loosely: "SIMKL_ID", "simkl id" and "Simkl-Id" are one column."""
    return " ".join(re.sub(r"[_\-]+", " ", name.strip().lower()).split())


def delimiter_of(text: str) -> str:
    first = next((line for line in io.StringIO(text) if line.strip()), "")
    return "\t" if first.count("\t") > first.count(",") else ","


@dataclass
class Table:
    """A CSV or TSV file: its header (as written and as keys) and its records, read lazily."""

    context: Context
    file: str
    text: str
    delimiter: str
    header: list[str] = field(default_factory=list)
    keys: list[str] = field(default_factory=list)

    @classmethod
    def read(cls, context: Context, file: str, text: str) -> Table:
        table = cls(context, file, text, delimiter_of(text))
        first = next(table._raw(), None)
        if first is None:
            raise HistoryFileError.keyed("history.error.empty", file=file)
        table.header = [unescape(cell.strip()) for cell in first[1]]
        table.keys = [column_key(name) for name in table.header]
        return table

    def has(self, *keys: str) -> bool:
        return all(key in self.keys for key in keys)

    def require(self, *keys: str, names: dict[str, str] | None = None) -> None:
        """Every column the format needs is there, else an error naming the missing ones."""
        missing = [(names or {}).get(key, key) for key in keys if key not in self.keys]
        if missing:
            raise HistoryFileError.keyed(
                "history.error.missing_columns", file=self.file, columns=", ".join(missing)
            )

    def _raw(self) -> Iterator[tuple[int, list[str]]]:
        reader = csv.reader(io.StringIO(self.text, newline=""), delimiter=self.delimiter, strict=True)
        line = 0
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error:
                raise HistoryFileError.keyed(
                    "history.error.bad_row", file=self.file, row=line + 1, limit=self.context.limits.max_row
                ) from None
            line += 1
            if any(cell.strip() for cell in cells):
                yield line, cells

    def titled(self, skipped: list[tuple[int, str, str]]) -> Iterator[tuple[Record, str]]:
        """The records with a title, and it; a row without one is noted in `skipped` (for the preview)."""
        for record in self.records():
            title = record.text("title")
            if title:
                yield record, title
            else:
                skipped.append((record.line, "", "history.skip.no_title"))

    def records(self) -> Iterator[Record]:
        limits = self.context.limits
        names = dict(zip(self.keys, self.header, strict=True))
        raw = self._raw()
        next(raw, None)  # the header
        for line, cells in raw:
            self.context.count_row(self.file)
            extra = [cell for cell in cells[len(self.keys) :] if cell.strip()]
            if extra:
                raise HistoryFileError.keyed(
                    "history.error.extra_cells",
                    file=self.file,
                    row=line,
                    found=len(cells),
                    expected=len(self.keys),
                )
            for index, cell in enumerate(cells[: len(self.keys)]):
                if len(cell) > limits.max_cell:
                    raise HistoryFileError.keyed(
                        "history.error.cell_too_long",
                        file=self.file,
                        row=line,
                        column=self.header[index],
                        limit=limits.max_cell,
                    )
            if sum(len(cell) for cell in cells) > limits.max_row:
                raise HistoryFileError.keyed(
                    "history.error.row_too_long", file=self.file, row=line, limit=limits.max_row
                )
            values: dict[str, str] = {}
            for index, key in enumerate(self.keys):
                cell = cells[index] if index < len(cells) else ""
                values.setdefault(key, unescape(cell.strip()))
            yield Record(self.context, self.file, line, values, names)


@dataclass
class Record:
    """One data row (or one JSON entry): its cells by column key, read with errors that name them."""

    context: Context
    file: str
    line: int
    values: dict[str, str]
    names: dict[str, str]

    def fail(self, key: str, error: str, **fields: object) -> HistoryFileError:
        return HistoryFileError.keyed(
            error, file=self.file, row=self.line, column=self.names.get(key, key), **fields
        )

    def text(self, key: str) -> str:
        return self.values.get(key, "")

    def int(self, key: str, low: int = 0, high: int = 10**9) -> int | None:
        """A whole number (a spreadsheet's "12.0" and TV Time's "9.061384e+06" too), or None if empty."""
        value = self.text(key)
        if not value:
            return None
        try:
            number = float(value) if not value.isdigit() else int(value)
        except ValueError:
            raise self.fail(key, "history.error.bad_number", value=shown(value)) from None
        if not math.isfinite(number) or number != int(number) or not low <= number <= high:
            raise self.fail(key, "history.error.bad_number", value=shown(value))
        return int(number)

    def score(self, key: str) -> int | None:
        """A 1-10 score as half stars (mapping.halves_from_ten), None when empty or 0."""
        try:
            return halves_from_ten(self.text(key))
        except ValueError:
            raise self.fail(key, "history.error.bad_score", value=shown(self.text(key))) from None

    def stars(self, key: str) -> int | None:
        try:
            return halves_from_stars(self.text(key))
        except ValueError:
            raise self.fail(key, "history.error.bad_stars", value=shown(self.text(key))) from None

    def status(self, key: str, table: dict[str, str]) -> str | None:
        """A status through a format's table (mapping.*_STATUS); None when empty; may be SKIP."""
        value = self.text(key)
        try:
            return mapping_status(table, value)
        except KeyError:
            raise self.fail(key, "history.error.bad_status", value=shown(value)) from None

    def year(self, key: str) -> int | None:
        return self.int(key, 1900, 2100)

    def imdb(self, key: str) -> str | None:
        value = self.text(key).lower()
        if not value:
            return None
        if not IMDB.fullmatch(value):
            raise self.fail(key, "history.error.bad_imdb", value=shown(value))
        return value

    def date(self, key: str) -> datetime | None:
        value = self.text(key)
        if not value:
            return None
        at = parse_date(value)
        if at is None:
            raise self.fail(key, "history.error.bad_date", value=shown(value))
        if at > self.context.now + FUTURE_SLACK:
            raise self.fail(key, "history.error.future_date", value=shown(value))
        return at


DATE_FORMATS = (
    "%Y-%m-%d",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y/%m/%d",
    "%Y/%m/%d %H:%M:%S",
    "%d-%m-%Y",
    "%d-%m-%Y %H:%M:%S",
    "%d-%m-%Y %H:%M",
)


def parse_date(value: str) -> datetime | None:
    """An ISO 8601 date or time (Trakt's "2016-06-03T12:34:56.000Z" too) or one of DATE_FORMATS;
    without a zone it is UTC. None when it is not a date."""
    text = value.strip()
    at: datetime | None = None
    if len(text) >= 10 and text[4] == "-" and ("T" in text or "+" in text[10:] or text.endswith("Z")):
        try:
            at = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            at = None
    if at is None:
        for pattern in DATE_FORMATS:
            try:
                at = datetime.strptime(text, pattern)
                break
            except ValueError:
                continue
    if at is None:
        return None
    if at.tzinfo is None:
        return at.replace(tzinfo=UTC)
    return at.astimezone(UTC)

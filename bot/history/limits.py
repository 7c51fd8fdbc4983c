"""How much of a history file dramabot reads: every limit in one place (docs/import.md lists them)."""

from __future__ import annotations

from dataclasses import dataclass

MB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    max_bytes: int = 8 * MB  # the upload itself
    max_rows: int = 20_000  # data rows (CSV) or entries (JSON), all files of a zip together
    max_cell: int = 1_000  # characters in one cell
    max_row: int = 4_000  # characters in one row, all cells together
    zip_entries: int = 500  # files and folders listed in a zip
    zip_entry_bytes: int = 32 * MB  # one file of a zip, unpacked
    zip_total_bytes: int = 64 * MB  # every file of a zip, unpacked, together


LIMITS = Limits()

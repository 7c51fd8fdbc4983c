"""Watch histories from other trackers, in and out: parse_upload reads Simkl, Trakt, TV Time,
MyDramaList and dramabot files into rows (bot/history/rows.py); simkl_csv writes the export.
docs/import.md describes every format, the mapping and the limits."""

from bot.history.detect import parse_upload
from bot.history.errors import HistoryFileError
from bot.history.limits import LIMITS, Limits
from bot.history.rows import EpisodeEvent, HistoryRow, ParsedFile
from bot.history.simkl import ExportedDrama, simkl_csv

__all__ = [
    "LIMITS",
    "EpisodeEvent",
    "ExportedDrama",
    "HistoryFileError",
    "HistoryRow",
    "Limits",
    "ParsedFile",
    "parse_upload",
    "simkl_csv",
]

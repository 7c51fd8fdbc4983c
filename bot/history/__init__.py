"""Members' history from other trackers (placeholder until the `formats` branch brings the parsers)."""

from bot.history.rows import ParsedFile


def parse_upload(data: bytes, filename: str) -> ParsedFile:  # replaced by the `formats` branch
    raise NotImplementedError

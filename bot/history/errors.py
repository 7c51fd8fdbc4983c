"""The one error a history file raises: keyed (shown in the member's language), naming the file, and
the row and column where there is one."""

from __future__ import annotations

from bot.errors import UserError


class HistoryFileError(UserError):
    """A file that cannot be imported; nothing of it is stored. `file`, `row` and `column` are also
    fields of the message (None where they do not apply)."""

    @property
    def file(self) -> str | None:
        return self.fields.get("file")  # type: ignore[return-value]

    @property
    def row(self) -> int | None:
        return self.fields.get("row")  # type: ignore[return-value]

    @property
    def column(self) -> str | None:
        return self.fields.get("column")  # type: ignore[return-value]


def shown(value: str, limit: int = 40) -> str:
    """A cell's text as a message quotes it: one line, at most `limit` characters, no backticks."""
    flat = " ".join(value.split()).replace("`", "'")
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"

"""The one user-facing error type, and the store's own failures."""

from __future__ import annotations

from bot.i18n.messages import t


class UserError(Exception):
    """An expected failure with a short, kind message for the member (shown ephemerally); `keyed` ones
    are shown in the member's language (`message` holds the English)."""

    def __init__(
        self, message: str, *, key: str | None = None, fields: dict[str, object] | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.key, self.fields = key, dict(fields or {})

    @classmethod
    def keyed(cls, key: str, /, **fields: object) -> UserError:
        return cls(t(key, None, **fields), key=key, fields=fields)

    def text(self, locale: object) -> str:
        """The message in the language of `locale` (a discord.Locale or its value)."""
        return t(self.key, locale, **self.fields) if self.key is not None else self.message


class StoreUnavailable(Exception):
    """The database cannot be used right now (locked, read-only, full, corrupt, closed)."""


class StoreConflict(Exception):
    """A write broke one of the data's rules (a unique id, a foreign key ...) and was undone."""


class SchemaTooNew(Exception):
    """The database was written by a newer dramabot than this one; refuse to touch it."""


class CatalogueRefused(Exception):
    """A restore or merge that cannot be done; nothing was changed. `reason`: "unknown", "not_hidden",
    "same" or "into_hidden"; the cog and the CLI word it."""

    def __init__(self, reason: str, slug: str) -> None:
        super().__init__(f"{reason}: {slug}")
        self.reason, self.slug = reason, slug

"""The one user-facing error type, and the store's own failures."""

from __future__ import annotations

from bot.i18n.messages import t


class UserError(Exception):
    """An expected failure with a short, kind message for the member (shown ephemerally).

    ``UserError.keyed("rate.score_range", score="7")`` names a message of the catalogue
    (bot/i18n/messages.py): the error handler shows it in the member's language, and `message`
    holds the English. ``UserError(text)`` shows `text` as it is, in every language.
    """

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
    """A write broke one of the data's rules (a unique IMDb or Wikidata id, a foreign key ...) and was
    undone. The same error on both backends, so callers never catch a driver's exception type."""


class SchemaTooNew(Exception):
    """The database was written by a newer dramabot than this one; refuse to touch it."""


class CatalogueRefused(Exception):
    """A restore or merge that cannot be done; nothing was changed. `reason` says why ("unknown", "not_hidden",
    "same", "into_hidden") and `slug` which drama it is about; the cog and the CLI word it."""

    def __init__(self, reason: str, slug: str) -> None:
        super().__init__(f"{reason}: {slug}")
        self.reason, self.slug = reason, slug

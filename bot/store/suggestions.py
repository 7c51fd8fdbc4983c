"""Members' suggested corrections to the shared catalogue, accepted or rejected by a global curator.

Accepting applies the value through `Curation.curate` in the transaction that marks it decided, credited to
the member who suggested it; a suggestion is decided once.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from bot.models import Suggestion
from bot.store.airing import ts
from bot.store.curation import Curation
from bot.store.db import Db, Tx
from bot.store.rows import HIDDEN, CatalogueRecord

_COLUMNS = "id, drama_id, field, value, note, user_id, guild_id, status, created_at, decided_by, decided_at"
#: The longest value and note stored (the cog answers a longer one before it gets here).
MAX_VALUE, MAX_NOTE = 3000, 300


class SuggestionClosed(LookupError):
    """The suggestion cannot be decided: there is no such id (`found` None), or it was decided already."""

    def __init__(self, suggestion_id: int, found: Suggestion | None) -> None:
        super().__init__(f"suggestion {suggestion_id}: {found.status if found else 'no such suggestion'}")
        self.suggestion_id, self.found = suggestion_id, found


# Pending, on a drama members see (a removed drama's suggestions wait for its restore).
_WAITING = f"status = 'pending' AND drama_id NOT IN {HIDDEN}"


def _suggestion(row) -> Suggestion:  # noqa: ANN001 - a row of either backend
    return Suggestion(**dict(row))


class Suggestions:
    def __init__(self, db: Db, curation: Curation) -> None:
        self._db = db
        self._curation = curation

    async def add(
        self,
        *,
        user_id: int,
        guild_id: int | None,
        drama_id: int,
        field: str,
        value: str | None,
        note: str | None,
        now: datetime,
        per_window: int,
        window: timedelta,
    ) -> Suggestion | None:
        """Store a pending suggestion, unless the member already made `per_window` in the `window` before
        `now` (then None, nothing stored): the count and the insert in one transaction."""
        if (value is not None and len(value) > MAX_VALUE) or (note is not None and len(note) > MAX_NOTE):
            raise ValueError("a suggestion's value or note is too long")

        async def write(tx: Tx) -> Suggestion | None:
            row = await tx.fetch_one(
                "SELECT COUNT(*) AS n FROM catalogue_suggestions WHERE user_id = ? AND created_at > ?",
                (user_id, ts(now - window)),
            )
            if row["n"] >= per_window:
                return None
            made = await tx.fetch_one(
                "INSERT INTO catalogue_suggestions (drama_id, field, value, note, user_id, guild_id, created_at) "
                f"VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING {_COLUMNS}",
                (drama_id, field, value, note, user_id, guild_id, ts(now)),
            )
            return _suggestion(made)

        return await self._db.write(write)

    async def get(self, suggestion_id: int) -> Suggestion | None:
        row = await self._db.fetch_one(
            f"SELECT {_COLUMNS} FROM catalogue_suggestions WHERE id = ?", (suggestion_id,)
        )
        return _suggestion(row) if row is not None else None

    async def pending(self, limit: int = 5, after_id: int = 0) -> tuple[list[Suggestion], int]:
        """The oldest `limit` pending suggestions with an id above `after_id`, and how many are pending in all.
        Those of a removed drama wait, out of the queue, until it is restored."""
        found = await self._db.fetch(
            f"SELECT {_COLUMNS} FROM catalogue_suggestions WHERE {_WAITING} AND id > ? ORDER BY id LIMIT ?",
            (after_id, limit),
        )
        total = await self._db.fetch_one(f"SELECT COUNT(*) AS n FROM catalogue_suggestions WHERE {_WAITING}")
        return [_suggestion(r) for r in found], total["n"]

    async def _decide_in(
        self, tx: Tx, suggestion_id: int, status: str, decided_by: int | None, now: datetime
    ) -> Suggestion:
        row = await tx.fetch_one(
            f"UPDATE catalogue_suggestions SET status = ?, decided_by = ?, decided_at = ? "
            f"WHERE id = ? AND status = 'pending' RETURNING {_COLUMNS}",
            (status, decided_by, ts(now), suggestion_id),
        )
        if row is None:  # none, or decided (a concurrent decision waited for the row and finds it decided)
            found = await tx.fetch_one(f"SELECT {_COLUMNS} FROM catalogue_suggestions WHERE id = ?", (suggestion_id,))
            raise SuggestionClosed(suggestion_id, _suggestion(found) if found is not None else None)
        return _suggestion(row)

    async def reject(self, suggestion_id: int, *, decided_by: int | None, now: datetime) -> Suggestion:
        """Mark a pending suggestion rejected; SuggestionClosed when there is none pending with this id."""
        return await self._db.write(lambda tx: self._decide_in(tx, suggestion_id, "rejected", decided_by, now))

    async def accept(
        self,
        suggestion_id: int,
        change: Callable[[Suggestion], Callable[[CatalogueRecord | None], CatalogueRecord]],
        *,
        decided_by: int | None,
        actor_id: int,
        actor_name: str | None,
        guild_id: int | None,
        now: datetime,
    ) -> tuple[Suggestion, CatalogueRecord | None, CatalogueRecord | None]:
        """Apply a pending suggestion through `Curation.curate` with `change(suggestion)` and mark it
        accepted, in one transaction: (suggestion, before, after); SuggestionClosed if none is pending."""
        found = await self.get(suggestion_id)
        if found is None or found.status != "pending":
            raise SuggestionClosed(suggestion_id, found)
        slug_row = await self._db.fetch_one(
            "SELECT slug FROM dramas WHERE id = ? AND hidden_at IS NULL", (found.drama_id,)
        )
        if slug_row is None:  # removed meanwhile: it waits with the drama until a restore
            raise SuggestionClosed(suggestion_id, None)
        decided: list[Suggestion] = []

        async def mark(tx: Tx) -> None:
            decided[:] = [await self._decide_in(tx, suggestion_id, "accepted", decided_by, now)]

        before, after = await self._curation.curate(
            slug_row["slug"], change(found), action=f"edit {found.field}", actor_id=actor_id,
            actor_name=actor_name, guild_id=guild_id, credit_user_id=found.user_id, within=mark,
        )  # fmt: skip
        return decided[0], before, after

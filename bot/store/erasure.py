"""Erasing a member (/privacy delete-my-data): every row that holds their Discord user id, in ONE transaction.

The rule: a column holds a Discord user id when its name is `user_id` or `actor_id`, ends with `_user_id`,
or ends with `_by`. Every such column is in ERASED: the member's own rows are deleted; in a row recording
something that stays (an audited change, a server's settings, a follow) the id is set to NULL, so the
change stays and who made it is gone. tests/bot/store/test_erasure.py fails when a column by that rule is
missing here. Reminders go before their ledger records (Airing.record_reminders locks them on PostgreSQL).
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.models import DeletedData
from bot.store.airing import Airing
from bot.store.community import Community
from bot.store.db import Db, Tx


@dataclass(frozen=True, slots=True)
class Held:
    """A column that holds a member's id, and what erasure does to its rows."""

    table: str
    column: str
    counted: str  # the DeletedData field its rows count in
    cleared: tuple[str, ...] = ()  # empty: the row is deleted; else the row stays and these go NULL


ERASED: tuple[Held, ...] = (
    Held("ratings", "user_id", "ratings"),
    Held("watchlist", "user_id", "watchlist"),
    Held("member_settings", "user_id", "settings"),
    Held("reminders", "user_id", "reminders"),
    Held("announcements", "user_id", "sent"),  # kind 'remind': one per reminder sent (or to send)
    Held("dm_channels", "user_id", "dm_channels"),  # the DM channel reminders go to
    Held("catalogue_audit", "actor_id", "named", cleared=("actor_id", "actor_name")),
    Held("announce_settings", "set_by", "named", cleared=("set_by",)),
    Held("follows", "followed_by", "named", cleared=("followed_by",)),
    Held("catalogue_suggestions", "user_id", "suggestions"),
    Held("catalogue_suggestions", "decided_by", "named", cleared=("decided_by",)),
    Held("catalogue_audit", "credit_user_id", "named", cleared=("credit_user_id",)),
    Held("watch_parties", "created_by", "named", cleared=("created_by",)),  # the party stays the server's
)

_COUNTS = "SELECT " + ", ".join(
    f"(SELECT COUNT(*) FROM {h.table} WHERE {h.column} = ?) AS n{i}" for i, h in enumerate(ERASED)
)


def _counted(row) -> DeletedData:  # noqa: ANN001 - a row of either backend
    by_field: dict[str, int] = {}
    for i, held in enumerate(ERASED):
        by_field[held.counted] = by_field.get(held.counted, 0) + int(row[i])
    return DeletedData(**by_field)


class Erasure:
    def __init__(self, db: Db, community: Community, airing: Airing) -> None:
        self._db = db
        self._community = community
        self._airing = airing

    async def counts(self, user_id: int) -> DeletedData:
        """What `erase` would remove now (for its confirmation)."""
        return _counted(await self._db.fetch_one(_COUNTS, (user_id,) * len(ERASED)))

    async def erase(self, user_id: int) -> DeletedData:
        """Erase every row holding the member's id (ERASED) in one transaction, and what this process keeps
        in memory about them; what was removed."""

        async def tx(db: Tx) -> DeletedData:
            counted = _counted(await db.fetch_one(_COUNTS, (user_id,) * len(ERASED)))
            rated = [r["drama_id"] for r in await db.fetch(
                "SELECT DISTINCT drama_id FROM ratings WHERE user_id = ? ORDER BY drama_id", (user_id,)
            )]  # fmt: skip
            for held in ERASED:
                if held.cleared:
                    values = ", ".join(f"{c} = NULL" for c in held.cleared)
                    await db.execute(f"UPDATE {held.table} SET {values} WHERE {held.column} = ?", (user_id,))
                else:
                    await db.execute(f"DELETE FROM {held.table} WHERE {held.column} = ?", (user_id,))
            for drama_id in rated:
                await db.execute("DELETE FROM rating_totals WHERE drama_id = ? AND n = 0", (drama_id,))
            return counted

        try:
            return await self._db.write(tx)
        finally:
            self._community.written(None, (user_id,))  # their ratings counted in any scope
            self._airing.forget(user_id)

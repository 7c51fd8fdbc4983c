"""Erasing a member (/privacy delete-my-data): every row that holds their Discord user id, in ONE transaction.

Which columns hold a member's id: a column holds a Discord user id when its name is `user_id` or
`actor_id`, ends with `_user_id`, or ends with `_by` (`set_by`, `followed_by`, `decided_by`). Every such
column of the schema is listed in ERASED with what erasure does to it:

* the row is the member's own (a rating, a watch list entry, their settings, a reminder and the ledger's
  records of reminders sent to them): the row is deleted;
* the row records something that stays (a catalogue change in the audit, a server's announcement
  channel, a followed drama): the id is set to NULL, with the columns kept beside it (the actor's name),
  so the change stays and who made it is gone. The audit shows such a change as by "an erased member".

tests/bot/store/test_erasure.py reads each backend's schema, finds the columns by that rule, fills each with a
member's id, erases, and fails when a row anywhere still holds it: a new table or column holding user ids
must be added here, or that test fails. Name such a column by the rule.

Deleting ratings fires the totals' triggers, which take each score back out (totals left with no rating
are removed, as if never rated). Reminders go before their ledger records: on PostgreSQL a cycle recording
reminders locks the reminder rows it records (Airing.record_reminders), so a record made while the member
erases is committed before this deletes the records, or not made at all.
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
    Held("catalogue_audit", "actor_id", "named", cleared=("actor_id", "actor_name")),
    Held("announce_settings", "set_by", "named", cleared=("set_by",)),
    Held("follows", "followed_by", "named", cleared=("followed_by",)),
    Held("catalogue_suggestions", "user_id", "suggestions"),
    Held("catalogue_suggestions", "decided_by", "named", cleared=("decided_by",)),
    Held("catalogue_audit", "credit_user_id", "named", cleared=("credit_user_id",)),
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
        """Erase every row holding the member's id (ERASED) in one transaction; what was removed. What
        this process keeps in memory about them goes too (kept charts and scores, reminders to tell about);
        other processes on PostgreSQL drop theirs within their refresh (a minute)."""

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

"""Erasing a member (/privacy delete-my-data): every row that holds their Discord user id, in ONE transaction.

The rule: a column holds a Discord user id when its name is `user_id` or `actor_id`, ends with `_user_id`,
or ends with `_by`. Every such column is in ERASED: the member's own rows are deleted; in a row recording
something that stays (an audited change, a server's settings, a follow) the id is set to NULL, so the
change stays and who made it is gone. tests/bot/store/test_erasure.py fails when a column by that rule is
missing here. Reminders go before their ledger records (Airing.record_reminders locks them on PostgreSQL).

Exporting a member (/export) reads the same list: every row erasure would delete or clear is in the export
(`Erasure.export`), so what one can erase one can also take away.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from bot.models import DeletedData, ExportedEntry, ExportedRating, HeldRows, MemberData
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


_RATINGS = (
    "SELECT r.drama_id, d.title, d.year, d.tmdb_id, d.imdb_id, r.episode, r.halves, r.guild_id, r.created_at, "
    "r.updated_at FROM ratings r JOIN dramas d ON d.id = r.drama_id WHERE r.user_id = ? "
    "ORDER BY r.drama_id, r.episode"
)
_ENTRIES = (
    "SELECT w.drama_id, d.title, d.year, d.tmdb_id, d.imdb_id, w.status, w.progress, w.guild_id, w.updated_at "
    "FROM watchlist w JOIN dramas d ON d.id = w.drama_id WHERE w.user_id = ? ORDER BY w.drama_id"
)


def _time(text: str) -> str:
    """A stored time as SQLite writes it, `2026-12-07T09:30:00.000Z`, whichever backend stored it (both
    return ISO 8601 text: PostgreSQL's has microseconds and +00:00)."""
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return text
    moment = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _plain(value: object) -> int | str | None:
    """A stored value as the export carries it: integers and text as they are, anything else as text."""
    if isinstance(value, bool):
        return int(value)
    if value is None or isinstance(value, int | str):
        return value
    return str(value)


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

    async def export(self, user_id: int) -> MemberData:
        """Everything stored about the member: their scores and list entries with the dramas' names and ids,
        and, as stored, every row of every table erasure touches (ERASED) that holds their id."""
        ratings = tuple(
            ExportedRating(
                drama_id=r["drama_id"], title=r["title"], year=r["year"], tmdb_id=r["tmdb_id"],
                imdb_id=r["imdb_id"], episode=r["episode"] or None, halves=r["halves"], guild_id=r["guild_id"],
                created_at=_time(str(r["created_at"])), updated_at=_time(str(r["updated_at"])),
            )
            for r in await self._db.fetch(_RATINGS, (user_id,))
        )  # fmt: skip
        entries = tuple(
            ExportedEntry(
                drama_id=r["drama_id"], title=r["title"], year=r["year"], tmdb_id=r["tmdb_id"],
                imdb_id=r["imdb_id"], status=r["status"], progress=r["progress"], guild_id=r["guild_id"],
                updated_at=_time(str(r["updated_at"])),
            )
            for r in await self._db.fetch(_ENTRIES, (user_id,))
        )  # fmt: skip
        held = []
        for h in ERASED:
            rows = await self._db.fetch(f"SELECT * FROM {h.table} WHERE {h.column} = ?", (user_id,))
            plain = tuple(
                tuple((k, _plain(v)) for k, v in zip(row.keys(), tuple(row), strict=True)) for row in rows
            )
            held.append(HeldRows(h.table, h.column, not h.cleared, tuple(sorted(plain, key=repr))))
        return MemberData(user_id, ratings, entries, tuple(held))

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

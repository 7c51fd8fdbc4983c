"""Watch parties (/watchparty): the scheduled events the bot made, and the one follow-up after each.

Exactly once across processes: `claim` turns a waiting party into "asked" in one UPDATE before the post
(whoever's UPDATE changed the row posts); a party whose event was cancelled or deleted is `settle`d as
not asked. A claimed post that then fails is `settle`d too: the follow-up is a courtesy, never repeated.
"""

from __future__ import annotations

from datetime import datetime

from bot.models import WatchParty
from bot.store.airing import ts
from bot.store.db import Db, Tx

WAITING, ASKED, NOT_ASKED = 0, 1, 2
_COLUMNS = "event_id, guild_id, channel_id, drama_id, episode, starts_at, ends_at, created_by, locale, posted"


def _party(row) -> WatchParty:  # noqa: ANN001 - a row of either backend
    return WatchParty(
        row["event_id"], row["guild_id"], row["channel_id"], row["drama_id"], row["episode"],
        datetime.fromisoformat(str(row["starts_at"])), datetime.fromisoformat(str(row["ends_at"])),
        row["created_by"], row["locale"], int(row["posted"]),
    )  # fmt: skip


class Parties:
    def __init__(self, db: Db) -> None:
        self._db = db

    async def add(self, party: WatchParty) -> None:
        """Record a party the bot just scheduled (its event id is Discord's: new)."""

        async def write(tx: Tx) -> None:
            await tx.execute(
                f"INSERT INTO watch_parties ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (party.event_id, party.guild_id, party.channel_id, party.drama_id, party.episode,
                 ts(party.starts_at), ts(party.ends_at), party.created_by, party.locale, WAITING),
            )  # fmt: skip

        await self._db.write(write)

    async def get(self, event_id: int) -> WatchParty | None:
        row = await self._db.fetch_one(
            f"SELECT {_COLUMNS} FROM watch_parties WHERE event_id = ?", (event_id,)
        )
        return None if row is None else _party(row)

    async def due(self, now: datetime, *, limit: int = 100) -> list[WatchParty]:
        """The parties waiting whose end is at or before `now`, oldest end first."""
        found = await self._db.fetch(
            f"SELECT {_COLUMNS} FROM watch_parties WHERE posted = 0 AND ends_at <= ? "
            "ORDER BY ends_at, event_id LIMIT ?",
            (ts(now), limit),
        )
        return [_party(r) for r in found]

    async def claim(self, event_id: int) -> bool:
        """Mark a waiting party asked; True only for the one caller whose UPDATE did it (then it posts)."""

        async def write(tx: Tx) -> bool:
            row = await tx.fetch_one(
                "UPDATE watch_parties SET posted = 1 WHERE event_id = ? AND posted = 0 RETURNING event_id",
                (event_id,),
            )
            return row is not None

        return await self._db.write(write)

    async def settle(self, event_id: int) -> bool:
        """Mark a party not to be asked about (its event was cancelled or deleted); True if it was waiting."""

        async def write(tx: Tx) -> bool:
            row = await tx.fetch_one(
                "UPDATE watch_parties SET posted = 2 WHERE event_id = ? AND posted IN (0, 1) RETURNING event_id",
                (event_id,),
            )
            return row is not None

        return await self._db.write(write)

    async def forget_guild(self, guild_id: int) -> int:
        """Drop a server's waiting parties (the bot left it); how many."""

        async def write(tx: Tx) -> int:
            gone = await tx.fetch(
                "UPDATE watch_parties SET posted = 2 WHERE guild_id = ? AND posted = 0 RETURNING event_id",
                (guild_id,),
            )
            return len(gone)

        return await self._db.write(write)

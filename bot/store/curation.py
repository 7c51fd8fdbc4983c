"""Curating: read-modify-write of one drama with its audit row, the audit log, per-server settings."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Iterable

from bot.models import AuditEntry, GuildSettings
from bot.store import rows
from bot.store.catalogue import Catalogue
from bot.store.community import Community
from bot.store.db import Db, Tx, marks
from bot.store.rows import CatalogueRecord
from bot.store.titles import Titles

_AUDIT_COLUMNS = "id, at, actor_id, actor_name, guild_id, action, subject, before, after, credit_user_id"
#: Servers whose regions one `guild_regions` query reads (an IN list; the scheduler asks per cycle).
REGIONS_PER_QUERY = 500


class Curation:
    def __init__(self, db: Db, titles: Titles, catalogue: Catalogue, community: Community) -> None:
        self._db = db
        self._titles = titles
        self._catalogue = catalogue
        self._community = community  # told when a drama is hidden (its ratings leave the charts)

    async def curate(
        self,
        slug: str,
        change: Callable[[CatalogueRecord | None], CatalogueRecord | None],
        *,
        action: str,
        actor_id: int,
        actor_name: str | None,
        guild_id: int | None,
        credit_user_id: int | None = None,
        within: Callable[[Tx], Awaitable[None]] | None = None,
    ) -> tuple[CatalogueRecord | None, CatalogueRecord | None]:
        """Read-modify-write one drama in ONE audited transaction; (before, after). `change` maps the stored
        record (or None) to the new one (None: hide it) and may run again on a retry, so it only computes.
        `credit_user_id`: whose suggestion it is; `within`: writes of the same transaction, made first."""

        async def write(tx: Tx):  # noqa: ANN202 - (before, after, drama_id, names)
            if within is not None:
                await within(tx)
            before = await self._catalogue.record_in(tx, slug)
            after = change(before)
            if after is None and before is None:
                return None, None, None, None
            if after is None:
                if not await self._catalogue.hide_in(tx, before[0].id):
                    return None, None, None, None
                drama_id, names = before[0].id, None
            else:
                if before is None and await self._catalogue.record_in(tx, after[0].slug) is not None:
                    raise ValueError(f"slug {after[0].slug!r} is taken")
                drama_id, _created, names = await self._catalogue.upsert_in(tx, *after)
                after = self._catalogue.with_id(after, drama_id)
            await self.audit_in(tx, action, actor_id, actor_name, guild_id, slug,
                                rows.snapshot(before), rows.snapshot(after), credit_user_id)  # fmt: skip
            await self._titles.bump(tx)
            return before, after, drama_id, names

        before, after, drama_id, names = await self._db.write(write)
        if drama_id is not None:
            if after is None:
                self._titles.remove(drama_id)
                self._community.written(None, None)
            else:
                self._titles.put(drama_id, after[0].slug, after[0].title, after[0].year, names)
        return before, after

    async def curator_role(self, guild_id: int) -> int | None:
        row = await self._db.fetch_one(
            "SELECT curator_role_id FROM guild_settings WHERE guild_id = ?", (guild_id,)
        )
        return row["curator_role_id"] if row else None

    async def set_curator_role(
        self, guild_id: int, role_id: int | None, *, actor_id: int, actor_name: str | None
    ) -> int | None:
        """Set (or clear, with None) a server's curator role; audited. Returns the previous role."""
        return await self._set_guild_setting(
            "curator_role_id", "curators", guild_id, role_id, actor_id, actor_name, always=True
        )

    async def _set_guild_setting(
        self, column: str, kind: str, guild_id: int, value: int | str | None, actor_id: int,
        actor_name: str | None, *, always: bool = False,
    ) -> int | str | None:  # fmt: skip
        """Set one column (a name from this module, never input) of a server's settings, audited under
        `kind`; the previous value. Unless `always`, the same value again writes nothing."""

        async def write(tx: Tx) -> int | str | None:
            row = await tx.fetch_one(f"SELECT {column} FROM guild_settings WHERE guild_id = ?", (guild_id,))
            previous = row[column] if row else None
            if always or previous != value:
                await tx.execute(
                    f"INSERT INTO guild_settings (guild_id, {column}) VALUES (?, ?) "
                    f"ON CONFLICT (guild_id) DO UPDATE SET {column} = excluded.{column}",
                    (guild_id, value),
                )
                await self.audit_in(
                    tx, kind, actor_id, actor_name, guild_id, f"guild:{guild_id}",
                    json.dumps({column: previous}), json.dumps({column: value}),
                )  # fmt: skip
            return previous

        return await self._db.write(write)

    # ---- the server's region (/server region) ----------------------------------------------------------------
    async def guild_settings(self, guild_id: int) -> GuildSettings:
        """The server's settings; every field None when it has none."""
        row = await self._db.fetch_one(
            "SELECT curator_role_id, region, timezone FROM guild_settings WHERE guild_id = ?", (guild_id,)
        )
        if row is None:
            return GuildSettings(guild_id)
        return GuildSettings(guild_id, row["curator_role_id"], row["region"], row["timezone"])

    async def guild_region(self, guild_id: int) -> str | None:
        """The server's region code ("KR"), or None."""
        return (await self.guild_settings(guild_id)).region

    async def guild_regions(self, guild_ids: Iterable[int]) -> dict[int, str]:
        """The regions of those of `guild_ids` that have one set (guild id -> code)."""
        ids = sorted({int(g) for g in guild_ids})
        found: dict[int, str] = {}
        for start in range(0, len(ids), REGIONS_PER_QUERY):
            chunk = ids[start : start + REGIONS_PER_QUERY]
            for row in await self._db.fetch(
                f"SELECT guild_id, region FROM guild_settings WHERE region IS NOT NULL "
                f"AND guild_id IN ({marks(len(chunk))})",
                chunk,
            ):
                found[row["guild_id"]] = row["region"]
        return found

    async def set_guild_region(
        self, guild_id: int, region: str | None, *, actor_id: int, actor_name: str | None
    ) -> str | None:
        """Set (or clear, with None) a server's region, an ISO alpha-2 code (checked); audited. The previous one."""
        if region is not None:
            region = region.upper()
            if len(region) != 2 or not ("A" <= region[0] <= "Z" and "A" <= region[1] <= "Z"):
                raise ValueError(f"not a region code: {region!r}")

        return await self._set_guild_setting("region", "region", guild_id, region, actor_id, actor_name)

    async def set_guild_timezone(
        self, guild_id: int, timezone: str | None, *, actor_id: int, actor_name: str | None
    ) -> str | None:
        """Set (or clear, with None) a server's time zone, an IANA name the caller checked; audited. The
        previous one."""
        if timezone is not None and not 1 <= len(timezone) <= 64:
            raise ValueError(f"not a time zone name: {timezone!r}")
        return await self._set_guild_setting("timezone", "timezone", guild_id, timezone, actor_id, actor_name)

    async def audit_log(self, limit: int = 50, subject: str | None = None) -> list[AuditEntry]:
        """Catalogue changes, newest first."""
        where, params = ("WHERE subject = ?", (subject,)) if subject else ("", ())
        found = await self._db.fetch(
            f"SELECT {_AUDIT_COLUMNS} FROM catalogue_audit {where} ORDER BY id DESC LIMIT ?", (*params, limit)
        )
        return [AuditEntry(**dict(r)) for r in found]

    @staticmethod
    async def audit_in(
        tx: Tx, action: str, actor_id: int, actor_name: str | None, guild_id: int | None,
        subject: str, before: str | None, after: str | None, credit_user_id: int | None = None,
    ) -> None:  # fmt: skip
        await tx.execute(
            "INSERT INTO catalogue_audit (actor_id, actor_name, guild_id, action, subject, before, after, "
            "credit_user_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (actor_id, actor_name, guild_id, action, subject, before, after, credit_user_id),
        )

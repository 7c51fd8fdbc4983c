"""Removing, restoring and merging dramas, without losing a member's data.

* **Remove** hides a drama (`dramas.hidden_at`): its ratings, list entries, reminders, follows and ledger
  rows stay (the totals too), but nothing members see shows it. **Restore** brings it all back.
* **Merge** joins a duplicate (FROM) into the drama kept (INTO) in one transaction, then deletes FROM: each
  member keeps their latest score per (drama, episode) and the list entry changed last; follows, reminders
  and ledger rows move; INTO takes FROM's names as aliases and what it lacks; INTO's totals are recounted.

Every change is audited; the bundled catalogue never brings back a removed or merged drama.
"""

from __future__ import annotations

import json
from dataclasses import replace

from bot.errors import CatalogueRefused
from bot.models import MergeOutcome
from bot.store import rows
from bot.store.airing import announce_key, remind_key
from bot.store.catalogue import Catalogue
from bot.store.community import Community
from bot.store.curation import Curation
from bot.store.db import Db, Tx
from bot.store.rows import CatalogueRecord
from bot.store.titles import Titles

# Facts INTO takes from FROM when it has none.
_FILLED = ("native_title", "country", "year", "network", "synopsis", "poster_url", "critic_score",
           "critic_summary", "critic_verdict", "tmdb_id", "wikidata_id", "imdb_id", "first_air_date",
           "status")  # fmt: skip

# INTO's totals counted again from its ratings (each with INTO's country), every scope and episode.
_RECOUNT = (
    "INSERT INTO rating_totals (drama_id, episode, scope, n, halves, country) "
    "SELECT drama_id, episode, 0, count(*), sum(halves), (SELECT d.country FROM dramas d WHERE d.id = ?) "
    "FROM ratings WHERE drama_id = ? GROUP BY drama_id, episode "
    "UNION ALL SELECT drama_id, episode, guild_id, count(*), sum(halves), "
    "(SELECT d.country FROM dramas d WHERE d.id = ?) "
    "FROM ratings WHERE drama_id = ? AND guild_id IS NOT NULL GROUP BY drama_id, episode, guild_id"
)


def merged_record(into: CatalogueRecord, source: CatalogueRecord) -> CatalogueRecord:
    """INTO's record with what it lacks taken from SOURCE (FROM): see the module."""
    drama, episodes, availability = into
    other, other_episodes, other_availability = source
    filled: dict[str, object] = {
        k: getattr(other, k) for k in _FILLED if getattr(drama, k) is None and getattr(other, k) is not None
    }
    if not drama.genres and other.genres:
        filled["genres"] = other.genres
    kept = replace(drama, **filled, episode_count=max(drama.episode_count, other.episode_count))
    names = (
        *drama.aliases,
        other.title,
        *((other.native_title,) if other.native_title else ()),
        *other.aliases,
    )
    kept = replace(
        kept, aliases=tuple(n for kind, n in rows.names(replace(kept, aliases=names)) if kind == "alias")
    )
    numbers = {e.number for e in episodes}
    joined_episodes = tuple(
        sorted((*episodes, *(e for e in other_episodes if e.number not in numbers)), key=lambda e: e.number)
    )
    offered = {(a.service.casefold(), a.kind) for a in availability}
    joined_availability = (
        *availability, *(a for a in other_availability if (a.service.casefold(), a.kind) not in offered),
    )  # fmt: skip
    return kept, joined_episodes, joined_availability


class Removal:
    def __init__(self, db: Db, titles: Titles, catalogue: Catalogue, community: Community) -> None:
        self._db = db
        self._titles = titles
        self._catalogue = catalogue
        self._community = community  # told when a drama is shown again or merged (the charts change)

    async def _drama(self, tx: Tx, slug: str, *, lock: bool = False) -> tuple[int, bool] | None:
        """(id, hidden) of the drama with this slug. `lock` (PostgreSQL): FOR UPDATE, which waits for the
        rating batches writing to it (they hold it FOR KEY SHARE) and keeps new ones out until commit."""
        locking = " FOR UPDATE" if lock and self._db.dialect == "postgres" else ""
        row = await tx.fetch_one(f"SELECT id, hidden_at FROM dramas WHERE slug = ?{locking}", (slug,))
        return (row["id"], row["hidden_at"] is not None) if row is not None else None

    async def restore(
        self, slug: str, *, actor_id: int, actor_name: str | None, guild_id: int | None
    ) -> CatalogueRecord:
        """Show a removed drama again, audited ("restore"); CatalogueRefused ("unknown", "not_hidden")."""

        async def write(tx: Tx) -> tuple[CatalogueRecord, list[str]]:
            found = await self._drama(tx, slug)
            if found is None:
                raise CatalogueRefused("unknown", slug)
            if not found[1]:
                raise CatalogueRefused("not_hidden", slug)
            await tx.execute("UPDATE dramas SET hidden_at = NULL WHERE id = ?", (found[0],))
            record = await self._catalogue.record_in(tx, slug)
            assert record is not None
            await Curation.audit_in(
                tx, "restore", actor_id, actor_name, guild_id, slug, None, rows.snapshot(record)
            )
            await self._titles.bump(tx)
            return record, [n for _, n in rows.names(record[0])]

        record, names = await self._db.write(write)
        drama = record[0]
        self._titles.put(drama.id, drama.slug, drama.title, drama.year, names)
        self._community.written(None, None)
        return record

    async def merge(
        self, from_slug: str, into_slug: str, *, actor_id: int, actor_name: str | None, guild_id: int | None
    ) -> MergeOutcome:
        """Join FROM into INTO (see the module). CatalogueRefused: "unknown" (either), "same", "into_hidden".
        FROM may be a removed drama (its members' data then joins INTO)."""

        async def write(tx: Tx) -> tuple[MergeOutcome, list[str]]:
            source, target = (
                await self._drama(tx, from_slug, lock=True),
                await self._drama(tx, into_slug, lock=True),
            )
            if source is None:
                raise CatalogueRefused("unknown", from_slug)
            if target is None:
                raise CatalogueRefused("unknown", into_slug)
            if source[0] == target[0]:
                raise CatalogueRefused("same", into_slug)
            if target[1]:
                raise CatalogueRefused("into_hidden", into_slug)
            f, i = source[0], target[0]
            before_from = await self._catalogue.record_in(tx, from_slug)
            before_into = await self._catalogue.record_in(tx, into_slug)
            assert before_from is not None and before_into is not None
            after = merged_record(before_into, before_from)
            # FROM's ids go first: they are unique, and INTO may take them over.
            await tx.execute(
                "UPDATE dramas SET tmdb_id = NULL, wikidata_id = NULL, imdb_id = NULL WHERE id = ?", (f,)
            )
            _, _, names = await self._catalogue.upsert_in(tx, *after)
            counts = await self._move(tx, f, i)
            await self._catalogue.delete_in(tx, f)
            await tx.execute("DELETE FROM rating_totals WHERE drama_id = ?", (i,))
            await tx.execute(_RECOUNT, (i, i, i, i))
            after = Catalogue.with_id(after, i)
            outcome = MergeOutcome(after[0], before_from[0], *counts)
            moved = {"merged_into": into_slug, "ratings": outcome.ratings, "replaced": outcome.replaced,
                     "watchlist": outcome.watchlist, "follows": outcome.follows, "reminders": outcome.reminders,
                     "announcements": outcome.announcements}  # fmt: skip
            await Curation.audit_in(tx, "merge", actor_id, actor_name, guild_id, from_slug,
                                    rows.snapshot(before_from), json.dumps(moved))  # fmt: skip
            await Curation.audit_in(tx, "merge", actor_id, actor_name, guild_id, into_slug,
                                    rows.snapshot(before_into), rows.snapshot(after))  # fmt: skip
            await self._titles.bump(tx)
            return outcome, names

        outcome, names = await self._db.write(write)
        self._titles.remove(outcome.merged.id)
        kept = outcome.into
        self._titles.put(kept.id, kept.slug, kept.title, kept.year, names)
        self._community.written(None, None)
        return outcome

    async def _move(self, tx: Tx, f: int, i: int) -> tuple[int, int, int, int, int, int]:
        """Move FROM's members' rows to INTO: (ratings moved, replaced, list entries, follows, reminders,
        ledger rows)."""
        # Scores: the later of a member's two for the same (drama, episode) stays (a tie: INTO's).
        newer = await tx.fetch(
            "DELETE FROM ratings WHERE drama_id = ? AND EXISTS (SELECT 1 FROM ratings f WHERE f.drama_id = ? "
            "AND f.episode = ratings.episode AND f.user_id = ratings.user_id AND f.updated_at > ratings.updated_at) "
            "RETURNING user_id",
            (i, f),
        )
        older = await tx.fetch(
            "DELETE FROM ratings WHERE drama_id = ? AND EXISTS (SELECT 1 FROM ratings i WHERE i.drama_id = ? "
            "AND i.episode = ratings.episode AND i.user_id = ratings.user_id) RETURNING user_id",
            (f, i),
        )
        moved = await tx.fetch("UPDATE ratings SET drama_id = ? WHERE drama_id = ? RETURNING user_id", (i, f))
        # The list: the entry changed last keeps its status and server; progress is the further of the two.
        listed = (await tx.fetch_one("SELECT count(*) FROM watchlist WHERE drama_id = ?", (f,)))[0]
        theirs = "SELECT {} FROM watchlist f WHERE f.user_id = watchlist.user_id AND f.drama_id = ?"
        await tx.execute(
            f"UPDATE watchlist SET status = ({theirs.format('f.status')}), guild_id = ({theirs.format('f.guild_id')}), "
            f"updated_at = ({theirs.format('f.updated_at')}) WHERE drama_id = ? AND EXISTS "
            f"({theirs.format('1')} AND f.updated_at > watchlist.updated_at)",
            (f, f, f, i, f),
        )
        await tx.execute(
            f"UPDATE watchlist SET progress = ({theirs.format('f.progress')}) WHERE drama_id = ? AND EXISTS "
            f"({theirs.format('1')} AND f.progress > watchlist.progress)",
            (f, i, f),
        )
        counts = [listed]
        for table, key in (("watchlist", "user_id"), ("follows", "guild_id"), ("reminders", "user_id")):
            if table != "watchlist":
                counts.append(
                    (await tx.fetch_one(f"SELECT count(*) FROM {table} WHERE drama_id = ?", (f,)))[0]
                )
            await tx.execute(
                f"DELETE FROM {table} WHERE drama_id = ? AND EXISTS "
                f"(SELECT 1 FROM {table} i WHERE i.{key} = {table}.{key} AND i.drama_id = ?)",
                (f, i),
            )
            await tx.execute(f"UPDATE {table} SET drama_id = ? WHERE drama_id = ?", (i, f))
        # Watch parties (/watchparty) ask about INTO from now on.
        await tx.execute("UPDATE watch_parties SET drama_id = ? WHERE drama_id = ?", (i, f))
        # The ledger: keys name the drama, so FROM's rows take INTO's keys (one INTO already has wins).
        ledger = await tx.fetch(
            "SELECT key, kind, guild_id, user_id, episode FROM announcements WHERE drama_id = ?", (f,)
        )
        have = {r[0] for r in await tx.fetch("SELECT key FROM announcements WHERE drama_id = ?", (i,))}
        renamed: list[tuple[str, int, str]] = []
        dropped: list[tuple[str]] = []
        for key, kind, guild, user, episode in ledger:
            new = announce_key(guild, i, episode) if kind == "announce" else remind_key(user, i, episode)
            if new in have:
                dropped.append((key,))
            else:
                have.add(new)
                renamed.append((new, i, key))
        await tx.executemany("DELETE FROM announcements WHERE key = ?", dropped)
        await tx.executemany("UPDATE announcements SET key = ?, drama_id = ? WHERE key = ?", renamed)
        return len(moved), len(newer) + len(older), counts[0], counts[1], counts[2], len(renamed)


def refused_text(exc: CatalogueRefused) -> str:
    """A CatalogueRefused in words, for the command line."""
    return {
        "unknown": f"no drama with the slug {exc.slug!r}",
        "not_hidden": f"{exc.slug!r} is not removed: there is nothing to restore",
        "same": f"cannot merge {exc.slug!r} into itself",
        "into_hidden": f"{exc.slug!r} is removed: restore it before merging into it",
    }.get(exc.reason, str(exc))

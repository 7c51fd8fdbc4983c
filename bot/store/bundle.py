"""The bundled catalogue (bot/data) brought into a database on start: `Bundle.apply`, one transaction.

New bundled dramas are added; one nobody changed since it was loaded takes the newer version; one a
curator changed, removed or merged is kept as it is (`bundled_dramas` remembers what was loaded).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import asdict

from bot.models import BundleOutcome
from bot.search.index import fold
from bot.store import rows
from bot.store.catalogue import INSERT_DRAMA, Catalogue
from bot.store.db import Db, Tx
from bot.store.rows import CatalogueRecord
from bot.store.titles import Titles

BUNDLE_DIGEST = "bundle_digest"  # meta key: digest of the bundle last applied
_IDS = ("tmdb_id", "wikidata_id", "imdb_id")  # the same series, whatever its slug


def record_digest(record: CatalogueRecord) -> str:
    """A digest of a drama as it reads back from the database: equal digests, equal dramas."""
    drama, episodes, availability = record
    shape = rows.comparable(drama, episodes, availability)
    text = json.dumps(
        [asdict(shape[0]), sorted((asdict(e) for e in shape[1]), key=lambda e: e["number"]),
         sorted((asdict(a) for a in shape[2]), key=lambda a: (a["service"], a["kind"]))],
        ensure_ascii=False, sort_keys=True, default=str,
    )  # fmt: skip
    return hashlib.sha256(text.encode()).hexdigest()


class Bundle:
    def __init__(self, db: Db, titles: Titles, catalogue: Catalogue) -> None:
        self._db = db
        self._titles = titles
        self._catalogue = catalogue

    async def apply(
        self, records: Iterable[CatalogueRecord], digest: str, legacy: Iterable[str] = ()
    ) -> BundleOutcome:
        """Bring the bundle in, in ONE transaction (see the module). `legacy`: slugs an older dramabot
        loaded before it tracked them."""
        records, legacy = list(records), tuple(legacy)
        outcome = await self._db.write(lambda tx: self._apply(tx, records, digest, legacy))
        if outcome.added or outcome.updated:
            await self._titles.load()
        return outcome

    async def _stored_digest(self, tx: Tx, slug: str) -> str:
        return record_digest(await self._catalogue.record_in(tx, slug))

    async def _apply(
        self, tx: Tx, records: list[CatalogueRecord], digest: str, legacy: tuple[str, ...]
    ) -> BundleOutcome:
        tracked: dict[str, str | None] = {
            r[0]: r[1] for r in await tx.fetch("SELECT slug, hash FROM bundled_dramas")
        }
        existing: dict[str, int] = {r[1]: r[0] for r in await tx.fetch("SELECT id, slug FROM dramas")}
        removed = {
            r[0]
            for r in await tx.fetch("SELECT subject FROM catalogue_audit WHERE action IN ('remove', 'merge')")
        }
        taken = {
            (key, r[0])
            for key in _IDS
            for r in await tx.fetch(f"SELECT {key} FROM dramas WHERE {key} IS NOT NULL")
        }
        track: list[tuple[str, str | None]] = []
        new: list[CatalogueRecord] = []
        updated: list[CatalogueRecord] = []
        kept: list[str] = []
        for record in records:
            slug, digest_now = record[0].slug, record_digest(record)
            if slug not in tracked and slug in legacy:  # loaded by an older dramabot: never brought back,
                # and taken over only when it is still exactly the bundle's version
                same = slug in existing and await self._stored_digest(tx, slug) == digest_now
                tracked[slug] = digest_now if same or slug not in existing else None
                track.append((slug, tracked[slug]))
            if slug in tracked:
                loaded = tracked[slug]
                if slug not in existing or loaded is None or loaded == digest_now:
                    continue  # removed since (never brought back), held by the database, or unchanged
                if await self._stored_digest(tx, slug) != loaded:
                    kept.append(slug)  # changed by a curator or the CLI since it was loaded: theirs now
                    continue
                updated.append(record)
                track.append((slug, digest_now))
            elif slug in existing:  # the slug was taken before the bundle offered it
                same = await self._stored_digest(tx, slug) == digest_now
                track.append((slug, digest_now if same else None))
            elif slug in removed or any((k, getattr(record[0], k)) in taken for k in _IDS):
                track.append((slug, None))  # removed by a curator, or the same series is already here
            else:
                new.append(record)
                track.append((slug, digest_now))

        for record in updated:
            await self._catalogue.upsert_in(tx, *record)
        ids = [(await tx.fetch_one(INSERT_DRAMA, rows.drama_values(d)))[0] for d, _, _ in new]
        written = list(zip(ids, new, strict=True))
        await tx.executemany(
            "INSERT INTO drama_names (drama_id, kind, name, folded) VALUES (?, ?, ?, ?)",
            [(i, kind, name, fold(name)) for i, (d, _, _) in written for kind, name in rows.names(d)],
        )
        await tx.executemany(
            "INSERT INTO episodes (drama_id, number, critic_score, title, note, air_date, air_time) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            [rows.episode_values(i, e) for i, (_, eps, _) in written for e in eps],
        )
        await tx.executemany(
            "INSERT INTO availability (drama_id, service, kind, regions, url, checked_on) VALUES (?, ?, ?, ?, ?, ?)",
            [rows.availability_values(i, a) for i, (_, _, avs) in written for a in avs],
        )
        await tx.executemany(
            "INSERT INTO bundled_dramas (slug, hash) VALUES (?, ?) "
            "ON CONFLICT (slug) DO UPDATE SET hash = excluded.hash, loaded_at = excluded.loaded_at",
            track,
        )
        await tx.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (BUNDLE_DIGEST, digest),
        )
        if new or updated:
            await self._titles.bump(tx)
            if existing:  # an upgrade of a catalogue in use is audited; the first load is the starting point
                summary = {"added": [d.slug for d, _, _ in new], "updated": [d.slug for d, _, _ in updated],
                           "kept": kept, "bundle": digest}  # fmt: skip
                await tx.execute(
                    "INSERT INTO catalogue_audit (actor_id, actor_name, guild_id, action, subject, before, after) "
                    "VALUES (0, 'bundled catalogue', NULL, 'bundle', 'bundle', NULL, ?)",
                    (json.dumps(summary, ensure_ascii=False),),
                )
        return BundleOutcome(added=len(new), updated=len(updated), kept=tuple(kept))

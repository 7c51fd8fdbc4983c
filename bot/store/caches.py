"""TMDB caches: watch providers per drama."""

from __future__ import annotations

import json
import logging
from datetime import datetime

from bot.store.db import Db, Tx

log = logging.getLogger(__name__)


class Caches:
    def __init__(self, db: Db) -> None:
        self._db = db

    async def cached_providers(self, drama_id: int) -> tuple[datetime, dict] | None:
        """TMDB watch providers stored for a drama: (fetched at, data), or None."""
        row = await self._db.fetch_one(
            "SELECT fetched_at, body FROM tmdb_providers WHERE drama_id = ?", (drama_id,)
        )
        if row is None:
            return None
        try:
            return datetime.fromisoformat(row["fetched_at"]), json.loads(row["body"])
        except ValueError:
            log.warning("ignoring a malformed provider cache row for drama %s", drama_id)
            return None

    async def store_providers(self, drama_id: int, tmdb_id: int, fetched_at: datetime, data: dict) -> None:
        """Cache a drama's providers (nothing when the drama was removed meanwhile)."""

        async def write(tx: Tx) -> None:
            if await tx.fetch_one("SELECT 1 FROM dramas WHERE id = ?", (drama_id,)) is None:
                return
            await tx.execute(
                "INSERT INTO tmdb_providers (drama_id, tmdb_id, fetched_at, body) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (drama_id) DO UPDATE SET tmdb_id = excluded.tmdb_id, "
                "fetched_at = excluded.fetched_at, body = excluded.body",
                (drama_id, tmdb_id, fetched_at.isoformat(), json.dumps(data, ensure_ascii=False)),
            )

        await self._db.write(write)

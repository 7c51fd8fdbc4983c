"""The single-process coordinator (SQLite): one process is the whole cluster, so every lock is the local
asyncio lock the base class takes anyway, and leadership is never lost."""

from __future__ import annotations

import asyncio
from datetime import datetime

from bot.cluster.base import Coordinator


class LocalCluster(Coordinator):
    def __init__(self, **options: float) -> None:
        super().__init__(**options)
        self._never = asyncio.Event()  # never set: local locks are never lost

    async def _try_lock(self, key: int) -> tuple[bool, int, datetime]:
        # The key's local asyncio.Lock (held by the caller) already excludes every other holder.
        return True, 0, datetime.now().astimezone()

    async def _unlock(self, key: int, generation: int) -> None:
        pass

    def _lost(self, generation: int) -> asyncio.Event:
        return self._never

"""The single-process coordinator (SQLite): one process is the whole cluster, so every lock is a local
asyncio lock, leadership is always ours, and IDENTIFYs are spaced per bucket inside this process."""

from __future__ import annotations

import asyncio
from datetime import datetime

from bot.cluster.base import Coordinator


class LocalCluster(Coordinator):
    kind = "local"

    def __init__(self, **options: float) -> None:
        super().__init__(**options)
        self._held: set[int] = set()
        self._never = asyncio.Event()  # never set: local locks are never lost

    async def _try_lock(self, key: int) -> tuple[bool, int, datetime]:
        # The key's local asyncio.Lock (held by the caller) already excludes every other holder here.
        self._held.add(key)
        return True, 0, datetime.now().astimezone()

    async def _unlock(self, key: int, generation: int) -> None:
        self._held.discard(key)

    def _lost(self, generation: int) -> asyncio.Event:
        return self._never

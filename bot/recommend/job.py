"""The neighbours' rebuild in the background, on one process of all (cluster.run_as_leader).

Every CHECK_EVERY seconds the leader asks the store whether enough scores changed since the last build
(bot/store/recommend.py `due`: REBUILD_MIN, REBUILD_SHARE, REBUILD_AGE) and, when they did, rebuilds the
neighbours (the first check runs at start, so a new database gets them at once). The other processes load
the new table when they see its stamp move.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from bot.airing.times import Clock
from bot.cluster.jobs import BackgroundJob
from bot.errors import StoreUnavailable

log = logging.getLogger(__name__)

LEADER_NAME = "recommend-neighbours"
CHECK_EVERY = 300.0  # s between two looks at the ratings


class NeighbourJob(BackgroundJob):
    name = LEADER_NAME

    def __init__(self, store_of: Callable[[], Any], clock: Clock, every: float = CHECK_EVERY) -> None:
        super().__init__()
        self._store_of = store_of  # the store may be replaced while the bot runs (it was unavailable)
        self._clock = clock
        self.every = every

    async def run_once(self) -> bool:
        """Rebuild when due; whether it did."""
        recommend = self._store_of().recommend
        now = self._clock.now().timestamp()
        if not await recommend.due(now):
            return False
        built = await recommend.rebuild(now=now)
        log.info(
            "recommend: neighbours rebuilt from %d scores: %d dramas, %d neighbours, %.1f s",
            built.ratings, built.dramas, built.neighbours, built.seconds,
        )  # fmt: skip
        return True

    async def _loop(self) -> None:
        while True:
            try:
                await self.run_once()
            except StoreUnavailable as exc:
                log.warning("recommend: neighbours not rebuilt (%s); trying again later", exc)
            await asyncio.sleep(self.every)

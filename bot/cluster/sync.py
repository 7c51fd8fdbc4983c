"""The command sync decision, taken once across the cluster: under the cluster lock, a process syncs
only when its payload's digest differs from the one recorded in the store's meta table, and records
the new one before letting go, so processes starting together sync once in all."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Protocol

from bot.cluster.base import Coordinator

log = logging.getLogger("bot.cluster")

SYNC_LOCK = "command-sync"


class MetaStore(Protocol):
    async def get_meta(self, key: str) -> str | None: ...
    async def set_meta(self, key: str, value: str) -> None: ...


async def sync_once(
    cluster: Coordinator, store: MetaStore, key: str, digest: str, sync: Callable[[], Awaitable[object]],
    *, force: bool = False,
) -> bool:  # fmt: skip
    """Run `sync()` unless `digest` is already recorded under `key` (always when `force`); True if it ran."""
    async with cluster.exclusive(SYNC_LOCK):
        if not force and await store.get_meta(key) == digest:
            log.info("commands unchanged since the last sync (%s): not syncing", key.partition(":")[2] or key)
            return False
        await sync()
        await store.set_meta(key, digest)
        return True

"""The command sync decision, taken once across the cluster.

Each process computes the digest of the command payload it would send. Under the cluster lock
"command-sync" it compares that digest with the one recorded in the store's meta table: equal, nothing
to do; different (or forced), it syncs and records the new digest before letting go. So when N processes
start together with new definitions, the first one through syncs and the others find the digest already
recorded and skip. (With SQLite the lock is local: one process, nothing more to coordinate.)
"""

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

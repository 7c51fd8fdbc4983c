"""Pacing: the request budget the bot's processes share on PostgreSQL (bot/pacing/ decides when to use it).

One row per bot holds its next free request slot, `tat` (GCRA's "theoretical arrival time"). `claim` takes
n slots, `interval` seconds apart, in one statement on the server's clock, so every process agrees on the
time and no two claims ever get the same slot. On SQLite the bot is one process and paces in memory.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.store.db import Db

# The server's clock read once (a CTE is evaluated once per statement); n slots from max(tat, now).
_CLAIM = (
    "WITH c AS (SELECT clock_timestamp() AS now) "
    "INSERT INTO pacing_budget AS p (bot, tat) "
    "SELECT ?, c.now + make_interval(secs => ?::int * ?::float8) FROM c "
    "ON CONFLICT (bot) DO UPDATE SET tat = greatest(p.tat, (SELECT now FROM c)) + "
    "make_interval(secs => ?::int * ?::float8) "
    "RETURNING extract(epoch FROM p.tat)::float8 AS tat, extract(epoch FROM p.tat - (SELECT now FROM c))::float8 "
    "AS ahead"
)


@dataclass(frozen=True, slots=True)
class Slots:
    """n request slots `interval` s apart: the first at `first` (seconds since the epoch on the database's
    clock), `wait` seconds after the moment the database answered."""

    first: float
    wait: float
    n: int
    interval: float

    def times(self) -> list[float]:
        return [self.first + i * self.interval for i in range(self.n)]


class Pacing:
    def __init__(self, db: Db) -> None:
        self._db = db

    @property
    def shared(self) -> bool:
        """Whether the budget can be shared here (PostgreSQL); SQLite serves one process, paced in memory."""
        return self._db.dialect == "postgres"

    async def claim(self, bot: str, n: int, interval: float) -> Slots:
        """Take the next `n` slots of `bot`'s budget, `interval` seconds apart.

        One autocommitted statement (a round trip): a retry after a lost connection may take slots twice,
        which wastes them but never lets two requests share one."""
        if not self.shared:
            raise NotImplementedError("the shared budget needs PostgreSQL; SQLite paces in memory")
        if n < 1 or interval <= 0:
            raise ValueError("n must be at least 1 and interval above 0")
        row = await self._db.fetch_one(_CLAIM, (bot, n, interval, n, interval))
        span = n * interval
        return Slots(first=row["tat"] - span, wait=row["ahead"] - span, n=n, interval=interval)

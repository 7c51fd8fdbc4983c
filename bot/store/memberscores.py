"""Members' drama-level scores kept in memory for /match (and /profile, which counts them).

/match reads two members' scores on the dramas both rated. For two members with 1,000 ratings each that
was a join of 1,000 index probes on the reader's thread (~0.5 ms, plus a hop to the thread and back) on
every /match. The members who ask are few and ask again, so their scores are kept here, ``{drama_id:
halves}`` per member, and a /match of two kept members is a set intersection on the event loop (~0.07 ms).

* A member not kept is read in one query with the other member if neither is kept (~0.55 ms for 1,000
  ratings, the dicts built on SQLite's reader thread), then kept. Reading two members on SQLite's two
  reader threads at once was slower (1.8 ms): each row step gives up the GIL, and the threads fight for it.
* This process's writes (`wrote`: a committed batch of ratings, a member's data erased) drop the members
  they touch at once; a read that was in flight while such a write committed is not kept.
* A catalogue change (its rev moved: a drama removed takes its ratings with it) drops everyone.
* Another process's writes. SQLite: there are none, one process is the whole cluster (bot/cluster), so
  kept scores are exact until dropped. PostgreSQL with several shards: a member used at REFRESH old is
  read again in the background (one read at a time), and one older than MAX_AGE is read before use. A
  member rates through the shard of the server they are in, so a /match in that server sees a rating at
  once; only ratings made through another shard's process can be up to MAX_AGE late, as for /top.
* At most KEEP members and KEEP_SCORES scores, the least recently used dropped first.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from bot.store.db import Db
from bot.store.rows import HIDDEN

log = logging.getLogger(__name__)

# As /top's kept charts (chartbook.py): another shard's rating shows within a minute.
REFRESH = 30.0  # s (PostgreSQL): a member used at this age is read again in the background
MAX_AGE = 60.0  # s (PostgreSQL): older than this, a member's kept scores are read again before use
KEEP = 512  # members kept at most
KEEP_SCORES = 100_000  # scores kept at most, over all members (68 bytes a score by tracemalloc: ~7 MB)

# In the order rated (ties: by drama), so that a member's dict holds their ratings oldest first (/profile's
# last five are its last keys). Removed (hidden) dramas are left out: /match and /profile do not show them.
_SCORES = (
    "SELECT user_id, drama_id, halves FROM ratings WHERE user_id IN ({}) AND episode = 0 "
    f"AND drama_id NOT IN {HIDDEN} ORDER BY user_id, updated_at, drama_id"
)

Scores = dict[int, int]  # drama_id -> halves (1..10), a member's drama-level ratings, oldest first


@dataclass(slots=True)
class _Kept:
    scores: Scores
    loaded: float  # time.monotonic() when read
    memo: dict  # what a reader worked out from the scores (/profile's genre counts), dropped with them


def _by_member(users: tuple[int, ...]):
    def split(rows: Iterator[tuple]) -> dict[int, Scores]:
        out: dict[int, Scores] = {u: {} for u in users}
        for user_id, drama_id, halves in rows:
            out[user_id][drama_id] = halves
        return out

    return split


class MemberScores:
    def __init__(
        self,
        db: Db,
        *,
        refresh: float | None = None,
        max_age: float | None = None,
        keep: int = KEEP,
        keep_scores: int = KEEP_SCORES,
    ) -> None:
        self._db = db
        alone = db.dialect == "sqlite"  # the only process writing: kept scores never go stale by age
        self.refresh = refresh if refresh is not None else (float("inf") if alone else REFRESH)
        self.max_age = max_age if max_age is not None else (float("inf") if alone else MAX_AGE)
        self.keep, self.keep_scores = keep, keep_scores
        self._kept: OrderedDict[int, _Kept] = OrderedDict()
        self._scores = 0  # len() of every kept dict, summed
        self._rev: str | None = None
        # Reads in flight per member, and a generation bumped by each write to a member being read: a read
        # is kept only if no write (and no drop of everyone: `_epoch`) came while it was in flight.
        self._reads: dict[int, int] = {}
        self._gens: dict[int, int] = {}
        self._epoch = 0
        self._refreshing: dict[int, asyncio.Task[None]] = {}
        self._in_turn = asyncio.Semaphore(1)  # background reads one at a time
        self._closed = False
        self.reads = 0  # members read from the database (tests, the log)

    # ---- reads ---------------------------------------------------------------------------------
    async def shared(self, a: int, b: int) -> list[tuple[int, int, int]]:
        """`(drama_id, a's halves, b's halves)` for the dramas both members rated as a whole."""
        mine, theirs = self._fresh(a), self._fresh(b)
        if mine is None or theirs is None:
            missing = tuple(u for u, kept in ((a, mine), (b, theirs)) if kept is None)
            read = await self._read(missing)
            mine = read[a] if mine is None else mine
            theirs = read[b] if theirs is None else theirs
        return [(i, mine[i], theirs[i]) for i in mine.keys() & theirs.keys()]

    def _fresh(self, user_id: int) -> Scores | None:
        """The member's kept scores unless older than max_age (a background read is started from refresh)."""
        kept = self._kept.get(user_id)
        if kept is None:
            return None
        age = time.monotonic() - kept.loaded
        if age > self.max_age:
            return None
        self._kept.move_to_end(user_id)
        if age > self.refresh and user_id not in self._refreshing and not self._closed:
            task = asyncio.get_running_loop().create_task(self._refresh(user_id), name="member-scores")
            self._refreshing[user_id] = task
            task.add_done_callback(lambda _: self._refreshing.pop(user_id, None))
        return kept.scores

    async def _refresh(self, user_id: int) -> None:
        async with self._in_turn:
            try:
                await self._read((user_id,))
            except Exception as exc:  # noqa: BLE001 - the kept scores serve until max_age
                log.debug("reading member %s's scores again failed: %r", user_id, exc)

    async def _read(self, users: tuple[int, ...]) -> dict[int, Scores]:
        """Read these members' scores (one query) and keep them unless a write came meanwhile."""
        reading = self.begin(users)
        try:
            sql = _SCORES.format(", ".join("?" * len(users)))
            if self._db.dialect == "sqlite":  # the dicts are built on the reader's thread, from plain tuples
                read = await self._db.stream(sql, _by_member(users), users)
            else:
                read = _by_member(users)((r[0], r[1], r[2]) for r in await self._db.fetch(sql, users))
            self.keep_read(reading, read)
            return read
        finally:
            self.end(reading)

    # A read of members' scores, by this class or by a caller that reads them along with more (/profile):
    # begin() before the query, keep_read() with what it found, end() in any case.
    def begin(self, users: tuple[int, ...]) -> tuple[int, dict[int, int]]:
        started = {}
        for u in users:
            self._reads[u] = self._reads.get(u, 0) + 1
            started[u] = self._gens.setdefault(u, 0)
        return self._epoch, started

    def keep_read(self, reading: tuple[int, dict[int, int]], read: dict[int, Scores]) -> None:
        """Keep what was read, for each member no write to whom (nor a drop of everyone) came meanwhile."""
        epoch, started = reading
        self.reads += len(started)
        for u, gen in started.items():
            if epoch == self._epoch and self._gens[u] == gen and not self._closed:
                self._put(u, read[u])

    def end(self, reading: tuple[int, dict[int, int]]) -> None:
        for u in reading[1]:
            self._reads[u] -= 1
            if not self._reads[u]:
                del self._reads[u], self._gens[u]

    def kept_scores(self, user_id: int) -> Scores | None:
        """The member's kept scores if fresh enough to use, else None (nothing is read)."""
        return self._fresh(user_id)

    def memo(self, user_id: int, scores: Scores) -> dict:
        """A dict kept with these scores of the member's (while they are kept) for what a reader works out
        from them; a fresh dict, kept nowhere, when they are not the kept ones."""
        kept = self._kept.get(user_id)
        return kept.memo if kept is not None and kept.scores is scores else {}

    # ---- what changed ----------------------------------------------------------------------------
    def wrote(self, users: Iterable[int] | None) -> None:
        """This process changed these members' drama-level ratings (None: anyone's): they are read again."""
        if users is None:
            self._drop_all()
            return
        for user_id in users:
            self._drop(user_id)
            if user_id in self._gens:
                self._gens[user_id] += 1

    def saw_rev(self, rev: str | None) -> None:
        """The catalogue's rev as just read: a new one drops everyone (a removed drama takes its ratings)."""
        if rev != self._rev:
            self._drop_all()
            self._rev = rev

    # ---- keeping -----------------------------------------------------------------------------------
    def _put(self, user_id: int, scores: Scores) -> None:
        self._drop(user_id)
        if len(scores) > self.keep_scores:
            return
        self._kept[user_id] = _Kept(scores, time.monotonic(), {})
        self._scores += len(scores)
        while len(self._kept) > self.keep or self._scores > self.keep_scores:
            _, oldest = self._kept.popitem(last=False)
            self._scores -= len(oldest.scores)

    def _drop(self, user_id: int) -> None:
        kept = self._kept.pop(user_id, None)
        if kept is not None:
            self._scores -= len(kept.scores)

    def _drop_all(self) -> None:
        self._kept.clear()
        self._scores = 0
        self._epoch += 1

    @property
    def kept(self) -> int:
        """How many members are kept (tests, the log)."""
        return len(self._kept)

    async def settled(self) -> None:
        """Wait until no background read is pending (tests)."""
        while self._refreshing:
            await asyncio.wait(list(self._refreshing.values()))

    async def close(self) -> None:
        """Stop reading (the store is closing)."""
        self._closed = True
        self._drop_all()
        pending = list(self._refreshing.values())
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)

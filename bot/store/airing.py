"""Airing: servers' announcement settings, follows, reminders and the announcement ledger.

The ledger makes a post happen once across restarts and processes: `record_*` write the intent first
(unique keys, ON CONFLICT DO NOTHING), `begin` leases it in one UPDATE, `finish` records the outcome.
Times are passed in by the caller (the scheduler's clock), never read here.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from time import monotonic

from bot.models import AnnounceSettings, LedgerEntry, ScheduledEpisode
from bot.store.db import Db, Row, Tx, marks
from bot.store.rows import HIDDEN

#: States of a ledger row that will not be posted any more.
SETTLED = ("done", "skipped", "paused", "failed")
_LEDGER_COLUMNS = (
    "key, kind, state, guild_id, user_id, channel_id, drama_id, episode, thread, open_attempts, created_at, "
    "message_id, thread_id, detail"
)
_INSERT_HEAD = (
    "INSERT INTO announcements (key, kind, guild_id, user_id, channel_id, drama_id, episode, thread, via, "
    "state, created_at) VALUES "
)
_INSERT_TAIL = " ON CONFLICT (key) DO NOTHING RETURNING key"
_INSERT = _INSERT_HEAD + "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)" + _INSERT_TAIL
#: Rows per multi-row INSERT (11 parameters each).
_CHUNK = 100
#: Dramas per `recorded` read (3 parameters each) and per `announcing_follows` read.
_SPANS = 100
_IDS = 500


async def _insert(tx: Tx, rows: Sequence[tuple]) -> list[str]:
    """Insert ledger rows, a chunk per statement; the keys that were new (a key already there is left)."""
    made: list[str] = []
    for start in range(0, len(rows), _CHUNK):
        chunk = rows[start : start + _CHUNK]
        values = ", ".join(["(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"] * len(chunk))
        found = await tx.fetch(_INSERT_HEAD + values + _INSERT_TAIL, [v for row in chunk for v in row])
        made += [r[0] for r in found]
    order = {row[0]: i for i, row in enumerate(rows)}
    return sorted(made, key=order.__getitem__)


def recorded_sql(dramas: int) -> str:
    """`Airing.recorded`'s read for this many dramas: (drama_id, first, last) as parameters, each."""
    where = " OR ".join(["(drama_id = ? AND episode BETWEEN ? AND ?)"] * dramas)
    return (
        f"SELECT kind, guild_id, user_id, drama_id, episode FROM announcements WHERE ({where}) "
        "AND kind IN ('announce', 'remind')"
    )


def ts(at: datetime) -> str:
    """A stored time: UTC, ISO 8601 with microseconds (so text comparison orders it on SQLite)."""
    if at.tzinfo is None:
        raise ValueError("an aware datetime is needed")
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def announce_key(guild_id: int, drama_id: int, episode: int) -> str:
    return f"announce:{guild_id}:{drama_id}:{episode}"


def remind_key(user_id: int, drama_id: int, episode: int) -> str:
    return f"remind:{user_id}:{drama_id}:{episode}"


def digest_key(guild_id: int, episodes: Iterable[tuple[int, int]]) -> str:
    digest = hashlib.sha256(repr(sorted(episodes)).encode()).hexdigest()[:16]
    return f"digest:{guild_id}:{digest}"


def _entry(row: Row, episodes: tuple[tuple[int, int], ...] = ()) -> LedgerEntry:
    return LedgerEntry(
        key=row["key"], kind=row["kind"], state=row["state"], guild_id=row["guild_id"], user_id=row["user_id"],
        channel_id=row["channel_id"], drama_id=row["drama_id"], episode=row["episode"], thread=bool(row["thread"]),
        open_attempts=row["open_attempts"], created_at=str(row["created_at"]), message_id=row["message_id"],
        thread_id=row["thread_id"], detail=row["detail"], episodes=episodes,
    )  # fmt: skip


#: How stale this process's list of members to tell about paused reminders may be (another process
#: paused them); a pause made here is seen at once.
TELL_REFRESH_S = 30.0


class Airing:
    def __init__(self, db: Db) -> None:
        self._db = db
        self._tell: frozenset[int] = frozenset()  # members with a paused reminder not told yet
        self._tell_read_at = float("-inf")

    # ---- server settings ---------------------------------------------------------------------------------
    async def announce_settings(self, guild_id: int) -> AnnounceSettings | None:
        row = await self._db.fetch_one(
            "SELECT guild_id, channel_id, thread, delay_hours, paused_reason, paused_at FROM announce_settings "
            "WHERE guild_id = ?",
            (guild_id,)
        )
        if row is None:
            return None
        paused = (row[4] or "paused") if row[5] is not None else None
        return AnnounceSettings(row[0], row[1], bool(row[2]), row[3], paused_reason=paused)

    async def set_announce(self, settings: AnnounceSettings, *, set_by: int | None, now: datetime) -> None:
        if not 0 <= settings.delay_hours <= 48:
            raise ValueError("delay_hours must be from 0 to 48")

        async def write(tx: Tx) -> None:
            await tx.execute(
                "INSERT INTO announce_settings (guild_id, channel_id, thread, delay_hours, set_by, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (guild_id) DO UPDATE SET channel_id = excluded.channel_id, "
                "thread = excluded.thread, delay_hours = excluded.delay_hours, set_by = excluded.set_by, "
                "updated_at = excluded.updated_at, paused_at = NULL, paused_reason = NULL",  # set again: resumed
                (
                    settings.guild_id,
                    settings.channel_id,
                    int(settings.thread),
                    settings.delay_hours,
                    set_by,
                    ts(now),
                ),
            )

        await self._db.write(write)

    async def announcing_follows(
        self, drama_ids: Sequence[int]
    ) -> list[tuple[AnnounceSettings, tuple[int, ...]]]:
        """Unpaused servers with an announcement channel, each with the dramas of `drama_ids` it follows."""
        out: dict[int, tuple[AnnounceSettings, list[int]]] = {}
        ids = sorted(set(drama_ids))
        for start in range(0, len(ids), _IDS):
            chunk = ids[start : start + _IDS]
            rows = await self._db.fetch(
                "SELECT s.guild_id, s.channel_id, s.thread, s.delay_hours, f.drama_id FROM follows f "
                f"JOIN announce_settings s ON s.guild_id = f.guild_id WHERE f.drama_id IN ({marks(len(chunk))}) "
                "AND s.paused_at IS NULL",  # a paused channel gets nothing new until /announce is set again
                tuple(chunk),
            )
            for guild_id, channel_id, thread, delay_hours, drama_id in rows:
                entry = out.setdefault(
                    guild_id, (AnnounceSettings(guild_id, channel_id, bool(thread), delay_hours), [])
                )
                entry[1].append(drama_id)
        return [(settings, tuple(sorted(followed))) for _, (settings, followed) in sorted(out.items())]

    # ---- follows ----------------------------------------------------------------------------------------
    async def follow(self, guild_id: int, drama_id: int, *, by: int | None, now: datetime) -> bool:
        """Follow a drama; False when the server already did."""

        async def write(tx: Tx) -> bool:
            row = await tx.fetch_one(
                "INSERT INTO follows (guild_id, drama_id, followed_by, created_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (guild_id, drama_id) DO NOTHING RETURNING drama_id",
                (guild_id, drama_id, by, ts(now)),
            )
            return row is not None

        return await self._db.write(write)

    async def unfollow(self, guild_id: int, drama_id: int) -> bool:
        async def write(tx: Tx) -> bool:
            row = await tx.fetch_one(
                "DELETE FROM follows WHERE guild_id = ? AND drama_id = ? RETURNING drama_id",
                (guild_id, drama_id),
            )
            return row is not None

        return await self._db.write(write)

    async def followed(self, guild_id: int) -> tuple[int, ...]:
        """The dramas a server follows, removed (hidden) ones left out (their follows stay, for restore)."""
        rows = await self._db.fetch(
            f"SELECT drama_id FROM follows WHERE guild_id = ? AND drama_id NOT IN {HIDDEN} ORDER BY drama_id",
            (guild_id,)
        )
        return tuple(r[0] for r in rows)

    # ---- reminders -------------------------------------------------------------------------------------
    async def remind(self, user_id: int, drama_id: int, *, now: datetime, locale: str = "en") -> bool:
        """Ask for reminders in `locale` (resumes a paused one); False when already asked and not paused."""

        async def write(tx: Tx) -> bool:
            before = await tx.fetch_one(
                "SELECT paused FROM reminders WHERE user_id = ? AND drama_id = ?", (user_id, drama_id)
            )
            await tx.execute(
                "INSERT INTO reminders (user_id, drama_id, created_at, locale) VALUES (?, ?, ?, ?) ON CONFLICT "
                "(user_id, drama_id) DO UPDATE SET paused = 0, tell = 0, locale = excluded.locale",
                (user_id, drama_id, ts(now), locale),
            )
            return before is None or bool(before[0])

        return await self._db.write(write)

    async def remind_off(self, user_id: int, drama_id: int) -> bool:
        async def write(tx: Tx) -> bool:
            row = await tx.fetch_one(
                "DELETE FROM reminders WHERE user_id = ? AND drama_id = ? RETURNING drama_id",
                (user_id, drama_id),
            )
            return row is not None

        return await self._db.write(write)

    async def reminder_locale(self, user_id: int, drama_id: int) -> str:
        row = await self._db.fetch_one(
            "SELECT locale FROM reminders WHERE user_id = ? AND drama_id = ?", (user_id, drama_id)
        )
        return row[0] if row is not None else "en"

    async def reminded(self, drama_ids: Sequence[int]) -> list[tuple[int, int]]:
        """(user_id, drama_id) of the active (not paused) reminders for these dramas."""
        if not drama_ids:
            return []
        rows = await self._db.fetch(
            f"SELECT user_id, drama_id FROM reminders WHERE paused = 0 AND drama_id IN ({marks(len(drama_ids))}) "
            "ORDER BY user_id, drama_id",
            tuple(drama_ids),
        )
        return [(r[0], r[1]) for r in rows]

    def forget(self, user_id: int) -> None:
        """The member's data was erased: nothing to tell them any more."""
        self._tell = self._tell - {user_id}

    async def take_paused_notice(self, user_id: int) -> tuple[int, ...]:
        """The dramas whose reminders were paused (DMs closed) and the member not told yet; marks them told.
        Every interaction asks, so who has something to tell is read at most every TELL_REFRESH_S."""
        now = monotonic()
        if now - self._tell_read_at >= TELL_REFRESH_S:
            rows = await self._db.fetch("SELECT DISTINCT user_id FROM reminders WHERE tell = 1")
            self._tell, self._tell_read_at = frozenset(r[0] for r in rows), now
        if user_id not in self._tell:
            return ()
        self._tell = self._tell - {user_id}

        async def write(tx: Tx) -> tuple[int, ...]:
            told = await tx.fetch(
                "UPDATE reminders SET tell = 0 WHERE user_id = ? AND tell = 1 RETURNING drama_id", (user_id,)
            )
            return tuple(sorted(r[0] for r in told))

        return await self._db.write(write)

    # ---- members' DM channels ------------------------------------------------------------------------------
    async def dm_channels(self, user_ids: Sequence[int]) -> dict[int, int]:
        """The DM channel remembered for each of these members who has one (user_id -> channel_id)."""
        ids = sorted(set(user_ids))
        out: dict[int, int] = {}
        for start in range(0, len(ids), _IDS):
            chunk = ids[start : start + _IDS]
            rows = await self._db.fetch(
                f"SELECT user_id, channel_id FROM dm_channels WHERE user_id IN ({marks(len(chunk))})",
                tuple(chunk),
            )
            out.update((r[0], r[1]) for r in rows)
        return out

    async def remember_dm_channel(self, user_id: int, channel_id: int) -> bool:
        """Remember the DM channel Discord opened with a member, while they have a reminder (an erasure
        since the DM was opened leaves nothing behind: on PostgreSQL the reminder is locked until this
        commits, so the erasure deletes the row after it, or this finds no reminder); whether it was kept."""
        lock = " FOR SHARE" if self._db.dialect == "postgres" else ""

        async def write(tx: Tx) -> bool:
            held = await tx.fetch_one(f"SELECT 1 FROM reminders WHERE user_id = ? LIMIT 1{lock}", (user_id,))
            if held is None:
                return False
            await tx.execute(
                "INSERT INTO dm_channels (user_id, channel_id) VALUES (?, ?) "
                "ON CONFLICT (user_id) DO UPDATE SET channel_id = excluded.channel_id",
                (user_id, channel_id),
            )
            return True

        return await self._db.write(write)

    async def forget_dm_channel(self, user_id: int, channel_id: int) -> None:
        """Discord no longer knows this DM channel (10003): the next reminder opens one again."""

        async def write(tx: Tx) -> None:
            await tx.execute(
                "DELETE FROM dm_channels WHERE user_id = ? AND channel_id = ?", (user_id, channel_id)
            )

        await self._db.write(write)

    # ---- episodes with air dates -------------------------------------------------------------------------
    async def scheduled(
        self, start: date, end: date, drama_ids: Sequence[int] | None = None
    ) -> list[ScheduledEpisode]:
        """Episodes whose local air date is from `start` to `end` (inclusive), of `drama_ids` or all; hidden
        dramas left out."""
        where, params = "e.air_date BETWEEN ? AND ?", [start.isoformat(), end.isoformat()]
        if drama_ids is not None:
            if not drama_ids:
                return []
            where += f" AND e.drama_id IN ({marks(len(drama_ids))})"
            params += list(drama_ids)
        rows = await self._db.fetch(
            "SELECT e.drama_id, e.number, e.air_date, e.air_time, d.country FROM episodes e "
            f"JOIN dramas d ON d.id = e.drama_id WHERE {where} AND d.hidden_at IS NULL "
            "ORDER BY e.air_date, e.drama_id, e.number",
            tuple(params),
        )
        return [
            ScheduledEpisode(
                r[0], r[1], date.fromisoformat(str(r[2])), time.fromisoformat(r[3]) if r[3] else None, r[4]
            )  # fmt: skip
            for r in rows
        ]

    async def has_air_dates(self, drama_id: int) -> bool:
        row = await self._db.fetch_one(
            "SELECT 1 FROM episodes WHERE drama_id = ? AND air_date IS NOT NULL LIMIT 1",
            (drama_id,)
        )
        return row is not None

    # ---- the ledger: recording intents ----------------------------------------------------------------------
    async def announced(self, guild_id: int) -> set[tuple[int, int]]:
        """(drama_id, episode) of every announcement recorded for a server, whatever became of it."""
        rows = await self._db.fetch(
            "SELECT drama_id, episode FROM announcements WHERE kind = 'announce' AND guild_id = ?",
            (guild_id,),
        )
        return {(r[0], r[1]) for r in rows}

    async def recorded(
        self, spans: dict[int, tuple[int, int]]
    ) -> tuple[set[tuple[int, int, int]], set[tuple[int, int, int]]]:
        """(guild_id, drama_id, episode) announcements and (user_id, drama_id, episode) reminders recorded
        for the episodes in `spans` (drama -> (first, last) episode number), whatever became of them."""
        announced: set[tuple[int, int, int]] = set()
        reminded: set[tuple[int, int, int]] = set()
        items = sorted(spans.items())
        for start in range(0, len(items), _SPANS):
            chunk = items[start : start + _SPANS]
            rows = await self._db.fetch(
                recorded_sql(len(chunk)),
                tuple(v for drama_id, (low, high) in chunk for v in (drama_id, low, high)),
            )
            for kind, guild_id, user_id, drama_id, episode in rows:
                if kind == "announce":
                    announced.add((guild_id, drama_id, episode))
                else:
                    reminded.add((user_id, drama_id, episode))
        return announced, reminded

    async def record_posts(
        self, settings: AnnounceSettings, episodes: Sequence[tuple[int, int]], *, state: str = "pending",
        now: datetime,
    ) -> list[str]:  # fmt: skip
        """Record one post per (drama_id, episode) for a server ('skipped': settled unposted); new keys."""
        return await self.record_many([(settings, episodes, state)], now=now)

    async def record_many(
        self, batch: Sequence[tuple[AnnounceSettings, Sequence[tuple[int, int]], str]], *, now: datetime
    ) -> list[str]:
        """`record_posts` for many (settings, episodes, state) in one transaction; the new keys."""
        rows = [(announce_key(settings.guild_id, drama_id, number), "announce", settings.guild_id, None,
                 settings.channel_id, drama_id, number, int(settings.thread), None, state, ts(now))
                for settings, episodes, state in batch for drama_id, number in episodes]  # fmt: skip

        async def write(tx: Tx) -> list[str]:
            return await _insert(tx, rows)

        return await self._db.write(write) if rows else []

    async def record_digest(
        self, settings: AnnounceSettings, episodes: Sequence[tuple[int, int]], *, now: datetime
    ) -> str | None:
        """Record one digest of the server's missed episodes not recorded yet; its key, or None if none."""

        async def write(tx: Tx) -> str | None:
            rows = [(announce_key(settings.guild_id, drama_id, number), "announce", settings.guild_id, None,
                     settings.channel_id, drama_id, number, 0, None, "digest", ts(now))
                    for drama_id, number in episodes]  # fmt: skip
            made = set(await _insert(tx, rows))
            mine = [(d, n) for d, n in episodes if announce_key(settings.guild_id, d, n) in made]
            if not mine:
                return None
            key = digest_key(settings.guild_id, mine)
            await tx.execute(_INSERT, (key, "digest", settings.guild_id, None, settings.channel_id, None, None, 0,
                                       None, "pending", ts(now)))  # fmt: skip
            await tx.executemany(
                "UPDATE announcements SET via = ? WHERE key = ?",
                [(key, announce_key(settings.guild_id, d, n)) for d, n in mine],
            )
            return key

        return await self._db.write(write) if episodes else None

    async def record_reminders(
        self, reminders: Sequence[tuple[int, int, int]], *, state: str = "pending", now: datetime
    ) -> list[str]:
        """Record one DM per (user_id, drama_id, episode); returns the keys this call created."""

        rows = [(remind_key(user_id, drama_id, number), "remind", None, user_id, None, drama_id, number, 0, None,
                 state, ts(now)) for user_id, drama_id, number in reminders]  # fmt: skip
        users = sorted({user_id for user_id, _, _ in reminders})
        # Only for reminders still there when this commits (PostgreSQL: locked until then), so an erasure
        # or /remind off since the cycle's read gets no DM.
        lock = " FOR SHARE" if self._db.dialect == "postgres" else ""

        async def write(tx: Tx) -> list[str]:
            held: set[tuple[int, int]] = set()
            for start in range(0, len(users), _IDS):
                chunk = users[start : start + _IDS]
                found = await tx.fetch(
                    f"SELECT user_id, drama_id FROM reminders WHERE user_id IN ({marks(len(chunk))}){lock}",
                    tuple(chunk),
                )
                held.update((r[0], r[1]) for r in found)
            return await _insert(tx, [row for row in rows if (row[3], row[5]) in held])

        return await self._db.write(write) if reminders else []

    # ---- the ledger: posting ----------------------------------------------------------------------------
    async def pending(self, now: datetime, *, limit: int = 1000) -> list[LedgerEntry]:
        """Intents to post now: pending, not leased, channel or reminder not paused (oldest first), digests
        with their episodes."""
        rows = await self._db.fetch(
            f"SELECT {_LEDGER_COLUMNS} FROM announcements a WHERE state = 'pending' "
            "AND (lease_until IS NULL OR lease_until <= ?) AND NOT (a.kind IN ('announce', 'digest') AND EXISTS ("
            "SELECT 1 FROM announce_settings s WHERE s.guild_id = a.guild_id AND s.paused_at IS NOT NULL)) "
            "AND NOT (a.kind = 'remind' AND EXISTS (SELECT 1 FROM reminders r WHERE r.user_id = a.user_id "
            "AND r.drama_id = a.drama_id AND r.paused = 1)) "
            "ORDER BY created_at, key LIMIT ?",
            (ts(now), limit),
        )
        out = []
        for row in rows:
            covered: tuple[tuple[int, int], ...] = ()
            if row["kind"] == "digest":
                parts = await self._db.fetch(
                    "SELECT drama_id, episode FROM announcements WHERE via = ? ORDER BY drama_id, episode",
                    (row["key"],),
                )
                covered = tuple((p[0], p[1]) for p in parts)
            out.append(_entry(row, covered))
        return out

    async def entry(self, key: str) -> LedgerEntry | None:
        row = await self._db.fetch_one(f"SELECT {_LEDGER_COLUMNS} FROM announcements WHERE key = ?", (key,))
        return None if row is None else _entry(row)

    async def expire(self, before: datetime) -> int:
        """Settle as 'skipped' the pending intents recorded before `before` (too old to post now)."""
        old = await self._db.fetch_one(
            "SELECT 1 FROM announcements WHERE state = 'pending' AND created_at < ? LIMIT 1", (ts(before),)
        )
        if old is None:  # the usual case: no write transaction every cycle
            return 0

        async def write(tx: Tx) -> int:
            rows = await tx.fetch(
                "UPDATE announcements SET state = 'skipped', detail = 'too old', lease_until = NULL "
                "WHERE state = 'pending' AND created_at < ? RETURNING key",
                (ts(before),),
            )
            return len(rows)

        return await self._db.write(write)

    async def begin(self, key: str, *, now: datetime, lease: timedelta) -> int | None:
        """Lease a pending intent until now + lease and count the attempt; the attempts before it whose
        outcome is unknown, or None (settled, or leased by another process)."""

        async def write(tx: Tx) -> int | None:
            row = await tx.fetch_one(
                "UPDATE announcements SET open_attempts = open_attempts + 1, lease_until = ? "
                "WHERE key = ? AND state = 'pending' AND (lease_until IS NULL OR lease_until <= ?) "
                "RETURNING open_attempts",
                (ts(now + lease), key, ts(now)),
            )
            return None if row is None else row[0] - 1

        return await self._db.write(write)

    async def leased(self, now: datetime) -> int:
        """How many pending intents are leased past `now` (being posted, or held by a process that died)."""
        row = await self._db.fetch_one(
            "SELECT count(*) FROM announcements WHERE state = 'pending' AND lease_until > ?", (ts(now),)
        )
        return int(row[0])

    async def release_leases(self, now: datetime) -> int:
        """End every lease still running at `now`: a new airing leader takes over its predecessor's intents
        at once. Their attempts stay counted, so each is looked for in its channel before it is posted again."""

        async def write(tx: Tx) -> int:
            rows = await tx.fetch(
                "UPDATE announcements SET lease_until = NULL WHERE state = 'pending' AND lease_until > ? "
                "RETURNING key",
                (ts(now),),
            )
            return len(rows)

        return await self._db.write(write)

    async def finish(
        self,
        key: str,
        *,
        outcome: str,
        now: datetime,
        message_id: int | None = None,
        thread_id: int | None = None,
        detail: str = "",
        retry_after: timedelta | None = None,
    ) -> None:
        """Record an attempt's outcome: 'done', 'failed' (never again), 'paused' (DMs closed: pause the
        member's reminders), 'blocked' (pause the server's channel with `detail` as reason), 'retry'
        (not posted; again after `retry_after`) or 'unknown' (maybe posted: the attempt stays open)."""
        if outcome not in ("done", "failed", "paused", "blocked", "retry", "unknown"):
            raise ValueError(f"unknown outcome {outcome!r}")
        later = ts(now + retry_after) if retry_after else None

        async def write(tx: Tx) -> None:
            if outcome == "blocked":
                paused = await tx.fetch_one(
                    "UPDATE announce_settings SET paused_at = COALESCE(paused_at, ?), paused_reason = ? "
                    "WHERE (guild_id, channel_id) IN (SELECT guild_id, channel_id FROM announcements WHERE key = ?) "
                    "RETURNING guild_id",
                    (ts(now), detail[:300] or None, key),
                )
                if paused is None:  # not the server's channel any more: this post will not be made
                    await _settle(tx, key, "failed", now, None, None, f"{detail}; not the announcement channel now")
                    return
                await tx.execute(
                    "UPDATE announcements SET open_attempts = CASE WHEN open_attempts >= 1 THEN open_attempts - 1 "
                    "ELSE 0 END, lease_until = NULL, detail = ? WHERE key = ? AND state = 'pending'",
                    (detail[:300] or None, key),
                )
                return
            if outcome in ("done", "failed", "paused"):
                row = await _settle(tx, key, outcome, now, message_id, thread_id, detail)
                if row is None:
                    return
                if outcome == "paused" and row["user_id"] is not None:
                    await tx.execute(
                        "UPDATE reminders SET paused = 1, tell = 1 WHERE user_id = ? AND paused = 0",
                        (row["user_id"],),
                    )
                    self._tell_read_at = float("-inf")  # a member to tell: read the list again
                return
            closed = 1 if outcome == "retry" else 0
            await tx.execute(
                "UPDATE announcements SET open_attempts = CASE WHEN open_attempts >= ? THEN open_attempts - ? "
                "ELSE 0 END, lease_until = ?, detail = ? WHERE key = ? AND state = 'pending'",
                (closed, closed, later, detail[:300] or None, key),
            )

        await self._db.write(write)


async def _settle(
    tx: Tx, key: str, outcome: str, now: datetime, message_id: int | None, thread_id: int | None, detail: str
) -> Row | None:
    """Settle `key` as `outcome` ('done', 'failed', 'paused'), and a digest's episodes with it."""
    row = await tx.fetch_one(
        "UPDATE announcements SET state = ?, open_attempts = 0, lease_until = NULL, message_id = ?, "
        "thread_id = ?, detail = ?, finished_at = ? WHERE key = ? RETURNING kind, user_id",
        (outcome, message_id, thread_id, detail[:300] or None, ts(now), key),
    )
    if row is not None and row["kind"] == "digest":  # only a digest has rows `via` it (one statement less per post)
        await tx.execute(
            "UPDATE announcements SET state = ?, finished_at = ? WHERE via = ? AND state = 'digest'",
            (outcome if outcome != "paused" else "failed", ts(now), key),
        )
    return row

"""Airing time: broadcast time zones, the scheduler's clock, and which episodes are due (pure).

An episode airs at its date and local time (DEFAULT_LOCAL_TIME when unknown: late, so a post is never
early) in its country's broadcast zone. `due_episodes` sorts one server's candidates into posts, one
digest for those the bot is late for, skipped (older than MAX_AGE) and waiting.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

BROADCAST_ZONES: dict[str, str] = {
    "KR": "Asia/Seoul", "JP": "Asia/Tokyo", "CN": "Asia/Shanghai", "TW": "Asia/Taipei",
    "TH": "Asia/Bangkok", "HK": "Asia/Hong_Kong", "PH": "Asia/Manila", "SG": "Asia/Singapore",
    "MY": "Asia/Kuala_Lumpur", "ID": "Asia/Jakarta", "VN": "Asia/Ho_Chi_Minh", "IN": "Asia/Kolkata",
}  # fmt: skip
DEFAULT_LOCAL_TIME = time(23, 0)  # when only the air date is known: after the evening slots
MAX_AGE = timedelta(days=7)  # due (aired plus the server's delay) longer ago: not announced at all
LATE_AFTER = timedelta(hours=1)  # due longer ago: the bot was away, it goes into the digest


def broadcast_zone(country: str | None) -> ZoneInfo:
    """The drama's broadcast time zone; UTC for a country we have no zone for."""
    return ZoneInfo(BROADCAST_ZONES.get((country or "").upper(), "UTC"))


def air_instant(air_date: date, local_time: time | None, country: str | None) -> datetime:
    """The moment an episode airs, in UTC."""
    local = datetime.combine(air_date, local_time or DEFAULT_LOCAL_TIME, tzinfo=broadcast_zone(country))
    return local.astimezone(UTC)


class Clock(Protocol):
    """The one source of time the scheduler reads."""

    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


@dataclass(frozen=True, slots=True, order=True)
class AiredEpisode:
    aired_at: datetime  # UTC
    drama_id: int
    number: int

    @property
    def key(self) -> tuple[int, int]:
        return (self.drama_id, self.number)


@dataclass(frozen=True, slots=True)
class Due:
    posts: tuple[AiredEpisode, ...] = ()  # one post each, now
    digest: tuple[AiredEpisode, ...] = ()  # one "While I was away" post for all of them
    skipped: tuple[AiredEpisode, ...] = ()  # too old to announce: mark done without posting
    waiting: tuple[AiredEpisode, ...] = ()  # not due yet (delay not over, or not aired)

    @property
    def to_mark(self) -> tuple[AiredEpisode, ...]:
        """What the scheduler records as handled once its posts are confirmed."""
        return self.posts + self.digest + self.skipped


def due_episodes(
    episodes: Iterable[AiredEpisode],
    *,
    now: datetime,
    delay: timedelta = timedelta(0),
    done: Iterable[tuple[int, int]] = (),
    max_age: timedelta = MAX_AGE,
    late_after: timedelta = LATE_AFTER,
) -> Due:
    """Split one server's candidates into posts, a digest (two or more late ones), skipped and waiting.

    Announced episodes (`done`, keys `(drama_id, number)`) never come back; duplicates count once."""
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    seen = set(done)
    on_time: list[AiredEpisode] = []
    late: list[AiredEpisode] = []
    skipped: list[AiredEpisode] = []
    waiting: list[AiredEpisode] = []
    for episode in sorted({e for e in episodes if e.key not in seen}):
        if episode.key in seen:
            continue
        seen.add(episode.key)
        due_at = episode.aired_at + delay
        if due_at > now:
            waiting.append(episode)
        elif now - due_at > max_age:
            skipped.append(episode)
        elif now - due_at > late_after:
            late.append(episode)
        else:
            on_time.append(episode)
    if len(late) >= 2:
        return Due(posts=tuple(on_time), digest=tuple(late), skipped=tuple(skipped), waiting=tuple(waiting))
    return Due(posts=tuple(sorted(late + on_time)), skipped=tuple(skipped), waiting=tuple(waiting))

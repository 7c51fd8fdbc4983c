"""Airing time: broadcast time zones, the one clock the scheduler reads, and which episodes are due.

Pure functions and small value types, no store and no Discord, so the announcement scheduler can be
driven through simulated days in tests:

* an episode's air *instant* comes from its air date, its local air time when known, and the
  broadcast time zone of the drama's country (`Asia/Seoul` for KR ...). A date with no known time is
  taken at `DEFAULT_LOCAL_TIME` local: late enough that the episode has aired everywhere it airs in
  prime time, so an announcement is never early;
* `due_episodes` decides, for one server, what to post now: episodes whose air instant plus the
  server's delay has passed and that were not announced yet. Ones the bot is late for (it was away)
  are gathered into one digest instead of a flood of posts; ones more than `MAX_AGE` late are
  skipped. Every candidate lands in exactly one of `posts`, `digest`, `skipped` or `waiting`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

#: Broadcast time zone per country (ISO 3166-1 alpha-2) of the dramas we carry.
BROADCAST_ZONES: dict[str, str] = {
    "KR": "Asia/Seoul", "JP": "Asia/Tokyo", "CN": "Asia/Shanghai", "TW": "Asia/Taipei",
    "TH": "Asia/Bangkok", "HK": "Asia/Hong_Kong", "PH": "Asia/Manila", "SG": "Asia/Singapore",
    "MY": "Asia/Kuala_Lumpur", "ID": "Asia/Jakarta", "VN": "Asia/Ho_Chi_Minh", "IN": "Asia/Kolkata",
}  # fmt: skip
#: When only the air date is known: after the evening slots, so a post is never early.
DEFAULT_LOCAL_TIME = time(23, 0)
#: Episodes that aired (plus the server's delay) longer ago than this are not announced at all.
MAX_AGE = timedelta(days=7)
#: A due episode more than this late means the bot was away: it goes into the catch-up digest.
LATE_AFTER = timedelta(hours=1)


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


def _order(episode: AiredEpisode) -> tuple[datetime, int, int]:
    """AiredEpisode's own order (aired_at, drama_id, number), as a sort key."""
    return (episode.aired_at, episode.drama_id, episode.number)


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
    """Split one server's candidate episodes into posts, a digest, skipped and waiting ones.

    Announced episodes (`done`, keys `(drama_id, number)`) never come back. On-time episodes are
    posted one by one. Late ones (the bot was away) go into one digest when there are two or more;
    a single late one is posted on its own. Duplicates in `episodes` count once.
    """
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    seen = set(done)
    on_time: list[AiredEpisode] = []
    late: list[AiredEpisode] = []
    skipped: list[AiredEpisode] = []
    waiting: list[AiredEpisode] = []
    # Announced ones left out before sorting (most of a cycle's candidates are), and sorted by a key: the
    # dataclass's own comparisons cost a Python call each (a cycle sorts every server's candidates).
    fresh = {e for e in episodes if e.key not in seen}
    for episode in sorted(fresh, key=_order):
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

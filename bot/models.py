"""Plain dataclasses that the store returns and the cards consume. No Discord types here."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import date, datetime, time

AVAILABILITY_KINDS = ("subscription", "free", "ads", "rent", "buy")
DRAMA_STATUSES = ("upcoming", "airing", "ended")

MIN_SCORE = 0.5
MAX_SCORE = 5.0


@dataclass(frozen=True, slots=True)
class Episode:
    number: int
    critic_score: float | None = None
    title: str | None = None
    note: str | None = None
    air_date: date | None = None  # local to the drama's broadcast zone (bot/airing/times.py)
    air_time: time | None = None  # local air time, when known


@dataclass(frozen=True, slots=True)
class Availability:
    service: str
    kind: str
    regions: tuple[str, ...] = ()  # ISO 3166-1 alpha-2; empty: "select regions" (not known yet)
    url: str | None = None
    checked_on: date | None = None


@dataclass(frozen=True, slots=True)
class Drama:
    id: int
    slug: str
    title: str
    episode_count: int
    native_title: str | None = None
    aliases: tuple[str, ...] = ()
    country: str | None = None  # ISO 3166-1 alpha-2
    year: int | None = None
    network: str | None = None
    genres: tuple[str, ...] = ()
    synopsis: str | None = None
    poster_url: str | None = None
    critic_score: float | None = None
    critic_summary: str | None = None  # a few words, quoted on the card
    critic_verdict: str | None = None  # a few sentences
    tmdb_id: int | None = None  # the TMDB TV series, when linked (import-tmdb, live /where data)
    wikidata_id: str | None = None  # Wikidata QID, e.g. "Q65258113"
    imdb_id: str | None = None  # IMDb title id, e.g. "tt10850932"
    first_air_date: date | None = None
    status: str | None = None  # one of DRAMA_STATUSES, when known


@dataclass(frozen=True, slots=True)
class DramaName:
    drama_id: int
    slug: str
    title: str
    year: int | None
    name: str


@dataclass(frozen=True, slots=True)
class ScoreSummary:
    count: int = 0
    total_halves: int = 0  # sum of scores in half-stars, exact

    @property
    def average(self) -> float | None:
        return self.total_halves / self.count / 2 if self.count else None


@dataclass(frozen=True, slots=True)
class CommunityScores:
    server: ScoreSummary = ScoreSummary()
    everyone: ScoreSummary = ScoreSummary()
    server_episodes: dict[int, ScoreSummary] = field(default_factory=dict)
    everyone_episodes: dict[int, ScoreSummary] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ReviewData:
    drama: Drama
    episodes: tuple[Episode, ...]
    availability: tuple[Availability, ...]
    scores: CommunityScores
    in_guild: bool
    watching: WatchCounts | None = None  # this server's watch lists (None outside a server)

    @property
    def episode_span(self) -> int:
        """Episodes the card covers: the count, or more when a row or score has a higher number."""
        scores = self.scores
        return max(
            self.drama.episode_count,
            max((e.number for e in self.episodes), default=0),
            max(scores.server_episodes, default=0),
            max(scores.everyone_episodes, default=0),
        )


@dataclass(frozen=True, slots=True)
class RateResult:
    drama: Drama
    episode: int | None
    score: float
    previous: float | None  # the caller's earlier score, None when this is their first
    server: ScoreSummary  # for the episode when `episode` is set, else the whole drama
    everyone: ScoreSummary
    in_guild: bool


@dataclass(frozen=True, slots=True)
class CatalogueStats:
    dramas: int
    episodes: int
    availability: int
    ratings: int


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One catalogue change: who, when, what, and the record before and after (JSON text)."""

    id: int
    at: str
    actor_id: int | None  # None: a member who erased their data (0: the command line)
    actor_name: str | None
    guild_id: int | None
    action: str
    subject: str
    before: str | None
    after: str | None
    credit_user_id: int | None = None  # the member whose accepted suggestion this change was


@dataclass(frozen=True, slots=True)
class Suggestion:
    """A member's suggested value for one field of a drama (None: clear it), for a global curator."""

    id: int
    drama_id: int
    field: str
    value: str | None
    note: str | None
    user_id: int
    guild_id: int | None
    status: str  # pending, accepted or rejected
    created_at: str  # ISO 8601, as decided_at
    decided_by: int | None = None
    decided_at: str | None = None


@dataclass(frozen=True, slots=True)
class BundleOutcome:
    """What applying the bundled catalogue did; `kept`: dramas left as curators made them."""

    added: int = 0
    updated: int = 0
    kept: tuple[str, ...] = ()


WATCH_STATUSES = ("watching", "completed", "plan", "on_hold", "dropped")


@dataclass(frozen=True, slots=True)
class WatchEntry:
    drama_id: int
    title: str
    episode_count: int
    status: str  # one of WATCH_STATUSES
    progress: int  # last episode watched, 0..episode_count
    score: float | None = None


@dataclass(frozen=True, slots=True)
class WatchPage:
    entries: tuple[WatchEntry, ...]
    total: int
    page: int
    pages: int


@dataclass(frozen=True, slots=True)
class WatchCounts:
    """How many of a server's members have a drama on their list, per status."""

    counts: dict[str, int] = field(default_factory=dict)

    def __getitem__(self, status: str) -> int:
        return self.counts.get(status, 0)


@dataclass(frozen=True, slots=True)
class DeletedData:
    """What /privacy delete-my-data removes (or removed): rows per kind."""

    ratings: int
    watchlist: int
    settings: int
    reminders: int = 0  # /remind subscriptions
    sent: int = 0  # the ledger's records of reminders sent to them (or to send)
    named: int = 0  # catalogue changes and server settings they made: kept, their id (and name) cleared
    suggestions: int = 0
    dm_channels: int = 0  # the DM channel the bot remembers for their reminders

    @property
    def anything(self) -> bool:
        return any(getattr(self, f.name) for f in fields(self))


@dataclass(frozen=True, slots=True)
class RatedDrama:
    drama_id: int
    title: str
    score: float


@dataclass(frozen=True, slots=True)
class ProfileData:
    statuses: WatchCounts
    ratings: int  # drama-level ratings
    mean: float | None
    histogram: tuple[int, ...]  # how many drama-level ratings at 0.5, 1, ..., 5 stars (10 bins)
    genres: tuple[tuple[str, int], ...]  # most-watched genres, most first
    recent: tuple[RatedDrama, ...]  # the last five dramas rated, newest first


@dataclass(frozen=True, slots=True)
class AnnounceSettings:
    guild_id: int
    channel_id: int
    thread: bool = False
    delay_hours: int = 0
    # Why Discord refused the channel (403, 404): no posts until /announce sets it again.
    paused_reason: str | None = None


@dataclass(frozen=True, slots=True)
class ScheduledEpisode:
    """An episode with an air date, and what places it in time (bot/airing/times.py)."""

    drama_id: int
    number: int
    air_date: date
    air_time: time | None
    country: str | None


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    """One post of the announcement ledger; `episodes`: a digest's (drama_id, number) pairs."""

    key: str
    kind: str  # announce | digest | remind
    state: str  # pending | digest | done | skipped | paused | failed
    guild_id: int | None = None
    user_id: int | None = None
    channel_id: int | None = None
    drama_id: int | None = None
    episode: int | None = None
    thread: bool = False
    open_attempts: int = 0
    created_at: str = ""
    message_id: int | None = None
    thread_id: int | None = None
    detail: str | None = None
    episodes: tuple[tuple[int, int], ...] = ()


@dataclass(frozen=True, slots=True)
class GuildSettings:
    """A server's own settings: its curator role, its region (ISO alpha-2) and its time zone (an IANA
    name), None when not set."""

    guild_id: int
    curator_role_id: int | None = None
    region: str | None = None
    timezone: str | None = None


@dataclass(frozen=True, slots=True)
class RefreshCandidate:
    """A drama linked to TMDB, with what the refresh orders it by (bot/tmdb/bulk.py)."""

    drama_id: int
    tmdb_id: int
    slug: str
    status: str | None  # upcoming / airing / ended, None when not known
    last_aired: date | None  # its latest episode air date, else its first air date (None: neither known)
    refreshed_at: datetime | None  # when the refresh last took it (None: never)
    watched: bool  # a server follows it or a member has an active reminder for it


@dataclass(frozen=True, slots=True)
class MergeOutcome:
    """What `catalogue merge` did: the drama kept and how many of the removed one's rows it took."""

    into: Drama
    merged: Drama  # the duplicate, as it was (deleted now; the audit keeps its record)
    ratings: int  # scores moved over
    replaced: int  # scores dropped because the same member had a later one for the same (drama, episode)
    watchlist: int  # list entries moved over or joined with the member's entry for the kept drama
    follows: int
    reminders: int
    announcements: int  # ledger rows moved over (the kept drama's own row for the same post wins)


@dataclass(frozen=True, slots=True)
class ExportedRating:
    """One of a member's scores, for /export: the drama named by its ids, when and where it was given."""

    drama_id: int
    title: str
    year: int | None
    tmdb_id: int | None
    imdb_id: str | None
    episode: int | None  # None: the drama's own score
    halves: int  # the score in half stars, 1..10
    guild_id: int | None  # the server it was given in (None: a DM, or a server without dramabot)
    created_at: str  # ISO 8601, as the store keeps it
    updated_at: str


@dataclass(frozen=True, slots=True)
class ExportedEntry:
    """One entry of a member's watch list, for /export."""

    drama_id: int
    title: str
    year: int | None
    tmdb_id: int | None
    imdb_id: str | None
    status: str  # one of WATCH_STATUSES
    progress: int  # last episode watched
    guild_id: int | None
    updated_at: str


@dataclass(frozen=True, slots=True)
class HeldRows:
    """Every row of one table whose `column` holds the member's id (one entry of erasure's ERASED), as
    stored: `rows` are (column, value) pairs. `erased`: erasure deletes these rows; else it clears the id."""

    table: str
    column: str
    erased: bool
    rows: tuple[tuple[tuple[str, int | str | None], ...], ...]


@dataclass(frozen=True, slots=True)
class MemberData:
    """Everything stored about a member (/export): their scores and list with the dramas' names and ids, and
    every row erasure would remove or clear (`held`, in ERASED's order)."""

    user_id: int
    ratings: tuple[ExportedRating, ...]
    watchlist: tuple[ExportedEntry, ...]
    held: tuple[HeldRows, ...]

    @property
    def anything(self) -> bool:
        return any(h.rows for h in self.held)


@dataclass(frozen=True, slots=True)
class WatchParty:
    """A /watchparty: a Discord scheduled event, and where and when to ask "How was episode N?" after it."""

    event_id: int
    guild_id: int
    channel_id: int
    drama_id: int
    episode: int | None
    starts_at: datetime  # aware, UTC
    ends_at: datetime  # aware, UTC: the follow-up is due then
    created_by: int | None
    locale: str = "en"
    posted: int = 0  # 0 waiting, 1 asked (or claimed), 2 not asked


@dataclass(frozen=True, slots=True)
class PickCandidate:
    """A drama for /pick's poll: how many of the server's members plan to watch it, and its Bayesian
    scores (/top's) in the server and everywhere (None: nobody rated there), which break ties."""

    drama_id: int
    title: str
    plans: int
    server_score: float | None
    everyone_score: float | None


@dataclass(frozen=True, slots=True)
class ServerPoll:
    """A /pick poll in a channel: its message (None while being posted), dramas in answer order, end."""

    channel_id: int
    guild_id: int
    message_id: int | None
    drama_ids: tuple[int, ...]
    ends_at: datetime
    done: bool

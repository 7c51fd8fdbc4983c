"""The announcement scheduler: one cycle, `run_cycle`, and `AiringJob`, which repeats it.

A cycle reads the time once, through the injected clock; settles as skipped the intents pending for
longer than MAX_AGE; records the posts, digests and reminders now due (`bot.airing.times.due_episodes`);
then sends every pending intent not leased elsewhere through `bot.airing.announcer.Dispatcher`.
Exactly once: the ledger's keys are unique per (server or member, drama, episode) and `begin` leases a
row in one UPDATE; an attempt whose outcome was lost is checked for in the channel before a new post.

A process that becomes the airing leader releases the leases its predecessor left (`AiringJob`): that
process died mid-wave, and its posts are retried at once instead of after LEASE. Their attempts stay
counted, so each is looked for in its channel first; a post racing that look (an old leader not yet
aware it lost the lock) carries the same nonce, which Discord answers with the first message.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import discord

from bot.airing.announcer import Delivery, Dispatcher, Intent, Outcome, Status
from bot.airing.times import MAX_AGE, AiredEpisode, Clock, air_instant, due_episodes
from bot.cards.airing import AiringEpisode, announcement_card, digest_card, reminder_card, thread_name
from bot.cluster.jobs import BackgroundJob
from bot.i18n.messages import ENGLISH as EN
from bot.i18n.messages import language
from bot.models import AnnounceSettings, Availability, Drama, LedgerEntry, ScheduledEpisode
from bot.store import Store
from bot.store.airing import announce_key
from bot.tmdb.client import providers_availability
from bot.tmdb.providers import merged

log = logging.getLogger(__name__)

LEADER_LOCK = "airing-scheduler"  # Store.try_exclusive, held for each cycle
LEADER_NAME = "airing-scheduler"  # bot.cluster's leader lock for the loop
LEASE = timedelta(minutes=5)  # how long a process holds an intent it is posting
DATE_SLACK = timedelta(days=2)  # the broadcast day may be ahead of UTC
YIELD_EVERY = 20  # the cycle's loops give the event loop back every this many items
PAGE = 1000  # pending intents a cycle sends at most; a full page that made progress: the next cycle at once


_OUTCOMES = {Status.REJECTED: "failed", Status.DMS_CLOSED: "paused", Status.RETRY: "retry"}


class StoreLedger:
    """`bot.airing.announcer.Ledger` over the store's ledger."""

    def __init__(self, store: Store, clock: Clock, lease: timedelta = LEASE) -> None:
        self.store, self.clock, self.lease = store, clock, lease

    async def begin(self, key: str) -> int | None:
        return await self.store.airing.begin(key, now=self.clock.now(), lease=self.lease)

    async def finish(self, key: str, delivery: Delivery) -> None:
        status = delivery.status
        extra = {"message_id": delivery.message_id, "thread_id": delivery.thread_id} if status.done else {}
        if status.done:
            outcome = "done"
        elif status.blocks:  # a channel is blocked until /announce is set again; a member is paused
            outcome = "paused" if key.startswith("remind:") else "blocked"
        else:
            outcome = _OUTCOMES.get(status, "unknown")
        detail = delivery.detail + (f"; thread: {delivery.thread_problem}" if delivery.thread_problem else "")
        await self.store.airing.finish(key, outcome=outcome, now=self.clock.now(), detail=detail, **extra)

    async def remember_dm(self, user_id: int, channel_id: int) -> None:
        await self.store.airing.remember_dm_channel(user_id, channel_id)

    async def forget_dm(self, user_id: int, channel_id: int) -> None:
        await self.store.airing.forget_dm_channel(user_id, channel_id)


@dataclass
class CycleReport:
    recorded: int = 0  # new intents (posts, digests, reminders)
    skipped: int = 0  # episodes settled without a post (too old, or older missed ones of a reminder)
    expired: int = 0  # pending intents given up (older than MAX_AGE)
    outcomes: list[Outcome] = field(default_factory=list)
    more: bool = False  # a full page was sent and more may be pending

    @property
    def again_now(self) -> bool:
        """Whether the next cycle should run at once: a wave larger than a page, which is moving (not a
        page of retries while Discord is down, which would only be asked again and again)."""
        return self.more and any(o.status.done or o.status.blocks or o.status is Status.DMS_CLOSED
                                 for o in self.outcomes)  # fmt: skip


def aired(episode: ScheduledEpisode) -> AiredEpisode:
    return AiredEpisode(air_instant(episode.air_date, episode.air_time, episode.country), episode.drama_id,
                        episode.number)  # fmt: skip


async def record_due(store: Store, now: datetime, report: CycleReport) -> None:
    """Record what is due for every server and every reminder, in batched store calls.

    A reminder gets one direct message per drama (its latest episode); older missed ones are skipped."""
    # Every episode that may be due: aired within MAX_AGE plus the longest delay (48 h), by local date.
    start = (now - MAX_AGE - timedelta(hours=48) - DATE_SLACK).date()
    by_drama: dict[int, list[AiredEpisode]] = {}
    for episode in await store.airing.scheduled(start, (now + DATE_SLACK).date()):
        by_drama.setdefault(episode.drama_id, []).append(aired(episode))
    if not by_drama:
        return
    spans = {d: (min(e.number for e in eps), max(e.number for e in eps)) for d, eps in by_drama.items()}
    announced, sent = await store.airing.recorded(spans)
    done_by_guild: dict[int, set[tuple[int, int]]] = {}
    for guild_id, drama_id, number in announced:
        done_by_guild.setdefault(guild_id, set()).add((drama_id, number))
    batch: list[tuple[AnnounceSettings, list[tuple[int, int]], str]] = []
    for i, (settings, followed) in enumerate(await store.airing.announcing_follows(sorted(by_drama))):
        if i % YIELD_EVERY == YIELD_EVERY - 1:
            await asyncio.sleep(0)  # interactions are answered between the servers' work
        mine = [e for d in followed for e in by_drama.get(d, ())]
        if not mine:
            continue
        due = due_episodes(mine, now=now, delay=timedelta(hours=settings.delay_hours),
                           done=done_by_guild.get(settings.guild_id, ()))  # fmt: skip
        if due.posts:
            batch.append((settings, [e.key for e in due.posts], "pending"))
        if due.skipped:
            batch.append((settings, [e.key for e in due.skipped], "skipped"))
        if due.digest and await store.airing.record_digest(settings, [e.key for e in due.digest], now=now):
            report.recorded += 1
    made = set(await store.airing.record_many(batch, now=now))
    for settings, episodes, state in batch:
        n = sum(1 for d, e in episodes if announce_key(settings.guild_id, d, e) in made)
        if state == "pending":
            report.recorded += n
        else:
            report.skipped += n
    reminders = await store.airing.reminded(sorted(by_drama))
    done_by_member: dict[tuple[int, int], set[tuple[int, int]]] = {}
    for user_id, drama_id, number in sent:
        done_by_member.setdefault((user_id, drama_id), set()).add((drama_id, number))
    post: list[tuple[int, int, int]] = []
    settle: list[tuple[int, int, int]] = []
    for user_id, drama_id in reminders:
        due = due_episodes(by_drama[drama_id], now=now, done=done_by_member.get((user_id, drama_id), ()))
        fresh = sorted(due.posts + due.digest)
        if fresh:
            post.append((user_id, drama_id, fresh[-1].number))
        settle += [(user_id, drama_id, e.number) for e in (*fresh[:-1], *due.skipped)]
    report.recorded += len(await store.airing.record_reminders(post, now=now))
    report.skipped += len(await store.airing.record_reminders(settle, state="skipped", now=now))


class _Cards:
    """Dramas and episode times read once per cycle, for the cards; a server's cards in its language."""

    def __init__(self, store: Store, client: discord.Client | None = None) -> None:
        self.store, self.client = store, client
        self._dramas: dict[int, Drama | None] = {}
        self._times: dict[int, dict[int, datetime]] = {}
        self._regions: dict[int, str] = {}  # guild -> its region (/server region), for "where to watch"
        self._dms: dict[int, int] = {}  # member -> their DM channel, when remembered
        self._where: dict[int, tuple[Availability, ...]] = {}

    async def prepare(self, entries: Sequence[LedgerEntry]) -> None:
        """Read the regions of the servers with an announcement pending, and the DM channels remembered for
        the members with a reminder pending (one read each)."""
        guilds = {e.guild_id for e in entries if e.kind == "announce" and e.guild_id is not None}
        self._regions = await self.store.curation.guild_regions(guilds) if guilds else {}
        users = {e.user_id for e in entries if e.kind == "remind" and e.user_id is not None}
        self._dms = await self.store.airing.dm_channels(sorted(users)) if users else {}

    async def where(self, drama: Drama) -> tuple[Availability, ...]:
        """Where the drama streams, as /where shows it but without asking TMDB (the last check stored)."""
        if drama.id not in self._where:
            found = await self.store.catalogue.availability(drama.id)
            cached = await self.store.caches.cached_providers(drama.id) if drama.tmdb_id is not None else None
            if cached is not None:
                found = merged(providers_availability(cached[1], cached[0]), found)
            self._where[drama.id] = found
        return self._where[drama.id]

    async def episode(self, drama_id: int, number: int) -> AiringEpisode | None:
        if drama_id not in self._dramas:
            self._dramas[drama_id] = await self.store.catalogue.get(drama_id)
            drama = self._dramas[drama_id]
            eps = await self.store.catalogue.episodes(drama_id) if drama is not None else ()
            self._times[drama_id] = {
                e.number: air_instant(e.air_date, e.air_time, drama.country)  # type: ignore[union-attr]
                for e in eps
                if e.air_date is not None
            }
        drama = self._dramas[drama_id]
        at = self._times.get(drama_id, {}).get(number)
        return None if drama is None or at is None else AiringEpisode(drama, number, at)

    async def intent(self, entry: LedgerEntry) -> Intent | None:
        # No `since`: the ledger's times are the scheduler's clock's, not Discord's.
        locale = self._guild_locale(entry.guild_id)
        if entry.kind == "digest":
            found = [await self.episode(d, n) for d, n in entry.episodes]
            episodes = [e for e in found if e is not None]
            if not episodes:
                return None
            return Intent(entry.key, digest_card(episodes, locale), channel_id=entry.channel_id)
        episode = await self.episode(entry.drama_id or 0, entry.episode or 0)
        if episode is None:  # the drama or the episode's date went away since it was recorded
            return None
        if entry.kind == "remind":
            locale = await self.store.airing.reminder_locale(entry.user_id or 0, episode.drama.id)
            card = reminder_card(episode, locale=locale)
            return Intent(
                entry.key, card, user_id=entry.user_id, dm_channel_id=self._dms.get(entry.user_id or 0)
            )
        region = self._regions.get(entry.guild_id or 0)
        where = await self.where(episode.drama) if region else ()
        thread = thread_name(episode.number, locale) if entry.thread else None
        card = announcement_card(episode, where, region, locale)
        return Intent(entry.key, card, channel_id=entry.channel_id, thread_name=thread)

    def _guild_locale(self, guild_id: int | None) -> str:
        """The server's language (its community locale: "ko" for a Korean server), English otherwise."""
        guild = self.client.get_guild(guild_id) if self.client is not None and guild_id is not None else None
        return language(guild.preferred_locale) if guild is not None else EN


async def run_cycle(store: Store, clock: Clock, dispatcher: Dispatcher, *, page: int = PAGE) -> CycleReport:
    """One cycle, sending at most `page` pending intents; `dispatcher.ledger` must be a `StoreLedger`: it
    makes each post happen once."""
    now = clock.now()
    report = CycleReport()
    report.expired = await store.airing.expire(now - MAX_AGE)
    await record_due(store, now, report)
    cards = _Cards(store, getattr(dispatcher, "client", None))
    intents: list[Intent] = []
    pending = await store.airing.pending(now, limit=page)
    report.more = len(pending) >= page
    await cards.prepare(pending)
    for i, entry in enumerate(pending):
        if i % YIELD_EVERY == YIELD_EVERY - 1:
            await asyncio.sleep(0)  # a card each is quick, 200 in a row are not: let interactions in
        intent = await cards.intent(entry)
        if intent is None:
            await store.airing.finish(entry.key, outcome="failed", now=now, detail="episode no longer dated")
        else:
            intents.append(intent)
    if intents:
        report.outcomes = await dispatcher.run(intents)
    return report


class AiringJob(BackgroundJob):
    """Runs `run_cycle` every `interval` once the bot is ready; started and stopped with the bot."""

    name = LEADER_NAME

    def __init__(
        self, client: discord.Client, store: Callable[[], Store], clock: Clock, interval: timedelta,
        *, takeover_grace: float = 0.0,
    ) -> None:  # fmt: skip
        super().__init__()
        self.client, self._store, self.clock, self.interval = client, store, clock, interval
        # How long a leader that lost its lock may still be sending (bot.cluster: until it notices).
        self.takeover_grace = takeover_grace
        self.dispatcher: Dispatcher | None = None
        self.totals: Counter[str] = Counter()  # delivery outcomes by Status.value, cumulative

    @property
    def backlog(self) -> int:
        """Announcement intents in the running batch not settled yet."""
        return self.dispatcher.backlog if self.dispatcher is not None else 0

    async def stop(self) -> None:
        await super().stop()
        if self.dispatcher is not None:
            await self.dispatcher.close()

    async def take_over(self, store: Store) -> int:
        """Release the leases a previous leader left (it died mid-wave), after `takeover_grace`; how many."""
        if not await store.airing.leased(self.clock.now()):
            return 0
        if self.takeover_grace > 0:
            await asyncio.sleep(self.takeover_grace)
        released = await store.airing.release_leases(self.clock.now())
        if released:
            log.info(
                "took over %d announcement(s) a previous leader had begun: checked, then posted", released
            )
        return released

    async def _loop(self) -> None:
        await self.client.wait_until_ready()
        taken_over = False
        while True:
            store = self._store()
            if isinstance(store, Store):
                self.dispatcher = Dispatcher(self.client, StoreLedger(store, self.clock), totals=self.totals)
                try:
                    if not taken_over:
                        await self.take_over(store)
                        taken_over = True
                    # Several processes on one database: the leader runs the cycle (the ledger keeps posts
                    # exactly-once even without it, e.g. on SQLite, where the lock is per process).
                    async with store.try_exclusive(LEADER_LOCK) as leader:
                        report = await run_cycle(store, self.clock, self.dispatcher) if leader else None
                    if report is not None and (report.recorded or report.outcomes or report.expired):
                        log.info("airing cycle: %d recorded, %d skipped, %d expired, %s", report.recorded,
                                 report.skipped, report.expired, _summary(report.outcomes))  # fmt: skip
                    if report is not None and report.again_now:
                        await asyncio.sleep(0)
                        continue
                except asyncio.CancelledError:
                    raise
                except Exception:
                    log.exception("airing cycle failed; trying again in %s", self.interval)
            await asyncio.sleep(self.interval.total_seconds())


def _summary(outcomes: Sequence[Outcome]) -> str:
    counts: dict[str, int] = {}
    for o in outcomes:
        counts[o.status.value] = counts.get(o.status.value, 0) + 1
    return ", ".join(f"{n} {s}" for s, n in sorted(counts.items())) or "nothing sent"


async def upcoming(
    store: Store, now: datetime, days: int, drama_ids: Sequence[int] | None = None
) -> list[AiringEpisode]:
    """Episodes airing from `now` to `days` days ahead (of `drama_ids`, or all), for /schedule."""
    end = now + timedelta(days=days)
    found = await store.airing.scheduled((now - DATE_SLACK).date(), (end + DATE_SLACK).date(), drama_ids)
    cards = _Cards(store)
    out = []
    for episode in found:
        at = aired(episode).aired_at
        if now <= at < end:
            card = await cards.episode(episode.drama_id, episode.number)
            if card is not None:
                out.append(card)
    return out

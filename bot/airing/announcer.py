"""Sending announcements and reminders exactly once: a small dispatcher over discord.py.

The scheduler records each post as an intent in the store first; this module sends a batch and says
what became of each. Every create carries a nonce from the intent's key (``enforce_nonce``), so Discord
answers a repeat with the first message; a post whose outcome is unknown is looked for in the channel
before it is tried again. After a refusal (403, 404, closed DMs) nothing more goes to that destination
in the batch: Discord bans an IP after 10,000 refused requests in 10 minutes. 429s are discord.py's, and
the global rate limit is the pacer's (bot/pacing/): the dispatcher runs enough posts at once that the pacer,
not this concurrency, sets the pace.

The order of a batch (docs/airing.md): servers' posts first, then members' DMs; within each, destinations
in the order the intents were recorded. A worker sends one post of a destination, then puts it back at the
end of its queue, so a server with many posts does not hold a worker while others wait. A member's DM
channel, once opened, is remembered (`Intent.dm_channel_id`, through the ledger) and posted to directly.
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import logging
from collections import Counter, deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import Enum
from typing import Protocol

import aiohttp
import discord

from bot.airing.permissions import missing_permissions, missing_text

log = logging.getLogger(__name__)

NONCE_LENGTH = 25  # Discord's limit for a nonce
CHECK_DEPTH = 100  # the bot's recent messages in a channel a check looks through
CHECK_SLACK = timedelta(minutes=2)  # before `Intent.since`: the store's and Discord's clocks differ
CONCURRENCY = 16  # posts in flight: ~100 ms a request on Discord, so the pacer (~50/s) is the limit

CANNOT_DM = 50007
MISSING_ACCESS = 50001
MISSING_PERMISSIONS = 50013
UNKNOWN_CHANNEL = 10003
UNKNOWN_MESSAGE = 10008
INVALID_RECIPIENT = 50033
THREAD_EXISTS = 160004


class Status(Enum):
    POSTED = "posted"  # posted now
    FOUND = "found"  # an earlier attempt had posted it: found in the channel, not posted again
    REMOVED = "removed"  # an earlier attempt's post was deleted since (Discord says so): not posted again
    DMS_CLOSED = "dms_closed"  # the member does not take DMs from the bot (50007): pause the reminder
    MISSING_PERMISSIONS = "missing_permissions"  # the bot may not post there: `detail` names what it lacks
    GONE = "gone"  # the channel or user is unknown or out of reach (10003, 50001, 50033)
    REJECTED = "rejected"  # Discord refused the body (400, a bug): failed, logged, not retried
    RETRY = "retry"  # certainly not posted (rate limit discord.py gave up on, Discord unreachable): later
    SKIPPED = "skipped"  # the ledger said no (done already, or another process holds it): nothing sent
    UNKNOWN = "unknown"  # maybe posted: the next attempt checks before posting

    @property
    def done(self) -> bool:
        """The post is there (or was, and was deleted since): nothing more is posted for it."""
        return self in (Status.POSTED, Status.FOUND, Status.REMOVED)

    @property
    def blocks(self) -> bool:
        """Discord refused the destination itself: nothing more is sent there for now."""
        return self in (Status.MISSING_PERMISSIONS, Status.GONE)


@dataclass(frozen=True, slots=True)
class Delivery:
    """What became of one intent, in plain values (what the store records)."""

    status: Status
    message_id: int | None = None
    thread_id: int | None = None
    detail: str = ""
    thread_problem: str | None = None  # the post is there but its thread could not be opened: why


@dataclass(frozen=True, slots=True)
class Intent:
    """One post to make; ``key`` is unique and stable across restarts (e.g. ``remind:<user>:<drama>:<ep>``)."""

    key: str
    embed: discord.Embed
    channel_id: int | None = None  # a server's channel ...
    user_id: int | None = None  # ... or a member's DMs
    thread_name: str | None = None  # open a public thread under the post, named so
    since: datetime | None = None  # when the intent was recorded: where a check starts looking
    attempts: int = 0  # earlier attempts whose outcome is unknown (when no Ledger is given)
    dm_channel_id: int | None = None  # the member's DM channel, when remembered: no request to open it

    def __post_init__(self) -> None:
        if (self.channel_id is None) == (self.user_id is None):
            raise ValueError("an intent goes to a channel or to a user's DMs, exactly one")

    @property
    def nonce(self) -> str:
        """The same for every attempt of this intent, so Discord can tell a repeat from a new post."""
        return hashlib.sha256(self.key.encode()).hexdigest()[:NONCE_LENGTH]

    @property
    def destination(self) -> tuple[str, int]:
        return ("channel", self.channel_id) if self.channel_id is not None else ("user", self.user_id)  # type: ignore[return-value]


@dataclass(frozen=True, slots=True)
class Outcome:
    intent: Intent
    delivery: Delivery

    @property
    def status(self) -> Status:
        return self.delivery.status


class Ledger(Protocol):
    """What the dispatcher needs from the store (no Discord types cross it)."""

    async def begin(self, key: str) -> int | None:
        """Note durably that `key` is about to be posted: the earlier attempts with no recorded outcome
        (0 on a clean first try), or None when it must not be posted now (done, or held elsewhere)."""
        ...

    async def finish(self, key: str, delivery: Delivery) -> None:
        """Record what became of `key` (UNKNOWN keeps its attempt counted for the next `begin`)."""
        ...

    async def remember_dm(self, user_id: int, channel_id: int) -> None:
        """Discord opened this DM channel with the member: post there directly next time."""
        ...

    async def forget_dm(self, user_id: int, channel_id: int) -> None:
        """Discord no longer knows this remembered DM channel (10003)."""
        ...


def _code(error: discord.HTTPException) -> int:
    return getattr(error, "code", 0) or 0


def _classify(error: discord.HTTPException) -> Delivery | None:
    """A definite answer from Discord as a delivery; None when it leaves the outcome unknown (5xx)."""
    code = _code(error)
    if isinstance(error, discord.DiscordServerError):
        return None
    if error.status == 429:
        return Delivery(Status.RETRY, detail="rate limited")
    if code == CANNOT_DM:
        return Delivery(Status.DMS_CLOSED, detail="DMs closed")
    if code == MISSING_PERMISSIONS:
        return Delivery(Status.MISSING_PERMISSIONS, detail="Missing Permissions (50013)")
    if code in (MISSING_ACCESS, UNKNOWN_CHANNEL, INVALID_RECIPIENT):
        return Delivery(Status.GONE, detail=f"{error.text or error.status} ({code})")
    if code == UNKNOWN_MESSAGE:
        return Delivery(Status.REMOVED, detail="an earlier post with this nonce was deleted")
    if error.status in (401, 403, 404):  # refused or unknown in some other way: not tried again either
        return Delivery(Status.GONE, detail=f"{error.text or error.status} ({error.status} {code})"[:300])
    return Delivery(Status.REJECTED, detail=f"{error.status} {code}: {error.text}"[:300])


@dataclass
class Dispatcher:
    """Posts intents through a connected discord.py client; see the module's docstring."""

    client: discord.Client
    ledger: Ledger | None = None
    concurrency: int = CONCURRENCY
    send_timeout: float = 60.0  # one request, discord.py's own waits on 429 and 5xx included
    tries: int = 2  # attempts per intent per batch when the outcome stays unknown (each after a check)
    totals: Counter[str] = field(default_factory=Counter)  # outcomes by Status.value, cumulative
    backlog: int = 0  # intents of the running batches not settled yet
    _tasks: set[asyncio.Task[list[Outcome]]] = field(init=False, repr=False, default_factory=set)

    def __post_init__(self) -> None:
        if self.concurrency < 1 or self.tries < 1:
            raise ValueError("concurrency and tries must be at least 1")

    def start(self, intents: Iterable[Intent]) -> asyncio.Task[list[Outcome]]:
        """Send `intents` in the background; the task's result is their outcomes, in order."""
        task = asyncio.get_running_loop().create_task(self.run(list(intents)), name="announcer-batch")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def close(self) -> None:
        """Stop the batches in flight (with the bot); what they did not settle stays pending in the store."""
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def run(self, intents: Sequence[Intent]) -> list[Outcome]:
        """Send `intents` (servers' first, then DMs; each destination's in the given order); their outcomes,
        in the order given."""
        by_destination: dict[tuple[str, int], deque[int]] = {}
        for i, intent in enumerate(intents):
            by_destination.setdefault(intent.destination, deque()).append(i)
        # Two queues of destinations: a worker takes from the servers' while it has any.
        queues = (
            deque(d for d in by_destination if d[0] == "channel"),
            deque(d for d in by_destination if d[0] == "user"),
        )
        results: list[Outcome | None] = [None] * len(intents)
        blocked: dict[tuple[str, int], Delivery] = {}
        opened: dict[int, int] = {}  # user -> DM channel opened in this batch
        self.backlog += len(intents)

        def settle(i: int, outcome: Outcome) -> None:
            results[i] = outcome
            self.totals[outcome.status.value] += 1
            self.backlog -= 1

        async def worker() -> None:
            while queues[0] or queues[1]:
                queue = queues[0] if queues[0] else queues[1]
                destination = queue.popleft()
                waiting = by_destination[destination]
                i = waiting.popleft()
                if destination in blocked:  # refused once: no more requests there in this batch
                    detail = f"blocked: {blocked[destination].detail}"
                    settle(i, Outcome(intents[i], Delivery(Status.SKIPPED, detail=detail)))
                else:
                    intent = intents[i]
                    if intent.user_id is not None and intent.user_id in opened:
                        intent = dataclasses.replace(intent, dm_channel_id=opened[intent.user_id])
                    outcome = await self.deliver(intent, opened)
                    settle(i, Outcome(intents[i], outcome.delivery))
                    if outcome.status.blocks or outcome.status is Status.DMS_CLOSED:
                        blocked[destination] = outcome.delivery
                if waiting:
                    queue.append(destination)  # its next post after the other destinations' turn

        try:
            await asyncio.gather(*(worker() for _ in range(min(self.concurrency, len(by_destination)))))
        finally:
            self.backlog -= sum(1 for r in results if r is None)  # cancelled: left pending in the store
        return [r for r in results if r is not None]

    async def deliver(self, intent: Intent, opened: dict[int, int] | None = None) -> Outcome:
        """Post one intent (recorded first when there is a ledger); `opened` collects the DM channels opened."""
        earlier = intent.attempts
        if self.ledger is not None:
            try:
                begun = await self.ledger.begin(intent.key)
            except Exception:  # without the record first, nothing is posted
                log.exception("could not record the attempt of %s; not posting it now", intent.key)
                return Outcome(intent, Delivery(Status.RETRY, detail="store unavailable"))
            if begun is None:
                return Outcome(intent, Delivery(Status.SKIPPED, detail="done or held elsewhere"))
            earlier = begun
        try:
            delivery = await self._deliver(intent, earlier, {} if opened is None else opened)
        except Exception:  # a bug must not sink the batch; the intent stays pending and is checked next time
            log.exception("announcement %s failed unexpectedly", intent.key)
            delivery = Delivery(Status.UNKNOWN, detail="unexpected error")
        where, target = intent.destination
        if delivery.status is Status.REJECTED:
            log.warning("announcement %s refused by Discord in %s %s: %s; failed, not posted", intent.key,
                        where, target, delivery.detail)  # fmt: skip
        elif delivery.status.blocks:
            log.warning("announcement %s: %s %s out of reach (%s); nothing more is sent there for now",
                        intent.key, where, target, delivery.detail)  # fmt: skip
        if self.ledger is not None:
            try:
                await self.ledger.finish(intent.key, delivery)
            except Exception:  # the attempt stays open: the next begin reports it, and it is checked
                log.exception("could not record what became of %s (%s)", intent.key, delivery.status.value)
        return Outcome(intent, delivery)

    async def _deliver(self, intent: Intent, earlier: int, opened: dict[int, int]) -> Delivery:
        channel = await self._reach(intent, opened)
        if isinstance(channel, Delivery):
            return channel
        delivery = await self._attempts(channel, intent, earlier)
        remembered = intent.user_id is not None and channel.id == intent.dm_channel_id
        if remembered and delivery.status is Status.GONE and delivery.detail.endswith(f"({UNKNOWN_CHANNEL})"):
            # The remembered DM channel is gone (nothing was posted there): forget it, open one again.
            await self._forget_dm(intent.user_id, channel.id)  # type: ignore[arg-type]
            opened.pop(intent.user_id, None)  # type: ignore[arg-type]
            channel = await self._reach(dataclasses.replace(intent, dm_channel_id=None), opened)
            if isinstance(channel, Delivery):
                return channel
            delivery = await self._attempts(channel, intent, earlier)
        return delivery

    async def _reach(self, intent: Intent, opened: dict[int, int]) -> discord.abc.Messageable | Delivery:
        """The destination to post to, or why it cannot be reached now."""
        try:
            return await self._destination(intent, opened)
        except discord.HTTPException as error:
            return _classify(error) or Delivery(Status.RETRY, detail="Discord unavailable")
        except (aiohttp.ClientError, OSError, TimeoutError):
            return Delivery(Status.RETRY, detail="Discord unreachable")

    async def _attempts(self, channel: discord.abc.Messageable, intent: Intent, earlier: int) -> Delivery:
        for attempt in range(self.tries):
            if earlier or attempt:  # a post may exist: look before posting again
                try:
                    found = await self._find(channel, intent)
                except discord.HTTPException as error:
                    known = _classify(error)
                    if known is not None and known.status.blocks:  # refused: not asked again every cycle
                        return known
                    return Delivery(Status.UNKNOWN, detail="could not check for an earlier post")
                except (aiohttp.ClientError, OSError, TimeoutError):
                    return Delivery(Status.UNKNOWN, detail="could not check for an earlier post")
                if found is not None:
                    return await self._with_thread(found, intent, Status.FOUND)
            try:
                async with asyncio.timeout(self.send_timeout):
                    message = await channel.send(
                        embed=intent.embed,
                        nonce=intent.nonce,
                        allowed_mentions=discord.AllowedMentions.none(),
                    )
            except discord.HTTPException as error:
                known = _classify(error)
                if known is not None:
                    return known
            except (aiohttp.ClientError, OSError, TimeoutError):
                pass  # unknown: check, then maybe try again
            else:
                return await self._with_thread(message, intent, Status.POSTED)
        return Delivery(Status.UNKNOWN, detail="no answer from Discord")

    async def _forget_dm(self, user_id: int, channel_id: int) -> None:
        if self.ledger is None:
            return
        try:
            await self.ledger.forget_dm(user_id, channel_id)
        except Exception:  # the next wave finds it gone again and forgets it then
            log.exception("could not forget the DM channel of %s", user_id)

    async def _destination(
        self, intent: Intent, opened: dict[int, int]
    ) -> discord.abc.Messageable | Delivery:
        if intent.user_id is not None:
            if intent.dm_channel_id is not None:  # remembered: no request to open it
                return self.client.get_partial_messageable(
                    intent.dm_channel_id, type=discord.ChannelType.private
                )
            channel = await self.client.create_dm(discord.Object(intent.user_id))
            opened[intent.user_id] = channel.id
            if self.ledger is not None:
                try:
                    await self.ledger.remember_dm(intent.user_id, channel.id)
                except Exception:  # opened again next time: one request more, nothing lost
                    log.exception("could not remember the DM channel of %s", intent.user_id)
            return channel
        channel = self.client.get_channel(intent.channel_id)  # type: ignore[arg-type]
        if channel is None and not intent.thread_name:
            # Another process's shard: post without asking for the channel first (a request each, under
            # the global limit); Discord's answer to the post says whether it is gone or refused.
            return self.client.get_partial_messageable(intent.channel_id)  # type: ignore[arg-type]
        if channel is None:  # a thread needs the channel's server, which only the channel's own data gives
            channel = await self.client.fetch_channel(intent.channel_id)  # type: ignore[arg-type]
        if not isinstance(channel, discord.abc.Messageable):
            return Delivery(Status.GONE, detail="not a text channel")
        guild = getattr(channel, "guild", None)
        if guild is not None and guild.me is not None:
            lacking = missing_permissions(channel.permissions_for(guild.me), threads=False)  # type: ignore[union-attr]
            if lacking:
                return Delivery(Status.MISSING_PERMISSIONS, detail=missing_text(lacking))
        return channel

    async def _find(self, channel: discord.abc.Messageable, intent: Intent) -> discord.Message | None:
        """The bot's own post of this intent in the channel since it was recorded, if an attempt made it."""
        me = self.client.user
        after = intent.since - CHECK_SLACK if intent.since else None
        async with asyncio.timeout(self.send_timeout):
            async for message in channel.history(limit=CHECK_DEPTH, after=after, oldest_first=False):
                if me is not None and message.author.id == me.id and _same_card(message, intent):
                    return message
        return None

    async def _with_thread(self, message: discord.Message, intent: Intent, status: Status) -> Delivery:
        if not intent.thread_name or message.guild is None:
            return Delivery(status, message.id)
        problem = None
        for _ in range(self.tries):
            try:
                async with asyncio.timeout(self.send_timeout):
                    thread = await message.create_thread(name=intent.thread_name)
                return Delivery(status, message.id, thread.id)
            except discord.HTTPException as error:
                if _code(error) == THREAD_EXISTS:  # an earlier attempt opened it: its id is the post's
                    return Delivery(status, message.id, message.id)
                if isinstance(error, discord.DiscordServerError):
                    problem = "no answer from Discord"
                    continue
                lacking = missing_permissions(_permissions(message), threads=True)
                problem = f"missing {missing_text(lacking)}" if lacking else f"{error.status} {_code(error)}"
                break
            except (aiohttp.ClientError, OSError, TimeoutError):
                problem = "no answer from Discord"  # retrying is safe: a second thread is refused (160004)
        return Delivery(status, message.id, thread_problem=problem)


def _same_card(message: discord.Message, intent: Intent) -> bool:
    return bool(message.embeds) and message.embeds[0].title == intent.embed.title


def _permissions(message: discord.Message) -> discord.Permissions:
    channel, guild = message.channel, message.guild
    if guild is None or guild.me is None or not hasattr(channel, "permissions_for"):
        return discord.Permissions.none()
    return channel.permissions_for(guild.me)  # type: ignore[union-attr]

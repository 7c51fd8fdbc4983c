"""The poll job: once a /pick poll ended (by the bot's clock), read its final results from Discord, post the
winner's card (or "nobody voted") in its channel, and settle it: exactly once across processes.

It runs on the cluster's leader (`cluster.run_as_leader`); each poll is also leased in the store
(`store.polls.claim`) while it is settled, and settled in one UPDATE that only the first finisher makes.
The post carries a nonce made from the poll's message, so a post whose bookkeeping was lost (the process
died) and is tried again after the lease is answered by Discord with the first message (within Discord's
few minutes of nonce memory). The bot has only the guilds intent: no poll events reach it, so the job,
which reads the clock every `interval`, is what notices a poll's end.

A poll Discord has not finalised at its end is ended (`Message.end_poll`); when the results are still not
final FINALIZE_GRACE later, the counts Discord shows then are used. The poll's message deleted, or its
channel gone or closed to the bot: settled without a post.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import timedelta
from typing import Any

import aiohttp
import discord

from bot.cards.pick import winner_card
from bot.catalogue import regions
from bot.cluster.jobs import RepeatingJob
from bot.i18n.messages import ENGLISH, language, t
from bot.models import Availability, Drama, ServerPoll
from bot.pick.poll import winner
from bot.store import Store
from bot.tmdb.client import providers_availability
from bot.tmdb.providers import merged

log = logging.getLogger(__name__)

LEADER_NAME = "server-polls"
LEASE = timedelta(minutes=5)  # how long a process holds a poll it is settling
FINALIZE_GRACE = timedelta(minutes=10)  # after the end, how long to wait for Discord's final counts
NONCE_LENGTH = 25
UNKNOWN_MESSAGE = 10008


def nonce(poll: ServerPoll) -> str:
    """The same for every attempt to post this poll's result."""
    return hashlib.sha256(f"pick:{poll.channel_id}:{poll.message_id}".encode()).hexdigest()[:NONCE_LENGTH]


class PollJob(RepeatingJob):
    """Settles the ended polls every `interval`, once the bot is ready; started and stopped with the bot."""

    name = LEADER_NAME

    async def run_once(self, store: Store) -> list[str]:
        """Settle every ended poll not leased elsewhere; what became of each (an outcome, or "retry")."""
        now = self.clock.now()
        outcomes = []
        for poll in await store.polls.due(now):
            if await store.polls.claim(poll, now=now, lease=LEASE):
                outcome = await self.settle(store, poll)
                outcomes.append(outcome)
                if outcome != "retry":
                    log.info("poll in channel %s settled: %s", poll.channel_id, outcome)
        return outcomes

    def _channel(self, poll: ServerPoll) -> discord.abc.Messageable:
        found = self.client.get_channel(poll.channel_id)
        if isinstance(found, discord.abc.Messageable):
            return found
        return self.client.get_partial_messageable(poll.channel_id, guild_id=poll.guild_id)

    def _locale(self, guild_id: int) -> str:
        guild = self.client.get_guild(guild_id)
        return language(guild.preferred_locale) if guild is not None else ENGLISH

    async def settle(self, store: Store, poll: ServerPoll) -> str:
        """Read the poll's results, post its outcome, settle it; "retry" (lease given back) when Discord
        could not be asked or its counts are not final yet."""
        assert poll.message_id is not None
        channel = self._channel(poll)
        try:
            message = await channel.fetch_message(poll.message_id)
            if message.poll is not None and not message.poll.is_finalised():
                try:
                    message = await message.end_poll()
                except discord.HTTPException:  # ended meanwhile, or refused: read it again
                    message = await channel.fetch_message(poll.message_id)
        except discord.NotFound as error:
            gone = "deleted" if error.code == UNKNOWN_MESSAGE else "gone"
            return await self._finish(store, poll, gone)
        except discord.Forbidden:
            return await self._finish(store, poll, "gone")
        except (discord.HTTPException, aiohttp.ClientError, OSError, TimeoutError) as error:
            log.warning(
                "could not read the poll %s in channel %s: %s", poll.message_id, poll.channel_id, error
            )
            await store.polls.release(poll)
            return "retry"
        result = message.poll
        if result is None:  # the message lost its poll: nothing to count
            return await self._finish(store, poll, "deleted")
        if not result.is_finalised() and self.clock.now() < poll.ends_at + FINALIZE_GRACE:
            await store.polls.release(poll)
            return "retry"
        counts = [(answer.id, answer.vote_count) for answer in result.answers]
        scores = await store.polls.scores(poll.guild_id, poll.drama_ids)
        found = winner(counts, poll.drama_ids, scores)
        locale = self._locale(poll.guild_id)
        reference = message.to_reference(fail_if_not_exists=False)
        if found is None:
            post: dict[str, Any] = {"content": t("pick.no_votes", locale)}
            outcome, winner_id = "no_votes", None
        else:
            drama = await store.catalogue.get(found.drama_id)
            outcome, winner_id = "winner", found.drama_id
            if drama is None:  # removed from the catalogue since: its answer's text
                answer = next((a for a in result.answers if 1 <= a.id <= len(poll.drama_ids)
                               and poll.drama_ids[a.id - 1] == found.drama_id), None)  # fmt: skip
                title = answer.text if answer is not None else "?"
                post = {
                    "content": t(
                        "pick.winner_plain", locale, title=title, votes=found.votes, total=found.total
                    )
                }
            else:
                code = await store.curation.guild_region(poll.guild_id)
                region = regions.lookup(code) if code else None
                where = await self.where(store, drama)
                post = {"embed": winner_card(drama, found.votes, found.total, where, region, tied=found.tied,
                                             locale=locale)}  # fmt: skip
        try:
            sent = await channel.send(
                **post,
                nonce=nonce(poll),
                reference=reference,
                allowed_mentions=discord.AllowedMentions.none(),
            )
        except (discord.NotFound, discord.Forbidden) as error:
            log.warning("could not post the result of the poll in channel %s: %s", poll.channel_id, error)
            return await self._finish(store, poll, "gone")
        except (discord.HTTPException, aiohttp.ClientError, OSError, TimeoutError) as error:
            log.warning("could not post the result of the poll in channel %s: %s", poll.channel_id, error)
            await store.polls.release(poll)
            return "retry"
        return await self._finish(store, poll, outcome, winner_id=winner_id, posted=sent.id)

    async def _finish(self, store: Store, poll: ServerPoll, outcome: str, **result: Any) -> str:
        await store.polls.finish(poll, outcome=outcome, now=self.clock.now(), **result)
        return outcome

    @staticmethod
    async def where(store: Store, drama: Drama) -> tuple[Availability, ...]:
        """Where the drama streams, as /where shows it without asking TMDB (the last check stored)."""
        found = await store.catalogue.availability(drama.id)
        cached = await store.caches.cached_providers(drama.id) if drama.tmdb_id is not None else None
        if cached is not None:
            found = merged(providers_availability(cached[1], cached[0]), found)
        return found

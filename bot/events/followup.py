"""After a watch party: "How was episode N? /rate", posted once in the channel /watchparty was run in.

`PartyJob` runs on one process of a cluster (`cluster.run_as_leader`) every `interval`, reading the time
from the bot's injected clock. A party is due at its stored end (the event's end time). Before posting,
the event is looked up (`guild.fetch_scheduled_event`: the bot has no scheduled-events intent): one
cancelled or deleted, or a server the bot left, is settled without a post. The post is claimed in the
store first (`store.parties.claim`), so no two processes, and no restart, ever post it twice; a post
Discord refuses is not tried again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta

import discord

from bot.airing.times import Clock
from bot.cards.review import safe
from bot.cards.watchparty import followup_text
from bot.cluster.jobs import RepeatingJob
from bot.models import WatchParty
from bot.store import Store

log = logging.getLogger(__name__)

LEADER_NAME = "watch-parties"  # bot.cluster's leader lock for the loop
BATCH = 100  # parties looked at per cycle at most


class PartyJob(RepeatingJob):
    """Posts the follow-ups due, every `interval`, once the bot is ready."""

    name = LEADER_NAME

    def __init__(
        self, client: discord.Client, store: Callable[[], Store], clock: Clock, interval: timedelta
    ) -> None:
        super().__init__(client, store, clock, interval)
        self.posted = 0  # follow-ups posted by this process

    async def run_once(self, store: Store) -> int:
        """Post every follow-up due now; how many were posted."""
        posted = 0
        for party in await store.parties.due(self.clock.now(), limit=BATCH):
            if await self._follow_up(store, party):
                posted += 1
        self.posted += posted
        return posted

    async def _follow_up(self, store: Store, party: WatchParty) -> bool:
        try:  # the leader may not hold the server's shard: asked over REST then
            guild = self.client.get_guild(party.guild_id) or await self.client.fetch_guild(party.guild_id)
            event = await guild.fetch_scheduled_event(party.event_id)
        except (discord.NotFound, discord.Forbidden):
            await store.parties.settle(party.event_id)  # deleted, or the bot left the server
            return False
        except discord.HTTPException as exc:
            log.warning("could not look up watch party event %s (%s); trying later", party.event_id, exc)
            return False
        if event.status is discord.EventStatus.cancelled:
            await store.parties.settle(party.event_id)
            return False
        if not await store.parties.claim(party.event_id):
            return False  # another process took it
        drama = await store.catalogue.get(party.drama_id)
        title = safe(drama.title) if drama is not None else "?"
        channel = self.client.get_partial_messageable(party.channel_id, guild_id=party.guild_id)
        try:
            await channel.send(
                followup_text(title, party.episode, party.locale),
                allowed_mentions=discord.AllowedMentions.none(),
            )
        except discord.HTTPException as exc:
            log.warning(
                "watch party %s: the follow-up was refused (%s); not tried again", party.event_id, exc
            )
            await store.parties.settle(party.event_id)
            return False
        return True

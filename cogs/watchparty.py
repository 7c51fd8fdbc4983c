"""/watchparty drama when [episode] [channel]: a Discord scheduled event for watching a drama together.

In a voice or stage channel, or (no channel) an external event whose location is where the drama streams
in the server's region. `when` is read in the server's time zone (bot/events/when.py). The bot's own
permission to create events is checked first, then the member's Manage Events; every bad input is a
private answer and nothing is created. After the event the bot asks "How was episode N?" in the channel
the command was run in (bot/events/followup.py).
"""

from __future__ import annotations

import logging
import re
from datetime import datetime, timedelta

import discord
from discord import Interaction, app_commands
from discord.app_commands import Choice, command, describe

from bot.cards import watchparty as cards
from bot.cards.review import clip, safe
from bot.client import DramaBot
from bot.errors import UserError
from bot.events import zones
from bot.events.permissions import may_host, missing_for_event
from bot.events.when import MAX_TEXT, parse_when
from bot.i18n.translator import t
from bot.models import WatchParty
from bot.tmdb.client import providers_availability
from bot.tmdb.providers import merged
from cogs.common import DramaCog, answer, locale_of
from cogs.options import TMDBDramaArg, episode_of

log = logging.getLogger(__name__)

DEFAULT_RUNTIME = timedelta(minutes=90)  # an episode's length when the catalogue has none
MAX_EPISODE = 10_000
TIMESTAMP = re.compile(r"<t:(-?\d+):[a-zA-Z]>")


class Refused(UserError, app_commands.CheckFailure):
    """A keyed UserError raised from the command's check (before its options are read): answered like any
    UserError by the one error handler."""


def may_schedule(interaction: Interaction) -> bool:
    """The bot may create events here, then the member may (Manage Events): checked before the drama option
    is read (it may import a series from TMDB). The bot's own permission is checked first."""
    if interaction.guild_id is None:
        raise Refused.keyed("watchparty.guild_only")
    bot_perms = interaction.app_permissions
    if not (bot_perms.administrator or bot_perms.manage_events or bot_perms.create_events):
        raise Refused.keyed("watchparty.bot_missing")
    member = interaction.permissions
    if not (member.administrator or member.manage_events):
        raise Refused.keyed("watchparty.member_missing")
    return True


class WatchPartyCog(DramaCog):
    @command(name="watchparty", description="Schedule a watch party: a Discord event for a drama's episode.")
    @app_commands.guild_only()
    @app_commands.default_permissions(manage_events=True)
    @app_commands.check(may_schedule)
    @describe(
        drama="The drama: start typing its title and pick it",
        when='When, in this server\'s time zone: "friday 21:00", "in 2 hours", "2026-12-24 21:00"',
        episode="The episode you watch together",
        channel="A voice or stage channel to meet in (none: an event at the streaming service)",
    )
    async def watchparty(
        self,
        interaction: Interaction,
        drama: TMDBDramaArg,
        when: app_commands.Range[str, 1, MAX_TEXT],
        episode: app_commands.Range[int, 1, MAX_EPISODE] | None = None,
        # text channels too, so a member who picks one is told why it cannot hold the event
        channel: discord.VoiceChannel | discord.StageChannel | discord.TextChannel | None = None,
    ) -> None:
        guild_id = interaction.guild_id
        assert guild_id is not None  # may_schedule
        locale = locale_of(interaction)
        store = self.bot.store
        settings = await store.curation.guild_settings(guild_id)
        zone_name = zones.server_zone(settings.timezone, settings.region)
        now = self.bot.clock.now()
        starts = parse_when(when, now, zones.zone(zone_name))
        number = episode_of(drama, episode, 1, "watchparty.no_episode", safe(drama.title))
        guild = interaction.guild
        if guild is None:  # the bot is not in the server as a bot (a user install)
            raise UserError.keyed("watchparty.not_installed")
        voice = None
        if channel is not None:
            voice = guild.get_channel(channel.id)
            if not may_host(channel.type) or voice is None:
                raise UserError.keyed("watchparty.not_voice", channel=f"<#{channel.id}>")
            missing = missing_for_event(channel.type, voice.permissions_for(guild.me))
            if missing:
                raise UserError.keyed("watchparty.bot_missing_channel", channel=f"<#{channel.id}>",
                                      missing=", ".join(missing))  # fmt: skip
        ends = starts + DEFAULT_RUNTIME
        availability = await store.catalogue.availability(drama.id)
        cached = await store.caches.cached_providers(drama.id) if drama.tmdb_id is not None else None
        if cached is not None:  # the last TMDB check stored, as announcements use it (no TMDB call here)
            availability = merged(providers_availability(cached[1], cached[0]), availability)
        details = {
            "name": cards.event_name(drama, number, locale),
            "description": cards.event_description(drama, number, availability, settings.region, locale),
            "start_time": starts,
            "end_time": ends,
            "privacy_level": discord.PrivacyLevel.guild_only,
        }
        if voice is not None:
            details["channel"] = voice
        else:
            details["entity_type"] = discord.EntityType.external
            details["location"] = cards.event_location(availability, settings.region, locale)
        try:
            event = await guild.create_scheduled_event(**details)  # type: ignore[arg-type]
        except discord.Forbidden:
            raise UserError.keyed("watchparty.refused") from None
        party = WatchParty(event.id, guild_id, interaction.channel_id or 0, drama.id, number, starts, ends,
                           interaction.user.id, locale)  # fmt: skip
        try:
            await store.parties.add(party)
        except Exception:
            try:  # no event without its record: nothing is left half made
                await event.delete()
            except discord.HTTPException:
                log.warning("could not delete scheduled event %s after a failed record", event.id)
            raise
        text = t(
            "watchparty.created", locale, name=safe(event.name), when=f"<t:{int(starts.timestamp())}:F>",
            relative=f"<t:{int(starts.timestamp())}:R>", zone=zone_name,
            link=cards.event_link(guild_id, event.id),
        )  # fmt: skip
        await answer(interaction, content=text, allowed_mentions=discord.AllowedMentions.none())

    @watchparty.autocomplete("when")
    async def when_autocomplete(self, interaction: Interaction, current: str) -> list[Choice[str]]:
        """How the bot reads what is typed so far, in the server's zone ("2026-12-11 21:00 · Asia/Seoul"), or
        why it cannot; the value stays the typed text."""
        text = " ".join(str(current).split())[:MAX_TEXT]
        if not text or interaction.guild_id is None:
            return []
        settings = await self.bot.store.curation.guild_settings(interaction.guild_id)
        zone_name = zones.server_zone(settings.timezone, settings.region)
        try:
            at = parse_when(text, self.bot.clock.now(), zones.zone(zone_name))
        except UserError as error:  # its Discord timestamps written out: a choice shows no markup
            zone = zones.zone(zone_name)
            label = TIMESTAMP.sub(
                lambda m: f"{datetime.fromtimestamp(int(m[1]), zone):%Y-%m-%d %H:%M}",
                error.text(interaction.locale),
            )
        else:
            label = f"{at.astimezone(zones.zone(zone_name)):%Y-%m-%d %H:%M} · {zone_name}"
        return [Choice(name=clip(label, 100), value=text)]


async def setup(bot: DramaBot) -> None:
    await bot.add_cog(WatchPartyCog(bot))

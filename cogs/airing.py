"""Airing dramas: /schedule, /announce, /follow, /unfollow, /remind on|off; the scheduler
(bot/airing/scheduler.py) posts."""

from __future__ import annotations

import discord
from discord import Interaction, app_commands
from discord.app_commands import Choice, Range, choices, command, describe
from discord.ext import commands

from bot.airing.permissions import missing_permissions, missing_text
from bot.airing.scheduler import upcoming
from bot.cards import airing as airing_cards
from bot.catalogue.curators import may_manage_server
from bot.client import DramaBot
from bot.errors import StoreUnavailable, UserError
from bot.i18n.translator import t
from bot.models import AnnounceSettings, Drama
from cogs.common import DramaCog, answer, guild_of, locale_of, managed_guild
from cogs.options import DramaArg

MAX_DAYS = 14
MAX_DELAY = 48


def _title(drama: Drama) -> str:
    return airing_cards.inert(drama.title)


class AiringCommands(DramaCog):
    async def _curated_guild(self, interaction: Interaction) -> int:
        """The server's id, when the member may choose what it follows (bot/catalogue/curators.py)."""
        guild_id = guild_of(interaction, "airing.guild_only")
        if not await may_manage_server(self.bot, interaction):
            raise UserError.keyed("airing.not_curator")
        return guild_id

    async def _done(self, interaction: Interaction, key: str, drama: Drama, **fields: str) -> None:
        text = t(key, locale_of(interaction), title=_title(drama), **fields)
        await answer(interaction, content=text, ephemeral=True)

    @command(name="schedule", description="Episodes airing in the coming days, in your own time zone.")
    @describe(days="How many days ahead, 1 to 14 (default 7)", scope="The dramas this server follows, or all")
    @choices(scope=[Choice(name="Followed by this server", value="followed"),
                    Choice(name="All dramas", value="all")])  # fmt: skip
    async def schedule(
        self, interaction: Interaction, days: Range[int, 1, MAX_DAYS] = 7, scope: str = "all"
    ) -> None:
        if not 1 <= days <= MAX_DAYS:
            raise UserError.keyed("airing.days_range", days=days)
        scope = "followed" if scope == "followed" else "all"
        drama_ids = None
        if scope == "followed":
            drama_ids = await self.bot.store.airing.followed(guild_of(interaction, "airing.guild_only"))
        episodes = await upcoming(self.bot.store, self.bot.clock.now(), days, drama_ids)
        card = airing_cards.schedule_card(episodes, days=days, scope=scope, locale=locale_of(interaction))
        await answer(interaction, embed=card.embed)

    @command(name="announce", description="Choose the channel for new-episode announcements.")
    @describe(
        channel="The channel to post in",
        thread="Open an 'Episode N discussion' thread under each post (spoilers)",
        delay_hours="Wait this many hours after airing, 0 to 48 (e.g. for subtitles)",
    )  # fmt: skip
    @app_commands.guild_only()
    @app_commands.default_permissions(manage_guild=True)
    async def announce(
        self, interaction: Interaction, channel: discord.TextChannel, thread: bool = False,
        delay_hours: Range[int, 0, MAX_DELAY] = 0,
    ) -> None:  # fmt: skip
        guild_id = managed_guild(interaction, "airing.not_manager", "airing.guild_only")
        if not 0 <= delay_hours <= MAX_DELAY:
            raise UserError.keyed("airing.delay_range", delay=delay_hours)
        mention = f"<#{channel.id}>"
        guild = interaction.guild
        cached = guild.get_channel(channel.id) if guild is not None else None
        if cached is None or guild is None or guild.me is None:
            raise UserError.keyed("airing.cannot_see", channel=mention)
        if not isinstance(cached, discord.TextChannel):
            raise UserError.keyed("airing.not_text_channel", channel=mention)
        lacking = missing_permissions(cached.permissions_for(guild.me), threads=thread)
        if lacking:
            raise UserError.keyed("airing.missing", channel=mention, missing=missing_text(lacking))
        settings = AnnounceSettings(guild_id, channel.id, thread, delay_hours)
        await self.bot.store.airing.set_announce(
            settings, set_by=interaction.user.id, now=self.bot.clock.now()
        )
        locale = locale_of(interaction)
        threads = t("airing.announce_thread", locale) if thread else ""
        delay = t("airing.announce_delay", locale, hours=delay_hours) if delay_hours else ""
        text = t("airing.announce_set", locale, channel=mention, thread=threads, delay=delay)
        if not await self.bot.store.airing.followed(guild_id):
            text += t("airing.announce_no_follows", locale)
        await answer(interaction, content=text, ephemeral=True)

    @command(name="follow", description="Announce a drama's new episodes in this server.")
    @describe(drama="The drama: start typing its title and pick it")
    @app_commands.guild_only()
    async def follow(self, interaction: Interaction, drama: DramaArg) -> None:
        guild_id = await self._curated_guild(interaction)
        store = self.bot.store.airing
        if drama.status == "ended":
            raise UserError.keyed("airing.ended", title=_title(drama))
        if not await store.has_air_dates(drama.id):
            raise UserError.keyed("airing.no_dates", title=_title(drama))
        if not await store.follow(guild_id, drama.id, by=interaction.user.id, now=self.bot.clock.now()):
            raise UserError.keyed("airing.already_following", title=_title(drama))
        settings, locale = await store.announce_settings(guild_id), locale_of(interaction)
        if settings is None:
            where = t("airing.followed_nowhere", locale)
        else:
            where = t("airing.followed_where", locale, channel=f"<#{settings.channel_id}>")
        await self._done(interaction, "airing.followed", drama, where=where)

    @command(name="unfollow", description="Stop announcing a drama's new episodes.")
    @describe(drama="The drama: start typing its title and pick it")
    @app_commands.guild_only()
    async def unfollow(self, interaction: Interaction, drama: DramaArg) -> None:
        guild_id = await self._curated_guild(interaction)
        if not await self.bot.store.airing.unfollow(guild_id, drama.id):
            raise UserError.keyed("airing.not_following", title=_title(drama))
        await self._done(interaction, "airing.unfollowed", drama)

    remind = app_commands.Group(name="remind", description="A direct message when a new episode airs.")

    @remind.command(name="on", description="Get a direct message when a drama's new episode airs.")
    @describe(drama="The drama: start typing its title and pick it")
    async def remind_on(self, interaction: Interaction, drama: DramaArg) -> None:
        store = self.bot.store.airing
        if drama.status not in ("airing", "upcoming"):
            raise UserError.keyed("airing.not_airing", title=_title(drama))
        if not await store.has_air_dates(drama.id):
            raise UserError.keyed("airing.no_dates", title=_title(drama))
        now, locale = self.bot.clock.now(), locale_of(interaction)
        if not await store.remind(interaction.user.id, drama.id, now=now, locale=locale):
            raise UserError.keyed("airing.reminder_already", title=_title(drama))
        await self._done(interaction, "airing.reminder_on", drama)

    @remind.command(name="off", description="Stop the direct messages for a drama.")
    @describe(drama="The drama: start typing its title and pick it")
    async def remind_off(self, interaction: Interaction, drama: DramaArg) -> None:
        if not await self.bot.store.airing.remind_off(interaction.user.id, drama.id):
            raise UserError.keyed("airing.reminder_none", title=_title(drama))
        await self._done(interaction, "airing.reminder_off", drama)

    @commands.Cog.listener()
    async def on_app_command_completion(self, interaction: Interaction, command: object) -> None:
        """A member whose reminders were paused (direct messages closed) is told on their next command."""
        try:
            paused = await self.bot.store.airing.take_paused_notice(interaction.user.id)
        except StoreUnavailable:
            return  # told next time
        if not paused:
            return
        dramas = [await self.bot.store.catalogue.get(drama_id) for drama_id in paused[:10]]
        titles = [f"*{_title(drama)}*" for drama in dramas if drama is not None]
        text = t("airing.paused_notice", locale_of(interaction), titles=", ".join(titles) or "?")
        try:
            await interaction.followup.send(
                text, ephemeral=True, allowed_mentions=discord.AllowedMentions.none()
            )
        except discord.HTTPException:
            pass  # the notice is lost only when Discord refuses the follow-up (an expired interaction)


async def setup(bot: DramaBot) -> None:
    await bot.add_cog(AiringCommands(bot))

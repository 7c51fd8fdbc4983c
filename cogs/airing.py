"""Airing dramas: /schedule, /announce, /follow, /unfollow, /remind on|off.

Thin: options are validated here and answered with `t()` messages; the store keeps the settings and
the ledger; the scheduler (bot/airing/scheduler.py) posts. Every refusal is a UserError (ephemeral).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.cards import airing as airing_cards
from bot.catalogue.curators import may_manage_server
from bot.errors import StoreUnavailable, UserError
from bot.i18n.translator import t
from bot.models import AnnounceSettings, Drama
from bot.airing.permissions import missing_permissions, missing_text
from bot.airing.scheduler import upcoming
from cogs.options import DramaOption, answer, locale_of

if TYPE_CHECKING:
    from bot.client import DramaBot

MAX_DAYS = 14
MAX_DELAY = 48


def _guild(interaction: discord.Interaction) -> int:
    if interaction.guild_id is None:
        raise UserError.keyed("airing.guild_only")
    return interaction.guild_id


def _title(drama: Drama) -> str:
    return airing_cards.inert(drama.title)


class Airing(commands.Cog):
    def __init__(self, bot: DramaBot) -> None:
        self.bot = bot

    # ---- who may ---------------------------------------------------------------------------------------
    async def _may_curate(self, interaction: discord.Interaction) -> bool:
        """Follows belong to the server: its admins and the role they chose (bot/catalogue/curators.py)."""
        return await may_manage_server(self.bot, interaction)

    async def _followable(self, drama: Drama) -> None:
        if drama.status == "ended":
            raise UserError.keyed("airing.ended", title=_title(drama))
        if not await self.bot.store.airing.has_air_dates(drama.id):
            raise UserError.keyed("airing.no_dates", title=_title(drama))

    # ---- /schedule ---------------------------------------------------------------------------------------
    @app_commands.command(
        name="schedule", description="Episodes airing in the coming days, in your own time zone."
    )
    @app_commands.describe(
        days="How many days ahead, 1 to 14 (default 7)", scope="The dramas this server follows, or all"
    )
    @app_commands.choices(
        scope=[
            app_commands.Choice(name="Followed by this server", value="followed"),
            app_commands.Choice(name="All dramas", value="all"),
        ]
    )
    async def schedule(
        self,
        interaction: discord.Interaction,
        days: app_commands.Range[int, 1, MAX_DAYS] = 7,
        scope: str = "all",
    ) -> None:
        if scope not in ("followed", "all"):
            scope = "all"
        if not 1 <= days <= MAX_DAYS:
            raise UserError.keyed("airing.days_range", days=days)
        drama_ids = None
        if scope == "followed":
            drama_ids = await self.bot.store.airing.followed(_guild(interaction))
        episodes = await upcoming(self.bot.store, self.bot.clock.now(), days, drama_ids)
        card = airing_cards.schedule_card(episodes, days=days, scope=scope, locale=locale_of(interaction))
        await answer(interaction, embed=card.embed)

    # ---- /announce ---------------------------------------------------------------------------------------
    @app_commands.command(name="announce", description="Choose the channel for new-episode announcements.")
    @app_commands.describe(
        channel="The channel to post in",
        thread="Open an 'Episode N discussion' thread under each post (spoilers)",
        delay_hours="Wait this many hours after airing, 0 to 48 (e.g. for subtitles)",
    )
    @app_commands.guild_only()
    @app_commands.default_permissions(manage_guild=True)
    async def announce(
        self,
        interaction: discord.Interaction,
        channel: discord.TextChannel,
        thread: bool = False,
        delay_hours: app_commands.Range[int, 0, MAX_DELAY] = 0,
    ) -> None:
        guild_id = _guild(interaction)
        if not (interaction.permissions.manage_guild or interaction.permissions.administrator):
            raise UserError.keyed("airing.not_manager")
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
        text = t("airing.announce_set", locale, channel=mention,
                 thread=t("airing.announce_thread", locale) if thread else "",
                 delay=t("airing.announce_delay", locale, hours=delay_hours) if delay_hours else "")  # fmt: skip
        if not await self.bot.store.airing.followed(guild_id):
            text += t("airing.announce_no_follows", locale)
        await answer(interaction, content=text, ephemeral=True)

    # ---- /follow, /unfollow -----------------------------------------------------------------------------
    @app_commands.command(name="follow", description="Announce a drama's new episodes in this server.")
    @app_commands.describe(drama="The drama: start typing its title and pick it")
    @app_commands.guild_only()
    async def follow(
        self, interaction: discord.Interaction, drama: app_commands.Transform[Drama, DramaOption]
    ) -> None:
        guild_id = _guild(interaction)
        if not await self._may_curate(interaction):
            raise UserError.keyed("airing.not_curator")
        await self._followable(drama)
        airing = self.bot.store.airing
        if not await airing.follow(guild_id, drama.id, by=interaction.user.id, now=self.bot.clock.now()):
            raise UserError.keyed("airing.already_following", title=_title(drama))
        locale = locale_of(interaction)
        settings = await airing.announce_settings(guild_id)
        where = (t("airing.followed_where", locale, channel=f"<#{settings.channel_id}>") if settings
                 else t("airing.followed_nowhere", locale))  # fmt: skip
        await answer(
            interaction,
            content=t("airing.followed", locale, title=_title(drama), where=where),
            ephemeral=True,
        )

    @app_commands.command(name="unfollow", description="Stop announcing a drama's new episodes.")
    @app_commands.describe(drama="The drama: start typing its title and pick it")
    @app_commands.guild_only()
    async def unfollow(
        self, interaction: discord.Interaction, drama: app_commands.Transform[Drama, DramaOption]
    ) -> None:
        guild_id = _guild(interaction)
        if not await self._may_curate(interaction):
            raise UserError.keyed("airing.not_curator")
        if not await self.bot.store.airing.unfollow(guild_id, drama.id):
            raise UserError.keyed("airing.not_following", title=_title(drama))
        await answer(interaction, content=t("airing.unfollowed", locale_of(interaction), title=_title(drama)),
                     ephemeral=True)  # fmt: skip

    # ---- /remind on|off -----------------------------------------------------------------------------------
    remind = app_commands.Group(name="remind", description="A direct message when a new episode airs.")

    @remind.command(name="on", description="Get a direct message when a drama's new episode airs.")
    @app_commands.describe(drama="The drama: start typing its title and pick it")
    async def remind_on(
        self, interaction: discord.Interaction, drama: app_commands.Transform[Drama, DramaOption]
    ) -> None:
        if drama.status not in ("airing", "upcoming"):
            raise UserError.keyed("airing.not_airing", title=_title(drama))
        if not await self.bot.store.airing.has_air_dates(drama.id):
            raise UserError.keyed("airing.no_dates", title=_title(drama))
        now, locale = self.bot.clock.now(), locale_of(interaction)
        if not await self.bot.store.airing.remind(interaction.user.id, drama.id, now=now, locale=locale):
            raise UserError.keyed("airing.reminder_already", title=_title(drama))
        await answer(interaction, content=t("airing.reminder_on", locale_of(interaction), title=_title(drama)),
                     ephemeral=True)  # fmt: skip

    @remind.command(name="off", description="Stop the direct messages for a drama.")
    @app_commands.describe(drama="The drama: start typing its title and pick it")
    async def remind_off(
        self, interaction: discord.Interaction, drama: app_commands.Transform[Drama, DramaOption]
    ) -> None:
        if not await self.bot.store.airing.remind_off(interaction.user.id, drama.id):
            raise UserError.keyed("airing.reminder_none", title=_title(drama))
        await answer(interaction, content=t("airing.reminder_off", locale_of(interaction), title=_title(drama)),
                     ephemeral=True)  # fmt: skip

    # ---- paused reminders: told the next time the member uses the bot --------------------------------------
    @commands.Cog.listener()
    async def on_app_command_completion(self, interaction: discord.Interaction, command: object) -> None:
        try:
            paused = await self.bot.store.airing.take_paused_notice(interaction.user.id)
        except StoreUnavailable:
            return  # told next time
        if not paused:
            return
        titles = []
        for drama_id in paused[:10]:
            drama = await self.bot.store.catalogue.get(drama_id)
            if drama is not None:
                titles.append(f"*{_title(drama)}*")
        text = t("airing.paused_notice", locale_of(interaction), titles=", ".join(titles) or "?")
        try:
            await interaction.followup.send(
                text, ephemeral=True, allowed_mentions=discord.AllowedMentions.none()
            )
        except discord.HTTPException:
            pass  # the notice is lost only when Discord refuses the follow-up (an expired interaction)


async def setup(bot: DramaBot) -> None:
    await bot.add_cog(Airing(bot))

"""/server: a server's own settings, for members with Manage Server.

* `/server settings`: what is set for this server (region, announcements, followed dramas, curator role),
  each with the command that changes it;
* `/server region country:<code or name>`: the server's region; new-episode announcements show where
  to watch there, and `/where` without a region uses it;
* `/server region-clear`: no region again.

Like /announce: guild-only, hidden from members without Manage Server, and checked again here (a server
can grant the command to anyone in its integration settings). Every answer is private. Thin: the region
comes parsed from `RegionOption`; the store keeps it (audited); the card is bot/cards/server.py.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.catalogue import regions
from bot.errors import UserError
from bot.i18n.translator import t
from bot.cards.server import region_label, settings_card
from cogs.options import RegionOption, answer, locale_of

if TYPE_CHECKING:
    from bot.client import DramaBot


def managed_guild(interaction: discord.Interaction) -> int:
    """The server's id, when the member may change its settings; else a UserError (nothing is changed)."""
    if interaction.guild_id is None:
        raise UserError.keyed("server.guild_only")
    perms = interaction.permissions
    if not (perms.manage_guild or perms.administrator):
        raise UserError.keyed("server.not_manager")
    return interaction.guild_id


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class Server(
    commands.GroupCog,
    group_name="server",
    group_description="This server's settings: its region, announcements and curators.",
):
    def __init__(self, bot: DramaBot) -> None:
        self.bot = bot
        super().__init__()

    @app_commands.command(name="settings", description="Show this server's settings.")
    async def settings(self, interaction: discord.Interaction) -> None:
        guild_id = managed_guild(interaction)
        store = self.bot.store
        card = settings_card(
            await store.curation.guild_settings(guild_id),
            await store.airing.announce_settings(guild_id),
            len(await store.airing.followed(guild_id)),
            locale_of(interaction),
        )
        await answer(interaction, embed=card, ephemeral=True, allowed_mentions=discord.AllowedMentions.none())

    @app_commands.command(
        name="region", description="Set this server's region: announcements show where to watch there."
    )
    @app_commands.describe(country="The country: a code such as KR or a name such as Korea or 한국")
    async def region(
        self, interaction: discord.Interaction, country: app_commands.Transform[regions.Region, RegionOption]
    ) -> None:
        guild_id = managed_guild(interaction)
        locale = locale_of(interaction)
        previous = await self.bot.store.curation.set_guild_region(
            guild_id, country.code, actor_id=interaction.user.id, actor_name=str(interaction.user)
        )
        label = region_label(country.code)
        if previous == country.code:
            text = t("server.region_same", locale, region=label)
        else:
            was = t("server.region_was", locale, region=region_label(previous)) if previous else ""
            text = t("server.region_set", locale, region=label, was=was)
        if await self.bot.store.airing.announce_settings(guild_id) is None:
            text += t("server.region_no_channel", locale)
        await answer(
            interaction, content=text, ephemeral=True, allowed_mentions=discord.AllowedMentions.none()
        )

    @app_commands.command(name="region-clear", description="Clear this server's region.")
    async def region_clear(self, interaction: discord.Interaction) -> None:
        guild_id = managed_guild(interaction)
        locale = locale_of(interaction)
        previous = await self.bot.store.curation.set_guild_region(
            guild_id, None, actor_id=interaction.user.id, actor_name=str(interaction.user)
        )
        if previous is None:
            raise UserError.keyed("server.region_none")
        text = t("server.region_cleared", locale, region=region_label(previous))
        await answer(
            interaction, content=text, ephemeral=True, allowed_mentions=discord.AllowedMentions.none()
        )


async def setup(bot: DramaBot) -> None:
    await bot.add_cog(Server(bot))

"""/where: where a drama is streaming, optionally for one region."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot import cards, regions
from bot.models import Drama
from cogs.options import DramaOption, RegionOption

if TYPE_CHECKING:
    from bot.client import DramaBot


class Where(commands.Cog):
    def __init__(self, bot: DramaBot) -> None:
        self.bot = bot

    @app_commands.command(name="where", description="Where a drama is streaming, in your country or everywhere.")
    @app_commands.describe(
        drama="The drama: start typing its title and pick it",
        region="Your country: a code such as KR or a name such as Korea or 한국",
    )
    async def where(
        self,
        interaction: discord.Interaction,
        drama: app_commands.Transform[Drama, DramaOption],
        region: app_commands.Transform[regions.Region, RegionOption] | None = None,
    ) -> None:
        availability = await self.bot.store.availability(drama.id)
        await interaction.response.send_message(embed=cards.where_card(drama, availability, region))


async def setup(bot: DramaBot) -> None:
    await bot.add_cog(Where(bot))

"""/profile [member]: a member's lists, ratings, score histogram (a PNG rendered off the loop, with alt
text; the card goes out without it when rendering fails), most-watched genres and last ratings."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot import cards, charts, community_cards
from cogs.members import display_name, shown_member
from cogs.options import answer, locale_of

if TYPE_CHECKING:
    from bot.client import DramaBot


async def histogram_picture(bot: DramaBot, counts: tuple[int, ...], locale: str) -> charts.Picture | None:
    """The score histogram with alt text in the locale's language, or None (no ratings, no renderer, or
    the render failed or took too long)."""
    if not sum(counts) or bot.renderer is None:
        return None
    picture = await bot.renderer.render(charts.score_histogram, charts.Histogram(counts))
    return None if picture is None else replace(picture, alt=community_cards.profile_alt(counts, locale))


class Profile(commands.Cog):
    def __init__(self, bot: DramaBot) -> None:
        self.bot = bot

    @app_commands.command(name="profile", description="A member's watch list, ratings and favourite genres.")
    @app_commands.describe(member="Whose profile (default: yours)")
    async def profile(self, interaction: discord.Interaction, member: discord.User | None = None) -> None:
        target = await shown_member(interaction, member)
        locale = locale_of(interaction)
        data = await self.bot.store.profile(target.id)
        embed = community_cards.profile_card(data, display_name(target), locale=locale)
        files = cards.with_picture(embed, await histogram_picture(self.bot, data.histogram, locale))
        private = target.id == interaction.user.id and await self.bot.store.is_private(target.id)
        await answer(interaction, embed=embed, files=files, ephemeral=private)


async def setup(bot: DramaBot) -> None:
    await bot.add_cog(Profile(bot))

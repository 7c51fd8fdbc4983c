"""/profile [member]: a member's lists, ratings, score histogram (a picture, cogs/pictures.py), most-watched
genres and last ratings."""

from __future__ import annotations

from dataclasses import replace

import discord
from discord import Interaction
from discord.app_commands import command, describe

from bot.cards import community as community_cards
from bot.client import DramaBot
from bot.pictures import charts
from bot.safety.cooldowns import member_cooldown
from cogs.common import DramaCog, anywhere, display_name, locale_of, shown_member
from cogs.pictures import answer_with_picture


class Profile(DramaCog):
    @command(name="profile", description="A member's watch list, ratings and favourite genres.")
    @describe(member="Whose profile (default: yours)")
    @member_cooldown("profile")
    @anywhere
    async def profile(self, interaction: Interaction, member: discord.User | None = None) -> None:
        target = await shown_member(interaction, member)
        locale = locale_of(interaction)
        data = await self.bot.store.community.profile(target.id)
        embed = community_cards.profile_card(data, display_name(target), locale=locale)
        private = target.id == interaction.user.id and await self.bot.store.watchlists.is_private(target.id)
        counts = data.histogram
        histogram = charts.Histogram(counts) if sum(counts) else None
        alt = community_cards.profile_alt(counts, locale)
        await answer_with_picture(
            self.bot, interaction, embed, charts.score_histogram, histogram,
            lambda drawn: replace(drawn, alt=alt), ephemeral=private,
        )  # fmt: skip


async def setup(bot: DramaBot) -> None:
    await bot.add_cog(Profile(bot))

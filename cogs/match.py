"""/match member: how alike the caller's and another member's drama scores are (bot/community/taste.py).

Only inside a server both are in (cogs/members.py); a caller who keeps their list private gets the answer
privately (ephemeral), as the other member's must be public to be matched at all."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.cards import community as community_cards

from bot.community import taste
from bot.safety.cooldowns import member_cooldown
from bot.errors import UserError
from bot.i18n.translator import t
from bot.cards.watchlist import member_name
from cogs.members import display_name, shown_member
from cogs.options import answer, locale_of

if TYPE_CHECKING:
    from bot.client import DramaBot


class Match(commands.Cog):
    def __init__(self, bot: DramaBot) -> None:
        self.bot = bot

    @app_commands.command(name="match", description="How alike your taste is to another member's.")
    @app_commands.describe(member="The member to compare with")
    @member_cooldown("match")
    async def match(self, interaction: discord.Interaction, member: discord.User) -> None:
        if member.id == interaction.user.id:
            raise UserError.keyed("match.self")
        other = await shown_member(interaction, member)
        locale = locale_of(interaction)
        result = taste.match_halves(
            await self.bot.store.community.shared_scores(interaction.user.id, other.id)
        )
        them = display_name(other)
        if result.percentage is None:
            text = t(
                "match.too_few",
                locale,
                them=member_name(them),
                shared=result.shared,
                minimum=taste.MIN_SHARED,
            )
            await answer(interaction, content=text, ephemeral=True)
            return
        shown = [s.drama_id for s in (*result.agree, *result.differ)]
        titles = await self.bot.store.community.titles(shown)
        embed = community_cards.match_card(
            result, titles, display_name(interaction.user), them, locale=locale
        )
        # A private member's taste stays theirs: their own match is shown to them alone.
        private = await self.bot.store.watchlists.is_private(interaction.user.id)
        await answer(interaction, embed=embed, ephemeral=private)


async def setup(bot: DramaBot) -> None:
    await bot.add_cog(Match(bot))

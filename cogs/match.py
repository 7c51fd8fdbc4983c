"""/match member: how alike the caller's and another member's drama scores are (bot/community/taste.py).
Only inside a server both are in; a caller who keeps their list private gets the answer privately."""

from __future__ import annotations

import discord
from discord import Interaction
from discord.app_commands import command, describe

from bot.cards import community as community_cards
from bot.cards.watchlist import member_name
from bot.client import DramaBot
from bot.community import taste
from bot.errors import UserError
from bot.i18n.translator import t
from bot.safety.cooldowns import member_cooldown
from cogs.common import DramaCog, answer, display_name, locale_of, shown_member


class Match(DramaCog):
    @command(name="match", description="How alike your taste is to another member's.")
    @describe(member="The member to compare with")
    @member_cooldown("match")
    async def match(self, interaction: Interaction, member: discord.User) -> None:
        if member.id == interaction.user.id:
            raise UserError.keyed("match.self")
        other = await shown_member(interaction, member)
        locale, store = locale_of(interaction), self.bot.store
        result = taste.match_halves(await store.community.shared_scores(interaction.user.id, other.id))
        them = display_name(other)
        if result.percentage is None:
            fields = {"them": member_name(them), "shared": result.shared, "minimum": taste.MIN_SHARED}
            text = t("match.too_few", locale, **fields)
            await answer(interaction, content=text, ephemeral=True)
            return
        titles = await store.community.titles([s.drama_id for s in (*result.agree, *result.differ)])
        me = display_name(interaction.user)
        embed = community_cards.match_card(result, titles, me, them, locale=locale)
        # A private member's taste stays theirs: their own match is shown to them alone.
        private = await store.watchlists.is_private(interaction.user.id)
        await answer(interaction, embed=embed, ephemeral=private)


async def setup(bot: DramaBot) -> None:
    await bot.add_cog(Match(bot))

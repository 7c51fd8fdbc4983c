"""/profile [member]: a member's lists, ratings, score histogram (a PNG rendered off the loop, with alt
text), most-watched genres and last ratings. The card is answered at once; a histogram not drawn yet
joins it as an edit when drawn (as /review's chart does), and never comes when rendering fails."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.cards import review as cards

from bot.pictures import charts

from bot.cards import community as community_cards
from bot.safety.cooldowns import member_cooldown
from cogs.members import display_name, shown_member
from cogs.options import answer, locale_of
from cogs.pictures import join_card

if TYPE_CHECKING:
    from bot.client import DramaBot


def _in_language(
    picture: charts.Picture | None, counts: tuple[int, ...], locale: str
) -> charts.Picture | None:
    return None if picture is None else replace(picture, alt=community_cards.profile_alt(counts, locale))


async def histogram_picture(bot: DramaBot, counts: tuple[int, ...], locale: str) -> charts.Picture | None:
    """The score histogram with alt text in the locale's language, or None (no ratings, no renderer, or
    the render failed or took too long)."""
    if not sum(counts) or bot.renderer is None:
        return None
    picture = await bot.renderer.render(charts.score_histogram, charts.Histogram(counts))
    return _in_language(picture, counts, locale)


class Profile(commands.Cog):
    def __init__(self, bot: DramaBot) -> None:
        self.bot = bot

    @app_commands.command(name="profile", description="A member's watch list, ratings and favourite genres.")
    @app_commands.describe(member="Whose profile (default: yours)")
    @member_cooldown("profile")
    async def profile(self, interaction: discord.Interaction, member: discord.User | None = None) -> None:
        target = await shown_member(interaction, member)
        locale = locale_of(interaction)
        data = await self.bot.store.community.profile(target.id)
        embed = community_cards.profile_card(data, display_name(target), locale=locale)
        private = target.id == interaction.user.id and await self.bot.store.watchlists.is_private(target.id)
        counts, renderer = data.histogram, self.bot.renderer
        if (
            not sum(counts)
            or renderer is None
            or interaction.response.is_done()
            or renderer.cached(charts.score_histogram, charts.Histogram(counts)) is not None
        ):  # nothing to draw, or drawn already (from the cache at once), or deferred: the card as it is
            files = cards.with_picture(embed, await histogram_picture(self.bot, counts, locale))
            await answer(interaction, embed=embed, files=files, ephemeral=private)
            return
        # Not drawn yet: the card goes out now and the histogram joins it when drawn, so the answer never
        # waits for the renderer (shared with /review's charts) in a burst.
        await answer(interaction, embed=embed, ephemeral=private)
        picture = join_card(
            self.bot, interaction, embed, charts.score_histogram, charts.Histogram(counts),
            lambda drawn: _in_language(drawn, counts, locale),
        )  # fmt: skip
        self.bot.after_answer(picture, "histogram")


async def setup(bot: DramaBot) -> None:
    await bot.add_cog(Profile(bot))

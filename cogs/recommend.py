"""/recommend [scope] [genre] [country]: ten dramas the member neither rated nor listed, each with its
reason (bot/recommend/). A member who keeps their list private gets the answer privately. Usable wherever the
member is (a user install, DMs): scope "this server" only in a server where dramabot is installed."""

from __future__ import annotations

from discord import Interaction
from discord.app_commands import Choice, choices, command, describe

from bot.cards.recommend import recommend_card
from bot.catalogue import regions
from bot.client import DramaBot
from bot.recommend.answer import recommendations
from bot.safety.cooldowns import member_cooldown
from cogs.common import DramaCog, answer, anywhere, display_name, locale_of, server_of
from cogs.options import GenreArg, RegionArg

SCOPES = {"me": "for me", "server": "this server"}  # value: name (Korean in the catalogue)


class Recommend(DramaCog):
    @command(name="recommend", description="Ten dramas you have not seen yet, picked for your taste.")
    @describe(
        scope="Everyone's taste (default) or what this server loves", genre="Only dramas of this genre",
        country="Only dramas from this country: a code such as KR or a name",
    )  # fmt: skip
    @choices(scope=[Choice(name=name, value=value) for value, name in SCOPES.items()])
    @member_cooldown("recommend")
    @anywhere  # "for me" reads the member's own history anywhere; "this server" only where dramabot is installed
    async def recommend(
        self, interaction: Interaction, scope: str | None = None, genre: GenreArg | None = None,
        country: RegionArg | None = None,
    ) -> None:  # fmt: skip
        store = self.bot.store
        wanted = genre or None
        code = country.code if country else None
        recs = await recommendations(
            store, interaction.user.id, server_of(interaction), server=scope == "server", genre=wanted,
            country=code,
        )  # fmt: skip
        filters = [f for f in (wanted, regions.name_for(code) if code else None) if f]
        locale = locale_of(interaction)
        embed = recommend_card(recs, display_name(interaction.user), filters=filters, locale=locale)
        # The reasons quote the member's own scores: a member who keeps them private reads them alone.
        private = await store.watchlists.is_private(interaction.user.id)
        await answer(interaction, embed=embed, ephemeral=private)


async def setup(bot: DramaBot) -> None:
    await bot.add_cog(Recommend(bot))

"""/top: the dramas this server (or everyone) rates best, by a Bayesian average (bot/community/ranking.py).

The minimum number of ratings is stated in the answer. 10 to a page, with buttons: the member who
asked pages in place, anyone else gets a private copy at that page.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.cards import community as community_cards

from bot.catalogue import regions
from bot.client import from_us
from bot.errors import UserError
from bot.i18n.translator import t
from cogs.options import CHOICE_LIMIT, RegionOption, answer, locale_of, shown

if TYPE_CHECKING:
    from bot.client import DramaBot

GENRE_LIMIT = 40  # longer than any genre; keeps the buttons' custom ids under Discord's 100
EXAMPLES = 5  # genres named in the answer to one the catalogue does not have
SCOPES = {"server": "this server", "everyone": "everyone"}  # value: name (Korean in bot/i18n/translator.py)
SCOPE_CHOICES = [app_commands.Choice(name=name, value=value) for value, name in SCOPES.items()]


class TopQuery:
    """What a /top answer shows: scope, filters and page (also what its buttons carry)."""

    def __init__(
        self, server: bool, genre: str | None, country: str | None, year: int | None, page: int = 1
    ) -> None:
        self.server, self.genre, self.country, self.year, self.page = server, genre, country, year, page

    def custom_id(self, page: int, owner: int, direction: str) -> str:
        scope = "s" if self.server else "e"
        return f"top:{scope}:{page}:{owner}:{direction}:{self.country or '-'}:{self.year or 0}:{self.genre or ''}"

    def filters(self) -> list[str]:
        shown = [self.genre] if self.genre else []
        if self.country:
            shown.append(regions.name_for(self.country))
        if self.year:
            shown.append(str(self.year))
        return shown


async def top_answer(bot: DramaBot, interaction: discord.Interaction, query: TopQuery, owner: int):  # noqa: ANN201
    """The embed and view of one page of the chart (a UserError when nothing is ranked yet)."""
    if query.server and interaction.guild_id is None:
        raise UserError.keyed("top.no_server")
    scope = interaction.guild_id if query.server else 0
    # Ranked in the store (in SQL where it can be), exactly as ranking.rank would rank the scope's tallies.
    chart, page = await bot.store.community.top.page(
        scope, query.page, genre=query.genre, country=query.country, year=query.year
    )
    if not page.items:
        raise UserError.keyed("top.empty", minimum=chart.min_ratings, unranked=f"{chart.unranked:,}")
    dramas = await bot.store.catalogue.get_dramas([r.drama_id for r in page.items])
    locale = locale_of(interaction)
    embed = community_cards.top_card(
        chart, page, dramas, server=query.server, filters=query.filters(), locale=locale
    )
    view = discord.utils.MISSING
    if page.pages > 1:
        view = discord.ui.View(timeout=None)
        first, last = page.number == 1, page.number >= page.pages
        view.add_item(
            TopPageButton(query, max(page.number - 1, 1), owner, "p", disabled=first, locale=locale)
        )
        view.add_item(
            TopPageButton(query, min(page.number + 1, page.pages), owner, "n", disabled=last, locale=locale)
        )
    return embed, view


class TopPageButton(
    discord.ui.DynamicItem[discord.ui.Button],
    template=r"top:(?P<scope>[se]):(?P<page>\d+):(?P<owner>\d+):(?P<dir>[pn]):(?P<country>[A-Z]{2}|-):(?P<year>\d+):(?P<genre>.*)",
):
    def __init__(
        self,
        query: TopQuery,
        page: int,
        owner: int,
        direction: str,
        *,
        disabled: bool = False,
        locale: str = "en",
    ) -> None:
        super().__init__(
            discord.ui.Button(
                label=t("review.previous" if direction == "p" else "review.next", locale),
                style=discord.ButtonStyle.secondary,
                custom_id=query.custom_id(page, owner, direction),
                disabled=disabled,
            )
        )
        self.query, self.owner = TopQuery(query.server, query.genre, query.country, query.year, page), owner

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str], /
    ) -> TopPageButton:
        query = TopQuery(
            match["scope"] == "s", match["genre"] or None, None if match["country"] == "-" else match["country"],
            int(match["year"]) or None,
        )  # fmt: skip
        return cls(query, int(match["page"]), int(match["owner"]), match["dir"])

    async def interaction_check(self, interaction: discord.Interaction, /) -> bool:
        return from_us(interaction)

    async def callback(self, interaction: discord.Interaction) -> None:
        bot: DramaBot = interaction.client  # type: ignore[assignment]
        try:
            mine = interaction.user.id == self.owner
            embed, view = await top_answer(
                bot, interaction, self.query, self.owner if mine else interaction.user.id
            )
            if mine:
                await interaction.response.edit_message(embed=embed, view=view)
            else:
                await interaction.response.send_message(embed=embed, view=view, ephemeral=True)
        except Exception as exc:  # noqa: BLE001 - reported through the one error handler
            await bot.report_error(interaction, exc)


class Top(commands.Cog):
    def __init__(self, bot: DramaBot) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(TopPageButton)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(TopPageButton)

    @app_commands.command(name="top", description="The best-rated dramas, here or everywhere.")
    @app_commands.describe(
        scope="This server's ratings (default) or everyone's",
        genre="Only dramas of this genre",
        country="Only dramas from this country: a code such as KR or a name",
        year="Only dramas first aired this year",
    )
    @app_commands.choices(scope=SCOPE_CHOICES)
    async def top(
        self,
        interaction: discord.Interaction,
        scope: str | None = None,
        genre: str | None = None,
        country: app_commands.Transform[regions.Region, RegionOption] | None = None,
        year: app_commands.Range[int, 1900, 2100] | None = None,
    ) -> None:
        server = scope != "everyone" if scope is not None else interaction.guild_id is not None
        wanted = " ".join(genre.split()) if genre is not None else None
        if wanted is not None and len(wanted) > GENRE_LIMIT:
            raise UserError.keyed("top.genre_too_long", length=len(wanted), limit=GENRE_LIMIT)
        if wanted and not await self.bot.store.community.top.has_genre(wanted):
            names = await self.bot.store.community.top.genre_names()
            raise UserError.keyed(
                "top.unknown_genre", genre=shown(wanted), examples=", ".join(names[:EXAMPLES]) or "—"
            )
        query = TopQuery(server, wanted or None, country.code if country else None, year)
        embed, view = await top_answer(self.bot, interaction, query, interaction.user.id)
        await answer(interaction, embed=embed, view=view)

    @top.autocomplete("genre")
    async def genre_choices(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        """The catalogue's genres matching what is typed: those starting with it first, then those
        containing it (casefolded); all of them (up to Discord's 25) before anything is typed."""
        text = " ".join(str(current).split()).casefold()[:GENRE_LIMIT]
        names = await self.bot.store.community.top.genre_names()
        starting = [g for g in names if g.casefold().startswith(text)]
        inside = [g for g in names if text in g.casefold() and not g.casefold().startswith(text)]
        return [app_commands.Choice(name=g, value=g) for g in (starting + inside)[:CHOICE_LIMIT]]


async def setup(bot: DramaBot) -> None:
    await bot.add_cog(Top(bot))

"""/top: the dramas this server (or everyone) rates best, by a Bayesian average (bot/community/ranking.py).
The minimum number of ratings is stated in the answer; 10 to a page, with page buttons."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any, Self

import discord
from discord import Interaction
from discord.app_commands import Choice, Range, choices, command, describe

from bot.cards import community as community_cards
from bot.catalogue import regions
from bot.client import DramaBot
from bot.errors import UserError
from cogs.common import (
    Clickable,
    DramaCog,
    answer,
    locale_of,
    page_button,
    pager,
    server_only,
    turn_page,
)
from cogs.options import GenreArg, RegionArg

SCOPES = {"server": "this server", "everyone": "everyone"}  # value: name (Korean in bot/i18n/translator.py)
PAGE_ID = (
    r"top:(?P<scope>[se]):(?P<page>\d+):(?P<owner>\d+):(?P<dir>[pn]):(?P<country>[A-Z]{2}|-):(?P<year>\d+)"
    r":(?P<genre>.*)"
)


@dataclass(frozen=True)
class TopQuery:
    """What a /top answer shows: scope, filters and page (what its buttons carry in their custom id)."""

    server: bool
    genre: str | None
    country: str | None
    year: int | None
    page: int = 1

    def custom_id(self, owner: int, direction: str) -> str:
        filters = f"{self.country or '-'}:{self.year or 0}:{self.genre or ''}"
        return f"top:{'s' if self.server else 'e'}:{self.page}:{owner}:{direction}:{filters}"

    def filters(self) -> list[str]:
        country = regions.name_for(self.country) if self.country else None
        return [name for name in (self.genre, country, str(self.year) if self.year else None) if name]


async def top_answer(bot: DramaBot, interaction: Interaction, query: TopQuery) -> tuple[discord.Embed, Any]:
    """The embed and page buttons of one page of the ranking (a UserError when nothing is ranked yet)."""
    if query.server and interaction.guild_id is None:
        raise UserError.keyed("top.no_server")
    scope = interaction.guild_id if query.server else 0
    filters = {"genre": query.genre, "country": query.country, "year": query.year}
    chart, page = await bot.store.community.top.page(scope, query.page, **filters)
    if not page.items:
        raise UserError.keyed("top.empty", minimum=chart.min_ratings, unranked=f"{chart.unranked:,}")
    dramas = await bot.store.catalogue.get_dramas([r.drama_id for r in page.items])
    locale, owner = locale_of(interaction), interaction.user.id
    embed = community_cards.top_card(
        chart, page, dramas, server=query.server, filters=query.filters(), locale=locale
    )

    def button(number: int, direction: str, disabled: bool) -> TopPageButton:
        return TopPageButton(replace(query, page=number), owner, direction, disabled, locale)

    return embed, pager(button, page.number, 1, page.pages)


class TopPageButton(Clickable, discord.ui.DynamicItem[discord.ui.Button], template=PAGE_ID):
    def __init__(
        self, query: TopQuery, owner: int, direction: str, disabled: bool = False, locale: str = "en"
    ) -> None:
        super().__init__(page_button(query.custom_id(owner, direction), direction, disabled, locale))
        self.query, self.owner = query, owner

    @classmethod
    async def from_custom_id(cls, interaction: Interaction, item: Any, match: re.Match[str], /) -> Self:
        country, year = None if match["country"] == "-" else match["country"], int(match["year"]) or None
        query = TopQuery(match["scope"] == "s", match["genre"] or None, country, year, int(match["page"]))
        return cls(query, int(match["owner"]), match["dir"])

    async def clicked(self, interaction: Interaction, bot: DramaBot) -> None:
        embed, view = await top_answer(bot, interaction, self.query)
        await turn_page(interaction, self.owner, embed, view)


class Top(DramaCog):
    buttons = (TopPageButton,)

    @command(name="top", description="The best-rated dramas, here or everywhere.")
    @describe(
        scope="This server's ratings (default) or everyone's", genre="Only dramas of this genre",
        country="Only dramas from this country: a code such as KR or a name",
        year="Only dramas first aired this year",
    )  # fmt: skip
    @choices(scope=[Choice(name=name, value=value) for value, name in SCOPES.items()])
    @server_only
    async def top(
        self, interaction: Interaction, scope: str | None = None, genre: GenreArg | None = None,
        country: RegionArg | None = None, year: Range[int, 1900, 2100] | None = None,
    ) -> None:  # fmt: skip
        server = scope != "everyone" if scope is not None else interaction.guild_id is not None
        query = TopQuery(server, genre or None, country.code if country else None, year)
        embed, view = await top_answer(self.bot, interaction, query)
        await answer(interaction, embed=embed, view=view)


async def setup(bot: DramaBot) -> None:
    await bot.add_cog(Top(bot))

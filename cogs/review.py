"""/review: a drama's review card, posted in the channel, with a paged episode guide and the episode
chart (a PNG drawn off the loop; one not drawn yet joins the card as an edit, cogs/pictures.py)."""

from __future__ import annotations

import re
from typing import Any, Self

import discord
from discord import Interaction
from discord.app_commands import command, describe

from bot.cards import review as cards
from bot.client import DramaBot
from bot.errors import UserError
from bot.pictures import charts
from bot.safety.cooldowns import member_cooldown
from cogs.common import Clickable, DramaCog, anywhere, locale_of, page_button, pager, server_of, turn_page
from cogs.options import TMDBDramaArg
from cogs.pictures import Localize, Pending, answer_with_picture, call_off, picture_now

PAGE_ID = r"review:(?P<drama>\d+):(?P<page>\d+):(?P<owner>\d+):(?P<dir>[pn])"


class ReviewPageButton(Clickable, discord.ui.DynamicItem[discord.ui.Button], template=PAGE_ID):
    """Previous/next page of a card's episode guide; the state lives in the custom id."""

    def __init__(
        self, drama_id: int, page: int, owner: int, direction: str, disabled: bool = False, locale: str = "en"
    ) -> None:
        custom_id = f"review:{drama_id}:{page}:{owner}:{direction}"
        super().__init__(page_button(custom_id, direction, disabled, locale))
        self.drama_id, self.page, self.owner = drama_id, page, owner

    @classmethod
    async def from_custom_id(cls, interaction: Interaction, item: Any, match: re.Match[str], /) -> Self:
        return cls(int(match["drama"]), int(match["page"]), int(match["owner"]), match["dir"])

    async def clicked(self, interaction: Interaction, bot: DramaBot) -> None:
        data = await bot.store.catalogue.review(self.drama_id, server_of(interaction))
        if data is None:
            raise UserError.keyed("review.gone")
        locale = locale_of(interaction)
        card = cards.review_card(data, self.page, locale=locale)
        chart = charts.episode_chart_data(data)
        picture = await picture_now(bot, charts.episode_chart, chart, _alt(chart, locale))
        files = cards.with_picture(card.embed, picture)
        asked = interaction.message.interaction_metadata if interaction.message is not None else None
        review = bot.get_cog("Review")
        if interaction.user.id == self.owner and asked is not None and isinstance(review, Review):
            # This edit carries the page and its picture: a chart still to join the card would put page 1
            # back, so it is called off (or, already being sent, finished first).
            await call_off(review.pending_charts, asked.id)
        view = review_pager(card, self.drama_id, interaction.user.id, locale)
        await turn_page(interaction, self.owner, card.embed, view, files)


def _alt(chart: charts.EpisodeChart | None, locale: str) -> Localize:
    return lambda drawn: charts.in_language(drawn, chart, locale)


def review_pager(card: cards.PagedCard, drama_id: int, owner: int, locale: str) -> Any:
    """Previous/next buttons when the episode guide has more than one page."""

    def button(number: int, direction: str, disabled: bool) -> ReviewPageButton:
        return ReviewPageButton(drama_id, number, owner, direction, disabled, locale)

    return pager(button, card.page, 0, card.pages - 1)


class Review(DramaCog):
    buttons = (ReviewPageButton,)

    def __init__(self, bot: DramaBot) -> None:
        super().__init__(bot)
        self.pending_charts: Pending = {}  # charts on their way to cards, called off when a card is paged

    @command(name="review", description="Show a drama's review card: verdict, episode guide, scores.")
    @describe(drama="The drama: start typing its title (any spelling) and pick it")
    @member_cooldown("review")  # the card and its chart (a picture)
    @anywhere
    async def review(self, interaction: Interaction, drama: TMDBDramaArg) -> None:
        data = await self.bot.store.catalogue.review(drama, server_of(interaction))  # loaded: one round trip
        if data is None:
            raise UserError.keyed("review.removed")
        locale = locale_of(interaction)
        card = cards.review_card(data, locale=locale)
        view = review_pager(card, drama.id, interaction.user.id, locale)
        chart = charts.episode_chart_data(data)
        await answer_with_picture(
            self.bot, interaction, card.embed, charts.episode_chart, chart, _alt(chart, locale),
            self.pending_charts, view=view,
        )  # fmt: skip


async def setup(bot: DramaBot) -> None:
    await bot.add_cog(Review(bot))

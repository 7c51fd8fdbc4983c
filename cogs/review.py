"""/review: a drama's review card, posted in the channel, with a paged episode guide and the
episode chart (a PNG attached to the embed, rendered off the loop by the bot's ChartRenderer; the
card never waits longer than the renderer's budget and goes out without the chart then)."""

from __future__ import annotations

import asyncio
import re
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.cards import review as cards

from bot.pictures import charts
from bot.client import from_us
from bot.safety.cooldowns import member_cooldown
from bot.errors import UserError
from bot.i18n.translator import t
from bot.models import Drama, ReviewData
from cogs.options import TMDBDramaOption, answer, locale_of
from cogs.pictures import PendingPicture, join_card

if TYPE_CHECKING:
    from bot.client import DramaBot


class PageButton(discord.ui.DynamicItem[discord.ui.Button], template=r"review:(?P<drama>\d+):(?P<page>\d+):(?P<owner>\d+):(?P<dir>[pn])"):
    """Previous/next page of a card's episode guide.

    The state lives in the custom id, so buttons keep working after a restart. The member
    who asked for the card pages it in place; anyone else gets their own private copy at
    that page instead of moving the card under everybody's eyes.
    """

    def __init__(
        self, drama_id: int, page: int, owner_id: int, direction: str, *, disabled: bool = False, locale: str = "en"
    ) -> None:
        label = t("review.previous" if direction == "p" else "review.next", locale)
        super().__init__(
            discord.ui.Button(
                label=label,
                style=discord.ButtonStyle.secondary,
                custom_id=f"review:{drama_id}:{page}:{owner_id}:{direction}",
                disabled=disabled,
            )
        )
        self.drama_id, self.page, self.owner_id = drama_id, page, owner_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str], /
    ) -> PageButton:
        return cls(int(match["drama"]), int(match["page"]), int(match["owner"]), match["dir"])

    async def interaction_check(self, interaction: discord.Interaction, /) -> bool:
        return from_us(interaction)  # a click addressed to another application is ignored

    async def callback(self, interaction: discord.Interaction) -> None:
        bot: DramaBot = interaction.client  # type: ignore[assignment]
        try:
            data = await bot.store.review(self.drama_id, interaction.guild_id)
            if data is None:
                raise UserError.keyed("review.gone")
            locale = locale_of(interaction)
            card = cards.review_card(data, self.page, locale=locale)
            files = cards.with_picture(card.embed, await episode_picture(bot, data, locale))
            if interaction.user.id == self.owner_id:
                # This edit carries the page and its picture: a chart still to join the card would
                # put page 1 back, so it is called off (or, already being sent, finished first).
                review = bot.get_cog("Review")
                if isinstance(review, Review) and interaction.message is not None:
                    shown = interaction.message.interaction_metadata
                    if shown is not None:
                        await review.call_off_chart(shown.id)
                # attachments: the picture again (the renderer's cache has it), or none when it failed
                await interaction.response.edit_message(
                    embed=card.embed, view=pager(card, self.drama_id, self.owner_id, locale), attachments=files
                )
            else:
                view = pager(card, self.drama_id, interaction.user.id, locale)
                await interaction.response.send_message(embed=card.embed, view=view, files=files, ephemeral=True)
        except Exception as exc:  # noqa: BLE001 - reported through the one error handler
            await bot.report_error(interaction, exc)


def pager(
    card: cards.PagedCard, drama_id: int, owner_id: int, locale: str = "en"
) -> discord.ui.View | discord.utils.MISSING:
    """Previous/next buttons when the episode guide has more than one page."""
    if card.pages <= 1:
        return discord.utils.MISSING
    view = discord.ui.View(timeout=None)
    first, last = card.page == 0, card.page >= card.pages - 1
    view.add_item(PageButton(drama_id, max(card.page - 1, 0), owner_id, "p", disabled=first, locale=locale))
    view.add_item(
        PageButton(drama_id, min(card.page + 1, card.pages - 1), owner_id, "n", disabled=last, locale=locale)
    )
    return view


async def episode_picture(bot: DramaBot, data: ReviewData, locale: str) -> charts.Picture | None:
    """The card's episode chart (alt text in the locale's language), or None: nothing to draw, no
    renderer, or rendering failed or took longer than the renderer's budget (it runs on the
    renderer's threads, never on the loop)."""
    chart = charts.episode_chart_data(data)
    if chart is None or bot.renderer is None:
        return None
    picture = await bot.renderer.render(charts.episode_chart, chart)
    return None if picture is None else charts.in_language(picture, chart, locale)


class Review(commands.Cog):
    def __init__(self, bot: DramaBot) -> None:
        self.bot = bot
        self.pending_charts: dict[int, PendingPicture] = {}  # by the id of the interaction that asked

    async def call_off_chart(self, interaction_id: int) -> None:
        """The card asked for by that interaction is being paged: its chart, if still on its way, is
        not sent; one being sent right now is let finish first, so the page edit lands last."""
        pending = self.pending_charts.pop(interaction_id, None)
        if pending is not None:
            pending.called_off = True
            try:  # at most a second: the page's own answer is due within 3 s
                await asyncio.wait_for(pending.sending.acquire(), 1.0)
            except TimeoutError:
                return
            pending.sending.release()

    async def _chart_joins(
        self,
        interaction: discord.Interaction,
        card: cards.PagedCard,
        chart: charts.EpisodeChart,
        locale: str,
        pending: PendingPicture,
    ) -> None:
        try:
            await join_card(
                self.bot, interaction, card.embed, charts.episode_chart, chart,
                lambda drawn: charts.in_language(drawn, chart, locale), pending,
            )  # fmt: skip
        finally:
            if self.pending_charts.get(interaction.id) is pending:
                del self.pending_charts[interaction.id]

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(PageButton)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(PageButton)

    @app_commands.command(name="review", description="Show a drama's review card: verdict, episode guide, scores.")
    @app_commands.describe(drama="The drama: start typing its title (any spelling) and pick it")
    @member_cooldown("review")  # the card and its chart (a picture)
    async def review(
        self, interaction: discord.Interaction, drama: app_commands.Transform[Drama, TMDBDramaOption]
    ) -> None:
        data = await self.bot.store.review(drama, interaction.guild_id)  # already loaded: one round trip
        if data is None:
            raise UserError.keyed("review.removed")
        locale = locale_of(interaction)
        card = cards.review_card(data, locale=locale)
        view = pager(card, drama.id, interaction.user.id, locale)
        chart = charts.episode_chart_data(data)
        renderer = self.bot.renderer
        if chart is None or renderer is None or interaction.response.is_done() or renderer.cached(
            charts.episode_chart, chart
        ):  # nothing to draw, or drawn already, or deferred (a TMDB import): the card as it is
            files = cards.with_picture(card.embed, await episode_picture(self.bot, data, locale))
            await answer(interaction, embed=card.embed, view=view, files=files)
            return
        # Not drawn yet: the card goes out now and the chart joins it when drawn, so no answer
        # waits for a picture and a burst of cards never queues behind the renderer.
        await answer(interaction, embed=card.embed, view=view)
        pending = self.pending_charts[interaction.id] = PendingPicture()
        self.bot.after_answer(self._chart_joins(interaction, card, chart, locale, pending), "chart")


async def setup(bot: DramaBot) -> None:
    await bot.add_cog(Review(bot))

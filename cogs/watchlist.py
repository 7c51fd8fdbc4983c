"""/watchlist set | show | remove: a member's watch status and episode progress per drama.
Rating an episode with /rate also moves the list on (the store does it in the rating's transaction)."""

from __future__ import annotations

import re
from typing import Any, Self

import discord
from discord import Interaction
from discord.app_commands import Choice, Range, choices, command, describe
from discord.ext import commands

from bot.cards import watchlist as watch_cards
from bot.cards.review import clip, safe
from bot.catalogue.format import MAX_EPISODES
from bot.client import DramaBot
from bot.errors import UserError
from bot.i18n.messages import Key
from bot.i18n.translator import t
from bot.models import WATCH_STATUSES, Drama, WatchPage
from cogs import common
from cogs.common import DramaCog, answer, anywhere, display_name, locale_of, server_of, shown
from cogs.options import DramaArg, episode_of

PAGE_ID = r"watch:(?P<user>\d+):(?P<status>[a-z_]+|-):(?P<page>\d+):(?P<owner>\d+):(?P<dir>[pn])"
STATUS_CHOICES = [
    Choice(name=n, value=v)
    for n, v in (("Watching", "watching"), ("Completed", "completed"), ("Plan to watch", "plan"),
                 ("On hold", "on_hold"), ("Dropped", "dropped"))
]  # fmt: skip


def checked_status(status: object) -> str:
    if isinstance(status, str) and status in WATCH_STATUSES:
        return status
    raise UserError.keyed(
        "watch.unknown_status", status=shown(str(status), 40), choices=Key("watch.status_list")
    )


def checked_progress(drama: Drama, episode: int | None) -> int | None:
    return episode_of(drama, episode, 0, "watch.no_episode", safe(clip(drama.title, 80)))


class WatchPageButton(common.Clickable, discord.ui.DynamicItem[discord.ui.Button], template=PAGE_ID):
    """Previous/next page of a /watchlist show answer; the state lives in the custom id."""

    def __init__(
        self, user_id: int, status: str | None, page: int, owner: int, direction: str, disabled: bool = False,
        locale: str = "en",
    ) -> None:  # fmt: skip
        custom_id = f"watch:{user_id}:{status or '-'}:{page}:{owner}:{direction}"
        super().__init__(common.page_button(custom_id, direction, disabled, locale))
        self.user_id, self.status, self.page, self.owner = user_id, status, page, owner

    @classmethod
    async def from_custom_id(cls, interaction: Interaction, item: Any, match: re.Match[str], /) -> Self:
        status = None if match["status"] == "-" else match["status"]
        return cls(int(match["user"]), status, int(match["page"]), int(match["owner"]), match["dir"])

    async def clicked(self, interaction: Interaction, bot: DramaBot) -> None:
        if self.status is not None:
            checked_status(self.status)
        if interaction.user.id != self.user_id:  # as /watchlist show: others' lists in servers, if public
            if interaction.guild_id is None:
                raise UserError.keyed("member.dm_other")
            if await bot.store.watchlists.is_private(self.user_id):
                raise UserError.keyed(
                    "member.private", name=watch_cards.member_name(self.name_from(interaction))
                )
        locale = locale_of(interaction)
        page = await bot.store.watchlists.page(self.user_id, self.status, self.page)
        embed = watch_cards.watchlist_card(page, self.name_from(interaction), self.status, locale=locale)
        view = watch_pager(page, self.user_id, self.status, interaction.user.id, locale)
        await common.turn_page(interaction, self.owner, embed, view)

    def name_from(self, interaction: Interaction) -> str:
        """The list owner's name as the message shows it (the title), else the id."""
        if interaction.user.id == self.user_id:
            return display_name(interaction.user)
        member = interaction.guild.get_member(self.user_id) if interaction.guild else None
        return display_name(member) if member is not None else str(self.user_id)


def watch_pager(page: WatchPage, user_id: int, status: str | None, owner: int, locale: str) -> Any:
    def button(number: int, direction: str, disabled: bool) -> WatchPageButton:
        return WatchPageButton(user_id, status, number, owner, direction, disabled, locale)

    return common.pager(button, page.page, 0, page.pages - 1)


@anywhere
class Watchlist(
    DramaCog, commands.GroupCog, group_name="watchlist",
    group_description="Your watch list: what you watch, and how far.",
):  # fmt: skip
    buttons = (WatchPageButton,)

    @command(name="set", description="Set a drama's status on your list, and how far you are.")
    @describe(
        drama="The drama: start typing its title and pick it", status="Your status for it",
        episode="The last episode you watched",
    )  # fmt: skip
    @choices(status=STATUS_CHOICES)
    async def set_(
        self, interaction: Interaction, drama: DramaArg, status: str,
        episode: Range[int, 0, MAX_EPISODES] | None = None,
    ) -> None:  # fmt: skip
        status, progress = checked_status(status), checked_progress(drama, episode)
        try:
            now, before = await self.bot.store.watchlists.set(
                user_id=interaction.user.id, guild_id=server_of(interaction), drama_id=drama.id,
                status=status, episode=progress,
            )  # fmt: skip
        except LookupError:
            raise UserError.keyed("review.gone") from None
        text = watch_cards.set_answer(now, before, locale=locale_of(interaction))
        await answer(interaction, content=text, ephemeral=True)

    @command(name="show", description="Show a member's watch list (yours by default).")
    @describe(member="Whose list (default: yours)", status="Only dramas with this status")
    @choices(status=STATUS_CHOICES)
    async def show(
        self, interaction: Interaction, member: discord.User | None = None, status: str | None = None
    ) -> None:
        locale = locale_of(interaction)
        wanted = checked_status(status) if status is not None else None
        target = await common.shown_member(interaction, member)
        own = target.id == interaction.user.id
        page = await self.bot.store.watchlists.page(target.id, wanted)
        if page.total == 0:
            raise UserError(
                watch_cards.empty_list(None if own else display_name(target), wanted, locale=locale)
            )
        embed = watch_cards.watchlist_card(page, display_name(target), wanted, locale=locale)
        view = watch_pager(page, target.id, wanted, interaction.user.id, locale)
        # a private list stays private
        private = own and await self.bot.store.watchlists.is_private(target.id)
        await answer(interaction, embed=embed, view=view, ephemeral=private)

    @command(name="remove", description="Take a drama off your watch list.")
    @describe(drama="The drama: start typing its title and pick it")
    async def remove(self, interaction: Interaction, drama: DramaArg) -> None:
        title = safe(clip(drama.title, 80))
        if await self.bot.store.watchlists.remove(user_id=interaction.user.id, drama_id=drama.id) is None:
            raise UserError.keyed("watch.not_listed", title=title)
        await answer(
            interaction, content=t("watch.removed", locale_of(interaction), title=title), ephemeral=True
        )


async def setup(bot: DramaBot) -> None:
    await bot.add_cog(Watchlist(bot))

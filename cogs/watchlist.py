"""/watchlist set | show | remove: a member's watch status and episode progress per drama.

Rating an episode with /rate also moves the list on (the store does it in the rating's transaction).
`show` pages with buttons like /review's: the member who asked pages in place, anyone else gets a
private copy (if the list is not private).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.cards import watchlist as watch_cards
from bot.cards.review import clip, safe
from bot.client import from_us
from bot.errors import UserError
from bot.i18n.translator import t
from bot.i18n.messages import Key
from bot.models import WATCH_STATUSES, Drama
from cogs.members import display_name, shown_member
from cogs.options import DramaOption, answer, locale_of, shown

if TYPE_CHECKING:
    from bot.client import DramaBot

MAX_EPISODE_OPTION = 500  # as /rate's: the catalogue's longest allowed run

STATUS_CHOICES = [
    app_commands.Choice(name=n, value=v)
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
    if episode is None:
        return None
    if isinstance(episode, bool) or not isinstance(episode, int) or not 0 <= episode <= drama.episode_count:
        raise UserError.keyed(
            "watch.no_episode", title=safe(clip(drama.title, 80)), count=drama.episode_count,
            episode=episode if isinstance(episode, int) else "?",
        )  # fmt: skip
    return episode


class WatchPageButton(
    discord.ui.DynamicItem[discord.ui.Button],
    template=r"watch:(?P<user>\d+):(?P<status>[a-z_]+|-):(?P<page>\d+):(?P<owner>\d+):(?P<dir>[pn])",
):
    """Previous/next page of a /watchlist show answer; the state lives in the custom id."""

    def __init__(
        self, user_id: int, status: str | None, page: int, owner_id: int, direction: str, *,
        disabled: bool = False, locale: str = "en",
    ) -> None:  # fmt: skip
        super().__init__(
            discord.ui.Button(
                label=t("review.previous" if direction == "p" else "review.next", locale),
                style=discord.ButtonStyle.secondary,
                custom_id=f"watch:{user_id}:{status or '-'}:{page}:{owner_id}:{direction}",
                disabled=disabled,
            )
        )
        self.user_id, self.status, self.page, self.owner_id = user_id, status, page, owner_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str], /
    ) -> WatchPageButton:
        status = None if match["status"] == "-" else match["status"]
        return cls(int(match["user"]), status, int(match["page"]), int(match["owner"]), match["dir"])

    async def interaction_check(self, interaction: discord.Interaction, /) -> bool:
        return from_us(interaction)

    async def callback(self, interaction: discord.Interaction) -> None:
        bot: DramaBot = interaction.client  # type: ignore[assignment]
        try:
            if self.status is not None:
                checked_status(self.status)
            if interaction.user.id != self.user_id and interaction.guild_id is None:
                raise UserError.keyed("member.dm_other")  # as /watchlist show: others' lists in servers only
            if interaction.user.id != self.user_id and await bot.store.watchlists.is_private(self.user_id):
                raise UserError.keyed(
                    "member.private", name=watch_cards.member_name(self.name_from(interaction))
                )
            locale = locale_of(interaction)
            page = await bot.store.watchlists.page(self.user_id, self.status, self.page)
            embed = watch_cards.watchlist_card(page, self.name_from(interaction), self.status, locale=locale)
            if interaction.user.id == self.owner_id:
                view = pager(page, self.user_id, self.status, self.owner_id, locale)
                await interaction.response.edit_message(embed=embed, view=view)
            else:
                view = pager(page, self.user_id, self.status, interaction.user.id, locale)
                await interaction.response.send_message(embed=embed, view=view, ephemeral=True)
        except Exception as exc:  # noqa: BLE001 - reported through the one error handler
            await bot.report_error(interaction, exc)

    def name_from(self, interaction: discord.Interaction) -> str:
        """The list owner's name as the message shows it (the title), else the id."""
        if interaction.user.id == self.user_id:
            return display_name(interaction.user)
        member = interaction.guild.get_member(self.user_id) if interaction.guild else None
        return display_name(member) if member is not None else str(self.user_id)


def pager(page, user_id: int, status: str | None, owner_id: int, locale: str):  # noqa: ANN001, ANN201
    if page.pages <= 1:
        return discord.utils.MISSING
    view = discord.ui.View(timeout=None)
    first, last = page.page == 0, page.page >= page.pages - 1
    view.add_item(
        WatchPageButton(user_id, status, max(page.page - 1, 0), owner_id, "p", disabled=first, locale=locale)
    )
    view.add_item(
        WatchPageButton(
            user_id, status, min(page.page + 1, page.pages - 1), owner_id, "n", disabled=last, locale=locale
        )
    )
    return view


class Watchlist(
    commands.GroupCog,
    group_name="watchlist",
    group_description="Your watch list: what you watch, and how far.",
):
    def __init__(self, bot: DramaBot) -> None:
        self.bot = bot
        super().__init__()

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(WatchPageButton)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(WatchPageButton)

    @app_commands.command(name="set", description="Set a drama's status on your list, and how far you are.")
    @app_commands.describe(
        drama="The drama: start typing its title and pick it",
        status="Your status for it",
        episode="The last episode you watched",
    )
    @app_commands.choices(status=STATUS_CHOICES)
    async def set_(
        self,
        interaction: discord.Interaction,
        drama: app_commands.Transform[Drama, DramaOption],
        status: str,
        episode: app_commands.Range[int, 0, MAX_EPISODE_OPTION] | None = None,
    ) -> None:
        locale = locale_of(interaction)
        status = checked_status(status)
        progress = checked_progress(drama, episode)
        try:
            now, before = await self.bot.store.watchlists.set(
                user_id=interaction.user.id, guild_id=interaction.guild_id, drama_id=drama.id,
                status=status, episode=progress,
            )  # fmt: skip
        except LookupError:
            raise UserError.keyed("review.gone") from None
        await answer(interaction, content=watch_cards.set_answer(now, before, locale=locale), ephemeral=True)

    @app_commands.command(name="show", description="Show a member's watch list (yours by default).")
    @app_commands.describe(member="Whose list (default: yours)", status="Only dramas with this status")
    @app_commands.choices(status=STATUS_CHOICES)
    async def show(
        self, interaction: discord.Interaction, member: discord.User | None = None, status: str | None = None
    ) -> None:
        locale = locale_of(interaction)
        wanted = checked_status(status) if status is not None else None
        target = await shown_member(interaction, member)
        own = target.id == interaction.user.id
        page = await self.bot.store.watchlists.page(target.id, wanted)
        if page.total == 0:
            name = None if own else display_name(target)
            raise UserError(watch_cards.empty_list(name, wanted, locale=locale))
        embed = watch_cards.watchlist_card(page, display_name(target), wanted, locale=locale)
        view = pager(page, target.id, wanted, interaction.user.id, locale)
        # a private list stays private
        private = own and await self.bot.store.watchlists.is_private(target.id)
        await answer(interaction, embed=embed, view=view, ephemeral=private)

    @app_commands.command(name="remove", description="Take a drama off your watch list.")
    @app_commands.describe(drama="The drama: start typing its title and pick it")
    async def remove(
        self, interaction: discord.Interaction, drama: app_commands.Transform[Drama, DramaOption]
    ) -> None:
        locale = locale_of(interaction)
        removed = await self.bot.store.watchlists.remove(user_id=interaction.user.id, drama_id=drama.id)
        title = safe(clip(drama.title, 80))
        if removed is None:
            raise UserError.keyed("watch.not_listed", title=title)
        await answer(interaction, content=t("watch.removed", locale, title=title), ephemeral=True)


async def setup(bot: DramaBot) -> None:
    await bot.add_cog(Watchlist(bot))

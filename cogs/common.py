"""What the commands share: the cog base, answers, who may see or change what, and page buttons."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import discord
from discord import Interaction, app_commands
from discord.ext import commands
from discord.utils import MISSING

from bot.cards.watchlist import member_name
from bot.catalogue.edits import shown as shown  # the one helper, re-exported for the cogs
from bot.client import DramaBot, from_us, observe
from bot.errors import UserError
from bot.i18n.translator import language, t

T = TypeVar("T")


def anywhere(command: T) -> T:
    """A personal command (/review, /rate, /watchlist ...): installable to a server and to a member's own
    account, usable in servers, in the bot's DMs and in group DMs (docs/anywhere.md)."""
    command = app_commands.allowed_contexts(guilds=True, dms=True, private_channels=True)(command)
    return app_commands.allowed_installs(guilds=True, users=True)(command)


def server_only(command: T) -> T:
    """A server command (/top, /announce, /server ...): installed with the server, used only in servers."""
    command = app_commands.allowed_contexts(guilds=True, dms=False, private_channels=False)(command)
    return app_commands.allowed_installs(guilds=True, users=False)(command)


def server_of(interaction: Interaction) -> int | None:
    """The server's id only when dramabot is installed there (a guild install authorizes the interaction);
    None in DMs, group DMs and servers reached through a member's own install: no "this server" figures
    there, and ratings and list entries are stored with no server."""
    if interaction.guild_id is not None and interaction.is_guild_integration():
        return interaction.guild_id
    return None


def may_post(interaction: Interaction) -> bool:
    """Whether the answer may be public: where dramabot is installed, in DMs and group DMs; in a server
    reached through a member's own install only when they may use external apps (else Discord would show
    it to them alone anyway, so the bot says so: ephemeral)."""
    if interaction.guild_id is None or server_of(interaction) is not None:
        return True
    return interaction.permissions.use_external_apps


class DramaCog(commands.Cog):
    """A cog of the bot; its `buttons` (dynamic items, state in the custom id) work while it is loaded."""

    buttons: tuple[type[discord.ui.DynamicItem[Any]], ...] = ()

    def __init__(self, bot: DramaBot) -> None:
        self.bot = bot
        super().__init__()

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(*self.buttons)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(*self.buttons)


def locale_of(interaction: Interaction) -> str:
    """The language to answer `interaction` in: "ko" for a Korean client, else "en"."""
    return language(interaction.locale)


async def answer(interaction: Interaction, **message: Any) -> None:
    """Send the command's answer: the response, or a follow-up when it was deferred (a TMDB import);
    ephemeral where the app may not post publicly (`may_post`)."""
    if not may_post(interaction):
        message["ephemeral"] = True
    if interaction.response.is_done():
        await interaction.followup.send(**message)
    else:
        await interaction.response.send_message(**message)


def guild_of(interaction: Interaction, refused: str) -> int:
    """The server's id; the UserError `refused` in a direct message."""
    if interaction.guild_id is None:
        raise UserError.keyed(refused)
    return interaction.guild_id


def managed_guild(
    interaction: Interaction, refused: str = "server.not_manager", dm: str = "server.guild_only"
) -> int:
    """The server's id when the member has Manage Server; else a UserError and nothing is changed.
    Discord hides these commands from others, but a server can grant them to anyone."""
    guild_id = guild_of(interaction, dm)
    if not (interaction.permissions.manage_guild or interaction.permissions.administrator):
        raise UserError.keyed(refused)
    return guild_id


def display_name(user: discord.abc.User) -> str:
    return getattr(user, "display_name", None) or user.name


async def shown_member(interaction: Interaction, member: discord.abc.User | None) -> discord.abc.User:
    """The member named (or the caller). Someone else only inside a server both are in (Discord resolves the
    option to a `discord.Member` only then), and not a bot or a member who keeps their list private."""
    if member is None or member.id == interaction.user.id:
        return interaction.user
    if interaction.guild_id is None:
        raise UserError.keyed("member.dm_other")
    if not isinstance(member, discord.Member):
        raise UserError.keyed("member.not_here")
    if member.bot:
        raise UserError.keyed("member.bot", name=member_name(display_name(member)))
    bot: DramaBot = interaction.client  # type: ignore[assignment]
    if await bot.store.watchlists.is_private(member.id):
        raise UserError.keyed("member.private", name=member_name(display_name(member)))
    return member


class Clickable:
    """A dynamic item's checks: a click addressed to another application is ignored, and every error of
    `clicked` goes through the bot's one error handler (a UserError is a private answer)."""

    async def interaction_check(self, interaction: Interaction, /) -> bool:
        if not from_us(interaction):
            return False
        observe(interaction)  # the operators' metrics, when on
        return True

    async def callback(self, interaction: Interaction) -> None:
        bot: DramaBot = interaction.client  # type: ignore[assignment]
        try:
            await self.clicked(interaction, bot)  # type: ignore[attr-defined]
        except Exception as exc:  # noqa: BLE001 - reported through the one error handler
            await bot.report_error(interaction, exc)


def page_button(custom_id: str, direction: str, disabled: bool, locale: str) -> discord.ui.Button:
    """A previous ("p") or next ("n") page button."""
    label = t("review.previous" if direction == "p" else "review.next", locale)
    return discord.ui.Button(
        label=label, style=discord.ButtonStyle.secondary, custom_id=custom_id, disabled=disabled
    )


def pager(button: Callable[[int, str, bool], discord.ui.Item], page: int, first: int, last: int) -> Any:
    """Previous/next buttons (`button(page, direction, disabled)`) around `page` of `first` to `last`."""
    if last <= first:
        return MISSING
    view = discord.ui.View(timeout=None)
    view.add_item(button(max(page - 1, first), "p", page <= first))
    view.add_item(button(min(page + 1, last), "n", page >= last))
    return view


async def turn_page(
    interaction: Interaction, owner: int, embed: discord.Embed, view: Any, files: Any = MISSING
) -> None:
    """The member who asked pages the card in place; anyone else gets a private copy at that page."""
    if interaction.user.id == owner:
        await interaction.response.edit_message(embed=embed, view=view, attachments=files)
    else:
        await interaction.response.send_message(embed=embed, view=view, files=files, ephemeral=True)

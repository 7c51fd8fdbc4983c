"""Whose list, profile or match a command shows: the caller, or a member they named, checked.

Not a cog: the community commands share it. Another member is shown only inside a server both are in:
Discord resolves a member option in a server to a `discord.Member` only when that person is a member of
it (the caller is, by asking there), so no request is made to find out. Another member named in a direct
message, a member the bot cannot see in this server, a bot, or a member who keeps their list private
(unless it is the caller) is a clear UserError; nothing is read. One's own data shows everywhere.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord

from bot.errors import UserError
from bot.cards.watchlist import member_name

if TYPE_CHECKING:
    from bot.client import DramaBot


def display_name(user: discord.abc.User) -> str:
    return getattr(user, "display_name", None) or user.name


def visible_member(interaction: discord.Interaction, member: discord.abc.User | None) -> discord.abc.User:
    """The member named (or the caller): a UserError for someone else in a direct message, a bot, or
    someone not in this server."""
    if member is None or member.id == interaction.user.id:
        return interaction.user
    if interaction.guild_id is None:
        raise UserError.keyed("member.dm_other")
    if not isinstance(member, discord.Member):
        raise UserError.keyed("member.not_here")
    if member.bot:
        raise UserError.keyed("member.bot", name=member_name(display_name(member)))
    return member


async def shown_member(interaction: discord.Interaction, member: discord.abc.User | None) -> discord.abc.User:
    """As visible_member, and a UserError when it is someone else who keeps their list private."""
    target = visible_member(interaction, member)
    if target.id != interaction.user.id:
        bot: DramaBot = interaction.client  # type: ignore[assignment]
        if await bot.store.watchlists.is_private(target.id):
            raise UserError.keyed("member.private", name=member_name(display_name(target)))
    return target

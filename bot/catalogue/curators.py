"""Who may change what, asked afresh by every command and button click.

Only global curators change the shared catalogue: the application's owners, CURATOR_USER_IDS, and holders
of CURATOR_ROLE_ID in CURATOR_GUILD_ID. What one server follows is for its admins and `/catalogue curators`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord

if TYPE_CHECKING:
    from bot.client import DramaBot


async def is_global_curator(bot: DramaBot, interaction: discord.Interaction) -> bool:
    """Whether the member may change the shared catalogue (by the roles the interaction carries)."""
    settings, user = bot.settings, interaction.user
    if user.id in settings.curator_user_ids:
        return True
    home = settings.curator_role_id is not None and interaction.guild_id == settings.curator_guild_id
    if home and isinstance(user, discord.Member) and user.get_role(settings.curator_role_id) is not None:
        return True
    return await bot.is_owner(user)


async def may_manage_server(bot: DramaBot, interaction: discord.Interaction) -> bool:
    """Whether the member may change what this server alone follows; never outside a server."""
    user = interaction.user
    if interaction.guild_id is None or not isinstance(user, discord.Member):
        return False
    perms = interaction.permissions
    if perms.administrator or perms.manage_guild:
        return True
    role_id = await bot.store.curation.curator_role(interaction.guild_id)
    return role_id is not None and user.get_role(role_id) is not None

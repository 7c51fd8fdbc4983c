"""Who may change what: the one place the rights over the shared catalogue and a server's own settings
are decided, asked afresh by every command and every button click.

* The shared catalogue (facts, episodes, critic reviews, where to watch, suggestions) is every server's,
  so only **global curators** change it: the application's owner or team members (Discord's application
  info, through ``Bot.is_owner``), the users of CURATOR_USER_IDS, and members holding CURATOR_ROLE_ID
  while they act inside its home server CURATOR_GUILD_ID. A server's Administrator or Manage Server, and
  the role a server chooses with ``/catalogue curators``, give no right over it.
* What belongs to one server (the dramas it follows) is for that server's admins (Administrator or
  Manage Server) and the members holding the role they chose with ``/catalogue curators``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord

if TYPE_CHECKING:
    from bot.client import DramaBot


def _settings_grant(bot: DramaBot, user: discord.abc.User, guild_id: int | None) -> bool:
    """Whether the settings name `user` a global curator (by id, or by the home server's role)."""
    settings = bot.settings
    if user.id in settings.curator_user_ids:
        return True
    if settings.curator_role_id is None or guild_id is None or guild_id != settings.curator_guild_id:
        return False
    return isinstance(user, discord.Member) and user.get_role(settings.curator_role_id) is not None


async def is_global_curator(bot: DramaBot, interaction: discord.Interaction) -> bool:
    """Whether the member behind `interaction` may change the shared catalogue. The member's roles are
    those the interaction carries, so a role taken away counts from the next click on."""
    user = interaction.user
    if _settings_grant(bot, user, interaction.guild_id):
        return True
    return await bot.is_owner(user)


async def may_manage_server(bot: DramaBot, interaction: discord.Interaction) -> bool:
    """Whether the member may change what belongs to this server alone (the dramas it follows): its admins
    and the members holding the role chosen with `/catalogue curators`. Never outside a server."""
    user = interaction.user
    if interaction.guild_id is None or not isinstance(user, discord.Member):
        return False
    perms = interaction.permissions
    if perms.administrator or perms.manage_guild:
        return True
    role_id = await bot.store.curation.curator_role(interaction.guild_id)
    return role_id is not None and user.get_role(role_id) is not None

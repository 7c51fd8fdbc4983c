"""/server's own check (cogs/server.py): Discord hides the commands from members without Manage Server, but a
server can grant them to anyone in its integration settings, so the bot refuses them itself too."""

from __future__ import annotations

from types import SimpleNamespace

import discord
import pytest

from bot.errors import UserError
from cogs.common import managed_guild


def interaction(guild_id: int | None, **permissions: bool) -> discord.Interaction:
    return SimpleNamespace(guild_id=guild_id, permissions=discord.Permissions(**permissions))  # type: ignore[return-value]


@pytest.mark.parametrize("permissions", [{"manage_guild": True}, {"administrator": True}])
def test_managers_and_administrators_may(permissions):
    assert managed_guild(interaction(42, **permissions)) == 42


def test_a_member_without_manage_server_is_told_and_nothing_happens():
    with pytest.raises(UserError) as info:
        managed_guild(interaction(42, manage_channels=True, send_messages=True))
    assert info.value.key == "server.not_manager"
    assert "Manage Server" in info.value.message and "Nothing was changed" in info.value.message
    assert info.value.text("ko").startswith("서버 관리 권한이 있는 멤버만")


def test_a_direct_message_has_no_server_settings():
    with pytest.raises(UserError) as info:
        managed_guild(interaction(None, administrator=True))
    assert info.value.key == "server.guild_only" and "in a server" in info.value.message

"""/watchparty's check (cogs/watchparty.py), run before its options are read: the bot's own permission to
create events first, then the member's Manage Events (Discord hides the command from others, but a server
can grant it to anyone)."""

from __future__ import annotations

from types import SimpleNamespace

import discord
import pytest
from discord import app_commands

from bot.client import describe
from bot.errors import UserError
from cogs.watchparty import may_schedule

BOT_CAN = {"create_events": True}


def interaction(guild_id: int | None, bot: dict, member: dict) -> discord.Interaction:
    return SimpleNamespace(  # type: ignore[return-value]
        guild_id=guild_id,
        app_permissions=discord.Permissions(**bot),
        permissions=discord.Permissions(**member),
    )


@pytest.mark.parametrize("bot", [{"create_events": True}, {"manage_events": True}, {"administrator": True}])
@pytest.mark.parametrize("member", [{"manage_events": True}, {"administrator": True}])
def test_who_may(bot, member):
    assert may_schedule(interaction(1, bot, member)) is True


def refusal(bot: dict, member: dict, guild_id: int | None = 1) -> UserError:
    with pytest.raises(UserError) as info:
        may_schedule(interaction(guild_id, bot, member))
    assert isinstance(info.value, app_commands.CheckFailure)  # the tree's error handler gets it
    assert describe(info.value) == info.value.message  # answered as a UserError, not "no permission"
    return info.value


def test_the_bots_permission_is_checked_first():
    error = refusal({"send_messages": True}, {"send_messages": True})
    assert error.key == "watchparty.bot_missing" and "Create Events" in error.message
    assert "이벤트 만들기" in error.text("ko")


def test_a_member_without_manage_events():
    error = refusal(BOT_CAN, {"manage_guild": True, "create_events": True})
    assert error.key == "watchparty.member_missing" and "Manage Events" in error.message


def test_not_in_a_direct_message():
    assert refusal(BOT_CAN, {"administrator": True}, guild_id=None).key == "watchparty.guild_only"

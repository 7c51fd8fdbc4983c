"""What Discord asks of the bot to host a scheduled event in a channel, besides Create (or Manage) Events:
View Channel and Connect in a voice channel; Manage Channels, Mute Members and Move Members in a stage.
Names as a server's settings show them (bot/airing/permissions.py does the same for posting)."""

from __future__ import annotations

import discord

CHANNEL_NEEDS: dict[discord.ChannelType, tuple[tuple[str, str], ...]] = {
    discord.ChannelType.voice: (("view_channel", "View Channel"), ("connect", "Connect")),
    discord.ChannelType.stage_voice: (
        ("manage_channels", "Manage Channels"), ("mute_members", "Mute Members"), ("move_members", "Move Members"),
    ),
}  # fmt: skip


def may_host(kind: discord.ChannelType) -> bool:
    """Whether an event can be held in a channel of this kind (voice or stage)."""
    return kind in CHANNEL_NEEDS


def missing_for_event(kind: discord.ChannelType, permissions: discord.Permissions) -> tuple[str, ...]:
    """The names of the permissions the bot lacks to host an event in a channel of `kind`; () when none.
    Pass ``channel.permissions_for(guild.me)``; Administrator counts as everything."""
    if permissions.administrator:
        return ()
    return tuple(name for attr, name in CHANNEL_NEEDS.get(kind, ()) if not getattr(permissions, attr))

"""What the bot is missing to post announcements in a channel.

A pure function over the bot's *resolved* permissions in the channel, so it needs no Discord
connection. Call it with ``channel.permissions_for(channel.guild.me)``: discord.py resolves those the
way Discord does (base role permissions, then the @everyone overwrite, role overwrites, the member
overwrite; ADMINISTRATOR grants everything; no View Channel means no Send Messages either).
"""

from __future__ import annotations

import discord

#: (discord.Permissions attribute, the name Discord shows in a server's settings), always needed.
POSTING: tuple[tuple[str, str], ...] = (
    ("view_channel", "View Channel"),
    ("send_messages", "Send Messages"),
    ("embed_links", "Embed Links"),
)
#: Needed as well when each announcement opens an "Episode N discussion" thread.
THREADS: tuple[tuple[str, str], ...] = (
    ("create_public_threads", "Create Public Threads"),
    ("send_messages_in_threads", "Send Messages in Threads"),
)


def missing_permissions(permissions: discord.Permissions, *, threads: bool) -> tuple[str, ...]:
    """The human names of the permissions the bot lacks to announce in the channel; () when none.

    In the order a server admin meets them in the channel's settings. ``permissions`` should be already
    resolved for the channel; a raw value with ADMINISTRATOR set counts as having everything, as Discord
    treats it.
    """
    if permissions.administrator:
        return ()
    needed = POSTING + (THREADS if threads else ())
    return tuple(name for attr, name in needed if not getattr(permissions, attr))


def missing_text(missing: tuple[str, ...]) -> str:
    """'View Channel', 'View Channel and Embed Links', 'A, B and C'."""
    if len(missing) <= 1:
        return "".join(missing)
    return ", ".join(missing[:-1]) + " and " + missing[-1]

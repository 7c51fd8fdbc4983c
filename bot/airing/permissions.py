"""What the bot is missing to post announcements in a channel, from its resolved permissions there."""

from __future__ import annotations

import discord

# (discord.Permissions attribute, the name Discord shows), always needed; THREADS for discussion threads.
POSTING: tuple[tuple[str, str], ...] = (
    ("view_channel", "View Channel"),
    ("send_messages", "Send Messages"),
    ("embed_links", "Embed Links"),
)
THREADS: tuple[tuple[str, str], ...] = (
    ("create_public_threads", "Create Public Threads"),
    ("send_messages_in_threads", "Send Messages in Threads"),
)


def missing_permissions(permissions: discord.Permissions, *, threads: bool) -> tuple[str, ...]:
    """The names (as a server's settings show them) of the permissions the bot lacks; () when none.

    Pass ``channel.permissions_for(guild.me)``; ADMINISTRATOR counts as everything, as on Discord."""
    if permissions.administrator:
        return ()
    needed = POSTING + (THREADS if threads else ())
    return tuple(name for attr, name in needed if not getattr(permissions, attr))


def missing_text(missing: tuple[str, ...]) -> str:
    """'View Channel', 'View Channel and Embed Links', 'A, B and C'."""
    if len(missing) <= 1:
        return "".join(missing)
    return ", ".join(missing[:-1]) + " and " + missing[-1]

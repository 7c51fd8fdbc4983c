"""A tiny discord.py bot that proves the Discord stand-in works (run as ``python tests/e2e/minibot.py``).

It follows the same contract as dramabot: it reads ``DISCORD_TOKEN``, ``DISCORD_API_BASE`` (discord.py's
``Route.BASE``), ``DISCORD_GATEWAY_URL`` (``DiscordWebSocket.DEFAULT_GATEWAY``), optional ``DEV_GUILD_ID``
(sync commands to that guild) and ``LOG_LEVEL``; it syncs its commands in ``setup_hook`` and logs
``dramabot ready`` in ``on_ready``.  Every message goes out with ``allowed_mentions`` none.

Commands: ``/ping`` (embed at once), ``/slowpoke`` (defer, then edit the original), ``/secret``
(ephemeral), ``/pick title:`` (autocomplete), ``/counter`` (a button; a click updates the message),
``/snooze`` (sleeps 3.5 s before answering: too late for Discord), ``/catalogue add name: [year:]``
(a subcommand group member).
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys

import discord
import yarl
from discord import app_commands
from discord.gateway import DiscordWebSocket
from discord.http import Route

log = logging.getLogger("minibot")

TITLES = ["Crash Landing on You", "Goblin", "Reply 1988", "Signal", "Kingdom", "Mr. Sunshine", "Vincenzo"]


def configure_endpoints() -> None:
    """Point discord.py at the API/gateway given in the environment (the stand-in in tests)."""
    api_base = os.environ.get("DISCORD_API_BASE")
    if api_base:
        Route.BASE = api_base
    gateway = os.environ.get("DISCORD_GATEWAY_URL")
    if gateway:
        DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway)  # discord.py calls .with_query() on it


class CounterView(discord.ui.View):
    """One button; each click answers with an UPDATE_MESSAGE (type 7) showing the new count."""

    def __init__(self) -> None:
        super().__init__(timeout=600)
        self.count = 0

    @discord.ui.button(label="+1", style=discord.ButtonStyle.primary, custom_id="counter:inc")
    async def increment(
        self, interaction: discord.Interaction, button: discord.ui.Button[CounterView]
    ) -> None:
        self.count += 1
        await interaction.response.edit_message(content=f"count: {self.count}", view=self)


class MiniBot(discord.Client):
    """The client: a command tree synced to ``DEV_GUILD_ID`` (or globally)."""

    def __init__(self) -> None:
        super().__init__(
            intents=discord.Intents.default(),
            allowed_mentions=discord.AllowedMentions.none(),
            guild_ready_timeout=0.2,  # do not wait 2 s for more GUILD_CREATEs before on_ready
        )
        self.tree = app_commands.CommandTree(self)
        self._register()

    def _register(self) -> None:
        tree = self.tree

        @tree.command(description="Answer at once with an embed")
        async def ping(interaction: discord.Interaction) -> None:
            embed = discord.Embed(title="pong", description="the stand-in works", colour=0x5865F2)
            embed.add_field(name="latency", value="fast")
            await interaction.response.send_message(embed=embed)

        @tree.command(description="Defer, think, then edit the original response")
        async def slowpoke(interaction: discord.Interaction) -> None:
            await interaction.response.defer(thinking=True)
            await asyncio.sleep(0.2)  # stands for real work (a database query ...)
            await interaction.edit_original_response(content="done thinking")

        @tree.command(description="An answer only you can see")
        async def secret(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("for your eyes only", ephemeral=True)

        @tree.command(description="Pick a drama title")
        @app_commands.describe(title="The drama")
        async def pick(interaction: discord.Interaction, title: str) -> None:
            await interaction.response.send_message(f"you picked {title}")

        @pick.autocomplete("title")
        async def pick_title(
            interaction: discord.Interaction, current: str
        ) -> list[app_commands.Choice[str]]:
            found = [t for t in TITLES if current.lower() in t.lower()]
            return [app_commands.Choice(name=t, value=t) for t in found[:25]]

        @tree.command(description="A message with a counter button")
        async def counter(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("count: 0", view=CounterView())

        @tree.command(description="Sleeps 3.5 s before answering (too late)")
        async def snooze(interaction: discord.Interaction) -> None:
            await asyncio.sleep(3.5)
            try:
                await interaction.response.send_message("good morning")
            except discord.NotFound as exc:
                log.warning("snooze answered too late: %s", exc)

        @tree.command(description="Six follow-ups, then a channel post (too many through a user install)")
        @app_commands.allowed_installs(guilds=True, users=True)
        @app_commands.allowed_contexts(guilds=True, dms=True, private_channels=True)
        async def chatty(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("one moment")
            for n in range(6):
                try:
                    await interaction.followup.send(f"follow-up {n + 1}")
                except discord.HTTPException as exc:
                    log.warning("follow-up %d refused: %s", n + 1, exc)
            channel = interaction.channel
            if isinstance(channel, discord.abc.Messageable):
                try:
                    await channel.send("to the channel")
                except discord.HTTPException as exc:
                    log.warning("channel post refused: %s", exc)

        catalogue = app_commands.Group(name="catalogue", description="The drama catalogue")
        admin = app_commands.Group(name="admin", description="Catalogue admin", parent=catalogue)

        @admin.command(name="add", description="Add a drama")
        async def add(interaction: discord.Interaction, name: str, year: int | None = None) -> None:
            await interaction.response.send_message(
                f"added {name} ({year or 'unknown year'})", ephemeral=True
            )

        tree.add_command(catalogue)

    async def setup_hook(self) -> None:
        guild_id = os.environ.get("DEV_GUILD_ID")
        if guild_id:
            guild = discord.Object(id=int(guild_id))
            self.tree.copy_global_to(guild=guild)
            synced = await self.tree.sync(guild=guild)
        else:
            synced = await self.tree.sync()
        log.info("synced %d commands", len(synced))

    async def on_ready(self) -> None:
        log.info("dramabot ready as %s (%s)", self.user, self.user.id if self.user else "?")


async def run(token: str) -> None:
    """Run until closed; SIGTERM/SIGINT close the client cleanly (exit code 0)."""
    client = MiniBot()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, lambda: asyncio.ensure_future(client.close()))
    async with client:
        await client.start(token)


def main() -> int:
    logging.basicConfig(
        level=os.environ.get("LOG_LEVEL", "INFO"),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    configure_endpoints()
    try:
        asyncio.run(run(os.environ["DISCORD_TOKEN"]))
    except discord.LoginFailure as exc:
        log.error("login failed: %s", exc)
        return 2
    log.info("minibot stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())

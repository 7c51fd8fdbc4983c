"""/about: version, uptime, gateway latency and a link to the project.

It touches no database (catalogue counts belong in `python -m bot catalogue stats`): it is the
cheapest round trip through discord.py, the floor the benchmark (`python -m bench`) compares
every other command with.
"""

from __future__ import annotations

import time
from importlib import metadata
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.cards import review as cards
from bot.i18n.translator import language

if TYPE_CHECKING:
    from bot.client import DramaBot

def package_version() -> str:
    try:
        return metadata.version("dramabot")
    except metadata.PackageNotFoundError:  # running from a checkout that was never installed
        return "unknown (not installed)"


class About(commands.Cog):
    def __init__(self, bot: DramaBot) -> None:
        self.bot = bot
        self.started = time.monotonic()
        self.version = package_version()  # once: metadata lookups read files

    @app_commands.command(name="about", description="About dramabot: version, uptime, latency and project link.")
    async def about(self, interaction: discord.Interaction) -> None:
        settings = self.bot.settings
        embed = cards.about_card(
            self.version, time.monotonic() - self.started, self.bot.latency, settings.project_url,
            tmdb=bool(settings.tmdb_api_key), locale=language(interaction.locale),
        )  # fmt: skip
        await interaction.response.send_message(embed=embed)


async def setup(bot: DramaBot) -> None:
    await bot.add_cog(About(bot))

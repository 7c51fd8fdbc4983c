"""/about: version, uptime, gateway latency and a link to the project. It touches no database: the
floor the benchmark (`python -m bench`) compares every other command with."""

from __future__ import annotations

import time
from importlib import metadata

from discord import Interaction
from discord.app_commands import command

from bot.cards import review as cards
from bot.client import DramaBot
from cogs.common import DramaCog, locale_of


class About(DramaCog):
    def __init__(self, bot: DramaBot) -> None:
        super().__init__(bot)
        self.started = time.monotonic()
        try:  # once: metadata lookups read files
            self.version = metadata.version("dramabot")
        except metadata.PackageNotFoundError:  # running from a checkout that was never installed
            self.version = "unknown (not installed)"

    @command(name="about", description="About dramabot: version, uptime, latency and project link.")
    async def about(self, interaction: Interaction) -> None:
        settings = self.bot.settings
        embed = cards.about_card(
            self.version, time.monotonic() - self.started, self.bot.latency, settings.project_url,
            tmdb=bool(settings.tmdb_api_key), locale=locale_of(interaction),
        )  # fmt: skip
        await interaction.response.send_message(embed=embed)


async def setup(bot: DramaBot) -> None:
    await bot.add_cog(About(bot))

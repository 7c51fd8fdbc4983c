"""/export: everything dramabot stores about the caller, sent to them alone as attachments: a JSON file
(docs/export.md) and their scores and list as a Simkl CSV (bot/history/)."""

from __future__ import annotations

import asyncio
import io

import discord
from discord import Interaction
from discord.app_commands import command

from bot.client import DramaBot
from bot.errors import UserError
from bot.history.member import export_json, simkl_dramas
from bot.history.simkl import simkl_csv
from bot.i18n.messages import plural
from bot.i18n.translator import t
from bot.safety.cooldowns import member_cooldown
from cogs.common import DramaCog, answer, anywhere, locale_of


def export_files(stamp: str, json_bytes: bytes, csv_bytes: bytes) -> list[discord.File]:
    return [
        discord.File(io.BytesIO(json_bytes), filename=f"dramabot-export-{stamp}.json"),
        discord.File(io.BytesIO(csv_bytes), filename=f"dramabot-simkl-{stamp}.csv"),
    ]


class Export(DramaCog):
    @command(name="export", description="Download everything dramabot stores about you (JSON and Simkl CSV).")
    @member_cooldown("export")
    @anywhere
    async def export(self, interaction: Interaction) -> None:
        locale = locale_of(interaction)
        data = await self.bot.store.erasure.export(interaction.user.id)
        if not data.anything:
            await answer(interaction, content=t("export.nothing", locale), ephemeral=True)
            return
        now = self.bot.clock.now()

        def build() -> tuple[bytes, bytes]:  # a long history is written off the event loop
            return export_json(data, now), simkl_csv(simkl_dramas(data))

        json_bytes, csv_bytes = await asyncio.to_thread(build)
        if len(json_bytes) + len(csv_bytes) > interaction.filesize_limit:
            raise UserError.keyed("export.too_large", size=f"{(len(json_bytes) + len(csv_bytes)) // 1024:,}")
        ratings = sum(1 for r in data.ratings if r.episode is None)
        text = t(
            "export.ready", locale,
            ratings=t(plural(ratings, "privacy.ratings_one", "privacy.ratings"), locale, count=f"{ratings:,}"),
            dramas=t(plural(len(data.watchlist), "privacy.dramas_one", "privacy.dramas"), locale,
                     count=f"{len(data.watchlist):,}"),
        )  # fmt: skip
        files = export_files(now.strftime("%Y-%m-%d"), json_bytes, csv_bytes)
        await answer(interaction, content=text, files=files, ephemeral=True)


async def setup(bot: DramaBot) -> None:
    await bot.add_cog(Export(bot))

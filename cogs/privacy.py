"""/privacy list | delete-my-data: hide one's list, profile and matches; erase everything stored.

delete-my-data asks for confirmation with a button (only the member who asked can press it); the
store erases ratings, watch list and settings in one transaction, the totals updated as if the member
had never rated (Store.delete_member), and the answer says what it removed.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.client import from_us
from bot.errors import UserError
from bot.i18n import t
from bot.i18n_messages import plural
from bot.models import DeletedData
from cogs.options import answer, locale_of

if TYPE_CHECKING:
    from bot.client import DramaBot

VISIBILITY = {"public": "public", "private": "private"}  # value: name (Korean in bot/i18n.py)
VISIBILITY_CHOICES = [app_commands.Choice(name=name, value=value) for value, name in VISIBILITY.items()]


def counted(data: DeletedData, locale: str) -> dict[str, str]:
    return {
        "ratings": t(
            plural(data.ratings, "privacy.ratings_one", "privacy.ratings"), locale, count=f"{data.ratings:,}"
        ),
        "watchlist": t(
            plural(data.watchlist, "privacy.dramas_one", "privacy.dramas"),
            locale,
            count=f"{data.watchlist:,}",
        ),
        "settings": t("privacy.settings_one" if data.settings else "privacy.settings", locale),
    }


class EraseButton(discord.ui.DynamicItem[discord.ui.Button], template=r"erase:(?P<owner>\d+)"):
    """Confirms /privacy delete-my-data; only the member who asked can press it."""

    def __init__(self, owner_id: int, *, locale: str = "en") -> None:
        super().__init__(
            discord.ui.Button(
                label=t("privacy.confirm_button", locale),
                style=discord.ButtonStyle.danger,
                custom_id=f"erase:{owner_id}",
            )
        )
        self.owner_id = owner_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str], /
    ) -> EraseButton:
        return cls(int(match["owner"]))

    async def interaction_check(self, interaction: discord.Interaction, /) -> bool:
        return from_us(interaction)

    async def callback(self, interaction: discord.Interaction) -> None:
        bot: DramaBot = interaction.client  # type: ignore[assignment]
        try:
            if interaction.user.id != self.owner_id:
                raise UserError.keyed("privacy.not_yours")
            removed = await bot.store.delete_member(self.owner_id)
            locale = locale_of(interaction)
            await interaction.response.edit_message(
                content=t("privacy.deleted", locale, **counted(removed, locale)), view=None
            )
        except Exception as exc:  # noqa: BLE001 - reported through the one error handler
            await bot.report_error(interaction, exc)


class Privacy(
    commands.GroupCog,
    group_name="privacy",
    group_description="Your privacy: who sees your list, and erasing your data.",
):
    def __init__(self, bot: DramaBot) -> None:
        self.bot = bot
        super().__init__()

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(EraseButton)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(EraseButton)

    @app_commands.command(
        name="list", description="Make your watch list, profile and matches public or private."
    )
    @app_commands.describe(visibility="Public: members can see them; private: only you")
    @app_commands.choices(visibility=VISIBILITY_CHOICES)
    async def list_(self, interaction: discord.Interaction, visibility: str) -> None:
        private = visibility == "private"
        await self.bot.store.set_private(interaction.user.id, private)
        text = t("privacy.now_private" if private else "privacy.now_public", locale_of(interaction))
        await answer(interaction, content=text, ephemeral=True)

    @app_commands.command(
        name="delete-my-data", description="Erase everything dramabot stores about you (asks first)."
    )
    async def delete_my_data(self, interaction: discord.Interaction) -> None:
        locale = locale_of(interaction)
        held = await self.bot.store.member_data_counts(interaction.user.id)
        if not (held.ratings or held.watchlist or held.settings):
            await answer(interaction, content=t("privacy.nothing", locale), ephemeral=True)
            return
        view = discord.ui.View(timeout=None)
        view.add_item(EraseButton(interaction.user.id, locale=locale))
        await answer(
            interaction,
            content=t("privacy.confirm", locale, **counted(held, locale)),
            view=view,
            ephemeral=True,
        )


async def setup(bot: DramaBot) -> None:
    await bot.add_cog(Privacy(bot))

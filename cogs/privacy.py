"""/privacy list | delete-my-data: hide one's list, profile and matches; erase everything stored.

delete-my-data counts what is stored (ratings, watch list, settings, reminders and the records of those
sent, the catalogue and server changes the member made) and asks for confirmation with a button (only
the member who asked can press it); the store erases every row holding the member's id in one
transaction, the totals updated as if the member had never rated, and keeps the changes they made
without their name (Erasure.erase, bot/store/erasure.py); the answer says what it removed.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.client import from_us
from bot.errors import UserError
from bot.i18n.translator import t
from bot.i18n.messages import plural
from bot.models import DeletedData
from cogs.options import answer, locale_of

if TYPE_CHECKING:
    from bot.client import DramaBot

VISIBILITY = {"public": "public", "private": "private"}  # value: name (Korean in bot/i18n/translator.py)
VISIBILITY_CHOICES = [app_commands.Choice(name=name, value=value) for value, name in VISIBILITY.items()]


def counted(data: DeletedData, locale: str, *, done: bool = False) -> dict[str, str]:
    """The confirmation's (or, `done`, the answer's) fields: each kind of row with its count."""

    def part(count: int, one: str, other: str) -> str:
        return t(plural(count, one, other), locale, count=f"{count:,}")

    named = ""  # the changes a member made stay, without their name: said only when there are some
    if data.named:
        key = "privacy.named_done" if done else "privacy.named"
        named = part(data.named, f"{key}_one", key)
    suggestions = part(data.suggestions, "privacy.suggestions_one", "privacy.suggestions") if data.suggestions else ""
    return {
        "ratings": part(data.ratings, "privacy.ratings_one", "privacy.ratings"),
        "watchlist": part(data.watchlist, "privacy.dramas_one", "privacy.dramas"),
        "reminders": part(data.reminders, "privacy.reminders_one", "privacy.reminders"),
        "sent": part(data.sent, "privacy.sent_one", "privacy.sent"),
        "settings": t("privacy.settings_one" if data.settings else "privacy.settings", locale),
        "named": named,
        "suggestions": suggestions,
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
            removed = await bot.store.erasure.erase(self.owner_id)
            locale = locale_of(interaction)
            await interaction.response.edit_message(
                content=t("privacy.deleted", locale, **counted(removed, locale, done=True)), view=None
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
        await self.bot.store.watchlists.set_private(interaction.user.id, private)
        text = t("privacy.now_private" if private else "privacy.now_public", locale_of(interaction))
        await answer(interaction, content=text, ephemeral=True)

    @app_commands.command(
        name="delete-my-data", description="Erase everything dramabot stores about you (asks first)."
    )
    async def delete_my_data(self, interaction: discord.Interaction) -> None:
        locale = locale_of(interaction)
        held = await self.bot.store.erasure.counts(interaction.user.id)
        if not held.anything:
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

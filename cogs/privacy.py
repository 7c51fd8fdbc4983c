"""/privacy list | delete-my-data: hide one's list, profile and matches; erase everything stored, after a
confirmation only the member can press (bot/store/erasure.py: the changes they made stay, unnamed)."""

from __future__ import annotations

import re
from typing import Any, Self

import discord
from discord import Interaction
from discord.app_commands import Choice, choices, command, describe
from discord.ext import commands

from bot.client import DramaBot
from bot.errors import UserError
from bot.i18n.messages import plural
from bot.i18n.translator import t
from bot.models import DeletedData
from cogs.common import Clickable, DramaCog, answer, anywhere, locale_of

VISIBILITY = {"public": "public", "private": "private"}  # value: name (Korean in bot/i18n/translator.py)


def counted(data: DeletedData, locale: str, *, done: bool = False) -> dict[str, str]:
    """The confirmation's (or, `done`, the answer's) fields: each kind of row with its count; the changes a
    member made (they stay, without their name), suggestions and the remembered DM channel only when there are
    some."""

    def part(count: int, key: str, optional: bool = False) -> str:
        return (
            "" if optional and not count else t(plural(count, f"{key}_one", key), locale, count=f"{count:,}")
        )

    return {
        "ratings": part(data.ratings, "privacy.ratings"),
        "watchlist": part(data.watchlist, "privacy.dramas"),
        "reminders": part(data.reminders, "privacy.reminders"),
        "sent": part(data.sent, "privacy.sent"),
        "settings": t("privacy.settings_one" if data.settings else "privacy.settings", locale),
        "named": part(data.named, "privacy.named_done" if done else "privacy.named", optional=True),
        "suggestions": part(data.suggestions, "privacy.suggestions", optional=True),
        "dm": t("privacy.dm_channel", locale) if data.dm_channels else "",
    }


class EraseButton(Clickable, discord.ui.DynamicItem[discord.ui.Button], template=r"erase:(?P<owner>\d+)"):
    """Confirms /privacy delete-my-data; only the member who asked can press it."""

    def __init__(self, owner_id: int, *, locale: str = "en") -> None:
        label, style = t("privacy.confirm_button", locale), discord.ButtonStyle.danger
        super().__init__(discord.ui.Button(label=label, style=style, custom_id=f"erase:{owner_id}"))
        self.owner_id = owner_id

    @classmethod
    async def from_custom_id(cls, interaction: Interaction, item: Any, match: re.Match[str], /) -> Self:
        return cls(int(match["owner"]))

    async def clicked(self, interaction: Interaction, bot: DramaBot) -> None:
        if interaction.user.id != self.owner_id:
            raise UserError.keyed("privacy.not_yours")
        removed = await bot.store.erasure.erase(self.owner_id)
        locale = locale_of(interaction)
        text = t("privacy.deleted", locale, **counted(removed, locale, done=True))
        await interaction.response.edit_message(content=text, view=None)


@anywhere  # the member's data rights reach wherever they rate and list
class Privacy(
    DramaCog, commands.GroupCog, group_name="privacy",
    group_description="Your privacy: who sees your list, and erasing your data.",
):  # fmt: skip
    buttons = (EraseButton,)

    @command(name="list", description="Make your watch list, profile and matches public or private.")
    @describe(visibility="Public: members can see them; private: only you")
    @choices(visibility=[Choice(name=n, value=v) for v, n in VISIBILITY.items()])
    async def list_(self, interaction: Interaction, visibility: str) -> None:
        private = visibility == "private"
        await self.bot.store.watchlists.set_private(interaction.user.id, private)
        text = t("privacy.now_private" if private else "privacy.now_public", locale_of(interaction))
        await answer(interaction, content=text, ephemeral=True)

    @command(name="delete-my-data", description="Erase everything dramabot stores about you (asks first).")
    async def delete_my_data(self, interaction: Interaction) -> None:
        locale = locale_of(interaction)
        held = await self.bot.store.erasure.counts(interaction.user.id)
        if not held.anything:
            await answer(interaction, content=t("privacy.nothing", locale), ephemeral=True)
            return
        view = discord.ui.View(timeout=None)
        view.add_item(EraseButton(interaction.user.id, locale=locale))
        text = t("privacy.confirm", locale, **counted(held, locale))
        await answer(interaction, content=text, view=view, ephemeral=True)


async def setup(bot: DramaBot) -> None:
    await bot.add_cog(Privacy(bot))

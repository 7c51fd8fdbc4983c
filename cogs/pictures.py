"""A picture joining a card already sent: /review's episode chart and /profile's histogram.

The card is answered first; its picture is drawn once the bot is not busy answering (the renderer's
`render_when_quiet`) and added as an edit of the answer. A picture that cannot be drawn in time never
comes, and one whose card was deleted meanwhile is dropped."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import discord

from bot.cards import review as cards

from bot.pictures import charts

if TYPE_CHECKING:
    from bot.client import DramaBot


@dataclass
class PendingPicture:
    """A picture on its way to a card already sent, which can be called off (a paged /review card: the
    page edit brings its own picture, and the picture's edit must not land after it)."""

    sending: asyncio.Lock = field(default_factory=asyncio.Lock)  # held while the picture's edit is sent
    called_off: bool = False


async def join_card(
    bot: DramaBot,
    interaction: discord.Interaction,
    embed: discord.Embed,
    draw: Callable[[Any], charts.Picture],
    data: Hashable,
    localize: Callable[[charts.Picture], charts.Picture],
    pending: PendingPicture | None = None,
) -> None:
    """Draw `draw(data)` when the loop is quiet, give it the locale's alt text (`localize`) and add it
    to the answer showing `embed` (nothing when it cannot be drawn in time, or `pending` was called off)."""
    if bot.renderer is None:
        return
    drawn = await bot.renderer.render_when_quiet(draw, data)
    if drawn is None:
        return
    embed = embed.copy()
    files = cards.with_picture(embed, localize(drawn))
    pending = pending or PendingPicture()
    async with pending.sending:
        if pending.called_off:
            return
        try:
            await interaction.edit_original_response(embed=embed, attachments=files)
        except discord.NotFound:  # the card was deleted before its picture was ready
            pass

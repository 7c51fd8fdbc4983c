"""A card's picture (/review's episode chart, /profile's histogram), drawn off the loop: with the card when
drawn already, else added as an edit once the bot is not busy answering (never, if not drawn in time)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any

import discord
from discord import Interaction

from bot.cards import review as cards
from bot.client import DramaBot
from bot.pictures import charts
from cogs.common import answer

Draw = Callable[[Any], charts.Picture]
Localize = Callable[[charts.Picture], charts.Picture]  # the alt text in the member's language


@dataclass
class PendingPicture:
    """A picture on its way to a card, called off when the card is paged (the page brings its own)."""

    sending: asyncio.Lock = field(default_factory=asyncio.Lock)  # held while the picture's edit is sent
    called_off: bool = False


Pending = dict[int, PendingPicture]  # by the id of the interaction whose card the picture joins


async def picture_now(
    bot: DramaBot, draw: Draw, data: Hashable | None, localize: Localize
) -> charts.Picture | None:
    """`draw(data)` with its alt text, or None: nothing to draw, no renderer, or it failed or took longer
    than the renderer's budget."""
    picture = await bot.renderer.render(draw, data) if data is not None and bot.renderer is not None else None
    return None if picture is None else localize(picture)


async def answer_with_picture(
    bot: DramaBot, interaction: Interaction, embed: discord.Embed, draw: Draw, data: Hashable | None,
    localize: Localize, pending: Pending | None = None, **message: Any,
) -> None:  # fmt: skip
    """Answer with `embed` and its picture `draw(data)` (`data` None: nothing to draw). One not drawn yet
    joins the card when drawn, so no answer waits for the renderer and a burst never queues behind it."""
    renderer = bot.renderer
    ready = data is None or renderer is None or renderer.cached(draw, data) is not None
    if ready or interaction.response.is_done():  # the card as it is, or with its picture
        files = cards.with_picture(embed, await picture_now(bot, draw, data, localize))
        await answer(interaction, embed=embed, files=files, **message)
        return
    await answer(interaction, embed=embed, **message)
    bot.after_answer(join_card(bot, interaction, embed, draw, data, localize, pending), "picture")


async def join_card(
    bot: DramaBot, interaction: Interaction, embed: discord.Embed, draw: Draw, data: Hashable,
    localize: Localize, pending: Pending | None,
) -> None:  # fmt: skip
    """Draw `draw(data)` when the loop is quiet and add it to the answer showing `embed`; listed in
    `pending` meanwhile, so that paging the card can call it off."""
    picture = PendingPicture()
    if pending is not None:
        pending[interaction.id] = picture
    try:
        drawn = await bot.renderer.render_when_quiet(draw, data) if bot.renderer is not None else None
        if drawn is None:
            return
        embed = embed.copy()
        files = cards.with_picture(embed, localize(drawn))
        async with picture.sending:
            if not picture.called_off:
                await interaction.edit_original_response(embed=embed, attachments=files)
    except discord.NotFound:  # the card was deleted before its picture was ready
        pass
    finally:
        if pending is not None and pending.get(interaction.id) is picture:
            del pending[interaction.id]


async def call_off(pending: Pending, interaction_id: int) -> None:
    """The card asked for by that interaction is being paged: its picture, if still on its way, is not
    sent; one being sent right now is let finish first, so the page's edit lands last."""
    picture = pending.pop(interaction_id, None)
    if picture is not None:
        picture.called_off = True
        try:  # at most a second: the page's own answer is due within 3 s
            await asyncio.wait_for(picture.sending.acquire(), 1.0)
        except TimeoutError:
            return
        picture.sending.release()

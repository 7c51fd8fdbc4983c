"""Option types shared by the commands: a drama picked from the catalogue, a region.

Transformers turn the raw option text into a `Drama` / `Region` (or a clear `UserError`)
and serve autocomplete, so command callbacks never parse text by hand.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands

from bot import regions
from bot.cards import clip, safe
from bot.errors import StoreUnavailable, UserError
from bot.models import Drama
from bot.store import INDEX_CHECK_INTERVAL

if TYPE_CHECKING:
    from bot.client import DramaBot

MAX_TEXT = 200  # longer than any title, alias or country name
CHOICE_LIMIT = 25  # Discord's limit on autocomplete choices
CHOICE_TEXT = 100  # Discord's limit on a choice's name and string value


def _bot(interaction: discord.Interaction) -> DramaBot:
    return interaction.client  # type: ignore[return-value]


def shown(text: str, limit: int = 60) -> str:
    """Member input echoed back: clipped, without markdown or mentions."""
    return safe(clip(" ".join(text.split()), limit))


def checked_text(value: object, what: str) -> str:
    """The option text, stripped; a UserError when it is empty or too long."""
    text = value if isinstance(value, str) else str(value)
    text = text.strip()
    if not text:
        raise UserError(f"The {what} is empty: type part of its name and pick it from the list.")
    if len(text) > MAX_TEXT:
        raise UserError(f"That {what} is {len(text):,} characters long; names here are at most {MAX_TEXT}.")
    return text


class DramaOption(app_commands.Transformer):
    """A drama from the catalogue, by title, native title, alias or slug (autocomplete's value)."""

    async def transform(self, interaction: discord.Interaction, value: str) -> Drama:
        text = checked_text(value, "drama")
        store = _bot(interaction).store
        matches = await store.find_dramas(text)
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            listing = ", ".join(f"*{safe(d.title)}* ({d.year or 'year unknown'})" for d in matches[:5])
            raise UserError(f"More than one drama is called '{shown(text)}': {listing}. Pick one from the list.")
        close = store.close_titles(text, 5)
        hint = (
            " Did you mean " + ", ".join(f"*{safe(t)}*" for t in close) + "?"
            if close
            else " Start typing and pick a title from the list."
        )
        raise UserError(f"No drama called '{shown(text)}' in the catalogue.{hint}")

    async def autocomplete(self, interaction: discord.Interaction, value: str) -> list[app_commands.Choice[str]]:
        store = _bot(interaction).store
        try:
            await store.refresh_index(max_age=INDEX_CHECK_INTERVAL)  # the catalogue CLI may have changed it
        except StoreUnavailable:
            pass  # autocomplete cannot show an error: offer what the index already holds
        hits = store.search_titles(str(value)[:MAX_TEXT], CHOICE_LIMIT)
        choices = []
        for hit in hits:
            label = hit.title + (f" ({hit.year})" if hit.year else "")
            if hit.name != hit.title:
                label += f" · {hit.name}"
            choices.append(app_commands.Choice(name=clip(label, CHOICE_TEXT), value=hit.slug))
        return choices


class RegionOption(app_commands.Transformer):
    """A region: an ISO 3166-1 alpha-2 code or a country name in English or its own language."""

    async def transform(self, interaction: discord.Interaction, value: str) -> regions.Region:
        text = checked_text(value, "region")
        region = regions.lookup(text)
        if region is None:
            raise UserError(
                f"I don't know the region '{shown(text)}'. Use a two-letter code such as KR or a "
                "country name, and pick it from the list."
            )
        return region

    async def autocomplete(self, interaction: discord.Interaction, value: str) -> list[app_commands.Choice[str]]:
        found = regions.suggest(str(value)[:MAX_TEXT], CHOICE_LIMIT)
        return [app_commands.Choice(name=regions.choice_label(r), value=r.code) for r in found]

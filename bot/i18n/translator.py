"""The command tree's translator, and the message lookup cogs use (:func:`t`, from bot.i18n.messages).

:class:`Translator` gives Discord the name, description and choice names of every command in each
language with a file in bot/i18n/locales/ (``await tree.set_translator(Translator())``); Discord
shows them to members whose client uses that language. Names are kept apart from texts, since
"episode" the option name and "Episode number" the description follow different rules.

Strings without a Latin letter (the star choices of /rate, "★★★★½ 4.5") read the same in any
language and are left as they are.
"""

from __future__ import annotations

import logging
import re

import discord
from discord import app_commands

from bot.i18n.messages import ENGLISH, language, t, translations

__all__ = ["Translator", "language", "needs_translation", "t"]

log = logging.getLogger(__name__)

NAME_KINDS = {
    app_commands.TranslationContextLocation.command_name,
    app_commands.TranslationContextLocation.group_name,
    app_commands.TranslationContextLocation.parameter_name,
}
LATIN_LETTER = re.compile(r"[A-Za-z]")


def needs_translation(text: str) -> bool:
    """Whether `text` reads differently in another language: anything with a Latin letter in it."""
    return bool(LATIN_LETTER.search(text))


class Translator(app_commands.Translator):
    """Names, descriptions and choice names for the command tree in the locale's language; None
    (Discord's default, the English text) for English and for language-neutral strings."""

    async def translate(
        self,
        string: app_commands.locale_str,
        locale: discord.Locale,
        context: app_commands.TranslationContext,
    ) -> str | None:
        lang = language(locale)
        if lang == ENGLISH:
            return None
        catalogue = translations()[lang]
        table = catalogue.names if context.location in NAME_KINDS else catalogue.texts
        found = table.get(string.message)
        if found is None and needs_translation(string.message):
            log.warning("no %s for %s %r", lang, context.location.name, string.message)
        return found

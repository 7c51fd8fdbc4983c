"""bot.i18n.translator: every string of the real command tree has Korean; the messages fall back to English;
a new language is a new file."""

from __future__ import annotations

import io
import re

import discord
import pytest
from discord import app_commands

from bot.client import EXTENSIONS, DramaBot
from bot.i18n import translator as i18n
from bot.i18n.messages import read, translations
from bot.settings import Settings
from bot.store import UnavailableStore

# Discord's rule for command and option names (with Hangul allowed as letters).
NAME = re.compile(r"^[-_\w]{1,32}$")


class Recording(i18n.Translator):
    """The real translator, noting every string Discord would be asked about."""

    def __init__(self) -> None:
        self.seen: list[tuple[app_commands.TranslationContextLocation, str, str | None]] = []

    async def translate(self, string, locale, context):  # noqa: ANN001
        result = await super().translate(string, locale, context)
        if locale is discord.Locale.korean:
            self.seen.append((context.location, string.message, result))
        return result


@pytest.fixture
async def bot():
    """The real bot with every cog loaded, never connected (no token is used)."""
    bot = DramaBot(UnavailableStore("not needed"), Settings(token="unused"))
    for extension in EXTENSIONS:
        await bot.load_extension(extension)
    await bot.tree.set_translator(i18n.Translator())
    yield bot
    await bot.close()


async def test_every_command_tree_string_has_korean(bot):
    recording = Recording()
    for command in bot.tree.get_commands():
        await command.get_translated_payload(bot.tree, recording)
    assert len(recording.seen) > 80  # names, descriptions and choices of 5 commands and 8 subcommands
    missing = [
        (loc.name, text) for loc, text, ko in recording.seen if ko is None and i18n.needs_translation(text)
    ]
    assert missing == []
    kinds = {loc for loc, _, _ in recording.seen}
    assert {
        app_commands.TranslationContextLocation.command_name,
        app_commands.TranslationContextLocation.group_name,
        app_commands.TranslationContextLocation.parameter_name,
        app_commands.TranslationContextLocation.command_description,
        app_commands.TranslationContextLocation.parameter_description,
        app_commands.TranslationContextLocation.choice_name,
    } <= kinds


async def test_korean_payload_obeys_discords_rules(bot):
    def check(entry: dict, where: str) -> None:
        ko_name = entry["name_localizations"]["ko"]
        assert NAME.fullmatch(ko_name) and ko_name == ko_name.lower(), (where, ko_name)
        assert 1 <= len(entry["description_localizations"]["ko"]) <= 100, where
        names = [option["name_localizations"]["ko"] for option in entry.get("options", [])]
        assert len(names) == len(set(names)), f"{where}: two options with one Korean name: {names}"
        for option in entry.get("options", []):
            if option["type"] == discord.AppCommandOptionType.subcommand.value:
                check(option, f"{where} {option['name']}")
                continue
            assert NAME.fullmatch(option["name_localizations"]["ko"]), (where, option["name"])
            assert 1 <= len(option["description_localizations"]["ko"]) <= 100
            for choice in option.get("choices", []):
                ko = choice.get("name_localizations", {}).get("ko", choice["name"])
                assert 1 <= len(ko) <= 100 and (ko != choice["name"] or not i18n.needs_translation(ko))

    payload = await bot.command_payload(None)
    assert {entry["name"] for entry in payload} == {"review", "rate", "where", "about", "catalogue", "watchlist", "top",
                                                    "match", "privacy", "import", "profile", "schedule", "announce", "follow",
                                                    "unfollow", "remind", "server", "export", "watchparty", "pick", "recommend"}  # fmt: skip
    for entry in payload:
        check(entry, "/" + entry["name"])
    rate = next(entry for entry in payload if entry["name"] == "rate")
    assert rate["name_localizations"]["ko"] == "평점"
    assert rate["description_localizations"]["ko"] == translations()["ko"].texts[rate["description"]]


async def test_translations_change_the_sync_digest(bot):
    """The sync digest is taken over the translated payload, so a new translation is synced."""
    with_korean = await bot.command_payload(None)
    await bot.tree.set_translator(None)
    without = await bot.command_payload(None)
    assert with_korean != without
    assert "name_localizations" not in without[0] or not without[0]["name_localizations"]


async def test_other_locales_and_language_neutral_strings_are_left_to_discord():
    translator = i18n.Translator()
    context = app_commands.TranslationContext(app_commands.TranslationContextLocation.command_name, None)
    assert (
        await translator.translate(app_commands.locale_str("rate"), discord.Locale.japanese, context) is None
    )
    assert (
        await translator.translate(app_commands.locale_str("rate"), discord.Locale.korean, context) == "평점"
    )
    choice = app_commands.TranslationContext(app_commands.TranslationContextLocation.choice_name, None)
    assert (
        await translator.translate(app_commands.locale_str("★★★★½ 4.5"), discord.Locale.korean, choice)
        is None
    )
    assert not i18n.needs_translation("★★★★½ 4.5") and i18n.needs_translation("ads")


def test_message_catalogue_korean_english_fallback_and_fields():
    assert i18n.t("error.cooldown", discord.Locale.korean, seconds=3) == (
        "잠깐만요: 짧은 시간에 너무 많이 보냈어요. 3초 뒤에 다시 해 보세요."
    )
    assert i18n.t("error.cooldown", "ko", seconds=3).endswith("3초 뒤에 다시 해 보세요.")
    english = "Easy there: that's a lot in a short time. Try again in 3 s."
    assert i18n.t("error.cooldown", discord.Locale.french, seconds=3) == english
    assert i18n.t("error.cooldown", None, seconds=3) == english
    with pytest.raises(KeyError):
        i18n.t("no.such.key", "ko")


A_NEW_LANGUAGE = """
msgctxt "error.cooldown"
msgid "Easy there: that's a lot in a short time. Try again in {seconds} s."
msgstr "ちょっと待ってください。{seconds} 秒後にもう一度どうぞ。"

#, fuzzy
msgctxt "error.no_permission"
msgid "You don't have permission to use that command here."
msgstr "a guess nobody checked"

msgctxt "error.out_of_date"
msgid "That command just changed. Please try again in a moment."
msgstr ""

msgctxt "command.name"
msgid "rate"
msgstr "評価"

msgctxt "command.text"
msgid "Episode number"
msgstr "話数"
"""


async def test_a_new_language_is_a_new_file(monkeypatch):
    """What a ja.po beside ko.po gives: its translations, English for what it leaves out or marks fuzzy."""
    monkeypatch.setitem(translations(), "ja", read(io.BytesIO(A_NEW_LANGUAGE.encode())))
    japanese = discord.Locale.japanese
    assert i18n.language(japanese) == "ja"
    assert i18n.t("error.cooldown", japanese, seconds=3) == "ちょっと待ってください。3 秒後にもう一度どうぞ。"
    assert i18n.t("error.no_permission", japanese) == i18n.t("error.no_permission", "en")
    assert i18n.t("error.out_of_date", japanese) == i18n.t("error.out_of_date", "en")
    assert i18n.t("error.unavailable", japanese) == i18n.t("error.unavailable", "en")
    translator = i18n.Translator()
    name = app_commands.TranslationContext(app_commands.TranslationContextLocation.command_name, None)
    text = app_commands.TranslationContext(
        app_commands.TranslationContextLocation.parameter_description, None
    )
    assert await translator.translate(app_commands.locale_str("rate"), japanese, name) == "評価"
    assert await translator.translate(app_commands.locale_str("Episode number"), japanese, text) == "話数"
    assert await translator.translate(app_commands.locale_str("Episode number"), japanese, name) is None
    assert await translator.translate(app_commands.locale_str("review"), japanese, name) is None

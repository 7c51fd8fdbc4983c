"""Every user-facing message, card label and command text, read from one gettext file per language.

``locales/en.po`` is the English source and the fallback; ``locales/<Discord locale>.po`` (``ko.po``)
translates it. Each entry's msgctxt is the key code asks :func:`t` for; the command tree's names and
texts sit under the contexts ``command.name`` and ``command.text``, looked up by their English.
The files are read once, on first use. No Discord import, so the store's error type can use it too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from importlib.resources import files
from typing import BinaryIO

from babel.messages.pofile import read_po

ENGLISH = "en"
NAME = "command.name"  # command, group and option names (Discord: lowercase, no spaces, 1 to 32)
TEXT = "command.text"  # descriptions and choice names (1 to 100 characters)


@dataclass
class Translations:
    """One language: messages by key, and the command tree's names and texts by their English."""

    messages: dict[str, str] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)
    texts: dict[str, str] = field(default_factory=dict)


def read(po: BinaryIO, fallback: bool = False) -> Translations:
    """A catalogue from a .po file. Untranslated and fuzzy entries are left out (English shows),
    except in the English file itself (`fallback`), where an empty msgstr means the msgid."""
    catalogue = Translations()
    for message in read_po(po):
        text = message.string or (message.id if fallback else "")
        if not message.id or not message.context or message.fuzzy or not text:
            continue
        if message.context == NAME:
            catalogue.names[message.id] = text
        elif message.context == TEXT:
            catalogue.texts[message.id] = text
        else:
            catalogue.messages[message.context] = text
    return catalogue


@cache
def translations() -> dict[str, Translations]:
    """Every language with a file in locales/, by its name ("en", "ko"); read on first use."""
    found = {}
    for path in files(__package__).joinpath("locales").iterdir():
        if path.name.endswith(".po"):
            lang = path.name.removesuffix(".po")
            with path.open("rb") as po:
                found[lang] = read(po, fallback=lang == ENGLISH)
    return found


def language(locale: object) -> str:
    """The language with a file for a locale (a discord.Locale or its value: "ko", "ko-KR", "pt-BR"):
    the exact one, else its first part ("ko"), else English."""
    value = getattr(locale, "value", locale)
    if not isinstance(value, str):
        return ENGLISH
    known = translations()
    return next((lang for lang in (value, value.split("-")[0].lower()) if lang in known), ENGLISH)


class Key(str):
    """A field value that is itself a message key: t() fills in that message, in the same language."""


def t(key: str, locale: object = None, /, **fields: object) -> str:
    """The message `key` in the locale's language (English when not translated), fields filled in.

    An unknown key is a programming error: KeyError.
    """
    lang = language(locale)
    known = translations()
    text = known[lang].messages.get(key) or known[ENGLISH].messages[key]
    if not fields:
        return text
    if any(isinstance(v, Key) for v in fields.values()):
        fields = {name: t(v, lang) if isinstance(v, Key) else v for name, v in fields.items()}
    return text.format_map(fields)


def plural(count: int, one: str, other: str) -> str:
    """The key for `count`: `one` for exactly 1, else `other` (English needs both; Korean does not)."""
    return one if count == 1 else other

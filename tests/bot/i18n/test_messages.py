"""No user-facing string misses its Korean: the translation files are complete, and the cogs and cards
send nothing that bypasses them.

The scan reads cogs/*.py, bot/cards/review.py and bot/client.py (their syntax trees, not their text) and
fails on a string literal with Latin letters that reaches what a member reads: a message sent
(send_message, followup.send, send, edit_message, answer), an embed's title, description, fields,
footer or author, a button's or text input's label, a modal's title, an autocomplete choice, or a
UserError. Strings go through ``t(key, locale, ...)`` or ``UserError.keyed(key, ...)`` instead;
every literal key must be in bot/i18n/locales/en.po. Command names, descriptions and choices are the
Translator's (tests/bot/i18n/test_translator.py); log lines and docstrings are for developers.
"""

from __future__ import annotations

import ast
import re
import string
from dataclasses import dataclass
from pathlib import Path

import discord
import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from bot.cards import review as cards
from bot.errors import UserError
from bot.i18n import translator as i18n
from bot.i18n.messages import ENGLISH, NAME, TEXT, Key, language, t, translations

ROOT = Path(__file__).resolve().parents[3]
LOCALES = ROOT / "bot" / "i18n" / "locales"
MESSAGES = translations()[ENGLISH].messages  # every key, from en.po
SCANNED = [
    *sorted((ROOT / "cogs").glob("*.py")),
    ROOT / "bot" / "client.py",
    *(ROOT / "bot" / "cards" / f"{name}.py" for name in ("review", "watchlist", "community")),
]

# Callables whose (keyword) arguments a member reads.
SINK_KEYWORDS = {
    "content",
    "title",
    "description",
    "name",
    "value",
    "text",
    "label",
    "placeholder",
    "message",
}
SINK_POSITIONAL = {
    "send_message",
    "send",
    "edit_message",
    "edit_original_response",
    "send_ephemeral",
    "UserError",
}
SINK_CALLS = SINK_POSITIONAL | {
    "answer", "Embed", "add_field", "insert_field_at", "set_field_at", "set_footer", "set_author",
    "Button", "TextInput", "Modal", "Choice",
}  # fmt: skip
KEYED = {"t", "keyed", "Key"}  # first argument: a catalogue key
LATIN = re.compile(r"[A-Za-z]")
PROSE = re.compile(r"[A-Za-z]{2,}[,;:.!?')]* +\(?[A-Za-z]{2,}")  # two words or more: reads as a sentence

# Intentionally not translated, with the reason.
ALLOWED_FUNCTIONS = {
    (
        "bot/cards/review.py",
        "review_text",
    ): "the terminal preview of `python -m bot catalogue show`, for operators",
}
ALLOWED_LITERALS = {
    ("cogs/about.py", "unknown (not installed)"): "a version number's stand-in, like the version itself",
    (
        "bot/catalogue/edits.py",
        "your change",
    ): "context of the catalogue format's own (English) validation details",
    ("bot/client.py", "dramabot ready"): "the log line that tells scripts the bot is up",
}


@dataclass(frozen=True)
class Finding:
    path: str
    line: int
    text: str
    why: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.why}: {self.text!r}"


def _name(func: ast.expr) -> str:
    if isinstance(func, ast.Attribute):
        return func.attr
    return func.id if isinstance(func, ast.Name) else ""


def _is_log(call: ast.Call) -> bool:
    func = call.func
    return isinstance(func, ast.Attribute) and _name(func.value) in {"log", "logging", "logger"}


def _literals(node: ast.AST) -> list[ast.Constant]:
    """String constants a sink argument shows: through f-strings, +, conditionals and calls (except
    the key of t()/keyed() and f-string format specs)."""
    if isinstance(node, ast.Constant):
        return [node] if isinstance(node.value, str) else []
    if isinstance(node, ast.FormattedValue):
        return _literals(node.value)
    if isinstance(node, ast.Call):
        skip = {"t": 2, "keyed": 1, "Key": 1}.get(_name(node.func), 0)  # the key (and t's locale)
        args = node.args[skip:]
        found = [c for a in args for c in _literals(a)]
        return found + [c for k in node.keywords for c in _literals(k.value)]
    if isinstance(node, ast.Lambda | ast.comprehension):
        return []
    return [c for child in ast.iter_child_nodes(node) for c in _literals(child)]


def scan(source: str, path: str) -> list[Finding]:
    """Literals that reach a member without the catalogue, and literal keys the catalogue lacks."""
    tree = ast.parse(source)
    findings: list[Finding] = []
    allowed_ranges = [
        (node.lineno, node.end_lineno or node.lineno)
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and (path, node.name) in ALLOWED_FUNCTIONS
    ]
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    in_logs = {
        id(c)
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and _is_log(node)
        for c in ast.walk(node)
    }
    in_decorators = {
        id(c)
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
        for d in node.decorator_list
        for c in ast.walk(d)
    } | {
        id(c)  # class keywords: GroupCog(group_name=..., group_description=...) go through the Translator
        for node in ast.walk(tree)
        if isinstance(node, ast.ClassDef)
        for k in node.keywords
        for c in ast.walk(k)
    }

    def allowed(node: ast.Constant) -> bool:
        line = node.lineno
        return (
            id(node) in docstrings
            or id(node) in in_logs
            or id(node) in in_decorators
            or (path, node.value) in ALLOWED_LITERALS
            or node.value in translations()[ENGLISH].texts  # command tree texts: the Translator's
            or any(start <= line <= end for start, end in allowed_ranges)
        )

    reported: set[int] = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = _name(node.func)
        if name in KEYED and node.args and isinstance(node.args[0], ast.Constant):
            key = node.args[0].value
            if name != "Key" or "." in key:
                if key not in MESSAGES:
                    findings.append(Finding(path, node.lineno, key, "key not in the catalogue"))
            reported.add(id(node.args[0]))
        if name == "plural":
            for arg in node.args[1:]:
                if isinstance(arg, ast.Constant) and arg.value not in MESSAGES:
                    findings.append(Finding(path, node.lineno, arg.value, "key not in the catalogue"))
                reported.add(id(arg))
        if name not in SINK_CALLS or _is_log(node):
            continue
        shown = [k.value for k in node.keywords if k.arg in SINK_KEYWORDS]
        if name in SINK_POSITIONAL:
            shown += node.args[:1]
        for arg in shown:
            for const in _literals(arg):
                if LATIN.search(const.value) and not allowed(const) and id(const) not in reported:
                    findings.append(
                        Finding(path, const.lineno, const.value, f"shown by {name}() without t()")
                    )
                    reported.add(id(const))
    # Sentences anywhere (e.g. in a constant used later) are user-facing text in waiting.
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in reported:
            if PROSE.search(node.value) and not allowed(node):
                findings.append(Finding(path, node.lineno, node.value, "a sentence outside the catalogue"))
    return findings


def test_cogs_cards_and_the_error_handler_send_nothing_past_the_catalogue():
    findings = [
        f
        for path in SCANNED
        for f in scan(path.read_text(encoding="utf-8"), path.relative_to(ROOT).as_posix())
    ]
    assert [str(f) for f in findings] == []


def test_the_scan_finds_what_bypasses_the_catalogue():
    source = '''
import discord
from bot.i18n.translator import t
from bot.errors import UserError

async def handler(interaction, title, n):
    """A docstring is fine."""
    log.info("logged lines are fine: %s", title)
    await interaction.response.send_message(f"Saved {title}.", ephemeral=True)
    await interaction.followup.send(content="Done")
    embed = discord.Embed(title=t("card.critic", "ko"), description=clip(f"{n} episodes", 10))
    embed.add_field(name="Critic", value=t("card.everyone", "ko"))
    embed.set_footer(text=t("no.such.key", "ko"))
    raise UserError("Nope.")

HINT = "Type a title and pick it"
'''
    found = {(f.line, f.text) for f in scan(source, "cogs/example.py")}
    assert found == {
        (9, "Saved "),
        (10, "Done"),
        (11, " episodes"),
        (12, "Critic"),
        (13, "no.such.key"),
        (14, "Nope."),
        (16, "Type a title and pick it"),
    }


def po(path: Path) -> Catalog:
    with path.open("rb") as file:
        return read_po(file)


def fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def test_every_english_entry_has_a_context_and_each_key_one_entry():
    english = [m for m in po(LOCALES / "en.po") if m.id]
    assert len(english) > 450 and all(m.context for m in english)
    keys = [m.context for m in english if m.context not in (NAME, TEXT)]
    assert len(keys) == len(set(keys)) == len(MESSAGES)


def test_korean_is_complete():
    """Every English entry has its Korean, not fuzzy, and different from the English when it has words."""
    korean = {(m.context, m.id): m for m in po(LOCALES / "ko.po") if m.id}
    for entry in po(LOCALES / "en.po"):
        if not entry.id:
            continue
        ko = korean.get((entry.context, entry.id))
        assert ko is not None and ko.string and not ko.fuzzy, f"no Korean for {entry.context} {entry.id!r}"
        assert (
            not i18n.needs_translation(ko.string) or ko.string != entry.id or entry.context in SAME_IN_BOTH
        ), entry.context


SAME_IN_BOTH = {"catalogue.modal_title"}  # "{label}: {title}": only fields


@pytest.mark.parametrize("path", sorted(LOCALES.glob("*.po")), ids=lambda path: path.name)
def test_every_translation_is_of_a_current_english_entry_with_the_same_fields(path):
    """A translation whose English changed (or went) is stale: en.po's msgid must match."""
    english = {(m.context, m.id) for m in po(LOCALES / "en.po") if m.id}
    for entry in po(path):
        if entry.id and entry.string:
            assert (entry.context, entry.id) in english, (
                f"{path.name}: {entry.context} {entry.id!r} is not in en.po"
            )
            assert fields(entry.string) == fields(entry.id), f"{path.name}: {entry.context}"


def test_keyed_errors_show_in_the_members_language():
    error = UserError.keyed("rate.no_episode", title="Goblin", count=16, episode=17)
    assert error.message == "*Goblin* has episodes 1 to 16; there is no episode 17."
    assert error.text(discord.Locale.korean) == "*Goblin*은(는) 1화부터 16화까지 있습니다. 17화는 없어요."
    assert error.text(discord.Locale.japanese) == error.message
    plain = UserError("as it is")
    assert plain.text("ko") == "as it is"


def test_a_key_as_a_field_follows_the_language():
    assert t("catalogue.not_number", "ko", what=Key("catalogue.what_year"), value="x").startswith(
        "저장하지 않았습니다: 연도은(는)"
    )
    assert t("catalogue.not_number", "en", what=Key("catalogue.what_year"), value="x") == (
        "Not saved: year must be a number, got 'x'."
    )


@pytest.mark.parametrize("locale", ["ko", "en"])
def test_card_constants_keep_their_english(locale):
    assert cards.NO_CRITIC == t("card.no_critic")
    assert cards.kind_label("ads", locale) == t("kind.ads", locale)
    assert cards.kind_label("carrier-pigeon", locale) == "carrier-pigeon"


def test_live_where_footer_and_notice_keep_their_english_and_have_korean():
    from datetime import UTC, datetime

    from bot.tmdb.client import ATTRIBUTION
    from bot.tmdb.providers import _when

    at = datetime(2026, 11, 29, 15, 4, tzinfo=UTC)
    assert cards.live_footer(at, False) == f"{ATTRIBUTION} · checked {_when(at)}"
    assert cards.live_footer(at, True, "en").endswith(
        " · TMDB did not answer just now; this is the last check"
    )
    assert cards.live_footer(at, True, "ko") == (
        "시청처 정보: JustWatch (TMDB 제공) · 2026-11-29 15:04 UTC 확인 · TMDB가 방금 응답하지 않아 마지막으로 확인한 정보입니다"
    )
    assert cards.live_notice("ko").startswith("-# 지금은 TMDB의")


@pytest.mark.parametrize(
    ("locale", "lang"),
    [("ko", "ko"), ("ko-KR", "ko"), (discord.Locale.korean, "ko"), ("en-US", "en"), (discord.Locale.japanese, "en"),
     ("ja", "en"), (discord.Locale.american_english, "en"), (None, "en"), ("", "en"), (42, "en"), (["ko"], "en")],
)  # fmt: skip
def test_the_language_of_a_locale_is_one_with_a_file_or_english(locale, lang):
    assert language(locale) == lang

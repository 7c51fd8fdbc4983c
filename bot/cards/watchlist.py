"""Cards of the watch-list commands; members' names made inert, every label through t()."""

from __future__ import annotations

import discord

from bot.cards.review import EN, clip, new_card, number, safe, stars
from bot.i18n.messages import plural
from bot.i18n.translator import t
from bot.models import WatchEntry, WatchPage

LIST_COLOUR = discord.Colour(0x3B7DD8)
TITLE_LIMIT = 80  # a drama's title on one list line
NAME_LIMIT = 60  # a member's display name in a title


def status_label(status: str, locale: str = EN) -> str:
    return t(f"watch.status.{status}", locale)


def progress_text(entry: WatchEntry, locale: str = EN) -> str:
    """'ep 7/16' ('7/16화')."""
    return t("watch.progress", locale, progress=entry.progress, count=entry.episode_count)


def member_name(name: str) -> str:
    return safe(clip(name, NAME_LIMIT))


def entry_line(entry: WatchEntry, locale: str = EN) -> str:
    """'**Goblin** · Watching · ep 7/16 · ★★★★½ 4.5' (the score only when the member rated the drama)."""
    parts = [
        f"**{safe(clip(entry.title, TITLE_LIMIT))}**",
        status_label(entry.status, locale),
        progress_text(entry, locale),
    ]
    if entry.score is not None:
        parts.append(f"{stars(entry.score)} {number(entry.score)}")
    return " · ".join(parts)


def watchlist_card(page: WatchPage, name: str, status: str | None, *, locale: str = EN) -> discord.Embed:
    """One page of a member's watch list."""
    who = member_name(name)
    title = t("watch.title_status", locale, name=who, status=status_label(status, locale)) if status else None
    title = title or t("watch.title", locale, name=who)
    key = plural(page.total, "watch.footer_one", "watch.footer")
    footer = t(key, locale, total=f"{page.total:,}", page=page.page + 1, pages=page.pages)
    return new_card(title, "\n".join(entry_line(e, locale) for e in page.entries), LIST_COLOUR, footer=footer)


def set_answer(entry: WatchEntry, before: WatchEntry | None, *, locale: str = EN) -> str:
    title = safe(clip(entry.title, TITLE_LIMIT))
    progress = progress_text(entry, locale)
    status = status_label(entry.status, locale)
    if before is not None and before.status != entry.status:
        old = status_label(before.status, locale)
        return t("watch.set_changed", locale, title=title, old=old, status=status, progress=progress)
    return t("watch.set", locale, title=title, status=status, progress=progress)


def empty_list(name: str | None, status: str | None, *, locale: str = EN) -> str:
    """The answer for an empty list (`name` None: the caller's own)."""
    label = status_label(status, locale) if status else None
    if name is None:
        return t("watch.empty_own_status", locale, status=label) if label else t("watch.empty_own", locale)
    who = member_name(name)
    if label:
        return t("watch.empty_other_status", locale, name=who, status=label)
    return t("watch.empty_other", locale, name=who)

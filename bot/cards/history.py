"""Cards of /import: the preview (what matched, what TMDB adds, what is skipped and why, how scores and
statuses map), the progress line and the result. Titles from the file are made inert and clipped."""

from __future__ import annotations

from collections import OrderedDict

import discord

from bot.cards.review import EN, FIELD_VALUE_LIMIT, TOTAL_LIMIT, clip, fit_total, new_card, safe
from bot.cards.watchlist import status_label
from bot.history.matching import Outcome, Plan
from bot.i18n.translator import t
from bot.models import WATCH_STATUSES

PREVIEW_COLOUR = discord.Colour(0x3B7DD8)
DONE_COLOUR = discord.Colour(0x2E9E5B)
NAME_LIMIT = 60  # one skipped title
SKIPPED_FIELDS = 6  # reasons shown, each one field
FORMATS = ("simkl", "trakt", "tvtime", "mdl", "dramabot")


def format_name(fmt: str, locale: str = EN) -> str:
    return t(f"import.format.{fmt}" if fmt in FORMATS else "import.format.other", locale)


def reason_label(reason: str, locale: str = EN) -> str:
    """A skip reason's label; a key this catalogue does not have reads as "other"."""
    try:
        return t(reason, locale)
    except KeyError:
        return t("import.skip_other", locale)


def _names(titles: list[str], locale: str, limit: int = FIELD_VALUE_LIMIT) -> str:
    """'A, B, C and 12 more' within `limit` characters."""
    shown: list[str] = []
    for n, title in enumerate(titles):
        more = t("import.and_more", locale, count=len(titles) - n)
        name = safe(clip(title or "?", NAME_LIMIT))
        if len(", ".join([*shown, name])) + len(more) + 2 > limit:
            return ", ".join(shown) + " " + more
        shown.append(name)
    return ", ".join(shown)


def preview_card(plan: Plan, *, replace: bool, locale: str = EN) -> discord.Embed:
    """The preview shown before anything is stored."""
    lines = [
        t("import.preview_file", locale, format=format_name(plan.format, locale), rows=f"{plan.rows:,}"),
        t("import.preview_matched", locale, count=f"{len(plan.matched):,}"),
        t("import.preview_new", locale, count=f"{len(plan.new):,}"),
        t("import.preview_skipped", locale, count=f"{len(plan.skipped):,}"),
    ]
    title = t("import.preview_title", locale, file=safe(clip(plan.filename, 100)))
    footer = t("import.preview_replace" if replace else "import.preview_keep", locale)
    embed = new_card(title, "\n".join(lines), PREVIEW_COLOUR, footer=footer)
    statuses = " · ".join(
        f"{status_label(s, locale)} {plan.statuses[s]:,}" for s in WATCH_STATUSES if plan.statuses.get(s)
    )
    mapping = [
        t("import.map_scores", locale, scored=f"{plan.scored:,}", episodes=f"{plan.episode_scores:,}"),
        t("import.map_statuses", locale, statuses=statuses or "—"),
        t("import.map_watched", locale, count=f"{plan.watched:,}"),
    ]
    embed.add_field(
        name=t("import.map_title", locale), value=clip("\n".join(mapping), FIELD_VALUE_LIMIT), inline=False
    )
    by_reason: OrderedDict[str, list[str]] = OrderedDict()
    for skipped in plan.skipped:
        by_reason.setdefault(reason_label(skipped.reason, locale), []).append(skipped.title)
    groups = list(by_reason.items())
    shown, rest = groups[:SKIPPED_FIELDS], groups[SKIPPED_FIELDS:]
    more = (t("import.skip_more", locale), f"{sum(len(v) for _, v in rest):,}") if rest else None
    room = TOTAL_LIMIT - len(embed) - (len(more[0]) + len(more[1]) if more else 0) - 50  # 50: the counts
    for label, titles in shown:
        name = f"{label} ({len(titles):,})"
        limit = min(FIELD_VALUE_LIMIT, room // len(shown) - len(name))
        embed.add_field(name=name, value=_names(titles, locale, limit), inline=False)
    if more:
        embed.add_field(name=more[0], value=more[1], inline=False)
    return fit_total(embed)


def progress_text(stage: str, done: int, total: int, filename: str, locale: str = EN) -> str:
    """'Matching against the catalogue and TMDB: 50/300' and the like."""
    return t(
        f"import.stage_{stage}", locale, file=safe(clip(filename, 100)), done=f"{done:,}", total=f"{total:,}"
    )


def result_card(plan: Plan, outcome: Outcome, *, locale: str = EN) -> discord.Embed:
    """What the import stored."""
    done = outcome.applied
    lines = [
        t("import.done_scores", locale, count=f"{done.rated:,}", episodes=f"{done.episodes_rated:,}"),
        t("import.done_listed", locale, count=f"{done.listed:,}"),
        t("import.done_new", locale, count=f"{outcome.imported:,}"),
        t("import.done_kept", locale, count=f"{done.kept:,}"),
        t("import.done_unchanged", locale, count=f"{done.unchanged:,}"),
    ]
    if outcome.failed:
        names = _names([s.title for s in outcome.failed], locale)
        lines.append(t("import.done_failed", locale, count=f"{len(outcome.failed):,}", names=names))
    title = t("import.done_title", locale, file=safe(clip(plan.filename, 100)))
    return fit_total(new_card(title, "\n".join(lines), DONE_COLOUR))

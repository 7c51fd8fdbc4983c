"""/recommend's card (pure: the recommendations and a locale in, a discord.Embed out)."""

from __future__ import annotations

import discord

from bot.cards.community import COMMUNITY_COLOUR, drama_label
from bot.cards.review import EN, clip, fit_total, new_card, number, ratings_count, safe, stars
from bot.i18n.translator import t
from bot.recommend.answer import CHART, MIN_SCORES, RATED, Entry, Recommendations

REASON_TITLE_LIMIT = 40  # a drama named in a reason: short, so ten lines stay readable


def reason(entry: Entry, recs: Recommendations, locale: str = EN) -> str:
    """Why this drama: the member's own scores, the community's taste, or the scope's chart; no member named."""
    if entry.reason == RATED:
        named = [
            t("recommend.rated_one", locale, title=_title(d, recs), score=f"{s:g}") for d, s in entry.because
        ]
        if len(named) == 1:
            return t("recommend.because_one", locale, first=named[0])
        return t("recommend.because_two", locale, first=named[0], second=named[1])
    if entry.reason == CHART:
        fields = {"stars": stars(entry.average), "average": number(round(entry.average or 0, 2)),
                  "ratings": ratings_count(entry.count or 0, locale)}  # fmt: skip
        return t("recommend.chart_server" if recs.server else "recommend.chart_everyone", locale, **fields)
    return t("recommend.taste", locale)


def _title(drama_id: int, recs: Recommendations) -> str:
    drama = recs.dramas.get(drama_id)
    return safe(clip(drama.title, REASON_TITLE_LIMIT)) if drama is not None else "—"


def recommend_card(
    recs: Recommendations, name: str, *, filters: list[str], locale: str = EN
) -> discord.Embed:
    """Ten numbered dramas with their reasons; the filters; why the chart when the member rated too few."""
    lines = []
    if recs.fallback:
        lines.append(t("recommend.fallback", locale, scores=recs.scores, minimum=MIN_SCORES))
        lines.append("")
    if filters:
        lines.append(t("top.filters", locale, filters=" · ".join(safe(f) for f in filters)))
        lines.append("")
    for i, entry in enumerate(recs.entries, start=1):
        label = drama_label(recs.dramas.get(entry.drama_id))
        lines.append(f"**{i}.** {label} · {reason(entry, recs, locale)}")
    who = safe(clip(name, 60))
    title = t("recommend.title_server" if recs.server else "recommend.title", locale, name=who)
    footer = t("recommend.footer", locale)
    return fit_total(new_card(title, "\n".join(lines), COMMUNITY_COLOUR, footer=footer))

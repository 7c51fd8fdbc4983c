"""Cards of /top, /match and /profile (pure: dataclasses and a locale in, discord.Embed out)."""

from __future__ import annotations

import discord

from bot.cards import EN, clip, number, ratings_count, safe, stars
from bot.i18n import t
from bot.models import Drama
from bot.ranking import Chart, Page, Ranked

CHART_COLOUR = discord.Colour(0xD8893B)
TITLE_LIMIT = 80


def drama_label(drama: Drama | None) -> str:
    if drama is None:
        return "—"
    title = safe(clip(drama.title, TITLE_LIMIT))
    return f"{title} ({drama.year})" if drama.year else title


def top_card(
    chart: Chart,
    page: Page[Ranked],
    dramas: dict[int, Drama],
    *,
    server: bool,
    filters: list[str],
    locale: str = EN,
) -> discord.Embed:
    """One page of the /top chart: rank, drama, Bayesian score, average and count; how it is ranked."""
    lines = []
    if filters:
        lines.append(t("top.filters", locale, filters=" · ".join(safe(f) for f in filters)))
        lines.append("")
    for row in page.items:
        lines.append(
            t(
                "top.line", locale,
                rank=row.rank, title=drama_label(dramas.get(row.drama_id)), stars=stars(row.score),
                score=f"{row.score:.2f}", average=number(round(row.average, 2)), ratings=ratings_count(row.count, locale),
            )
        )  # fmt: skip
    lines.append("")
    mean = f"{chart.scope_mean:.2f}" if chart.scope_mean is not None else "—"
    lines.append(t("top.how", locale, mean=mean, prior=f"{chart.prior_weight:g}", minimum=chart.min_ratings))
    if chart.unranked:
        lines.append(t("top.unranked", locale, count=f"{chart.unranked:,}", minimum=chart.min_ratings))
    embed = discord.Embed(
        title=t("top.title_server" if server else "top.title_everyone", locale),
        description=clip("\n".join(lines), 4096),
        colour=CHART_COLOUR,
    )
    embed.set_footer(
        text=t("top.footer", locale, page=page.number, pages=page.pages, total=f"{page.total:,}")
    )
    return embed

"""Cards of /top, /match and /profile (pure: dataclasses and a locale in, discord.Embed out)."""

from __future__ import annotations

import discord

from bot.cards.review import EN, clip, new_card, number, ratings_count, safe, stars
from bot.community.ranking import Page, Ranked, Ranking
from bot.community.taste import TasteMatch
from bot.i18n.translator import t
from bot.models import WATCH_STATUSES, Drama, ProfileData
from bot.pictures.charts import Histogram, histogram_alt

COMMUNITY_COLOUR = discord.Colour(0xD8893B)
TITLE_LIMIT = 80


def drama_label(drama: Drama | None) -> str:
    if drama is None:
        return "—"
    title = safe(clip(drama.title, TITLE_LIMIT))
    return f"{title} ({drama.year})" if drama.year else title


def top_card(
    ranking: Ranking, page: Page[Ranked], dramas: dict[int, Drama], *, server: bool, filters: list[str],
    locale: str = EN,
) -> discord.Embed:  # fmt: skip
    """One page of the /top ranking: rank, drama, Bayesian score, average and count; how it is ranked."""
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
    mean = f"{ranking.scope_mean:.2f}" if ranking.scope_mean is not None else "—"
    minimum = ranking.min_ratings
    lines.append(t("top.how", locale, mean=mean, prior=f"{ranking.prior_weight:g}", minimum=minimum))
    if ranking.unranked:
        lines.append(t("top.unranked", locale, count=f"{ranking.unranked:,}", minimum=minimum))
    title = t("top.title_server" if server else "top.title_everyone", locale)
    footer = t("top.footer", locale, page=page.number, pages=page.pages, total=f"{page.total:,}")
    return new_card(title, "\n".join(lines), COMMUNITY_COLOUR, footer=footer)


def _score(value: float) -> str:
    return f"{stars(value)} {value:g}"


def match_card(
    result: TasteMatch, titles: dict[int, str], you: str, them: str, *, locale: str = EN
) -> discord.Embed:
    """/match's card: the percentage, the shared count, where the two agree and differ most."""
    you, them = safe(clip(you, 60)), safe(clip(them, 60))
    score = t("match.score", locale, percentage=f"{result.percentage:g}", shared=f"{result.shared:,}")
    title = t("match.title", locale, you=you, them=them)
    embed = new_card(title, score, COMMUNITY_COLOUR, footer=t("match.footer", locale))

    def lines(items) -> str:  # noqa: ANN001
        return "\n".join(
            t(
                "match.line", locale, title=safe(clip(titles.get(s.drama_id, "—"), TITLE_LIMIT)),
                yours=_score(s.score_a), them=them, theirs=_score(s.score_b),
            )
            for s in items
        )[:1024]  # fmt: skip

    if result.agree:
        embed.add_field(name=t("match.agree", locale), value=lines(result.agree), inline=False)
    if result.differ:
        embed.add_field(name=t("match.differ", locale), value=lines(result.differ), inline=False)
    return embed


def histogram_bar(counts: tuple[int, ...]) -> str:
    """The distribution in text, for the card without its picture: '0.5 ▏1 · 1 ▏0 · ...'."""
    return " · ".join(f"{(i + 1) / 2:g}: {n}" for i, n in enumerate(counts))


def profile_alt(counts: tuple[int, ...], locale: str = EN) -> str:
    """The histogram's alt text in the locale's language."""
    return histogram_alt(Histogram(counts), locale)


def profile_card(data: ProfileData, name: str, *, locale: str = EN) -> discord.Embed:
    """/profile's card (the histogram, when rendered, is attached as its image by the cog)."""
    embed = discord.Embed(
        title=clip(t("profile.title", locale, name=safe(clip(name, 60))), 256), colour=COMMUNITY_COLOUR
    )
    listed = [
        f"{t(f'watch.status.{s}', locale)}: {data.statuses[s]}" for s in WATCH_STATUSES if data.statuses[s]
    ]
    lists = " · ".join(listed) or t("profile.list_empty", locale)
    embed.add_field(name=t("profile.lists", locale), value=lists, inline=False)
    value = t("profile.none", locale)
    if data.ratings:
        count, mean = ratings_count(data.ratings, locale), number(round(data.mean, 2))
        value = t("profile.ratings_value", locale, ratings=count, mean=mean)
    embed.add_field(name=t("profile.ratings", locale), value=value, inline=True)
    genres = ", ".join(f"{safe(g)} ({n})" for g, n in data.genres)
    embed.add_field(
        name=t("profile.genres", locale), value=clip(genres, 1024) or t("profile.none", locale), inline=True
    )
    embed.add_field(name=t("profile.distribution", locale), value=histogram_bar(data.histogram), inline=False)
    recent = "\n".join(f"{safe(clip(r.title, TITLE_LIMIT))} · {_score(r.score)}" for r in data.recent)
    embed.add_field(name=t("profile.recent", locale), value=recent or t("profile.none", locale), inline=False)
    return embed

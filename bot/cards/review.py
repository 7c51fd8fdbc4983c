"""Cards: pure functions from store dataclasses to `discord.Embed`, inside Discord's embed limits
for any drama the store can hold (texts clipped, the episode guide paged)."""

from __future__ import annotations

import io
import math
import re
import textwrap
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache

import discord
from discord.utils import escape_markdown, escape_mentions

from bot.catalogue import regions
from bot.catalogue.links import safe_link
from bot.i18n.messages import plural, t
from bot.models import Availability, Drama, RateResult, ReviewData, ScoreSummary, WatchCounts
from bot.pictures.charts import Picture

TITLE_LIMIT = 256
DESCRIPTION_LIMIT = 4096
FIELD_NAME_LIMIT = 256
FIELD_VALUE_LIMIT = 1024
FOOTER_LIMIT = 2048
FIELDS_LIMIT = 25
TOTAL_LIMIT = 6000

BOT_NAME = "dramabot"  # a name: the same in every language
EPISODES_PER_PAGE = 12
SYNOPSIS_LIMIT = 1200  # a card, not the whole story
VERDICT_LIMIT = 600
DASH = "—"
EN = "en"  # every card takes the interaction's locale ("ko" for Korean); English is the fallback
NO_CRITIC = t("card.no_critic")
DATA_CREDITS = t("card.data_credits")

KIND_LABELS = {kind: t(f"kind.{kind}") for kind in ("subscription", "free", "ads", "rent", "buy")}


def kind_label(kind: str, locale: str = EN) -> str:
    """'subscription', '구독': how a service offers the drama (an unknown kind as it is)."""
    return t(f"kind.{kind}", locale) if kind in KIND_LABELS else kind


def clip(text: str, limit: int) -> str:
    """`text` cut to at most `limit` characters, ending in an ellipsis when cut."""
    if len(text) <= limit:
        return text
    return text[: max(0, limit - 1)].rstrip() + "…"


@lru_cache(maxsize=8192)
def safe(text: str) -> str:
    """Text from a member or a curator, made inert: no markdown, no mentions (cached: titles repeat)."""
    return escape_mentions(escape_markdown(text))


# `<@1>`, `<@!1>`, `<@&1>`, `<#1>`, `</cmd:1>`, `<t:1:R>`, `<a:x:1>`, `<:x:1>`: Discord markup in text.
_MARKUP = re.compile(r"<(?=[@#/:]|t:|a:)")


def inert(text: str) -> str:
    """Curator or TMDB text made inert: no markdown, no mentions, no Discord `<…>` markup."""
    return _MARKUP.sub("<\u200b", safe(text))


def stars(score: float | None) -> str:
    """★★★★½ for 4.5; rounded to the nearest half star; empty stars to five."""
    if score is None or math.isnan(score):
        return ""
    return _STARS[max(0, min(10, math.floor(score * 2 + 0.5)))]


_STARS = tuple(
    "★" * full + ("½" if half else "") + "☆" * (5 - full - half)
    for full, half in (divmod(halves, 2) for halves in range(11))
)


def number(value: float) -> str:
    """4.0, 4.5, 3.75: at most two decimals, at least one."""
    text = f"{value:.2f}"
    return text[:-1] if text.endswith("0") else text


def critic(score: float) -> str:
    return f"{score:g}/5"


def ratings_count(n: int, locale: str = EN) -> str:
    return t(plural(n, "card.ratings_one", "card.ratings"), locale, count=f"{n:,}")


def community(summary: ScoreSummary, locale: str = EN) -> str:
    """'★★★★½ 4.4 (12 ratings)', or a dash when nobody has rated yet."""
    if not summary.count:
        return f"{DASH} ({t('card.no_ratings', locale)})"
    avg = summary.average
    return f"{stars(avg)} {number(avg)} ({ratings_count(summary.count, locale)})"


def colour_for(score: float | None) -> discord.Colour:
    """Colour by score band, so a feed of cards reads at a glance."""
    if score is None:
        return discord.Colour.light_grey()
    bands = ((4.5, discord.Colour.gold), (4.0, discord.Colour.green), (3.0, discord.Colour.blue),
             (2.0, discord.Colour.orange))  # fmt: skip
    return next((colour() for floor, colour in bands if score >= floor), discord.Colour.red())


def headline_score(drama: Drama, everyone: ScoreSummary) -> float | None:
    """The score a card is coloured by: everyone's once a few members rated, else the critic's."""
    if everyone.count >= 3:
        return everyone.average
    return drama.critic_score if drama.critic_score is not None else everyone.average


def has_critic_review(drama: Drama) -> bool:
    return drama.critic_score is not None or bool(drama.critic_summary or drama.critic_verdict)


def critic_text(drama: Drama, separator: str, locale: str = EN) -> str:
    """The critic's score and summary, or the invitation to rate when there is no review."""
    if not has_critic_review(drama):
        return t("card.no_critic", locale)
    value = f"{stars(drama.critic_score)} {critic(drama.critic_score)}" if drama.critic_score is not None else DASH
    if drama.critic_summary:
        value += f"{separator}“{clip(drama.critic_summary, 100)}”"
    return value


def display_title(drama: Drama) -> str:
    title = drama.title
    if drama.native_title and drama.native_title != drama.title:
        title = f"{title}  ·  {drama.native_title}"
    return clip(title, TITLE_LIMIT)


def facts_line(drama: Drama, locale: str = EN) -> str:
    parts = []
    if drama.year:
        parts.append(str(drama.year))
    if drama.country:
        parts.append(regions.name_for(drama.country))
    if drama.network:
        parts.append(drama.network)
    parts.append(t(plural(drama.episode_count, "card.episodes_one", "card.episodes"), locale, count=drama.episode_count))
    if drama.genres:
        parts.append(", ".join(drama.genres))
    return " · ".join(parts)


def region_list(codes: tuple[str, ...], *, limit: int = 12, locale: str = EN) -> str:
    if not codes:
        return t("card.select_regions", locale)
    shown = ", ".join(regions.name_for(c) for c in codes[:limit])
    more = len(codes) - min(len(codes), limit)
    return t("card.and_more", locale, listing=shown, more=more) if more > 0 else shown


def checked(av: Availability, locale: str = EN) -> str:
    if av.checked_on:
        return t("card.checked", locale, date=av.checked_on.isoformat())
    return t("card.not_checked", locale)


def service_line(
    av: Availability, *, with_link: bool = True, region_limit: int | None = 12, locale: str = EN
) -> str:
    """'[Netflix](url) (subscription) · Korea, Japan · checked …'; region_limit None: no regions."""
    name = inert(clip(av.service, 100))
    if with_link and safe_link(av.url):
        name = f"[{name}]({av.url})"
    parts = [f"{name} ({kind_label(av.kind, locale)})", checked(av, locale)]
    if region_limit is not None:
        parts.insert(1, region_list(av.regions, limit=region_limit, locale=locale))
    return " · ".join(parts)


def where_summary(availability: tuple[Availability, ...], locale: str = EN) -> str:
    """One line (or a few) for the review card."""
    if not availability:
        return t("card.no_streaming", locale)
    lines = [service_line(av, with_link=False, region_limit=4, locale=locale) for av in availability[:3]]
    if len(availability) > 3:
        lines.append(t("card.more_services", locale, more=len(availability) - 3))
    return clip("\n".join(lines), FIELD_VALUE_LIMIT)


def new_card(
    title: str, text: str, colour: discord.Colour, *, poster: str | None = None, footer: str | None = None
) -> discord.Embed:
    """An embed with its title, description and footer clipped to Discord's limits, and `poster` as its
    thumbnail when it is a safe link (one stored before the links rule held is left out, never sent)."""
    title, text = clip(title, TITLE_LIMIT), clip(text, DESCRIPTION_LIMIT)
    embed = discord.Embed(title=title, description=text, colour=colour)
    if safe_link(poster):
        embed.set_thumbnail(url=poster)
    if footer:
        embed.set_footer(text=clip(footer, FOOTER_LIMIT))
    return embed


def fit_total(embed: discord.Embed) -> discord.Embed:
    """Last guard: trim the description until the whole embed is within 6000 characters."""
    over = len(embed) - TOTAL_LIMIT
    if over > 0 and embed.description:
        embed.description = clip(embed.description, max(1, len(embed.description) - over))
    return embed


@dataclass(frozen=True, slots=True)
class PagedCard:
    """A card of a paged answer (/review's episode guide, /schedule)."""

    embed: discord.Embed
    page: int  # 0-based, clamped to the pages that exist
    pages: int


def episode_pages(episode_count: int) -> int:
    return max(1, math.ceil(episode_count / EPISODES_PER_PAGE))


def _guide_rows(data: ReviewData, first: int, last: int, locale: str) -> list[tuple[str, str | None, str]]:
    """(label, episode title, scores) for the guide's episodes `first` to `last`."""
    by_number = {e.number: e for e in data.episodes}
    member_scores = data.scores.server_episodes if data.in_guild else data.scores.everyone_episodes
    with_critic = any(e.critic_score is not None for e in data.episodes)
    episode_label, members_score = t("card.episode", locale), t("card.members_score", locale)
    rows = []
    for n in range(first, last + 1):
        ep = by_number.get(n)
        score = ep.critic_score if ep else None
        critic_part = (f"{critic(score)} {stars(score)}" if score is not None else DASH) + " · "
        members = member_scores.get(n)
        member_part = f"{number(members.average)} ({members.count:,})" if members else DASH
        tail = f"{critic_part if with_critic else ''}{members_score.format(score=member_part)}"
        rows.append((episode_label.format(number=n), ep.title if ep else None, tail))
    return rows


def episode_guide(data: ReviewData, page: int, locale: str = EN) -> tuple[str, str]:
    """(field name, field value) for one page of the episode guide."""
    span = data.episode_span
    first = page * EPISODES_PER_PAGE + 1
    last = min(span, first + EPISODES_PER_PAGE - 1)
    with_critic = any(e.critic_score is not None for e in data.episodes)
    parts = _guide_rows(data, first, last, locale)

    def lines(title_room: int) -> list[str]:
        out = []
        for label, title, tail in parts:
            if title and title_room:
                label += f" · {escape_markdown(clip(title, title_room))}"
            out.append(f"**{label}** — {tail}")
        return out

    # Every episode of the page must show: shorten episode titles, then drop them, to fit.
    for title_room in (40, 20, 0):
        value = "\n".join(lines(title_room))
        if len(value) <= FIELD_VALUE_LIMIT:
            break
    who = t("card.guide_server" if data.in_guild else "card.guide_members", locale)
    name = t("card.guide", locale)
    if first > 1 or last < span:
        name += " " + t("card.guide_range", locale, first=first, last=last, count=span)
    name += (" · " + t("card.guide_critic", locale) if with_critic else "") + f" · {who}"
    return clip(name, FIELD_NAME_LIMIT), clip(value, FIELD_VALUE_LIMIT)


def review_card(data: ReviewData, page: int = 0, *, locale: str = EN) -> PagedCard:
    drama = data.drama
    pages = episode_pages(data.episode_span)
    page = max(0, min(page, pages - 1))
    scores = data.scores

    description = facts_line(drama, locale)
    here = here_line(data.watching, locale)
    if here:
        description += "\n" + here
    if drama.synopsis:
        description += "\n\n" + clip(drama.synopsis, SYNOPSIS_LIMIT)
    colour = colour_for(headline_score(drama, scores.everyone))
    embed = new_card(display_title(drama), description, colour, poster=drama.poster_url)

    reviewed = has_critic_review(drama)
    critic_label = t("card.critic", locale)
    if reviewed:
        embed.add_field(name=critic_label, value=critic_text(drama, "\n", locale), inline=True)
    if data.in_guild:  # without a critic review, the community scores lead the card
        embed.add_field(name=t("card.this_server", locale), value=community(scores.server, locale), inline=True)
    embed.add_field(name=t("card.everyone", locale), value=community(scores.everyone, locale), inline=True)
    if not reviewed:
        embed.add_field(name=critic_label, value=t("card.no_critic", locale), inline=True)
    if drama.critic_verdict:
        embed.add_field(name=t("card.verdict", locale), value=clip(drama.critic_verdict, VERDICT_LIMIT), inline=False)
    guide_name, guide_value = episode_guide(data, page, locale)
    embed.add_field(name=guide_name, value=guide_value, inline=False)
    embed.add_field(
        name=t("card.where_to_watch", locale), value=where_summary(data.availability, locale), inline=False
    )
    footer = t("card.footer_hint", locale)
    if pages > 1:
        footer += " · " + t("card.page", locale, page=page + 1, pages=pages)
    embed.set_footer(text=footer)
    return PagedCard(fit_total(embed), page, pages)


def here_line(counts: WatchCounts | None, locale: str = EN) -> str | None:
    """'Here: 3 watching · 12 completed · 5 plan to watch' for a server's /review card, or None."""
    if counts is None or not (counts["watching"] or counts["completed"] or counts["plan"]):
        return None
    return t(
        "watch.here", locale,
        watching=f"{counts['watching']:,}", completed=f"{counts['completed']:,}", plan=f"{counts['plan']:,}",
    )  # fmt: skip


def with_picture(embed: discord.Embed, picture: Picture | None) -> list[discord.File]:
    """Show `picture` as the embed's image with its alt text; the files to send with the embed."""
    if picture is None:
        return []
    embed.set_image(url=f"attachment://{picture.filename}")
    return [discord.File(io.BytesIO(picture.png), filename=picture.filename, description=picture.alt)]


def rate_card(result: RateResult, *, locale: str = EN) -> discord.Embed:
    drama = result.drama
    what = f"**{escape_markdown(drama.title)}**"
    if result.episode is not None:
        what = t("card.rate_episode", locale, title=what, number=result.episode)
    score = f"{stars(result.score)} {number(result.score)}"
    if result.previous is None:
        headline = t("card.rated", locale, what=what, score=score)
    elif result.previous == result.score:
        headline = t("card.rated_same", locale, what=what, score=score)
    else:
        headline = t(
            "card.rated_updated", locale, what=what, old=number(result.previous), new=number(result.score),
            stars=stars(result.score),
        )  # fmt: skip
    lines = [headline, ""]
    if result.in_guild:
        lines.append(f"{t('card.this_server', locale)}: {community(result.server, locale)}")
    lines.append(f"{t('card.everyone', locale)}: {community(result.everyone, locale)}")
    embed = discord.Embed(description=clip("\n".join(lines), DESCRIPTION_LIMIT), colour=colour_for(result.score))
    embed.set_footer(text=t("card.rate_footer", locale))
    return embed


def where_by_region(availability: tuple[Availability, ...], locale: str = EN) -> list[str]:
    """Every region, grouped: regions with the very same services share one heading (largest groups
    first, then by name); entries whose regions are not known come last."""
    by_code: dict[str, list[int]] = {}
    for i, av in enumerate(availability):
        for code in av.regions:
            by_code.setdefault(code, []).append(i)
    groups: dict[tuple[int, ...], list[str]] = {}
    for code, offers in by_code.items():
        groups.setdefault(tuple(offers), []).append(code)
    ordered = sorted(
        groups.items(), key=lambda g: (-len(g[1]), sorted(regions.name_for(c) for c in g[1]))
    )
    lines: list[str] = []
    for offers, codes in ordered:
        names = tuple(sorted(codes, key=regions.name_for))
        lines.append(f"**{region_list(names, limit=20, locale=locale)}:**")
        lines += [service_line(availability[i], region_limit=None, locale=locale) for i in offers]
    unknown = [av for av in availability if not av.regions]
    if unknown:
        lines.append(t("card.where_unknown_regions", locale))
        lines += [service_line(av, region_limit=None, locale=locale) for av in unknown]
    return lines


def where_card(
    drama: Drama, availability: tuple[Availability, ...], region: regions.Region | None, *,
    source: str | None = None, notice: str | None = None, region_links: dict[str, str] | None = None,
    locale: str = EN,
) -> discord.Embed:  # fmt: skip
    """`source` replaces the footer (TMDB's attribution); `notice` is a line above the list;
    `region_links` a page per country listing every option there."""
    title = t("card.where_title", locale, title=drama.title)
    lines: list[str] = [notice] if notice else []
    if not availability:
        lines.append(t("card.where_none", locale))
    elif region is None:
        lines += where_by_region(availability, locale)
    else:
        here = [av for av in availability if region.code in av.regions]
        unknown = [av for av in availability if not av.regions]
        elsewhere = sorted({c for av in availability for c in av.regions if c != region.code})
        if here:
            lines.append(t("card.where_in", locale, region=region.label))
            lines += [service_line(av, locale=locale) for av in here]
        for av in unknown:
            not_known = t("card.where_region_unknown", locale, region=region.name)
            lines.append(f"{service_line(av, locale=locale)}\n-# {not_known}")
        if not here:
            missing = t("card.where_not_listed", locale, region=region.label)
            if elsewhere:
                listing = region_list(tuple(elsewhere), limit=20, locale=locale)
                missing += " " + t("card.where_available_in", locale, listing=listing)
            lines.insert(0, missing)
        elif elsewhere:
            listing = region_list(tuple(elsewhere), limit=20, locale=locale)
            lines.append(t("card.where_also_in", locale, listing=listing))
        link = safe_link((region_links or {}).get(region.code))
        if link:
            lines.append(f"[{t('card.where_every_option', locale, region=region.name)}]({link})")
    footer = source or t("card.where_footer", locale)
    colour = discord.Colour.blurple()
    embed = new_card(title, "\n".join(lines), colour, poster=drama.poster_url, footer=footer)
    return fit_total(embed)


def live_footer(checked_at: datetime, stale: bool, locale: str = EN) -> str:
    """/where's footer for TMDB's data: the attribution, when it was checked, and whether it is stale."""
    when = checked_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    footer = t("card.live_source", locale, when=when)
    return footer + (" · " + t("card.live_stale", locale) if stale else "")


def live_notice(locale: str = EN) -> str:
    """The line above /where's list when TMDB has no data for it now."""
    return t("card.live_unavailable", locale)


def uptime_text(seconds: float, locale: str = EN) -> str:
    """3 d 4 h, 2 h 5 min, 4 min 10 s, 12 s."""
    s = max(0, int(seconds))
    days, s = divmod(s, 86400)
    hours, s = divmod(s, 3600)
    minutes, s = divmod(s, 60)
    if days:
        return t("uptime.days", locale, days=days, hours=hours)
    if hours:
        return t("uptime.hours", locale, hours=hours, minutes=minutes)
    if minutes:
        return t("uptime.minutes", locale, minutes=minutes, seconds=s)
    return t("uptime.seconds", locale, seconds=s)


def about_card(
    version: str, uptime_seconds: float, latency_seconds: float | None, project_url: str | None,
    *, tmdb: bool = False, locale: str = EN,
) -> discord.Embed:
    """The bot's version, uptime, gateway latency, project link and data credits (TMDB's when set)."""
    latency = (
        t("card.latency_ms", locale, ms=f"{latency_seconds * 1000:.0f}")
        if latency_seconds is not None and math.isfinite(latency_seconds) and latency_seconds >= 0
        else t("card.not_measured", locale)
    )
    about, colour = t("card.about", locale), discord.Colour.blurple()
    embed = discord.Embed(title=BOT_NAME, description=about, url=project_url or None, colour=colour)
    embed.add_field(name=t("card.version", locale), value=clip(version, 100), inline=True)
    embed.add_field(name=t("card.uptime", locale), value=uptime_text(uptime_seconds, locale), inline=True)
    embed.add_field(name=t("card.latency", locale), value=latency, inline=True)
    if project_url:
        embed.add_field(name=t("card.project", locale), value=clip(project_url, FIELD_VALUE_LIMIT), inline=False)
    credits = t("card.data_credits", locale) + ("\n" + t("card.tmdb_notice", locale) if tmdb else "")
    embed.add_field(name=t("card.data", locale), value=credits, inline=False)
    return embed


def review_text(data: ReviewData, width: int = 78) -> str:
    """The /review card as plain text, the whole episode guide at once: `python -m bot catalogue show`."""
    drama, scores = data.drama, data.scores
    title = display_title(drama)
    lines = [title, "=" * min(width, len(title)), facts_line(drama)]
    if drama.synopsis:
        lines += ["", *textwrap.wrap(clip(drama.synopsis, SYNOPSIS_LIMIT), width)]
    lines.append("")
    reviewed = has_critic_review(drama)
    if reviewed:
        lines.append(f"Critic:       {critic_text(drama, '  ')}")
    if data.in_guild:
        lines.append(f"This server:  {community(scores.server)}")
    lines.append(f"Everyone:     {community(scores.everyone)}")
    if not reviewed:
        lines.append(f"Critic:       {NO_CRITIC}")
    if drama.critic_verdict:
        lines += ["", "Verdict:", *textwrap.wrap(clip(drama.critic_verdict, VERDICT_LIMIT), width)]
    with_critic = any(e.critic_score is not None for e in data.episodes)
    lines += ["", f"Episode guide{' · critic' if with_critic else ''} · {'this server' if data.in_guild else 'members'}"]
    for label, title, tail in _guide_rows(data, 1, data.episode_span, EN):
        lines.append(f"  {label}{f' · {clip(title, 40)}' if title else ''} — {tail}")
    lines += ["", "Where to watch:"]
    if not data.availability:
        lines.append("  No streaming information yet.")
    for av in data.availability:
        kind = KIND_LABELS.get(av.kind, av.kind)
        line = f"  {av.service} ({kind}) · {region_list(av.regions)} · {checked(av)}"
        lines.append(line + (f"\n    {av.url}" if av.url else ""))
    if drama.poster_url:
        lines += ["", f"Poster: {drama.poster_url}"]
    return "\n".join(lines) + "\n"

"""Cards for airing dramas: announcements, the catch-up digest, /schedule and /remind's message.

Inside Discord's limits for any input. Titles come from curators and TMDB, so they are made inert (no
markdown, mentions or `<…>` markup), and no card carries episode titles or notes (no spoilers). Times
are Discord timestamps, shown in each member's own time zone.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo

import discord
from discord.utils import format_dt

from bot.cards.review import EN, TITLE_LIMIT, PagedCard, clip, fit_total, inert, new_card, service_line
from bot.catalogue import regions
from bot.i18n.messages import t
from bot.models import Availability, Drama

THREAD_NAME_LIMIT = 100
ANNOUNCE_COLOUR = discord.Colour.teal()
DIGEST_COLOUR = discord.Colour.dark_teal()
SCHEDULE_COLOUR = discord.Colour.blurple()
SERVICES_SHOWN = 4  # services listed on a card (the rest: /where)
SCHEDULE_PER_PAGE = 20  # entries per /schedule page: readable on a phone
BODY_ROOM = 3800  # of a digest's 4096 characters
SCHEDULE_ROOM = 3200  # for a schedule page's entries; its day headings fit in the rest

def when(at: datetime) -> str:
    """'<t:…:F> (<t:…:R>)': the full date and time and how long ago / until, in the reader's zone."""
    return f"{format_dt(at, 'F')} ({format_dt(at, 'R')})"


@dataclass(frozen=True, slots=True)
class AiringEpisode:
    """One episode of a drama and when it airs (UTC); no episode title or note: no spoilers."""

    drama: Drama
    number: int
    airs_at: datetime


def _add_where(embed: discord.Embed, availability, region: str | None, locale: str) -> None:
    """The "Where to watch in <region>" field, when a region is set."""
    where = watch_here(availability, region, locale)
    if where is not None:
        place = inert(regions.name_for(region or ""))
        embed.add_field(name=clip(t("card.airing.where_in", locale, region=place), 256), value=where, inline=False)


def watch_here(availability: Sequence[Availability], region: str | None, locale: str = EN) -> str | None:
    """The services in the server's region, or that none is listed; None without a region."""
    if not region:
        return None
    code = region.upper()
    here = [av for av in availability if code in av.regions]
    name = inert(regions.name_for(code))
    if not here:
        return clip(t("card.airing.where_not_listed", locale, region=name), 1024)
    lines = [service_line(av, region_limit=None, locale=locale) for av in here[:SERVICES_SHOWN]]
    if len(here) > SERVICES_SHOWN:
        lines.append(t("card.airing.where_more", locale, count=len(here) - SERVICES_SHOWN))
    return clip("\n".join(lines), 1024)


def episode_headline(episode: AiringEpisode, locale: str = EN) -> str:
    suffix = t("card.airing.episode_suffix", locale, number=episode.number)
    return clip(inert(clip(episode.drama.title, 200)), TITLE_LIMIT - len(suffix)) + suffix


def announcement_card(
    episode: AiringEpisode, availability: Sequence[Availability] = (), region: str | None = None,
    locale: str = EN,
) -> discord.Embed:  # fmt: skip
    """The post in a server's announcement channel when a followed drama's episode has aired."""
    drama = episode.drama
    last = bool(drama.episode_count and episode.number == drama.episode_count)
    lines = [
        t("card.airing.out_last" if last else "card.airing.out", locale, number=episode.number),
        t("card.airing.aired", locale, when=when(episode.airs_at)),
    ]
    headline, hint = episode_headline(episode, locale), t("card.airing.rate_hint", locale)
    embed = new_card(headline, "\n".join(lines), ANNOUNCE_COLOUR, poster=drama.poster_url, footer=hint)
    _add_where(embed, availability, region, locale)
    return fit_total(embed)


def thread_name(number: int, locale: str = EN) -> str:
    """The name of the spoiler thread opened under an announcement."""
    return clip(t("card.airing.thread", locale, number=number), THREAD_NAME_LIMIT)


def episode_ranges(numbers: Sequence[int], locale: str = EN) -> str:
    """'3', '3 and 5', '3–5', '1–2, 4 and 7–9'."""
    ordered = sorted(set(numbers))
    runs: list[str] = []
    start = prev = ordered[0]
    for n in [*ordered[1:], None]:
        if n is not None and n == prev + 1:
            prev = n
            continue
        runs.append(str(start) if start == prev else f"{start}–{prev}")
        if n is not None:
            start = prev = n
    return runs[0] if len(runs) == 1 else ", ".join(runs[:-1]) + t("card.airing.and", locale) + runs[-1]


def digest_card(episodes: Sequence[AiringEpisode], locale: str = EN) -> discord.Embed:
    """One post for all the episodes the bot missed while it was away, one line per drama."""
    by_drama: dict[int, list[AiringEpisode]] = {}
    for episode in sorted(episodes, key=lambda e: (e.airs_at, e.drama.id, e.number)):
        by_drama.setdefault(episode.drama.id, []).append(episode)
    lines: list[str] = []
    for group in by_drama.values():
        numbers = [e.number for e in group]
        key = "card.airing.digest_line_one" if len(set(numbers)) == 1 else "card.airing.digest_line"
        latest = max(e.airs_at for e in group)
        title = clip(inert(clip(group[0].drama.title, 120)), 120)
        lines.append(
            t(key, locale, title=title, ranges=episode_ranges(numbers, locale), ago=format_dt(latest, "R"))
        )
    body: list[str] = []
    for line in lines:
        if len("\n".join([*body, line])) > BODY_ROOM:
            body.append(t("card.airing.digest_more", locale, count=len(lines) - len(body)))
            break
        body.append(line)
    count = len({(e.drama.id, e.number) for e in episodes})
    title = t(
        "card.airing.digest_title_one" if count == 1 else "card.airing.digest_title", locale, count=count
    )
    embed = new_card(title, "\n".join(body), DIGEST_COLOUR, footer=t("card.airing.rate_hint", locale))
    return fit_total(embed)


_WEEKDAYS_KO = "월화수목금토일"


def day_heading(day: datetime, locale: str = EN) -> str:
    if locale == "ko":
        return f"{day.month}월 {day.day}일 ({_WEEKDAYS_KO[day.weekday()]})"
    return f"{day:%A} {day.day} {day:%B}"


def schedule_pages(count: int) -> int:
    return max(1, math.ceil(count / SCHEDULE_PER_PAGE))


def schedule_card(
    episodes: Sequence[AiringEpisode], *, days: int, scope: str = "all", page: int = 0, zone: tzinfo = UTC,
    locale: str = EN,
) -> PagedCard:  # fmt: skip
    """Episodes airing in the coming `days`, grouped by day in `zone`; `scope`: 'followed' or 'all'."""
    ordered = sorted(episodes, key=lambda e: (e.airs_at, e.drama.title.casefold(), e.number))
    pages = schedule_pages(len(ordered))
    page = max(0, min(page, pages - 1))
    chunk = ordered[page * SCHEDULE_PER_PAGE : (page + 1) * SCHEDULE_PER_PAGE]
    what = t("card.airing.followed" if scope == "followed" else "card.airing.all", locale)
    title = t("card.airing.schedule_title_one" if days == 1 else "card.airing.schedule_title", locale,
              days=days, what=what)  # fmt: skip
    lines: list[str] = []
    if not chunk:
        lines.append(
            t("card.airing.nothing_followed" if scope == "followed" else "card.airing.nothing", locale)
        )
    # Each entry gets its share of the page (day headings take the rest), so a page always fits whole.
    room = SCHEDULE_ROOM // max(1, len(chunk))
    heading = None
    for episode in chunk:
        day = day_heading(episode.airs_at.astimezone(zone), locale)
        if day != heading:
            heading = day
            lines.append(f"**{day}**")
        name = clip(inert(clip(episode.drama.title, 200)), max(10, room - 80))
        entry = t(
            "card.airing.schedule_entry", locale, name=name, number=episode.number, when=when(episode.airs_at)
        )
        lines.append(clip(entry, room))
    zone_name = getattr(zone, "key", None) or str(zone)
    footer = t("card.airing.schedule_footer", locale, zone=zone_name)
    if pages > 1:
        footer += t("card.airing.page", locale, page=page + 1, pages=pages)
    embed = new_card(title, "\n".join(lines), SCHEDULE_COLOUR, footer=footer)
    return PagedCard(fit_total(embed), page, pages)


def reminder_card(
    episode: AiringEpisode, availability: Sequence[Availability] = (), region: str | None = None,
    locale: str = EN,
) -> discord.Embed:  # fmt: skip
    """The direct message a member gets when an episode they asked to be reminded of has aired."""
    reminder = t("card.airing.reminder", locale, when=when(episode.airs_at))
    footer = t("card.airing.reminder_footer", locale)
    embed = new_card(episode_headline(episode, locale), reminder, ANNOUNCE_COLOUR, footer=footer)
    _add_where(embed, availability, region, locale)
    return fit_total(embed)

"""/pick's result: the winner's card, with where to watch it in the server's region."""

from __future__ import annotations

import discord

from bot.cards.review import TITLE_LIMIT, clip, fit_total, where_card
from bot.catalogue import regions
from bot.i18n.messages import t
from bot.models import Availability, Drama

EN = "en"


def winner_card(
    drama: Drama, votes: int, total: int, availability: tuple[Availability, ...], region: regions.Region | None,
    *, tied: bool = False, locale: str = EN,
) -> discord.Embed:  # fmt: skip
    """The drama the server picked: its votes, and where it streams (in `region` when the server set one)."""
    headline = t("pick.winner_votes", locale, votes=votes, total=total)
    if tied:
        headline += "\n" + t("pick.winner_tied", locale)
    embed = where_card(drama, availability, region, notice=headline, locale=locale)
    embed.title = clip(t("pick.winner_title", locale, title=drama.title), TITLE_LIMIT)
    embed.colour = discord.Colour.gold()
    return fit_total(embed)

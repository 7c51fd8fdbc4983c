"""The /server settings card: region, time zone, announcements, followed dramas and the curator role, each with
the command that changes it. Channels and roles are mentions: names that never ping inside an embed."""

from __future__ import annotations

import discord

from bot.cards.review import EN, clip, fit_total, inert
from bot.catalogue import regions
from bot.events import zones
from bot.i18n.messages import t
from bot.models import AnnounceSettings, GuildSettings

SETTINGS_COLOUR = discord.Colour.dark_grey()


def region_label(code: str) -> str:
    """'South Korea (KR)' for a stored code (the code alone when the region table does not know it)."""
    found = regions.lookup(code)
    return inert(found.label if found is not None else code)


def settings_card(
    settings: GuildSettings, announce: AnnounceSettings | None, followed: int, locale: str = EN
) -> discord.Embed:
    embed = discord.Embed(title=t("card.server.title", locale), colour=SETTINGS_COLOUR)
    region = region_label(settings.region) if settings.region else t("card.server.region_none", locale)
    embed.add_field(name=t("card.server.region", locale), value=clip(region, 1024), inline=False)
    if settings.timezone:
        zone = inert(settings.timezone)
    else:
        zone = t("card.server.timezone_default", locale, zone=zones.region_zone(settings.region))
    embed.add_field(name=t("card.server.timezone", locale), value=clip(zone, 1024), inline=False)
    if announce is None:
        where = t("card.server.announce_none", locale)
    else:
        where = f"<#{announce.channel_id}>"
        if announce.thread:
            where += t("card.server.announce_thread", locale)
        if announce.delay_hours:
            where += t("card.server.announce_delay", locale, hours=announce.delay_hours)
        if announce.paused_reason:
            where += t("card.server.announce_paused", locale, reason=inert(clip(announce.paused_reason, 200)))
    embed.add_field(name=t("card.server.announce", locale), value=where, inline=False)
    followed_text = t("card.server.followed_count", locale, count=followed)
    embed.add_field(name=t("card.server.followed", locale), value=followed_text, inline=False)
    role_id = settings.curator_role_id
    role = f"<@&{role_id}>" if role_id else t("card.server.curators_none", locale)
    embed.add_field(name=t("card.server.curators", locale), value=role, inline=False)
    embed.set_footer(text=t("card.server.footer", locale))
    return fit_total(embed)

"""A watch party's Discord scheduled event (name, location, description) and the follow-up after it:
pure functions within Discord's limits (name 1-100, location 1-100, description at most 1000)."""

from __future__ import annotations

from collections.abc import Sequence

from bot.cards.airing import watch_here
from bot.cards.review import EN, clip, kind_label
from bot.catalogue import regions
from bot.i18n.messages import t
from bot.models import Availability, Drama

NAME_LIMIT = 100  # Discord: a scheduled event's name, 1-100
LOCATION_LIMIT = 100  # Discord: entity_metadata.location, 1-100
DESCRIPTION_LIMIT = 1000  # Discord: a scheduled event's description


def _plain(text: str) -> str:
    """A title for an event's name or location (plain text there: no markdown is rendered)."""
    return " ".join(text.split())


def event_name(drama: Drama, episode: int | None, locale: str = EN) -> str:
    """'Goblin · Episode 3 watch party', the title clipped so the whole stays within 100 characters."""
    if episode is None:
        suffix = t("watchparty.name_suffix", locale)
    else:
        suffix = t("watchparty.name_episode_suffix", locale, episode=episode)
    title = clip(_plain(drama.title), max(1, NAME_LIMIT - len(suffix)))
    return clip(title + suffix, NAME_LIMIT)


def here(availability: Sequence[Availability], region: str | None) -> list[Availability]:
    """The services listed for `region` (all of them without a region)."""
    if not region:
        return list(availability)
    code = region.upper()
    return [av for av in availability if code in av.regions]


def event_location(availability: Sequence[Availability], region: str | None, locale: str = EN) -> str:
    """An external event's location: the services streaming it in the server's region ('Netflix
    (subscription)'), else anywhere, else a plain word that it is streamed."""
    found = here(availability, region) or list(availability)
    if not found:
        return clip(t("watchparty.location_unknown", locale), LOCATION_LIMIT)
    names = [f"{_plain(av.service)} ({kind_label(av.kind, locale)})" for av in found[:3]]
    return clip(", ".join(names), LOCATION_LIMIT)


def event_description(
    drama: Drama, episode: int | None, availability: Sequence[Availability], region: str | None,
    locale: str = EN,
) -> str:  # fmt: skip
    """What the event says: the drama, the episode, where to watch in the server's region (as the cards
    say it), and to rate it afterwards; at most 1000 characters."""
    if episode is None:
        lead = t("watchparty.description_drama", locale, title=drama.title, count=drama.episode_count)
    else:
        lead = t("watchparty.description_episode", locale, title=drama.title, episode=episode,
                 count=drama.episode_count)  # fmt: skip
    parts = [lead]
    where = watch_here(availability, region, locale) if region else None
    if where is not None:
        place = regions.name_for(region or "")
        parts.append(t("watchparty.description_where", locale, region=place) + "\n" + where)
    elif availability:
        names = ", ".join(_plain(av.service) for av in availability[:4])
        parts.append(t("watchparty.description_services", locale, services=names))
    parts.append(t("watchparty.description_rate", locale))
    return clip("\n\n".join(parts), DESCRIPTION_LIMIT)


def followup_text(title: str, episode: int | None, locale: str = EN) -> str:
    """The message after the party: "How was episode 3 of *Goblin*? Rate it with /rate"."""
    if episode is None:
        return t("watchparty.followup_drama", locale, title=title)
    return t("watchparty.followup", locale, title=title, episode=episode)


def event_link(guild_id: int, event_id: int) -> str:
    return f"https://discord.com/events/{guild_id}/{event_id}"

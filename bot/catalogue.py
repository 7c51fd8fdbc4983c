"""Catalogue files: parse and validate the JSON format, and load the bundled starter catalogue."""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from datetime import date
from importlib import resources
from typing import Any

from bot.models import AVAILABILITY_KINDS, Availability, Drama, Episode
from bot.store import Store

log = logging.getLogger(__name__)

FORMAT = "dramabot-catalogue/1"
STARTER_LOADED = "starter_catalogue_loaded"
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_REGION = re.compile(r"^[A-Z]{2}$")

LIMITS = {"title": 200, "native_title": 200, "alias": 200, "network": 100, "genre": 40,
          "synopsis": 3000, "summary": 100, "verdict": 1000, "service": 80, "url": 500,
          "episode_title": 200, "episode_note": 300}  # fmt: skip
MAX_EPISODES = 500


class CatalogueError(ValueError):
    """A problem in a catalogue file; the message names where (file, record, field)."""


@dataclass(frozen=True, slots=True)
class Entry:
    drama: Drama
    episodes: tuple[Episode, ...]
    availability: tuple[Availability, ...]


def _fail(where: str, field: str, problem: str) -> CatalogueError:
    return CatalogueError(f"{where}: field {field!r}: {problem}")


def _text(rec: dict, key: str, where: str, *, required=False, limit: int) -> str | None:
    value = rec.get(key)
    if value is None:
        if required:
            raise _fail(where, key, "is required")
        return None
    if not isinstance(value, str) or not value.strip():
        raise _fail(where, key, "must be non-empty text")
    if len(value) > limit:
        raise _fail(where, key, f"is {len(value)} characters, at most {limit}")
    return value.strip()


def _score(value: Any, where: str, key: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 5:
        raise _fail(where, key, "must be a number from 0 to 5")
    return float(value)


def parse_entry(rec: Any, where: str) -> Entry:
    if not isinstance(rec, dict):
        raise CatalogueError(f"{where}: must be an object")
    slug = rec.get("slug")
    if not isinstance(slug, str) or not _SLUG.match(slug) or len(slug) > 80:
        raise _fail(where, "slug", "must be lower-case letters, digits and single hyphens (at most 80)")
    where = f"{where} ({slug})"
    episode_count = rec.get("episode_count")
    if isinstance(episode_count, bool) or not isinstance(episode_count, int) or not 1 <= episode_count <= MAX_EPISODES:
        raise _fail(where, "episode_count", f"must be a whole number from 1 to {MAX_EPISODES}")
    year = rec.get("year")
    if year is not None and (isinstance(year, bool) or not isinstance(year, int) or not 1900 <= year <= 2100):
        raise _fail(where, "year", "must be a year from 1900 to 2100")
    country = rec.get("country")
    if country is not None and (not isinstance(country, str) or not _REGION.match(country)):
        raise _fail(where, "country", "must be an ISO 3166-1 alpha-2 code such as KR")
    aliases = rec.get("aliases", [])
    genres = rec.get("genres", [])
    for key, items, limit in (("aliases", aliases, LIMITS["alias"]), ("genres", genres, LIMITS["genre"])):
        if not isinstance(items, list) or not all(isinstance(i, str) and i.strip() for i in items):
            raise _fail(where, key, "must be a list of non-empty texts")
        if any(len(i) > limit for i in items):
            raise _fail(where, key, f"has an item over {limit} characters")
    critic = rec.get("critic") or {}
    if not isinstance(critic, dict):
        raise _fail(where, "critic", "must be an object")

    episodes = []
    raw_eps = rec.get("episodes", [])
    if not isinstance(raw_eps, list):
        raise _fail(where, "episodes", "must be a list")
    seen = set()
    for i, ep in enumerate(raw_eps):
        ew = f"{where} episode #{i + 1}"
        if not isinstance(ep, dict):
            raise CatalogueError(f"{ew}: must be an object")
        number = ep.get("number")
        if isinstance(number, bool) or not isinstance(number, int) or not 1 <= number <= episode_count:
            raise _fail(ew, "number", f"must be a whole number from 1 to episode_count ({episode_count})")
        if number in seen:
            raise _fail(ew, "number", f"episode {number} is listed twice")
        seen.add(number)
        episodes.append(Episode(
            number=number,
            critic_score=_score(ep.get("critic_score"), ew, "critic_score"),
            title=_text(ep, "title", ew, limit=LIMITS["episode_title"]),
            note=_text(ep, "note", ew, limit=LIMITS["episode_note"]),
        ))  # fmt: skip

    availability = []
    raw_av = rec.get("availability", [])
    if not isinstance(raw_av, list):
        raise _fail(where, "availability", "must be a list")
    for i, av in enumerate(raw_av):
        aw = f"{where} availability #{i + 1}"
        if not isinstance(av, dict):
            raise CatalogueError(f"{aw}: must be an object")
        kind = av.get("kind")
        if kind not in AVAILABILITY_KINDS:
            raise _fail(aw, "kind", f"must be one of {', '.join(AVAILABILITY_KINDS)}")
        regions = av.get("regions", [])
        if not isinstance(regions, list) or not all(isinstance(r, str) and _REGION.match(r) for r in regions):
            raise _fail(aw, "regions", "must be a list of ISO 3166-1 alpha-2 codes such as KR, or empty")
        url = _text(av, "url", aw, limit=LIMITS["url"])
        if url is not None and not url.startswith(("https://", "http://")):
            raise _fail(aw, "url", "must start with https://")
        checked = av.get("checked_on")
        try:
            checked_on = date.fromisoformat(checked) if checked is not None else None
        except (TypeError, ValueError):
            raise _fail(aw, "checked_on", "must be a date such as 2026-11-20, or null") from None
        availability.append(Availability(
            service=_text(av, "service", aw, required=True, limit=LIMITS["service"]),
            kind=kind, regions=tuple(dict.fromkeys(regions)), url=url, checked_on=checked_on,
        ))  # fmt: skip

    drama = Drama(
        id=0,
        slug=slug,
        title=_text(rec, "title", where, required=True, limit=LIMITS["title"]),
        native_title=_text(rec, "native_title", where, limit=LIMITS["native_title"]),
        aliases=tuple(a.strip() for a in aliases),
        country=country,
        year=year,
        episode_count=episode_count,
        network=_text(rec, "network", where, limit=LIMITS["network"]),
        genres=tuple(g.strip() for g in genres),
        synopsis=_text(rec, "synopsis", where, limit=LIMITS["synopsis"]),
        poster_url=_text(rec, "poster_url", where, limit=LIMITS["url"]),
        critic_score=_score(critic.get("score"), where, "critic.score"),
        critic_summary=_text(critic, "summary", f"{where} critic", limit=LIMITS["summary"]),
        critic_verdict=_text(critic, "verdict", f"{where} critic", limit=LIMITS["verdict"]),
    )
    return Entry(drama, tuple(episodes), tuple(availability))


def parse_catalogue(text: str, source: str) -> list[Entry]:
    """Parse a whole catalogue document; raises CatalogueError naming file, record and field."""
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CatalogueError(f"{source}: not valid JSON: {exc}") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT or not isinstance(doc.get("dramas"), list):
        raise CatalogueError(f'{source}: expected {{"format": "{FORMAT}", "dramas": [...]}}')
    entries = [parse_entry(rec, f"{source} record #{i + 1}") for i, rec in enumerate(doc["dramas"])]
    slugs = [e.drama.slug for e in entries]
    if len(set(slugs)) != len(slugs):
        dup = next(s for s in slugs if slugs.count(s) > 1)
        raise CatalogueError(f"{source}: slug {dup!r} appears more than once")
    return entries


def starter_entries() -> list[Entry]:
    text = resources.files("bot.data").joinpath("catalogue.json").read_text(encoding="utf-8")
    return parse_catalogue(text, "bot/data/catalogue.json")


async def load_starter_catalogue(store: Store) -> int:
    """On the first start with an empty database, load the bundled catalogue. Returns dramas added."""
    if await store.get_meta(STARTER_LOADED) is not None:
        return 0
    added = 0
    if (await store.stats()).dramas == 0:
        for entry in starter_entries():
            await store.upsert_drama(entry.drama, entry.episodes, entry.availability)
            added += 1
        log.info("loaded the starter catalogue: %d drama(s)", added)
    await store.set_meta(STARTER_LOADED, "1")
    return added

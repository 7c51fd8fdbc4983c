"""Catalogue files: parse and validate the JSON format, and load the bundled starter catalogue."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import logging
import re
import unicodedata
from dataclasses import dataclass, replace
from datetime import date, time
from importlib import resources
from typing import Any

from bot.catalogue.links import link_problem, safe_link
from bot.models import AVAILABILITY_KINDS, DRAMA_STATUSES, Availability, Drama, Episode
from bot.store import BUNDLE_DIGEST, Store

log = logging.getLogger(__name__)

FORMAT = "dramabot-catalogue/1"
STARTER_LOADED = "starter_catalogue_loaded"
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_REGION = re.compile(r"^[A-Z]{2}$")
_WIKIDATA = re.compile(r"^Q[1-9][0-9]{0,11}$")
_IMDB = re.compile(r"^tt[0-9]{7,10}$")

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


_AIR_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


def _air_date(value: Any, where: str) -> date | None:
    if value is None:
        return None
    try:
        if not isinstance(value, str) or len(value) != 10:
            raise ValueError
        return date.fromisoformat(value)
    except ValueError:
        raise _fail(where, "air_date", "must be a date such as 2024-03-09, or null") from None


def _air_time(value: Any, where: str) -> time | None:
    if value is None:
        return None
    if not isinstance(value, str) or not _AIR_TIME.match(value):
        raise _fail(where, "air_time", "must be a local time such as 21:10 (HH:MM, 24-hour), or null")
    return time.fromisoformat(value)


def _link(rec: dict, key: str, where: str) -> str | None:
    """An optional link (where to watch, a poster): bot.catalogue.links' rule, the same on every path."""
    value = rec.get(key)
    if value is None:
        return None
    problem = link_problem(value)
    if problem is not None:
        raise _fail(where, key, problem)
    return value


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
    tmdb_id = rec.get("tmdb_id")
    if tmdb_id is not None and (isinstance(tmdb_id, bool) or not isinstance(tmdb_id, int) or tmdb_id < 1):
        raise _fail(where, "tmdb_id", "must be a TMDB TV series id (a whole number), or null")
    wikidata_id = rec.get("wikidata_id")
    if wikidata_id is not None and (not isinstance(wikidata_id, str) or not _WIKIDATA.match(wikidata_id)):
        raise _fail(where, "wikidata_id", "must be a Wikidata id such as Q65258113, or null")
    imdb_id = rec.get("imdb_id")
    if imdb_id is not None and (not isinstance(imdb_id, str) or not _IMDB.match(imdb_id)):
        raise _fail(where, "imdb_id", "must be an IMDb title id such as tt10850932, or null")
    first_air = rec.get("first_air_date")
    try:
        first_air_date = date.fromisoformat(first_air) if first_air is not None else None
    except (TypeError, ValueError):
        raise _fail(where, "first_air_date", "must be a date such as 2019-12-14, or null") from None
    if first_air is not None and len(first_air) != 10:  # fromisoformat also takes 20191214
        raise _fail(where, "first_air_date", "must be a date such as 2019-12-14, or null")
    status = rec.get("status")
    if status is not None and status not in DRAMA_STATUSES:
        raise _fail(where, "status", f"must be one of {', '.join(DRAMA_STATUSES)}, or null")
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
            air_date=_air_date(ep.get("air_date"), ew),
            air_time=_air_time(ep.get("air_time"), ew),
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
        url = _link(av, "url", aw)
        checked = av.get("checked_on")
        try:
            checked_on = date.fromisoformat(checked) if checked is not None else None
        except (TypeError, ValueError):
            raise _fail(aw, "checked_on", "must be a date such as 2026-11-20, or null") from None
        service = _text(av, "service", aw, required=True, limit=LIMITS["service"])
        if any(a.service == service and a.kind == kind for a in availability):  # UNIQUE in the database
            raise _fail(aw, "service", f"{service!r} with kind {kind!r} is listed twice")
        availability.append(Availability(
            service=service,
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
        poster_url=_link(rec, "poster_url", where),
        critic_score=_score(critic.get("score"), where, "critic.score"),
        critic_summary=_text(critic, "summary", f"{where} critic", limit=LIMITS["summary"]),
        critic_verdict=_text(critic, "verdict", f"{where} critic", limit=LIMITS["verdict"]),
        tmdb_id=tmdb_id,
        wikidata_id=wikidata_id,
        imdb_id=imdb_id,
        first_air_date=first_air_date,
        status=status,
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
    _no_duplicates(entries, source)
    return entries


BUNDLE_OFF = "bundled_catalogue"  # meta key; "off": never load the bundle here (the bench's synthetic data)
LEGACY_BUNDLE = ("soundtrack-1-2022",)  # what dramabot bundled before it tracked bundled dramas (0004)


def _bundle_text() -> str:
    return resources.files("bot.data").joinpath("catalogue.json").read_text(encoding="utf-8")


def starter_entries() -> list[Entry]:
    return parse_catalogue(_bundle_text(), "bot/data/catalogue.json")


async def load_starter_catalogue(store: Store) -> int:
    """Bring the bundled catalogue into the database on start. Returns the number of dramas added.

    Cheap when this bundle was applied before (one meta read). Otherwise new bundled dramas are
    added and untouched ones updated, all in one transaction; dramas a curator or the CLI changed
    or removed are left as they are (see Bundle.apply).
    """
    if await store.get_meta(BUNDLE_OFF) == "off":
        return 0
    text = _bundle_text()
    digest = hashlib.sha256(text.encode()).hexdigest()
    if await store.get_meta(BUNDLE_DIGEST) == digest:
        return 0
    entries = parse_catalogue(text, "bot/data/catalogue.json")
    legacy = LEGACY_BUNDLE if await store.get_meta(STARTER_LOADED) is not None else ()
    outcome = await store.bundle.apply(
        [(e.drama, e.episodes, e.availability) for e in entries], digest, legacy
    )
    await store.set_meta(STARTER_LOADED, "1")
    if outcome.added or outcome.updated or outcome.kept:
        log.info(
            "bundled catalogue: %d drama(s) added, %d updated, %d kept as curators left them",
            outcome.added, outcome.updated, len(outcome.kept),
        )  # fmt: skip
    return outcome.added


# ---- CSV (the simple flat case) ------------------------------------------------------
CSV_COLUMNS = ("slug", "title", "native_title", "aliases", "country", "year", "episode_count", "network",
               "genres", "synopsis", "poster_url", "critic_score", "critic_summary", "critic_verdict",
               "tmdb_id", "wikidata_id", "imdb_id", "first_air_date", "status")  # fmt: skip
CSV_LIST_SEPARATOR = "|"


def _csv_number(value: str, where: str, key: str, kind: type) -> int | float | str:
    try:
        return kind(value)
    except ValueError:
        return value  # left as text: parse_entry names the field and the problem


def parse_csv(text: str, source: str) -> list[Entry]:
    """One drama per row, columns CSV_COLUMNS (a header row names them; extra columns are errors).

    `aliases` and `genres` hold several values separated by `|`. Empty cells mean "not set".
    Rows carry no episodes or availability: see `merge_kept`.
    """
    reader = csv.DictReader(io.StringIO(text))
    header = reader.fieldnames or []
    unknown = [c for c in header if c not in CSV_COLUMNS]
    if unknown:
        raise CatalogueError(f"{source}: unknown column(s) {', '.join(unknown)}; known: {', '.join(CSV_COLUMNS)}")
    for needed in ("slug", "title", "episode_count"):
        if needed not in header:
            raise CatalogueError(f"{source}: column {needed!r} is required")
    entries = []
    for i, row in enumerate(reader):
        where = f"{source} row #{i + 2}"  # row 1 is the header
        if None in row:
            raise CatalogueError(f"{where}: more cells than columns")
        cells = {k: (v or "").strip() for k, v in row.items()}
        rec: dict[str, Any] = {}
        for key in ("slug", "title", "native_title", "country", "network", "synopsis", "poster_url",
                    "wikidata_id", "imdb_id", "first_air_date", "status"):  # fmt: skip
            if cells.get(key):
                rec[key] = cells[key]
        for key in ("aliases", "genres"):
            if cells.get(key):
                rec[key] = [p.strip() for p in cells[key].split(CSV_LIST_SEPARATOR) if p.strip()]
        for key in ("year", "episode_count", "tmdb_id"):
            if cells.get(key):
                rec[key] = _csv_number(cells[key], where, key, int)
        critic: dict[str, Any] = {}
        if cells.get("critic_score"):
            critic["score"] = _csv_number(cells["critic_score"], where, "critic_score", float)
        for key in ("summary", "verdict"):
            if cells.get(f"critic_{key}"):
                critic[key] = cells[f"critic_{key}"]
        if critic:
            rec["critic"] = critic
        entries.append(parse_entry(rec, where))
    _no_duplicates(entries, source)
    return entries


def _no_duplicates(entries: list[Entry], source: str) -> None:
    slugs = [e.drama.slug for e in entries]
    if len(set(slugs)) != len(slugs):
        dup = next(s for s in slugs if slugs.count(s) > 1)
        raise CatalogueError(f"{source}: slug {dup!r} appears more than once")


def parse_file(path: str, text: str) -> tuple[list[Entry], bool]:
    """(entries, flat) for a catalogue file: CSV when it ends in .csv, JSON otherwise."""
    if path.lower().endswith(".csv"):
        return parse_csv(text, path), True
    return parse_catalogue(text, path), False


KEPT_WHEN_EMPTY = ("tmdb_id", "wikidata_id", "imdb_id", "first_air_date", "status")


async def merge_kept(store: Store, entries: list[Entry]) -> list[Entry]:
    """For flat (CSV) rows: keep each existing drama's episodes and availability, and its ids and
    airing facts where the row leaves them empty (a sheet without those columns unlinks nothing)."""
    merged = []
    for entry in entries:
        existing = await store.catalogue.by("slug", entry.drama.slug)
        if existing is None:
            merged.append(entry)
            continue
        kept = {k: getattr(existing, k) for k in KEPT_WHEN_EMPTY if getattr(entry.drama, k) is None}
        eps = tuple(
            e for e in await store.catalogue.episodes(existing.id) if e.number <= entry.drama.episode_count
        )
        merged.append(
            Entry(replace(entry.drama, **kept), eps, await store.catalogue.availability(existing.id))
        )
    return merged


# ---- export ----------------------------------------------------------------------------
def entry_record(drama: Drama, episodes: tuple[Episode, ...], availability: tuple[Availability, ...]) -> dict:
    """One drama as a catalogue record (the inverse of parse_entry); unset fields are left out, and so
    is a link stored before bot.catalogue.links' rule held (see `unsafe_links`), so the record validates again."""
    drama = replace(drama, poster_url=safe_link(drama.poster_url))
    availability = tuple(replace(a, url=safe_link(a.url)) for a in availability)
    rec: dict[str, Any] = {"slug": drama.slug, "title": drama.title}
    for key in ("native_title",):
        if getattr(drama, key) is not None:
            rec[key] = getattr(drama, key)
    if drama.aliases:
        rec["aliases"] = list(drama.aliases)
    for key in ("country", "year"):
        if getattr(drama, key) is not None:
            rec[key] = getattr(drama, key)
    rec["episode_count"] = drama.episode_count
    for key in ("network",):
        if getattr(drama, key) is not None:
            rec[key] = getattr(drama, key)
    if drama.genres:
        rec["genres"] = list(drama.genres)
    for key in ("synopsis", "poster_url", "tmdb_id", "wikidata_id", "imdb_id"):
        if getattr(drama, key) is not None:
            rec[key] = getattr(drama, key)
    if drama.first_air_date is not None:
        rec["first_air_date"] = drama.first_air_date.isoformat()
    if drama.status is not None:
        rec["status"] = drama.status
    critic = {k: v for k, v in (("score", drama.critic_score), ("summary", drama.critic_summary),
                                ("verdict", drama.critic_verdict)) if v is not None}  # fmt: skip
    if critic:
        rec["critic"] = critic
    if episodes:
        rec["episodes"] = [
            {k: v for k, v in (("number", e.number), ("critic_score", e.critic_score), ("title", e.title),
                               ("note", e.note),
                               ("air_date", e.air_date.isoformat() if e.air_date else None),
                               ("air_time", e.air_time.strftime("%H:%M") if e.air_time else None))
             if v is not None}  # fmt: skip
            for e in episodes
        ]
    if availability:
        rec["availability"] = [
            {"service": a.service, "kind": a.kind, "regions": list(a.regions), "url": a.url,
             "checked_on": a.checked_on.isoformat() if a.checked_on else None}  # fmt: skip
            for a in availability
        ]
    return rec


def unsafe_links(drama: Drama, availability: tuple[Availability, ...]) -> list[str]:
    """The stored links of a drama that bot.catalogue.links refuses (kept from before the rule), named by field."""
    found = [f"{drama.slug}: poster_url"] if drama.poster_url and not safe_link(drama.poster_url) else []
    for a in availability:
        if a.url and not safe_link(a.url):
            found.append(f"{drama.slug}: {a.service} ({a.kind}) url")
    return found


async def export_document(store: Store, dropped: list[str] | None = None) -> dict:
    """The whole catalogue (not ratings) as a catalogue document; links that are not safe are left out
    (and described in `dropped`, when given)."""
    entries = await store.catalogue.entries()
    if dropped is not None:
        dropped.extend(line for drama, _, availability in entries for line in unsafe_links(drama, availability))
    return {"format": FORMAT, "dramas": [entry_record(*e) for e in entries]}


def dump_document(doc: dict) -> str:
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


def slugify(title: str, year: int | None) -> str:
    """A slug from a title and year ("Goblin", 2016 -> "goblin-2016"); empty for non-Latin titles."""
    text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode().lower()
    slug = re.sub(r"[^a-z0-9]+", "-", text).strip("-")[:70].strip("-")
    if slug and year:
        slug = f"{slug}-{year}"
    return slug

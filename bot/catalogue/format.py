"""Catalogue files: the `dramabot-catalogue/1` format, checked against its JSON schema (bot/catalogue/
schema.json, the one source of its rules), CSV import, export, and the bundled starter catalogue."""

from __future__ import annotations

import copy
import csv
import hashlib
import io
import json
import logging
import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import date, time
from functools import cache
from importlib import resources
from typing import Any, NamedTuple

import fastjsonschema

from bot.catalogue import schema
from bot.catalogue.links import link_problem, safe_link
from bot.models import Availability, Drama, Episode
from bot.store import BUNDLE_DIGEST, Store

log = logging.getLogger(__name__)

FORMAT = "dramabot-catalogue/1"  # the schema's `format` constant (a test keeps them equal)
MAX_EPISODES = 500  # the schema's highest episode_count: command options need it at import (same test)
STARTER_LOADED = "starter_catalogue_loaded"
KINDS = {"string": "text", "integer": "a whole number", "number": "a number", "array": "a list",
         "object": "an object"}  # fmt: skip


class CatalogueError(ValueError):
    """A problem in a catalogue file; the message names where (file, record, field)."""


class Entry(NamedTuple):
    """One drama with its rows: the store's catalogue record."""

    drama: Drama
    episodes: tuple[Episode, ...]
    availability: tuple[Availability, ...]


@cache
def _validator() -> Callable[[Any], Any]:
    return fastjsonschema.compile(copy.deepcopy(schema()))  # on a copy: compiling rewrites its `$ref`s


@cache
def limits() -> dict[str, int]:
    """Each drama field's longest text or highest number in the schema, by dotted name ("title",
    "aliases", "critic.verdict", "episodes.title", "episode_count"): what TMDB clips to, what Discord caps."""

    def walk(node: dict, prefix: str) -> Iterator[tuple[str, int]]:
        for key, sub in node.get("properties", {}).items():
            sub = sub.get("items", sub)
            yield from ((prefix + key, sub[rule]) for rule in ("maxLength", "maximum") if rule in sub)
            yield from walk(sub, f"{prefix}{key}.")

    return dict(walk(schema()["$defs"]["drama"], ""))


def _problem(exc: fastjsonschema.JsonSchemaValueException) -> str:
    """What is wrong, said from the schema's rule for the field (a phrase to follow the field's name)."""
    node, value = exc.definition, exc.value
    if node == schema()["$defs"]["link"]:
        return link_problem(value) or "must be a safe link"
    if exc.rule == "maxLength":
        return f"is {len(value)} characters, at most {node['maxLength']}"
    if exc.rule == "enum":
        named = ", ".join(v for v in node["enum"] if v is not None)
        return f"must be one of {named}" + (", or null" if None in node["enum"] else "")
    if node.get("pattern") == r"\S":
        return "must be non-empty text"
    types = [node["type"]] if isinstance(node["type"], str) else node["type"]
    what = node.get("description") or KINDS[next(t for t in types if t != "null")]
    if "maximum" in node and "description" not in node:
        what += f" from {node.get('minimum', 0)} to {node['maximum']}"
    elif "minimum" in node and "description" not in node:
        what += f" of at least {node['minimum']}"
    return f"must be {what}" + (", or null" if "null" in types else "")


def _validate(doc: Any, source: str, where: Callable[[int], str]) -> None:
    """`doc` checked against the schema; a CatalogueError names the record, item and field at fault."""
    try:
        _validator()(doc)
    except fastjsonschema.JsonSchemaValueException as exc:
        if exc.path[1:2] != ["dramas"] or len(exc.path) < 3:
            raise CatalogueError(f'{source}: expected {{"format": "{FORMAT}", "dramas": [...]}}') from None
        rec, keys, place = doc["dramas"][int(exc.path[2])], exc.path[3:], where(int(exc.path[2]))
        if exc.rule == "required":
            keys = [*keys, next(k for k in exc.rule_definition if k not in exc.value)]
        if isinstance(rec, dict) and isinstance(rec.get("slug"), str) and keys[:1] != ["slug"]:
            place = f"{place} ({rec['slug']})"
        field = ""
        for i, key in enumerate(keys):
            if not key.isdigit():
                field = f"{field}.{key}" if field else key
            elif i + 1 < len(keys) or exc.definition.get("type") == "object":
                place, field = f"{place} {field.removesuffix('s')} #{int(key) + 1}", ""
        problem = "is required" if exc.rule == "required" else _problem(exc)
        raise (_fail(place, field, problem) if field else CatalogueError(f"{place}: {problem}")) from None


def _fail(where: str, field: str, problem: str) -> CatalogueError:
    return CatalogueError(f"{where}: field {field!r}: {problem}")


def _text(value: str | None) -> str | None:
    return value.strip() if value is not None else None


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value is not None else None


def _entry(rec: dict, where: str) -> Entry:
    """A record the schema accepted as an Entry, after the rules a schema cannot say (no repeats)."""
    where = f"{where} ({rec['slug']})"
    count = int(rec["episode_count"])
    episodes: list[Episode] = []
    for i, ep in enumerate(rec.get("episodes", [])):
        number = int(ep["number"])
        if number > count:
            raise _fail(f"{where} episode #{i + 1}", "number", f"must be from 1 to episode_count ({count})")
        if any(e.number == number for e in episodes):
            raise _fail(f"{where} episode #{i + 1}", "number", f"episode {number} is listed twice")
        score, air_time = ep.get("critic_score"), ep.get("air_time")
        episodes.append(Episode(
            number=number, critic_score=None if score is None else float(score), title=_text(ep.get("title")),
            note=_text(ep.get("note")), air_date=_day(ep.get("air_date")),
            air_time=time.fromisoformat(air_time) if air_time else None,
        ))  # fmt: skip
    availability: list[Availability] = []
    for i, av in enumerate(rec.get("availability", [])):
        service, kind = av["service"].strip(), av["kind"]
        if any(a.service == service and a.kind == kind for a in availability):  # UNIQUE in the database
            problem = f"{service!r} with kind {kind!r} is listed twice"
            raise _fail(f"{where} availability #{i + 1}", "service", problem)
        regions = tuple(dict.fromkeys(av.get("regions", [])))
        availability.append(Availability(service, kind, regions, av.get("url"), _day(av.get("checked_on"))))
    critic = rec.get("critic") or {}
    year, tmdb_id = rec.get("year"), rec.get("tmdb_id")
    drama = Drama(
        id=0, slug=rec["slug"], title=rec["title"].strip(), native_title=_text(rec.get("native_title")),
        aliases=tuple(a.strip() for a in rec.get("aliases", [])), country=rec.get("country"),
        year=None if year is None else int(year), episode_count=count, network=_text(rec.get("network")),
        genres=tuple(g.strip() for g in rec.get("genres", [])), synopsis=_text(rec.get("synopsis")),
        poster_url=rec.get("poster_url"),
        critic_score=None if critic.get("score") is None else float(critic["score"]),
        critic_summary=_text(critic.get("summary")), critic_verdict=_text(critic.get("verdict")),
        tmdb_id=None if tmdb_id is None else int(tmdb_id), wikidata_id=rec.get("wikidata_id"),
        imdb_id=rec.get("imdb_id"), first_air_date=_day(rec.get("first_air_date")), status=rec.get("status"),
    )  # fmt: skip
    return Entry(drama, tuple(episodes), tuple(availability))


def parse_entry(rec: Any, where: str) -> Entry:
    """One drama record (a dict) checked against the schema; CatalogueError naming `where` and the field."""
    _validate({"format": FORMAT, "dramas": [rec]}, where, lambda _: where)
    return _entry(rec, where)


def parse_catalogue(text: str, source: str) -> list[Entry]:
    """Parse a whole catalogue document; raises CatalogueError naming file, record and field."""
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CatalogueError(f"{source}: not valid JSON: {exc}") from None
    _validate(doc, source, lambda i: f"{source} record #{i + 1}")
    entries = [_entry(rec, f"{source} record #{i + 1}") for i, rec in enumerate(doc["dramas"])]
    _no_duplicates(entries, source)
    return entries


LEGACY_BUNDLE = ("soundtrack-1-2022",)  # what dramabot bundled before it tracked bundled dramas (0004)


def _bundle_text() -> str:
    return resources.files("bot.data").joinpath("catalogue.json").read_text(encoding="utf-8")


def starter_entries() -> list[Entry]:
    return parse_catalogue(_bundle_text(), "bot/data/catalogue.json")


async def load_starter_catalogue(store: Store) -> int:
    """Bring the bundled catalogue into the database unless this bundle was applied before; dramas a
    curator changed or removed stay. Returns the number of dramas added."""
    text = _bundle_text()
    digest = hashlib.sha256(text.encode()).hexdigest()
    if await store.get_meta(BUNDLE_DIGEST) == digest:
        return 0
    entries = parse_catalogue(text, "bot/data/catalogue.json")
    legacy = LEGACY_BUNDLE if await store.get_meta(STARTER_LOADED) is not None else ()
    outcome = await store.bundle.apply(entries, digest, legacy)
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


def _number(text: str, kind: type) -> int | float | str:
    try:
        return kind(text)
    except ValueError:
        return text  # left as text: the schema names the field and the problem


def parse_csv(text: str, source: str) -> list[Entry]:
    """One drama per row under a header of CSV_COLUMNS; lists separated by `|`, an empty cell is not set.
    Rows carry no episodes or availability: see `merge_kept`."""
    reader = csv.DictReader(io.StringIO(text))
    unknown = [c for c in reader.fieldnames or [] if c not in CSV_COLUMNS]
    if unknown:
        known = ", ".join(CSV_COLUMNS)
        raise CatalogueError(f"{source}: unknown column(s) {', '.join(unknown)}; known: {known}")
    entries = []
    for i, row in enumerate(reader):
        where = f"{source} row #{i + 2}"  # row 1 is the header
        if None in row:
            raise CatalogueError(f"{where}: more cells than columns")
        rec: dict[str, Any] = {k: v.strip() for k, v in row.items() if v and v.strip()}
        for key in ("aliases", "genres"):
            if key in rec:
                rec[key] = [p.strip() for p in rec[key].split(CSV_LIST_SEPARATOR) if p.strip()]
        for key in ("year", "episode_count", "tmdb_id"):
            if key in rec:
                rec[key] = _number(rec[key], int)
        critic = {k: rec.pop(f"critic_{k}") for k in ("score", "summary", "verdict") if f"critic_{k}" in rec}
        if "score" in critic:
            critic["score"] = _number(critic["score"], float)
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
    """For flat (CSV) rows: keep each existing drama's episodes and offers, and the ids it leaves empty."""
    merged = []
    for entry in entries:
        existing = await store.catalogue.by("slug", entry.drama.slug)
        if existing is None:
            merged.append(entry)
            continue
        kept = {k: getattr(existing, k) for k in KEPT_WHEN_EMPTY if getattr(entry.drama, k) is None}
        eps = await store.catalogue.episodes(existing.id)
        eps = tuple(e for e in eps if e.number <= entry.drama.episode_count)
        offers = await store.catalogue.availability(existing.id)
        merged.append(Entry(replace(entry.drama, **kept), eps, offers))
    return merged


# ---- export ----------------------------------------------------------------------------
def _set(values: dict) -> dict:
    return {k: v for k, v in values.items() if v is not None and v != [] and v != {}}


def entry_record(drama: Drama, episodes: tuple[Episode, ...], availability: tuple[Availability, ...]) -> dict:
    """One drama as a catalogue record (parse_entry's inverse): unset fields are left out, and so are
    links stored before bot.catalogue.links' rule held (see `unsafe_links`), so it validates again."""
    d = drama
    return _set({
        "slug": d.slug, "title": d.title, "native_title": d.native_title, "aliases": list(d.aliases),
        "country": d.country, "year": d.year, "episode_count": d.episode_count, "network": d.network,
        "genres": list(d.genres), "synopsis": d.synopsis, "poster_url": safe_link(d.poster_url),
        "tmdb_id": d.tmdb_id, "wikidata_id": d.wikidata_id, "imdb_id": d.imdb_id,
        "first_air_date": d.first_air_date.isoformat() if d.first_air_date else None, "status": d.status,
        "critic": _set({"score": d.critic_score, "summary": d.critic_summary, "verdict": d.critic_verdict}),
        "episodes": [_set({
            "number": e.number, "critic_score": e.critic_score, "title": e.title, "note": e.note,
            "air_date": e.air_date.isoformat() if e.air_date else None,
            "air_time": e.air_time.strftime("%H:%M") if e.air_time else None,
        }) for e in episodes],
        "availability": [
            {"service": a.service, "kind": a.kind, "regions": list(a.regions), "url": safe_link(a.url),
             "checked_on": a.checked_on.isoformat() if a.checked_on else None}
            for a in availability
        ],
    })  # fmt: skip


def unsafe_links(drama: Drama, availability: tuple[Availability, ...]) -> list[str]:
    """A drama's stored links that bot.catalogue.links refuses (kept from before the rule), named by field."""
    found = [f"{drama.slug}: poster_url"] if drama.poster_url and not safe_link(drama.poster_url) else []
    offers = [f"{a.service} ({a.kind}) url" for a in availability if a.url and not safe_link(a.url)]
    return found + [f"{drama.slug}: {offer}" for offer in offers]


async def export_document(store: Store, dropped: list[str] | None = None) -> dict:
    """The whole catalogue (not ratings) as a document; unsafe links are left out (and named in `dropped`)."""
    entries = await store.catalogue.entries()
    if dropped is not None:
        dropped.extend(line for drama, _, offers in entries for line in unsafe_links(drama, offers))
    return {"format": FORMAT, "dramas": [entry_record(*e) for e in entries]}


def dump_document(doc: dict) -> str:
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


def slugify(title: str, year: int | None) -> str:
    """A slug from a title and year ("Goblin", 2016 -> "goblin-2016"); empty for non-Latin titles."""
    text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode().lower()
    slug = re.sub(r"[^a-z0-9]+", "-", text).strip("-")[:70].strip("-")
    return f"{slug}-{year}" if slug and year else slug

"""One TMDB series into the catalogue: fetch, build the record, keep what curators wrote, write.

Used by `import-tmdb`, the refresh and import on use; every write is one transaction.
"""

from __future__ import annotations

from typing import Any

from bot.catalogue.format import Entry, entry_record, parse_entry, slugify
from bot.models import Drama
from bot.store import Store
from bot.tmdb.client import TMDB, not_scripted, series_record

MAX_SEASONS = 30


class NotScripted(Exception):
    """The series is not a scripted drama from the configured countries (its message says why)."""


async def fetch_series(
    tmdb: TMDB, tmdb_id: int, countries: tuple[str, ...] | None = None
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """`/tv/{id}` and its seasons (not specials); with `countries`, NotScripted (before any season is
    fetched) unless the series is a scripted one from those countries."""
    tv = await tmdb.tv(tmdb_id)
    if countries is not None and (why := not_scripted(tv, countries)) is not None:
        raise NotScripted(f"TMDB {tmdb_id} is not a scripted drama here ({why})")
    seasons = []
    for season in (tv.get("seasons") or [])[:MAX_SEASONS]:
        number = season.get("season_number") if isinstance(season, dict) else None
        if isinstance(number, int) and not isinstance(number, bool) and number >= 1:
            seasons.append(await tmdb.season(tmdb_id, number))
    return tv, seasons


async def new_slug(store: Store, tv: dict[str, Any]) -> str:
    tmdb_id = tv["id"]
    year = str(tv.get("first_air_date") or "")[:4]
    slug = slugify(str(tv.get("name") or ""), int(year) if year.isdigit() else None) or f"tmdb-{tmdb_id}"
    if (
        await store.catalogue.by("slug", slug) is not None
        or await store.catalogue.hidden_by("slug", slug) is not None
    ):
        slug = f"{slug}-tmdb-{tmdb_id}"[:80]
    return slug


async def build_entry(
    store: Store, tv: dict[str, Any], seasons: list[dict[str, Any]], existing: Drama | None
) -> Entry:
    """The catalogue entry for a fetched series; CatalogueError when TMDB's data does not validate.

    For a drama already linked, what curators wrote stays (slug, title, aliases, critic review, episode
    scores and notes, streaming entries); TMDB's name becomes an alias."""
    tmdb_id = tv["id"]
    slug = existing.slug if existing is not None else await new_slug(store, tv)
    rec = series_record(tv, seasons, slug)
    if existing is not None:
        episodes, availability = (
            await store.catalogue.episodes(existing.id),
            await store.catalogue.availability(existing.id),
        )
        rec = _keep_curated(rec, entry_record(existing, episodes, availability))
    return parse_entry(rec, f"TMDB series {tmdb_id}")


def _keep_curated(rec: dict[str, Any], kept: dict[str, Any]) -> dict[str, Any]:
    rec = dict(rec)
    # The curators' title and aliases first; TMDB's name (when another) and aliases after them.
    aliases = [a for a in kept.get("aliases", []) if a != rec["title"]]
    aliases += [a for a in [rec["title"], *rec.get("aliases", [])] if a not in aliases and a != kept["title"]]
    rec["title"] = kept["title"]
    if aliases:
        rec["aliases"] = aliases[:20]
    for key in ("critic", "wikidata_id", "imdb_id"):  # curated or cross-checked: they win
        if key in kept:
            rec[key] = kept[key]
    for key in ("native_title", "synopsis", "first_air_date", "status"):  # TMDB's win when it has them
        if key in kept and key not in rec:
            rec[key] = kept[key]
    scores = {e["number"]: e for e in kept.get("episodes", [])}
    tmdb_copies = {(e["title"], e["air_date"]) for e in rec.get("episodes", []) if e.get("title") and e.get("air_date")}
    merged = []
    for ep in rec.get("episodes", []):
        old = scores.pop(ep["number"], {})
        item = {**{k: v for k, v in old.items() if k in ("note", "air_time")}, **ep}
        if "critic_score" in old:
            item["critic_score"] = old["critic_score"]
        merged.append(item)
    # A stored episode TMDB does not list (a gap TMDB has not filled, or a curator's row) is kept: its
    # number, and the scores on it, never move.
    leftovers = (_leftover(e, tmdb_copies) for n, e in scores.items() if n <= rec["episode_count"])
    merged += [e for e in leftovers if e is not None]
    if merged:
        rec["episodes"] = sorted(merged, key=lambda e: e["number"])
    if "availability" in kept:
        rec["availability"] = kept["availability"]
    return rec


def _leftover(stored: dict[str, Any], tmdb_copies: set[tuple[Any, Any]]) -> dict[str, Any] | None:
    """A stored episode TMDB does not list at its number. When TMDB gives its title and date another
    number, it is a copy left by older, sequential numbering: TMDB's facts go, what curators wrote stays
    (nothing is left of a row without any). Otherwise it stays as it is."""
    if (stored.get("title"), stored.get("air_date")) not in tmdb_copies:
        return stored
    kept = {k: v for k, v in stored.items() if k not in ("title", "air_date", "air_time")}
    if kept.get("note") == f"aired {stored['air_date']}":
        del kept["note"]
    return kept if set(kept) - {"number"} else None


async def import_series(
    store: Store, tmdb: TMDB, tmdb_id: int, *, countries: tuple[str, ...] | None = None
) -> tuple[Entry, str]:
    """Fetch one series and upsert it in one transaction: (entry, "added" | "changed" | "unchanged").

    TMDBError, CatalogueError and NotScripted (with `countries`) propagate with nothing written."""
    tv, seasons = await fetch_series(tmdb, tmdb_id, countries)
    # A removed drama linked to it is updated, and stays removed until restored.
    existing = await store.catalogue.by("tmdb_id", tmdb_id) or await store.catalogue.hidden_by(
        "tmdb_id", tmdb_id
    )
    entry = await build_entry(store, tv, seasons, existing)
    ((_slug, outcome),) = await store.catalogue.upsert_many(
        [(entry.drama, entry.episodes, entry.availability)]
    )
    return entry, outcome


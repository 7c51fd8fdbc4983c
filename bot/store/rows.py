"""Rows to dataclasses and back: shared by the parts, whatever the backend."""

from __future__ import annotations

import json
from dataclasses import asdict, replace
from datetime import date, time

from bot.models import Availability, Drama, Episode
from bot.search.index import fold
from bot.store.db import Row

# The dramas removed from members' view (migration 0015): `drama_id NOT IN HIDDEN` leaves their ratings,
# list entries and the like out of what members see, while the rows stay for `restore`.
HIDDEN = "(SELECT id FROM dramas WHERE hidden_at IS NOT NULL)"

# A drama with its episodes and availability, as curating reads and writes it.
CatalogueRecord = tuple[Drama, tuple[Episode, ...], tuple[Availability, ...]]

DRAMA_COLUMNS = (
    "id, slug, title, episode_count, native_title, country, year, network, genres, synopsis, "
    "poster_url, critic_score, critic_summary, critic_verdict, tmdb_id, wikidata_id, imdb_id, "
    "first_air_date, status"
)
# The columns an upsert writes, in the order of drama_values().
DRAMA_WRITE_COLUMNS = (
    "slug", "title", "native_title", "country", "year", "episode_count", "network", "genres", "synopsis",
    "poster_url", "critic_score", "critic_summary", "critic_verdict", "tmdb_id", "wikidata_id", "imdb_id",
    "first_air_date", "status",
)  # fmt: skip


def drama_values(drama: Drama) -> tuple:
    """A drama's column values, in DRAMA_WRITE_COLUMNS order."""
    return (
        drama.slug, drama.title, drama.native_title, drama.country, drama.year, drama.episode_count,
        drama.network, json.dumps(list(drama.genres), ensure_ascii=False), drama.synopsis,
        drama.poster_url, drama.critic_score, drama.critic_summary, drama.critic_verdict, drama.tmdb_id,
        drama.wikidata_id, drama.imdb_id, drama.first_air_date.isoformat() if drama.first_air_date else None,
        drama.status,
    )  # fmt: skip


def genres(value: str | None) -> tuple[str, ...]:
    """A drama's genres column: JSON text on both backends (PostgreSQL's jsonb arrives as text)."""
    return tuple(json.loads(value or "[]"))


def drama(row: Row, aliases: tuple[str, ...]) -> Drama:
    return Drama(
        id=row["id"],
        slug=row["slug"],
        title=row["title"],
        episode_count=row["episode_count"],
        native_title=row["native_title"],
        aliases=aliases,
        country=row["country"],
        year=row["year"],
        network=row["network"],
        genres=genres(row["genres"]),
        synopsis=row["synopsis"],
        poster_url=row["poster_url"],
        critic_score=row["critic_score"],
        critic_summary=row["critic_summary"],
        critic_verdict=row["critic_verdict"],
        tmdb_id=row["tmdb_id"],
        wikidata_id=row["wikidata_id"],
        imdb_id=row["imdb_id"],
        first_air_date=date.fromisoformat(row["first_air_date"]) if row["first_air_date"] else None,
        status=row["status"],
    )


def episode(row: Row) -> Episode:
    aired, at = row["air_date"], row["air_time"]
    return Episode(
        row["number"], row["critic_score"], row["title"], row["note"],
        date.fromisoformat(aired) if aired else None, time.fromisoformat(at) if at else None,
    )  # fmt: skip


def episode_values(drama_id: int, e: Episode) -> tuple:
    return (drama_id, e.number, e.critic_score, e.title, e.note,
            e.air_date.isoformat() if e.air_date else None,
            e.air_time.strftime("%H:%M") if e.air_time else None)  # fmt: skip


def availability(row: Row) -> Availability:
    return Availability(
        service=row["service"],
        kind=row["kind"],
        regions=tuple(r for r in row["regions"].split(",") if r),
        url=row["url"],
        checked_on=date.fromisoformat(row["checked_on"]) if row["checked_on"] else None,
    )


def availability_values(drama_id: int, a: Availability) -> tuple:
    return (drama_id, a.service, a.kind, ",".join(a.regions), a.url,
            a.checked_on.isoformat() if a.checked_on else None)  # fmt: skip


def names(drama: Drama) -> list[tuple[str, str]]:
    """(kind, name) rows for a drama: title, native title, aliases, without folded duplicates."""
    listed = [("title", drama.title)]
    if drama.native_title:
        listed.append(("native", drama.native_title))
    listed += [("alias", a) for a in drama.aliases]
    seen: set[str] = set()
    out = []
    for kind, name in listed:
        key = fold(name)
        if key and key not in seen:
            seen.add(key)
            out.append((kind, name))
    return out


def snapshot(record: CatalogueRecord | None) -> str | None:
    """A drama record as JSON for the audit table."""
    if record is None:
        return None
    d, episodes, avail = record
    return json.dumps(
        {"drama": asdict(replace(d, id=0)) | {"id": None}, "episodes": [asdict(e) for e in episodes],
         "availability": [asdict(a) for a in avail]},
        ensure_ascii=False, default=str,
    )  # fmt: skip


def comparable(d: Drama, episodes: tuple[Episode, ...], avail: tuple[Availability, ...]) -> tuple:
    """A drama as it would read back after an upsert, to tell "changed" from "unchanged"."""
    aliases = tuple(name for kind, name in names(d) if kind == "alias")
    return (replace(d, id=0, aliases=aliases), frozenset(episodes), frozenset(avail))


def stored_comparable(record: CatalogueRecord) -> tuple:
    """A stored drama in `comparable`'s shape."""
    d, episodes, avail = record
    return (replace(d, id=0), frozenset(episodes), frozenset(avail))

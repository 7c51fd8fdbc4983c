"""TMDB (The Movie Database) client: TV series facts and watch providers (JustWatch data).

Used when the operator sets TMDB_API_KEY (a v3 key or a v4 token); TMDB_API_BASE replaces the API's
address. Every request has a timeout; a 429 pauses the client's token bucket for its Retry-After (at
most RETRY_AFTER_CAP) and is retried a few times. A client with `wait_for_token=False` (autocomplete)
raises TMDBBusy instead of queueing. Any unexpected answer is a TMDBError, never a crash. The pure
functions below turn answers into catalogue records and Availability entries.
"""

from __future__ import annotations

import asyncio
import logging
import re
from datetime import date, datetime
from typing import Any

import aiohttp

from bot.catalogue.format import limits
from bot.catalogue.links import safe_link
from bot.models import Availability
from bot.tmdb.limits import TokenBucket

log = logging.getLogger(__name__)

DEFAULT_BASE = "https://api.themoviedb.org/3"
IMAGE_BASE = "https://image.tmdb.org/t/p/w342"
ATTRIBUTION = "Availability data from JustWatch via TMDB"
PROVIDER_KINDS = {"flatrate": "subscription", "free": "free", "ads": "ads", "rent": "rent", "buy": "buy"}
_COUNTRY = re.compile(r"^[A-Z]{2}$")
EXCLUDED_GENRES = {16: "animation", 10767: "talk", 10763: "news", 10764: "reality"}  # not scripted
FIND_SOURCES = ("imdb_id", "tvdb_id")  # the external ids `find` looks up
RETRY_AFTER_CAP = 60.0  # seconds: the longest Retry-After believed (and the longest the bucket pauses)


class TMDBError(Exception):
    """TMDB could not answer usefully: unreachable, too slow, rate-limited, or a malformed reply."""


class TMDBBusy(TMDBError):
    """Not asked: this client's share of TMDB's rate limit is spent for now (wait_for_token=False)."""


class TMDB:
    """`async with TMDB(key) as tmdb:` or `await tmdb.close()`; one aiohttp session per client."""

    def __init__(
        self, api_key: str, base: str | None = None, *, timeout: float = 5.0, max_retries: int = 2,
        max_retry_after: float = 10.0, limiter: TokenBucket | None = None, wait_for_token: bool = True,
    ) -> None:  # fmt: skip
        self._key = api_key
        self._wait_for_token = wait_for_token
        self.base = (base or DEFAULT_BASE).rstrip("/")
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._max_retries = max_retries
        self._max_retry_after = max_retry_after
        self.limiter = limiter  # shared by every request of this client (TMDB: ~40 per 10 s)
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> TMDB:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _auth(self) -> tuple[dict[str, str], dict[str, str]]:
        if self._key.startswith("eyJ"):  # a v4 read access token (a JWT)
            return {"Authorization": f"Bearer {self._key}"}, {}
        return {}, {"api_key": self._key}

    async def get(self, path: str, params: dict[str, str] | None = None) -> dict[str, Any]:
        """GET base+path as a JSON object; TMDBError on any failure (after retrying 429s)."""
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        headers, auth = self._auth()
        query = {**(params or {}), **auth}
        attempt = 0
        while True:
            if self.limiter is not None and self._wait_for_token:
                await self.limiter.acquire()
            elif self.limiter is not None and self.limiter.try_take() > 0:
                raise TMDBBusy(f"TMDB's budget for {path} is spent for now; not asked")
            try:
                async with self._session.get(
                    self.base + path, params=query, headers={"Accept": "application/json", **headers}
                ) as resp:
                    if resp.status == 429:  # every request of this client waits it out (capped)
                        wait = _retry_after(resp.headers.get("Retry-After"))
                        if self.limiter is not None:
                            self.limiter.pause(wait)
                        if attempt >= self._max_retries or wait > self._max_retry_after:
                            raise TMDBError("TMDB rate limit reached; try again later")
                        attempt += 1
                        log.info("TMDB rate limit: retrying %s in %.1f s", path, wait)
                        await asyncio.sleep(wait)
                        continue
                    if resp.status != 200:
                        why = f"has no {path}" if resp.status == 404 else f"answered {resp.status} for {path}"
                        raise TMDBError(f"TMDB {why}")
                    try:
                        body = await resp.json(content_type=None)
                    except ValueError as exc:
                        raise TMDBError(f"TMDB sent malformed JSON for {path}") from exc
            except TimeoutError as exc:
                raise TMDBError(f"TMDB did not answer {path} in time") from exc
            except aiohttp.ClientError as exc:
                raise TMDBError(f"TMDB unreachable: {exc}") from exc
            if not isinstance(body, dict):
                raise TMDBError(f"TMDB sent an unexpected answer for {path}")
            return body

    async def search_tv(self, query: str) -> list[dict[str, Any]]:
        return _series_list(await self.get("/search/tv", {"query": query}), "search")["results"]

    async def discover_tv(self, countries: tuple[str, ...], since: int | None, page: int) -> dict[str, Any]:
        """One page of `/discover/tv`: scripted series from `countries`, most popular first."""
        genres = ",".join(str(g) for g in EXCLUDED_GENRES)
        params = {"sort_by": "popularity.desc", "with_origin_country": "|".join(countries),
                  "without_genres": genres, "include_adult": "false", "page": str(page)}  # fmt: skip
        if since is not None:
            params["first_air_date.gte"] = f"{since:04d}-01-01"
        return _series_list(await self.get("/discover/tv", params), "discover")

    async def tv(self, tmdb_id: int) -> dict[str, Any]:
        body = await self.get(f"/tv/{tmdb_id}", {"append_to_response": "alternative_titles,external_ids"})
        if not isinstance(body.get("id"), int) or not isinstance(body.get("name"), str):
            raise TMDBError(f"TMDB series {tmdb_id}: the answer has no id or name")
        return body

    async def season(self, tmdb_id: int, number: int) -> dict[str, Any]:
        return await self.get(f"/tv/{tmdb_id}/season/{number}")

    async def watch_providers(self, tmdb_id: int) -> dict[str, dict[str, Any]]:
        return parse_providers(await self.get(f"/tv/{tmdb_id}/watch/providers"))

    async def find(self, external_id: str, source: str) -> list[dict[str, Any]]:
        """`/find/{external_id}`: the TV series TMDB links to an IMDb id (`source` "imdb_id") or a TVDB id
        ("tvdb_id"), as summaries with an id ([] when none)."""
        if source not in FIND_SOURCES:
            raise ValueError(f"unknown external source {source!r}")
        body = await self.get(f"/find/{external_id}", {"external_source": source})
        found = body.get("tv_results")
        if not isinstance(found, list):
            raise TMDBError("TMDB find answer has no tv_results list")
        return [r for r in found if isinstance(r, dict) and isinstance(r.get("id"), int)]


def _series_list(body: dict[str, Any], what: str) -> dict[str, Any]:
    """`body` with its `results` kept to series with an id; TMDBError without a results list."""
    if not isinstance(body.get("results"), list):
        raise TMDBError(f"TMDB {what} answer has no results list")
    body["results"] = [r for r in body["results"] if isinstance(r, dict) and isinstance(r.get("id"), int)]
    return body


def _retry_after(value: str | None) -> float:
    """A 429's Retry-After in seconds, at most RETRY_AFTER_CAP (1 when missing or unreadable)."""
    try:
        wait = float(value) if value is not None else 1.0
    except ValueError:
        return 1.0
    return 1.0 if wait != wait else min(max(wait, 0.0), RETRY_AFTER_CAP)  # NaN: unreadable


def not_scripted(series: dict[str, Any], countries: tuple[str, ...]) -> str | None:
    """Why a search, discover or `/tv/{id}` result is not a scripted series from `countries`; None if it is."""
    genre_ids = series.get("genre_ids")
    if not isinstance(genre_ids, list):
        genre_ids = [g.get("id") for g in series.get("genres") or [] if isinstance(g, dict)]
    for genre in genre_ids:
        if genre in EXCLUDED_GENRES:
            return f"genre {EXCLUDED_GENRES[genre]}"
    origin = series.get("origin_country")
    if not isinstance(origin, list) or not any(c in countries for c in origin):
        shown = ",".join(c for c in origin if isinstance(c, str)) if isinstance(origin, list) else ""
        return f"origin {shown or 'unknown'} not in {','.join(countries)}"
    return None


def parse_providers(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """`/tv/{id}/watch/providers` → {"KR": {"link": url|None, "offers": [[service, kind, logo]]}}.

    Countries or offers not shaped as documented are skipped; no `results` object is a TMDBError."""
    results = body.get("results")
    if not isinstance(results, dict):
        raise TMDBError("TMDB watch providers answer has no results object")
    out: dict[str, dict[str, Any]] = {}
    for country, entry in results.items():
        if not isinstance(country, str) or not _COUNTRY.match(country) or not isinstance(entry, dict):
            continue
        link = entry.get("link") if isinstance(entry.get("link"), str) else None
        offers = []
        for key, kind in PROVIDER_KINDS.items():
            listed = entry.get(key)
            if not isinstance(listed, list):
                continue
            for p in listed:
                if isinstance(p, dict) and isinstance(p.get("provider_name"), str) and p["provider_name"].strip():
                    logo = p.get("logo_path") if isinstance(p.get("logo_path"), str) else None
                    offers.append([p["provider_name"].strip()[:80], kind, logo])
        if offers:
            out[country] = {"link": safe_link(link), "offers": offers}
    return out


def providers_availability(data: dict[str, dict[str, Any]], fetched: datetime) -> tuple[Availability, ...]:
    """Cached providers as Availability entries: one per (service, kind), with its countries."""
    regions: dict[tuple[str, str], list[str]] = {}
    for country in sorted(data):
        for service, kind, _logo in data[country]["offers"]:
            regions.setdefault((service, kind), []).append(country)
    return tuple(
        Availability(service, kind, tuple(codes), None, fetched.date())
        for (service, kind), codes in sorted(regions.items(), key=lambda i: (i[0][0].casefold(), i[0][1]))
    )


def _clip(text: Any, limit: int) -> str | None:
    if not isinstance(text, str) or not text.strip():
        return None
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


# TMDB's `status` of a series -> the catalogue's (upcoming, airing, ended).
STATUSES = {"Returning Series": "airing", "Ended": "ended", "Canceled": "ended", "Cancelled": "ended",
            "In Production": "upcoming", "Planned": "upcoming", "Pilot": "upcoming"}  # fmt: skip
_IMDB = re.compile(r"^tt[0-9]{7,10}$")
_WIKIDATA = re.compile(r"^Q[1-9][0-9]{0,11}$")


def series_status(tv: dict[str, Any], today: date | None = None) -> str | None:
    """upcoming / airing / ended from `/tv/{id}`: its status, and whether it has aired yet."""
    status = STATUSES.get(tv.get("status")) if isinstance(tv.get("status"), str) else None
    first = tv.get("first_air_date")
    try:
        started = date.fromisoformat(first[:10]) if isinstance(first, str) and first else None
    except ValueError:
        started = None
    today = today or date.today()
    if status == "ended":
        return status
    if started is None or started > today:
        return "upcoming" if status is not None or started is not None else None
    return "airing" if status in ("airing", "upcoming") or tv.get("in_production") is True else status


def _iso_date(value: Any) -> str | None:
    """A date from TMDB's JSON as ISO 8601, else None."""
    try:
        return date.fromisoformat(value).isoformat() if isinstance(value, str) else None
    except ValueError:
        return None


def _whole(value: Any) -> int | None:
    """An int from TMDB's JSON (not a bool), else None."""
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def season_offsets(tv: dict[str, Any], seasons: list[dict[str, Any]]) -> dict[int, int]:
    """Season number -> how many episode numbers come before its first (docs/catalogue.md, "Episode
    numbers"). A season's size is its ``episode_count`` or its highest listed episode number, whichever
    is higher, so a gap in one season's list moves no number in the next. Specials are not numbered."""
    sizes: dict[int, int] = {}
    for entry in tv.get("seasons") or []:
        number = _whole(entry.get("season_number")) if isinstance(entry, dict) else None
        if number is not None and number >= 1:
            sizes[number] = max(sizes.get(number, 0), _whole(entry.get("episode_count")) or 0)
    for season in seasons:
        number = _whole(season.get("season_number"))
        if number is None or number < 1:
            continue
        listed = [_whole(e.get("episode_number")) for e in season.get("episodes") or [] if isinstance(e, dict)]
        sizes[number] = max([sizes.get(number, 0), *(n for n in listed if n is not None)])
    offsets, before = {}, 0
    for number in sorted(sizes):
        offsets[number] = before
        before += max(sizes[number], 0)
    return offsets


def series_record(tv: dict[str, Any], seasons: list[dict[str, Any]], slug: str) -> dict[str, Any]:
    """A catalogue record (the file format's dict) from `/tv/{id}` and its seasons' answers."""
    limit = limits()
    name = _clip(tv.get("name"), limit["title"]) or f"TMDB {tv.get('id')}"
    rec: dict[str, Any] = {"slug": slug, "title": name, "tmdb_id": tv["id"]}
    original = _clip(tv.get("original_name"), limit["native_title"])
    if original and original != name:
        rec["native_title"] = original
    alt = (tv.get("alternative_titles") or {}).get("results") if isinstance(tv.get("alternative_titles"), dict) else None
    aliases = []
    for a in alt if isinstance(alt, list) else []:
        title = _clip(a.get("title") if isinstance(a, dict) else None, limit["aliases"])
        if title and title not in (name, original) and title not in aliases:
            aliases.append(title)
    if aliases:
        rec["aliases"] = aliases[:20]
    first = tv.get("first_air_date")
    if isinstance(first, str) and re.match(r"^\d{4}-", first) and 1900 <= int(first[:4]) <= 2100:
        rec["year"] = int(first[:4])
        if (day := _iso_date(first[:10])) is not None:
            rec["first_air_date"] = day
    status = series_status(tv)
    if status:
        rec["status"] = status
    ids = tv.get("external_ids") if isinstance(tv.get("external_ids"), dict) else {}
    if isinstance(ids.get("imdb_id"), str) and _IMDB.match(ids["imdb_id"]):
        rec["imdb_id"] = ids["imdb_id"]
    if isinstance(ids.get("wikidata_id"), str) and _WIKIDATA.match(ids["wikidata_id"]):
        rec["wikidata_id"] = ids["wikidata_id"]
    countries = tv.get("origin_country")
    if isinstance(countries, list) and countries and isinstance(countries[0], str) and _COUNTRY.match(countries[0]):
        rec["country"] = countries[0]
    networks = [n.get("name") for n in tv.get("networks") or [] if isinstance(n, dict)]
    network = _clip(networks[0], limit["network"]) if networks else None
    if network:
        rec["network"] = network
    genres = [_clip(g.get("name"), limit["genres"]) for g in tv.get("genres") or [] if isinstance(g, dict)]
    if any(genres):
        rec["genres"] = [g for g in genres if g]
    overview = _clip(tv.get("overview"), limit["synopsis"])
    if overview:
        rec["synopsis"] = overview
    poster = tv.get("poster_path")
    if isinstance(poster, str) and re.match(r"^/[\w.-]+$", poster, re.ASCII) and safe_link(IMAGE_BASE + poster):
        rec["poster_url"] = IMAGE_BASE + poster  # a path that makes no safe link: no poster, the rest imports
    episodes = []
    by_tmdb: dict[tuple[Any, Any], dict[str, Any]] = {}  # (season, episode number) -> catalogue item
    offsets = season_offsets(tv, seasons)
    for season in sorted(seasons, key=lambda s: _whole(s.get("season_number")) or 0):
        season_number = _whole(season.get("season_number"))
        if season_number is None or season_number < 1:
            continue  # season 0: specials
        for ep in season.get("episodes") or []:
            tmdb_number = _whole(ep.get("episode_number")) if isinstance(ep, dict) else None
            if tmdb_number is None or tmdb_number < 1 or (season_number, tmdb_number) in by_tmdb:
                continue  # no number of its own to keep (or listed twice): left out, never renumbered
            number = offsets[season_number] + tmdb_number
            if number > limit["episode_count"]:
                continue
            item: dict[str, Any] = {"number": number}
            by_tmdb[(season_number, tmdb_number)] = item
            title = _clip(ep.get("name"), limit["episodes.title"])
            if title:
                item["title"] = title
            if (aired := _iso_date(ep.get("air_date"))) is not None:
                item["air_date"], item["note"] = aired, f"aired {aired}"
            episodes.append(item)
    episodes.sort(key=lambda e: e["number"])
    # A guard: a season's size covers its highest listed number, so two seasons' numbers never meet.
    episodes = [e for i, e in enumerate(episodes) if i == 0 or e["number"] != episodes[i - 1]["number"]]
    upcoming = tv.get("next_episode_to_air")
    if isinstance(upcoming, dict):  # the next episode's date, when the season's list lacks it (or moved)
        item = by_tmdb.get((upcoming.get("season_number"), upcoming.get("episode_number")))
        aired = _iso_date(upcoming.get("air_date"))
        if item is not None and aired is not None:
            item["air_date"] = aired
    count = _whole(tv.get("number_of_episodes"))
    highest = episodes[-1]["number"] if episodes else 0
    rec["episode_count"] = max(1, min(limit["episode_count"], max(count or 0, highest)))
    if episodes:
        rec["episodes"] = episodes
    return rec

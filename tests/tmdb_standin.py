"""A TMDB stand-in on 127.0.0.1: answers shaped like TMDB's documented v3 responses.

Series: Goblin (`TV_ID`), `HARBOR` (a TMDB-only drama, airing, with alternative titles and
external ids), more scripted series from KR/JP/TW, and unscripted or foreign ones that filters
must drop (`EXCLUDED`). Endpoints: `/search/tv` (by name, original name or alternative title),
`/discover/tv` (popularity order, `with_origin_country` a|b, `first_air_date.gte`,
`without_genres`, `fake.page_size` per page), `/tv/{id}` (append_to_response
alternative_titles,external_ids), `/tv/{id}/season/{n}`, `/tv/{id}/watch/providers`, `/find/{id}` (external_source imdb_id: the series'
external ids; tvdb_id: `fake.tvdb_ids`).

`fake.script(path_prefix, *behaviours)` queues behaviours for the next requests whose path
starts with the prefix: "429" (Retry-After `fake.retry_after`), "slow" (sleeps `fake.delay`),
"malformed" (not JSON), "500", "shape" (JSON of the wrong shape). Otherwise it answers normally.
Modes for every request: `fake.down = True` answers 503; `fake.latency = s` sleeps s first.
`fake.hits(path)` counts the requests for a path.
"""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import web

TV_ID = 4242

TV = {
    "id": TV_ID,
    "name": "Guardian: The Lonely and Great God",
    "original_name": "쓸쓸하고 찬란하神-도깨비",
    "first_air_date": "2016-12-02",
    "origin_country": ["KR"],
    "number_of_episodes": 16,
    "networks": [{"id": 866, "name": "tvN", "logo_path": "/x.png"}],
    "genres": [{"id": 18, "name": "Drama"}, {"id": 10765, "name": "Sci-Fi & Fantasy"}],
    "overview": "A goblin who has lived 939 years seeks his bride.",
    "poster_path": "/goblin.jpg",
    "seasons": [{"season_number": 0, "episode_count": 3}, {"season_number": 1, "episode_count": 16}],
    "alternative_titles": {"results": [{"iso_3166_1": "US", "title": "Goblin", "type": ""},
                                       {"iso_3166_1": "KR", "title": "Dokkaebi", "type": ""}]},
}  # fmt: skip

SEASON_1 = {
    "season_number": 1,
    "episodes": [{"episode_number": n, "name": f"Episode {n} title", "air_date": f"2017-01-{n:02d}"} for n in range(1, 17)],
}

PROVIDERS = {
    "id": TV_ID,
    "results": {
        "KR": {"link": "https://www.themoviedb.org/tv/4242/watch?locale=KR",
               "flatrate": [{"provider_name": "Netflix", "logo_path": "/n.jpg", "provider_id": 8},
                            {"provider_name": "TVING", "logo_path": "/t.jpg", "provider_id": 97}]},
        "US": {"link": "https://www.themoviedb.org/tv/4242/watch?locale=US",
               "ads": [{"provider_name": "Viki", "logo_path": "/v.jpg", "provider_id": 7}],
               "flatrate": [{"provider_name": "Netflix", "logo_path": "/n.jpg", "provider_id": 8}]},
        "JP": {"link": "https://www.themoviedb.org/tv/4242/watch?locale=JP",
               "rent": [{"provider_name": "Amazon Video", "logo_path": "/a.jpg", "provider_id": 10}],
               "buy": [{"logo_path": "/nameless.jpg"}]},
        "XXX": {"flatrate": [{"provider_name": "Nowhere"}]},
        "DE": "not an object",
    },
}  # fmt: skip


HARBOR_ID = 9_900_001  # not in the bundled catalogue: only TMDB knows it
HARBOR = {
    "id": HARBOR_ID,
    "name": "Moonlit Harbor",
    "original_name": "달빛 항구",
    "first_air_date": "2026-10-03",
    "origin_country": ["KR"],
    "status": "Returning Series",
    "in_production": True,
    "number_of_episodes": 12,
    "networks": [{"id": 1, "name": "JTBC"}],
    "genres": [{"id": 18, "name": "Drama"}, {"id": 10749, "name": "Romance"}],
    "overview": "A ferry captain and a lighthouse keeper trade letters across one winter.",
    "poster_path": "/harbor.jpg",
    "seasons": [{"season_number": 1, "episode_count": 12}],
    "alternative_titles": {"results": [{"iso_3166_1": "KR", "title": "Dalbit Hanggu", "type": "romanization"}]},
    "external_ids": {"imdb_id": "tt99000010", "wikidata_id": None},
}


def _series(tmdb_id: int, name: str, country: str, year: int, episodes: int, genre_ids: list[int]) -> dict[str, Any]:
    return {
        "id": tmdb_id, "name": name, "original_name": name, "first_air_date": f"{year}-03-01",
        "origin_country": [country], "status": "Ended", "number_of_episodes": episodes,
        "networks": [{"id": 2, "name": "Net"}], "genres": [{"id": g, "name": f"Genre {g}"} for g in genre_ids],
        "seasons": [{"season_number": 1, "episode_count": episodes}], "alternative_titles": {"results": []},
        "external_ids": {"imdb_id": f"tt{tmdb_id:08d}"},
    }  # fmt: skip


# Most popular first (the order /discover/tv sorts them in).
SCRIPTED = [
    HARBOR,
    _series(9_900_002, "Seoul Night Market", "KR", 2021, 16, [18]),
    _series(9_900_003, "The Quiet Tailor", "JP", 2019, 10, [18, 35]),
    _series(9_900_004, "Rain on Dihua Street", "TW", 2018, 20, [18]),
    _series(9_900_005, "Second Chorus", "KR", 2012, 24, [18, 10402]),
    _series(9_900_006, "Harbor Lights Clinic", "KR", 2023, 16, [18]),
]
EXCLUDED = [
    _series(9_900_101, "Harbor Heroes (animated)", "JP", 2022, 24, [16]),
    _series(9_900_102, "Harbor Talk Tonight", "KR", 2022, 200, [10767]),
    _series(9_900_103, "Harbor Idol Reality", "KR", 2022, 10, [10764]),
    _series(9_900_104, "Harbor Detectives", "US", 2022, 10, [18]),
]
ALL_SERIES = {s["id"]: s for s in [TV, *SCRIPTED, *EXCLUDED]}
TVDB_IDS = {"320750": TV_ID, "990001": HARBOR_ID}  # `/find` by TVDB id (Goblin's is TheTVDB's)


def _summary(series: dict[str, Any]) -> dict[str, Any]:
    """A series as /search/tv and /discover/tv list it."""
    return {
        "id": series["id"], "name": series["name"], "original_name": series["original_name"],
        "first_air_date": series["first_air_date"], "origin_country": series["origin_country"],
        "genre_ids": [g["id"] for g in series["genres"]], "popularity": 100.0,
    }  # fmt: skip


def _season(series: dict[str, Any], number: int) -> dict[str, Any] | None:
    if series["id"] == TV_ID:
        return SEASON_1 if number == 1 else None
    if number != 1:
        return None
    year = int(series["first_air_date"][:4])
    return {"season_number": 1, "episodes": [
        {"episode_number": n, "name": f"{series['name']} {n}", "air_date": f"{year}-{1 + (n - 1) // 28 % 12:02d}-{1 + (n - 1) % 28:02d}"}
        for n in range(1, series["number_of_episodes"] + 1)]}  # fmt: skip


class FakeTMDB:
    def __init__(self) -> None:
        self.requests: list[tuple[str, dict[str, str], dict[str, str]]] = []
        self.queued: list[tuple[str, str]] = []
        self.retry_after = "0.1"
        self.delay = 30.0
        self.providers: dict[str, Any] = PROVIDERS
        self.down = False
        self.latency = 0.0
        self.page_size = 20
        self.base = ""
        self._runner: web.AppRunner | None = None
        # A test's own series (`/tv/{id}`) and seasons (`(id, season)`), changed as it goes (airing dramas).
        self.own_series: dict[int, dict[str, Any]] = {}
        self.own_seasons: dict[tuple[int, int], dict[str, Any]] = {}
        # `/find/{id}?external_source=tvdb_id`: TVDB id (text) -> TMDB series id.
        self.tvdb_ids: dict[str, int] = dict(TVDB_IDS)

    def script(self, prefix: str, *behaviours: str) -> None:
        self.queued += [(prefix, b) for b in behaviours]

    async def start(self) -> FakeTMDB:
        app = web.Application()
        app.router.add_get("/3/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.base = f"http://127.0.0.1:{port}/3"
        return self

    def hits(self, path: str) -> int:
        return sum(1 for p, _, _ in self.requests if p == path)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        path = "/" + request.match_info["tail"]
        self.requests.append((path, dict(request.query), dict(request.headers)))
        for i, (prefix, behaviour) in enumerate(self.queued):
            if path.startswith(prefix):
                del self.queued[i]
                if behaviour == "429":
                    return web.json_response({"status_code": 25, "status_message": "rate limit"}, status=429,
                                             headers={"Retry-After": self.retry_after})  # fmt: skip
                if behaviour == "slow":
                    await asyncio.sleep(self.delay)
                if behaviour == "malformed":
                    return web.Response(text='{"results": {', content_type="application/json")
                if behaviour == "500":
                    return web.json_response({"status_code": 11}, status=500)
                if behaviour == "shape":
                    return web.json_response(["not", "an", "object"])
                break
        if self.latency:
            await asyncio.sleep(self.latency)
        if self.down:
            return web.json_response({"status_code": 43, "status_message": "service unavailable"}, status=503)
        if path == "/search/tv":
            return web.json_response(self._search(request.query.get("query", "")))
        if path == "/discover/tv":
            return web.json_response(self._discover(request.query))
        if path.startswith("/find/"):
            return self._find(path.removeprefix("/find/"), request.query.get("external_source", ""))
        parts = path.strip("/").split("/")
        if len(parts) >= 2 and parts[0] == "tv" and parts[1].isdigit() and int(parts[1]) in self.own_series:
            if len(parts) == 2:
                return web.json_response(self.own_series[int(parts[1])])
            if len(parts) == 4 and parts[2] == "season" and parts[3].isdigit():
                own = self.own_seasons.get((int(parts[1]), int(parts[3])))
                if own is not None:
                    return web.json_response(own)
            if len(parts) == 4 and parts[2:] == ["watch", "providers"]:
                return web.json_response({"id": int(parts[1]), "results": {}})
            return web.json_response({"status_code": 34, "status_message": "not found"}, status=404)
        if len(parts) >= 2 and parts[0] == "tv" and parts[1].isdigit() and int(parts[1]) in ALL_SERIES:
            series = ALL_SERIES[int(parts[1])]
            if len(parts) == 2:
                return web.json_response(series)
            if len(parts) == 4 and parts[2] == "season" and parts[3].isdigit():
                season = _season(series, int(parts[3]))
                if season is not None:
                    return web.json_response(season)
            if len(parts) == 4 and parts[2:] == ["watch", "providers"]:
                return web.json_response(self.providers if series["id"] == TV_ID else {"id": series["id"], "results": {}})
        return web.json_response({"status_code": 34, "status_message": "not found"}, status=404)

    def _find(self, external_id: str, source: str) -> web.Response:
        """`/find/{id}`: TV series by IMDb id (their external_ids) or TVDB id (`tvdb_ids`, a test's own)."""
        if source not in ("imdb_id", "tvdb_id", "freebase_mid", "tvrage_id", "facebook_id", "wikidata_id"):
            return web.json_response({"status_code": 22, "status_message": "invalid external source"}, status=400)
        found = []
        for series in [*ALL_SERIES.values(), *self.own_series.values()]:
            if source == "imdb_id" and (series.get("external_ids") or {}).get("imdb_id") == external_id:
                found.append(_summary(series))
            elif source == "tvdb_id" and self.tvdb_ids.get(external_id) == series["id"]:
                found.append(_summary(series))
        empty: list[Any] = []
        return web.json_response({"movie_results": empty, "person_results": empty, "tv_results": found,
                                  "tv_episode_results": empty, "tv_season_results": empty})  # fmt: skip

    def _search(self, query: str) -> dict[str, Any]:
        q = query.casefold().strip()
        found = []
        for series in ALL_SERIES.values():
            names = [series["name"], series["original_name"]]
            names += [a["title"] for a in series["alternative_titles"]["results"]]
            if q and any(q in n.casefold() for n in names):
                found.append(_summary(series))
        if "goblin" in q:  # a foreign namesake that the country filter drops
            found.append({"id": 99, "name": "Another Goblin", "first_air_date": "2020-01-01",
                          "origin_country": ["US"], "genre_ids": [18]})  # fmt: skip
        return {"page": 1, "results": found, "total_pages": 1, "total_results": len(found)}

    def _discover(self, query: Any) -> dict[str, Any]:
        countries = set(query.get("with_origin_country", "").split("|")) - {""}
        since = query.get("first_air_date.gte", "")
        excluded = {int(g) for g in query.get("without_genres", "").replace("|", ",").split(",") if g.isdigit()}
        matching = [
            s for s in [*SCRIPTED, *EXCLUDED]
            if (not countries or set(s["origin_country"]) & countries) and s["first_air_date"] >= since
            and not excluded & {g["id"] for g in s["genres"]}
        ]  # fmt: skip
        page = max(1, int(query.get("page", "1")))
        size = self.page_size
        pages = max(1, -(-len(matching) // size))
        chunk = matching[(page - 1) * size : page * size]
        return {"page": page, "results": [_summary(s) for s in chunk], "total_pages": pages,
                "total_results": len(matching)}  # fmt: skip

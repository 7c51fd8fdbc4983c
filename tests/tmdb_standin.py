"""A TMDB stand-in on 127.0.0.1: answers shaped like TMDB's documented v3 responses.

`fake.script(path_prefix, *behaviours)` queues behaviours for the next requests whose path
starts with the prefix: "429" (Retry-After `fake.retry_after`), "slow" (sleeps `fake.delay`),
"malformed" (not JSON), "500", "shape" (JSON of the wrong shape). Otherwise it answers normally.
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


class FakeTMDB:
    def __init__(self) -> None:
        self.requests: list[tuple[str, dict[str, str], dict[str, str]]] = []
        self.queued: list[tuple[str, str]] = []
        self.retry_after = "0.1"
        self.delay = 30.0
        self.providers: dict[str, Any] = PROVIDERS
        self.base = ""
        self._runner: web.AppRunner | None = None

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
        if path == "/search/tv":
            return web.json_response({"page": 1, "results": [
                {"id": TV_ID, "name": TV["name"], "first_air_date": TV["first_air_date"]},
                {"id": 99, "name": "Another Goblin", "first_air_date": "2020-01-01"}]})  # fmt: skip
        if path == f"/tv/{TV_ID}":
            return web.json_response(TV)
        if path == f"/tv/{TV_ID}/season/1":
            return web.json_response(SEASON_1)
        if path == f"/tv/{TV_ID}/watch/providers":
            return web.json_response(self.providers)
        return web.json_response({"status_code": 34, "status_message": "not found"}, status=404)

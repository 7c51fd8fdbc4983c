"""A fresh install with the bundled catalogue, through the real bot process: the bundled dramas
autocomplete and review without any TMDB key, and /where asks TMDB by the bundled TMDB id."""

from __future__ import annotations

import pytest
from aiohttp import web

from bot.tmdb.client import ATTRIBUTION
from tests.tmdb_standin import PROVIDERS, FakeTMDB

pytestmark = pytest.mark.fresh_database  # the first start loads the bundle: that is what is tested

CLOY_TMDB = 94796  # Crash Landing on You's TMDB id in the bundle (from Wikidata via MMDB)


class BundledTMDB(FakeTMDB):
    """The TMDB stand-in, also answering watch providers for one bundled drama's TMDB id."""

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["tail"] == f"tv/{CLOY_TMDB}/watch/providers":
            self.requests.append(
                ("/" + request.match_info["tail"], dict(request.query), dict(request.headers))
            )
            return web.json_response({**PROVIDERS, "id": CLOY_TMDB})
        return await super()._handle(request)


async def test_a_fresh_install_autocompletes_and_reviews_bundled_dramas(discord_stub, start_bot):
    await start_bot()
    choices = await discord_stub.autocomplete("review", {"drama": "crash landing"}, "drama")
    assert any(c["name"].startswith("Crash Landing on You") for c in choices)
    hangul = await discord_stub.autocomplete("review", {"drama": "사랑의 불시착"}, "drama")
    assert any(c["name"].startswith("Crash Landing on You") for c in hangul)

    (embed,) = (await discord_stub.invoke("review", {"drama": "Crash Landing on You"})).embeds
    assert embed["title"] == "Crash Landing on You  ·  사랑의 불시착"
    assert embed["description"].startswith("2019 · South Korea · tvN · 16 episodes")
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert fields["Critic"] == "No critic review yet — be the first to /rate"
    assert "Verdict" not in fields

    rated = await discord_stub.invoke("rate", {"drama": "Crash Landing on You", "score": 4.5})
    assert "4.5" in rated.embeds[0]["description"]
    (after,) = (await discord_stub.invoke("review", {"drama": "Crash Landing on You"})).embeds
    assert {f["name"]: f["value"] for f in after["fields"]}["Everyone"].startswith("★★★★½ 4.5 (1 rating)")

    (where,) = (await discord_stub.invoke("where", {"drama": "Crash Landing on You"})).embeds
    assert where["description"] == "No streaming information yet. Curators can add it with /catalogue."


async def test_where_fetches_live_providers_by_the_bundled_tmdb_id(discord_stub, start_bot):
    tmdb = await BundledTMDB().start()
    try:
        await start_bot({"TMDB_API_KEY": "test-key", "TMDB_API_BASE": tmdb.base})
        (embed,) = (
            await discord_stub.invoke("where", {"drama": "Crash Landing on You", "region": "KR"})
        ).embeds
        assert (f"/tv/{CLOY_TMDB}/watch/providers") in [path for path, _, _ in tmdb.requests]
        assert embed["footer"]["text"].startswith(ATTRIBUTION)
        assert "Netflix (subscription)" in embed["description"]
        (about,) = (await discord_stub.invoke("about", {})).embeds
        data = {f["name"]: f["value"] for f in about["fields"]}["Data"]
        assert "This product uses the TMDB API but is not endorsed or certified by TMDB" in data
    finally:
        await tmdb.stop()

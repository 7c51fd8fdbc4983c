"""/where with live TMDB data, through the real bot process, against local TMDB and Discord stand-ins."""

from __future__ import annotations

import asyncio
import time

from bot.models import Availability, Drama
from bot.store import Store
from bot.tmdb.client import ATTRIBUTION
from tests.bot.store.readbacks import upsert
from tests.tmdb_standin import TV_ID

GOBLIN = Drama(id=0, slug="goblin-2016", title="Goblin", episode_count=16, year=2016, country="KR",
               tmdb_id=TV_ID, poster_url="https://image.tmdb.org/t/p/w342/goblin.jpg")  # fmt: skip


async def seed(bot_env) -> None:
    store = await Store.open(bot_env["DATABASE_URL"])
    try:
        await upsert(store, GOBLIN, (), (Availability("Viki", "ads", ("US",)),))
    finally:
        await store.close()


async def test_where_shows_live_providers_with_attribution_and_falls_back_when_tmdb_is_slow(
    discord_stub, start_bot, bot_env, fake_tmdb
):
    await seed(bot_env)
    await start_bot({"TMDB_API_KEY": "test-key", "TMDB_API_BASE": fake_tmdb.base, "TMDB_CACHE_HOURS": "0.0003"})
    first = await discord_stub.invoke("where", {"drama": "goblin-2016", "region": "한국"})
    (embed,) = first.embeds
    assert embed["footer"]["text"].startswith(ATTRIBUTION)
    assert embed["description"].startswith("**In South Korea (KR):**")
    assert "Netflix (subscription)" in embed["description"] and "TVING" in embed["description"]
    assert "locale=KR" in embed["description"]
    assert embed["thumbnail"]["url"] == GOBLIN.poster_url
    everywhere = (await discord_stub.invoke("where", {"drama": "goblin-2016"})).embeds[0]["description"]
    assert "Viki (free with ads)" in everywhere and "Japan" in everywhere

    await asyncio.sleep(1.2)  # the cache (about 1 s) goes stale; TMDB now hangs
    fake_tmdb.delay = 6.0
    fake_tmdb.script("/tv/", "slow")
    started = time.monotonic()
    slow = await discord_stub.invoke("where", {"drama": "goblin-2016", "region": "KR"})
    assert time.monotonic() - started < 3.0
    footer = slow.embeds[0]["footer"]["text"]
    assert footer.startswith(ATTRIBUTION) and "last check" in footer
    assert "Netflix" in slow.embeds[0]["description"]

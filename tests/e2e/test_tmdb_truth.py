"""TMDB's data as members see it, through the real bot process, the Discord stand-in and the TMDB
stand-in, on SQLite and PostgreSQL:

* a TMDB season whose episode list skips episode 3 keeps the gap: episode 4 is stored as 4, and a
  member's score on it stays on 4 after TMDB fills 3 in (the bot's own refresh);
* a followed drama added last, behind hundreds of linked dramas, has its new episode announced within
  one refresh interval plus one (bounded) refresh run.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.models import Drama, Episode
from bot.store import Store
from tests.bot.store.readbacks import upsert, user_rating

from .standin import DEFAULT_MEMBER_PERMISSIONS
from .test_review_chart import chart_of, charted

MANAGER = str(int(DEFAULT_MEMBER_PERMISSIONS) | (1 << 5))  # Manage Server
GAP_ID = 9_960_101
FOLLOWED_ID = 9_960_102
TODAY = datetime.now(UTC).date()  # TMDB's status reads "airing" around the real today


@pytest.fixture(params=["sqlite", "postgres"])
def database(request: pytest.FixtureRequest, bot_env) -> str:
    """The bot's DATABASE_URL: the fresh SQLite file of bot_env, or a new empty PostgreSQL database."""
    return bot_env["DATABASE_URL"] if request.param == "sqlite" else request.getfixturevalue("pg_url")


def series(tmdb_id: int, name: str, episodes: int) -> dict[str, Any]:
    return {
        "id": tmdb_id, "name": name, "original_name": name, "first_air_date": TODAY.isoformat(),
        "origin_country": ["KR"], "status": "Returning Series", "in_production": True,
        "number_of_episodes": episodes, "genres": [{"id": 18, "name": "Drama"}],
        "seasons": [{"season_number": 1, "episode_count": episodes}], "alternative_titles": {"results": []},
        "external_ids": {},
    }  # fmt: skip


def season(numbers: list[int], dated: dict[int, str] | None = None) -> dict[str, Any]:
    dated = dated or {}
    return {"season_number": 1, "episodes": [
        {"episode_number": n, "name": f"Chapter {n}", **({"air_date": dated[n]} if n in dated else {})}
        for n in numbers]}  # fmt: skip


async def eventually(check, timeout: float = 30.0) -> None:  # noqa: ASYNC109
    async with asyncio.timeout(timeout):
        while not await check():  # noqa: ASYNC110 - state of another process (the database, Discord)
            await asyncio.sleep(0.1)


async def read(database: str, fn):
    store = await Store.open(database)
    try:
        return await fn(store)
    finally:
        await store.close()


def tmdb_env(fake, **more: str) -> dict[str, str]:
    return {"TMDB_API_KEY": "test-key", "TMDB_API_BASE": fake.base, **more}


async def test_a_tmdb_season_with_a_gap_keeps_the_gap(discord_stub, start_bot, fake_tmdb, database):
    fake_tmdb.own_series[GAP_ID] = series(GAP_ID, "Gap Street", 6)
    ahead = {n: (TODAY + timedelta(days=7 + n)).isoformat() for n in range(1, 7)}  # airs next week
    fake_tmdb.own_seasons[(GAP_ID, 1)] = season([1, 2, 4, 5, 6], ahead)  # TMDB's list skips episode 3
    # The refresh runs every 1.2 s and takes reminded dramas only (a batch of 0 others).
    await start_bot({"DATABASE_URL": database} | tmdb_env(fake_tmdb, TMDB_REFRESH_MINUTES="0.02",
                                                          TMDB_REFRESH_BATCH="0"))  # fmt: skip
    fan = discord_stub.make_user("fan")
    first = await discord_stub.invoke("review", {"drama": f"tmdb:{GAP_ID}"}, user=fan, timeout=15)
    guide = next(f for f in first.embeds[0]["fields"] if f["name"].startswith("Episode guide"))["value"]
    lines = guide.splitlines()
    assert lines[2].startswith("**Episode 3** — ") and lines[3].startswith("**Episode 4 · Chapter 4**")

    async def numbers(store: Store) -> list[int]:
        drama = await store.catalogue.by("tmdb_id", GAP_ID)
        return [e.number for e in await store.catalogue.episodes(drama.id)]

    assert await read(database, numbers) == [1, 2, 4, 5, 6]  # episode 4 is stored as 4
    rated = await discord_stub.invoke("rate", {"drama": "Gap Street", "score": 4.5, "episode": 4}, user=fan)
    assert "4.5" in rated.embeds[0]["description"]
    reminded = await discord_stub.invoke("remind on", {"drama": "Gap Street"}, user=fan)
    assert reminded.ephemeral and "direct message" in reminded.content

    fake_tmdb.own_seasons[(GAP_ID, 1)] = season([1, 2, 3, 4, 5, 6], ahead)  # TMDB fills the gap in

    async def filled() -> bool:
        return await read(database, numbers) == [1, 2, 3, 4, 5, 6]

    await eventually(filled)

    async def fans_score(store: Store) -> tuple:
        drama = await store.catalogue.by("tmdb_id", GAP_ID)
        return tuple(
            [
                await user_rating(store, user_id=int(fan["id"]), drama_id=drama.id, episode=n)
                for n in (3, 4)
            ]
        )

    assert await read(database, fans_score) == (None, 4.5)  # the score stayed on episode 4
    card = await charted(await discord_stub.invoke("review", {"drama": "Gap Street"}, user=fan))
    guide = next(f for f in card.message["embeds"][0]["fields"] if f["name"].startswith("Episode guide"))[
        "value"
    ]
    lines = guide.splitlines()
    assert lines[2].startswith("**Episode 3 · Chapter 3**") and "members —" in lines[2]
    assert lines[3].startswith("**Episode 4 · Chapter 4**") and "members 4.5 (1)" in lines[3]
    alt = chart_of(discord_stub, card.message)["description"]
    assert "This server (blue dashed line, squares): 1 of 6 episodes, average 4.5" in alt


async def test_a_followed_drama_added_last_is_announced_within_one_interval_and_one_run(
    discord_stub, start_bot, fake_tmdb, database, tmp_path
):
    """The bundled catalogue links ~1,300 dramas to TMDB (the stand-in knows none: each costs a request),
    145 of them not known to have ended and never refreshed, all ahead of the followed drama in the order
    added. Each run takes the followed drama first, then a batch of 3 others."""
    world = discord_stub.world
    interval = 1.2  # s: TMDB_REFRESH_MINUTES=0.02
    aired = datetime.combine(TODAY, datetime.min.time(), UTC) + timedelta(hours=14)  # 23:00 in Seoul
    clock = tmp_path / "clock.txt"
    clock.write_text((aired - timedelta(hours=1)).isoformat())
    env = {"DATABASE_URL": database, "AIRING_CYCLE_SECONDS": "0.2"}
    env |= tmdb_env(fake_tmdb, TMDB_REFRESH_MINUTES="0.02", TMDB_REFRESH_BATCH="3")
    await start_bot(env, clock=clock)

    # Added last, after the bundled catalogue: episode 1 dated today, episode 2 not listed by TMDB yet.
    fake_tmdb.own_series[FOLLOWED_ID] = series(FOLLOWED_ID, "Night Ferry", 2)
    fake_tmdb.own_seasons[(FOLLOWED_ID, 1)] = season([1], {1: TODAY.isoformat()})

    async def add(store: Store) -> int:
        drama = Drama(0, "night-ferry", "Night Ferry", 2, country="KR", status="airing", tmdb_id=FOLLOWED_ID)
        drama_id, _ = await upsert(store, drama, [Episode(1, title="Chapter 1", air_date=TODAY)])
        return drama_id

    drama_id = await read(database, add)

    async def order(store: Store) -> list[int]:
        return [c.drama_id for c in await store.refreshes.candidates() if c.status != "ended"]

    linked = await read(database, order)
    assert len(linked) > 100 and linked[-1] == drama_id  # behind every other linked drama in the order added
    channel = await world.add_text_channel("episodes")
    assert (await discord_stub.invoke("announce", {"channel": channel}, permissions=MANAGER)).ephemeral
    followed = await discord_stub.invoke("follow", {"drama": "night-ferry"}, permissions=MANAGER)
    assert "now follows *Night Ferry*" in followed.content

    clock.write_text(
        (aired + timedelta(minutes=5)).isoformat()
    )  # episode 1 airs: announced from the catalogue
    await eventually(lambda: _titles(world, channel, 1))
    assert [m["embeds"][0]["title"] for m in world.messages_in(channel)] == ["Night Ferry · Episode 1"]

    async def refreshed(store: Store) -> list:
        return [c for c in await store.refreshes.candidates() if c.refreshed_at is not None]

    async def steady() -> bool:  # a few runs done: the refresh client's burst of requests is spent
        return len(await read(database, refreshed)) >= 1 + 3 * 3

    await eventually(steady)

    # TMDB lists episode 2, aired today too (a double bill). One interval plus one run later it is stored and
    # the next cycle announces it. A run here is at most 1 + 2 requests for the followed drama and 3 for
    # the batch, at the refresh client's 1 request/s once its burst of 10 is spent: 6 s.
    fake_tmdb.own_seasons[(FOLLOWED_ID, 1)] = season([1, 2], {1: TODAY.isoformat(), 2: TODAY.isoformat()})
    started = time.monotonic()
    bound = interval + 6.0 + 0.2 + 3.0  # + one cycle, + slack for a loaded machine
    await eventually(lambda: _titles(world, channel, 2), timeout=bound + 10)
    took = time.monotonic() - started
    assert took <= bound, f"announced after {took:.1f} s, bound {bound:.1f} s"
    assert [m["embeds"][0]["title"] for m in world.messages_in(channel)] == [
        "Night Ferry · Episode 1", "Night Ferry · Episode 2",
    ]  # fmt: skip

    taken = await read(database, refreshed)
    # Bounded: runs so far took the followed drama and 3 others each, never the ~1,200 ended ones.
    assert all(c.status != "ended" or c.drama_id == drama_id for c in taken)
    assert len(taken) < len(linked)


async def _titles(world, channel: str, count: int) -> bool:
    return len(world.messages_in(channel)) >= count

"""Airing dramas through the real bot process: the commands with their bad input, then simulated
days driven through a clock file (``start_bot(clock=...)``): episodes air, the TMDB stand-in
moves an air date, the bot is SIGKILLed between a post and its bookkeeping and restarted. Every aired
episode is announced once, none twice.
"""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from bot.models import Drama, Episode
from bot.store import Store
from tests.bot.store.readbacks import upsert

from .channels import EMBED_LINKS, VIEW_CHANNEL, overwrite
from .standin import DEFAULT_MEMBER_PERMISSIONS, CommandNotSynced
from .waiting import db_rows, eventually

MANAGER = str(int(DEFAULT_MEMBER_PERMISSIONS) | (1 << 5))  # Manage Server
TMDB_ID = 9_950_001
# Episodes air at 23:00 in Seoul (no air time known), 14:00 UTC, one a day from BASE; dates around the real
# today so TMDB's status reads "airing".
BASE = datetime.now(UTC).date()


def aired_at(n: int, day: date = BASE) -> datetime:
    return datetime.combine(day + timedelta(days=n - 1), datetime.min.time(), UTC) + timedelta(hours=14)


def series(dates: dict[int, date]) -> tuple[dict, dict]:
    tv = {"id": TMDB_ID, "name": "Lovely Runner", "original_name": "선재 업고 튀어", "first_air_date": BASE.isoformat(),
          "origin_country": ["KR"], "status": "Returning Series", "in_production": True, "number_of_episodes": 4,
          "genres": [{"id": 18, "name": "Drama"}], "seasons": [{"season_number": 1, "episode_count": 4}],
          "alternative_titles": {"results": []}, "external_ids": {}}  # fmt: skip
    season = {
        "season_number": 1,
        "episodes": [{"episode_number": n, "air_date": d.isoformat()} for n, d in dates.items()],
    }
    return tv, season




async def seed(path: str) -> None:
    store = await Store.open(Path(path))
    try:
        dates = [BASE + timedelta(days=i) for i in range(4)]
        runner = Drama(
            0, "lovely-runner-tmdb", "Lovely Runner", 4, country="KR", status="airing", tmdb_id=TMDB_ID
        )
        await upsert(store, runner, [Episode(n, air_date=d) for n, d in enumerate(dates, 1)])
        ended = Drama(0, "long-gone", "Long Gone", 2, country="KR", status="ended")
        await upsert(
            store, ended, [Episode(1, air_date=date(2020, 1, 1)), Episode(2, air_date=date(2020, 1, 2))]
        )
        await upsert(
            store, Drama(0, "no-dates-yet", "No Dates Yet", 8, country="KR", status="airing")
        )
    finally:
        await store.close()


async def test_commands_then_simulated_days_with_a_kill_and_a_moved_date(
    discord_stub, start_bot, bot_env, tmp_path, fake_tmdb
):
    world = discord_stub.world
    world.nonce_window = 0  # only the bot's own check can stop a second post after the restart
    gid = discord_stub.guild_id
    good = await world.add_text_channel("episodes")
    blocked = await world.add_text_channel("no-embeds", overwrites=[overwrite(gid, deny=EMBED_LINKS)])
    hidden = await world.add_text_channel("hidden", overwrites=[overwrite(gid, deny=VIEW_CHANNEL)])
    fan = world.add_user("fan")
    shy = world.add_user("shy", dms_open=False)
    tv, season = series({n: BASE + timedelta(days=n - 1) for n in range(1, 5)})
    fake_tmdb.own_series[TMDB_ID], fake_tmdb.own_seasons[(TMDB_ID, 1)] = tv, season
    clock = tmp_path / "clock.txt"
    clock.write_text(aired_at(1).replace(hour=10).isoformat())
    await seed(bot_env["DATABASE_URL"])
    env = {"AIRING_CYCLE_SECONDS": "0.2", "TMDB_API_KEY": "test-key", "TMDB_API_BASE": fake_tmdb.base,
           "TMDB_REFRESH_MINUTES": "0.02"}  # fmt: skip
    bot = await start_bot(env, clock=clock)
    # The bundled catalogue (loaded at the first start) links hundreds of dramas to TMDB ids the stand-in does
    # not know: mark them ended, so the refresh works through this test's one airing drama only.
    conn = sqlite3.connect(bot_env["DATABASE_URL"])
    with conn:
        conn.execute(
            "UPDATE dramas SET status = 'ended' WHERE tmdb_id IS NOT NULL AND tmdb_id != ?", (TMDB_ID,)
        )
    conn.close()

    # ---- bad input, each answered privately, nothing stored ----
    with pytest.raises(CommandNotSynced):  # hidden from members without Manage Server
        await discord_stub.invoke("announce", {"channel": good})
    with pytest.raises(ValueError, match="above max_value 48"):  # Discord's client refuses it
        await discord_stub.invoke("announce", {"channel": good, "delay_hours": 49}, permissions=MANAGER)
    no_embeds = await discord_stub.invoke("announce", {"channel": blocked}, permissions=MANAGER)
    assert no_embeds.ephemeral and "missing Embed Links" in no_embeds.content
    cannot_see = await discord_stub.invoke(
        "announce", {"channel": hidden, "thread": True}, permissions=MANAGER
    )
    assert cannot_see.ephemeral and "View Channel" in cannot_see.content
    assert db_rows(bot_env["DATABASE_URL"], "SELECT * FROM announce_settings") == []
    ended = await discord_stub.invoke("follow", {"drama": "long-gone"}, permissions=MANAGER)
    assert ended.ephemeral and "has ended" in ended.content
    undated = await discord_stub.invoke("follow", {"drama": "no-dates-yet"}, permissions=MANAGER)
    assert undated.ephemeral and "no air dates" in undated.content
    member = await discord_stub.invoke("follow", {"drama": "lovely-runner-tmdb"})
    assert member.ephemeral and "Only this server's admins" in member.content
    not_airing = await discord_stub.invoke("remind on", {"drama": "long-gone"}, user=fan)
    assert not_airing.ephemeral and "not airing" in not_airing.content
    nothing = await discord_stub.invoke("unfollow", {"drama": "lovely-runner-tmdb"}, permissions=MANAGER)
    assert nothing.ephemeral and "does not follow" in nothing.content
    assert db_rows(bot_env["DATABASE_URL"], "SELECT * FROM follows") == []
    assert db_rows(bot_env["DATABASE_URL"], "SELECT * FROM reminders") == []

    # ---- the settings that work ----
    ok = await discord_stub.invoke("announce", {"channel": good, "thread": True}, permissions=MANAGER)
    assert ok.ephemeral and f"<#{good}>" in ok.content and "spoiler thread" in ok.content
    followed = await discord_stub.invoke("follow", {"drama": "lovely-runner-tmdb"}, permissions=MANAGER)
    assert followed.ephemeral and "now follows *Lovely Runner*" in followed.content
    again = await discord_stub.invoke("follow", {"drama": "lovely-runner-tmdb"}, permissions=MANAGER)
    assert "already follows" in again.content
    for user in (fan, shy):
        on = await discord_stub.invoke("remind on", {"drama": "lovely-runner-tmdb"}, user=user)
        assert on.ephemeral and "direct message" in on.content
    schedule = await discord_stub.invoke("schedule", {"days": 3, "scope": "followed"})
    text = schedule.embeds[0]["description"]
    assert "Lovely Runner · Ep 1 · <t:" in text and ":F>" in text and ":R>" in text and "Ep 4" not in text

    # ---- day 1: the post is made, the bot is killed before it hears back ----
    world.hold_answers = asyncio.Event()
    clock.write_text((aired_at(1) + timedelta(minutes=5)).isoformat())
    await eventually(lambda: len(world.messages_in(good)) == 1)
    bot.kill()  # SIGKILL: no shutdown, no bookkeeping
    await bot.wait(10)
    world.hold_answers.set()
    world.hold_answers = None
    assert db_rows(
        bot_env["DATABASE_URL"], "SELECT state, open_attempts FROM announcements WHERE kind = 'announce'"
    ) == [("pending", 1)]

    # ---- restarted past the lease: the bot looks before posting, and finds its post ----
    clock.write_text((aired_at(1) + timedelta(minutes=12)).isoformat())
    bot = await start_bot(env, clock=clock)
    await eventually(lambda: db_rows(bot_env["DATABASE_URL"],
                                     "SELECT count(*) FROM announcements WHERE state = 'pending'") == [(0,)])  # fmt: skip
    assert [m["embeds"][0]["title"] for m in world.messages_in(good)] == ["Lovely Runner · Episode 1"]
    dms = world.messages_in(world.dm_channel_of(fan["id"])["id"])
    assert [m["embeds"][0]["title"] for m in dms] == ["Lovely Runner · Episode 1"]

    # ---- TMDB postpones episode 2 by a day; the bot's refresh moves it ----
    tv, season = series(
        {1: BASE, 2: BASE + timedelta(days=2), 3: BASE + timedelta(days=3), 4: BASE + timedelta(days=4)}
    )
    fake_tmdb.own_seasons[(TMDB_ID, 1)] = season
    await eventually(lambda: db_rows(bot_env["DATABASE_URL"], "SELECT air_date FROM episodes e JOIN dramas d ON "
                                     "d.id = e.drama_id WHERE d.slug = 'lovely-runner-tmdb' AND e.number = 2")
                     == [((BASE + timedelta(days=2)).isoformat(),)])  # fmt: skip
    clock.write_text((aired_at(2) + timedelta(minutes=5)).isoformat())  # the old date: nothing airs
    await asyncio.sleep(1.0)  # five cycles
    assert len(world.messages_in(good)) == 1
    clock.write_text(
        (aired_at(2, BASE + timedelta(days=1)) + timedelta(minutes=5)).isoformat()
    )  # the new date
    await eventually(lambda: len(world.messages_in(good)) == 2)

    # ---- the member whose DMs are closed is told on their next command ----
    told = await discord_stub.invoke("schedule", {}, user=shy)
    await told.wait_until(lambda r: len(r.followups) >= 1)
    assert "paused" in told.followups[0]["content"] and told.followups[0]["flags"] & 64

    # The thread under episode 2's post is the request after it (a paced one): seen before stopping the bot.
    await eventually(lambda: len(world.threads) == 2)
    await bot.stop()
    titles = [m["embeds"][0]["title"] for m in world.messages_in(good)]
    assert titles == ["Lovely Runner · Episode 1", "Lovely Runner · Episode 2"]  # once each, none missed
    assert len(world.threads) == 2

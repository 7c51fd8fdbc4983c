"""/watchparty and /server timezone through the real bot process and the stand-in's scheduled events.

One bot per backend. On SQLite: every bad input answered privately with nothing created (a time in the
past, more than a year ahead, unreadable, a text channel, an episode the drama does not have, the bot
without Connect in the voice channel or without Create Events; one in Korean), then a voice event, an external event at the streaming service and one a member
cancels; the bot's file clock moves past their ends and "How was episode N?" is posted once for each
event that took place, never for the cancelled one. On PostgreSQL: a voice event and its one follow-up, and
an event a member deletes, without one.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.models import Availability, Drama, Episode
from bot.store import Store
from tests.bot.store.readbacks import upsert

from .channels import overwrite
from .events import CONNECT, CREATE_EVENTS, EXTERNAL, MANAGE_EVENTS, VOICE
from .standin import DEFAULT_MEMBER_PERMISSIONS, CommandNotSynced
from .waiting import db_rows, eventually

MANAGE_SERVER = 1 << 5
HOST = str(int(DEFAULT_MEMBER_PERMISSIONS) | MANAGE_EVENTS | MANAGE_SERVER)
SLUG = "moonlit-ferry"


async def seed(url: str) -> None:
    store = await Store.open(url if url.startswith("postgresql") else Path(url))
    try:
        drama = Drama(0, SLUG, "Moonlit Ferry", 8, country="KR", status="ended")
        where = (Availability("Netflix", "subscription", ("KR", "JP"), "https://www.netflix.com/title/1"),
                 Availability("Viki", "free", ("US",)))  # fmt: skip
        await upsert(store, drama, [Episode(n) for n in range(1, 9)], where)
    finally:
        await store.close()


def start_clock(path: Path) -> datetime:
    """The bot's clock at the real time (Discord's, the stand-in's, is real: event starts must be ahead)."""
    now = datetime.now(UTC).replace(microsecond=0)
    path.write_text(now.isoformat())
    return now


async def test_watchparty_bad_input_events_and_one_follow_up_each(discord_stub, start_bot, bot_env, tmp_path):
    world, events = discord_stub.world, discord_stub.events
    gid, voice = discord_stub.guild_id, discord_stub.voice_channel_id
    text_channel = await world.add_text_channel("chat")
    database = bot_env["DATABASE_URL"]
    await seed(database)
    clock = tmp_path / "clock.txt"
    now = start_clock(clock)
    await start_bot({"AIRING_CYCLE_SECONDS": "0.2"}, clock=clock)

    # ---- /server timezone ----
    choices = await discord_stub.autocomplete("server timezone", {"zone": "seoul"}, "zone", permissions=HOST)
    assert [c["value"] for c in choices] == ["Asia/Seoul"]
    unknown = await discord_stub.invoke("server timezone", {"zone": "Mars/Olympus"}, permissions=HOST)
    assert unknown.ephemeral and "not a time zone I know" in unknown.content
    region = await discord_stub.invoke("server region", {"country": "KR"}, permissions=HOST)
    assert region.ephemeral
    settings = await discord_stub.invoke("server settings", {}, permissions=HOST)
    fields = {f["name"]: f["value"] for f in settings.embeds[0]["fields"]}
    assert fields["Time zone"].startswith("Asia/Seoul (the region's)")
    zone = await discord_stub.invoke("server timezone", {"zone": "asia/tokyo"}, permissions=HOST)
    assert zone.ephemeral and "**Asia/Tokyo**" in zone.content
    assert db_rows(database, "SELECT timezone FROM guild_settings") == [("Asia/Tokyo",)]
    back = await discord_stub.invoke("server timezone", {"zone": "Asia/Seoul"}, permissions=HOST)
    assert "**Asia/Seoul**" in back.content

    # ---- `when` as the bot reads it, while it is typed ----
    preview = await discord_stub.autocomplete(
        "watchparty", {"drama": SLUG, "when": "in 2 hours"}, "when", permissions=HOST
    )
    local = (now + timedelta(hours=11)).strftime("%Y-%m-%d %H:%M")  # Seoul is UTC+9
    assert preview == [{"name": f"{local} · Asia/Seoul", "value": "in 2 hours"}]
    (gone,) = await discord_stub.autocomplete(
        "watchparty", {"drama": SLUG, "when": "2020-01-01 21:00"}, "when", permissions=HOST
    )
    assert gone["name"] == "That time has already passed (2020-01-01 21:00). Pick a time in the future."

    # ---- bad input: a private answer each, nothing created ----
    with pytest.raises(CommandNotSynced):  # hidden from members without Manage Events
        await discord_stub.invoke("watchparty", {"drama": SLUG, "when": "in 2 hours"})
    refusals = {
        "2020-01-01 21:00": "already passed",
        f"{now.year + 2}-01-01 21:00": "more than a year ahead",
        "whenever suits": "could not read",
        "02-30 21:00": "no such date",
    }
    for when, said in refusals.items():
        answer = await discord_stub.invoke("watchparty", {"drama": SLUG, "when": when}, permissions=HOST)
        assert answer.ephemeral and said in answer.content, (when, answer.content)
    not_voice = await discord_stub.invoke(
        "watchparty", {"drama": SLUG, "when": "in 2 hours", "channel": text_channel}, permissions=HOST
    )
    assert not_voice.ephemeral and f"<#{text_channel}> is not a voice or stage channel" in not_voice.content
    too_far = await discord_stub.invoke(
        "watchparty", {"drama": SLUG, "when": "in 2 hours", "episode": 9}, permissions=HOST
    )
    assert too_far.ephemeral and "has 8 episodes: there is no episode 9" in too_far.content
    await world.set_overwrites(voice, [overwrite(gid, deny=CONNECT)])
    no_connect = await discord_stub.invoke(
        "watchparty", {"drama": SLUG, "when": "in 2 hours", "channel": voice}, permissions=HOST
    )
    assert no_connect.ephemeral and f"<#{voice}>: I am missing Connect there" in no_connect.content
    await world.set_overwrites(voice, [])
    korean = world.add_user("korean")
    discord_stub.set_locale(korean, "ko")
    past = await discord_stub.invoke(
        "watchparty", {"drama": SLUG, "when": "2020-01-01 21:00"}, user=korean, permissions=HOST
    )
    assert past.ephemeral and past.content.startswith("그 시간은 이미 지났습니다")
    everyone = int(DEFAULT_MEMBER_PERMISSIONS) & ~(CREATE_EVENTS | MANAGE_EVENTS)
    await world.set_role_permissions(gid, everyone)  # @everyone: no Create Events (the bot's role has none)
    no_rights = await discord_stub.invoke(
        "watchparty", {"drama": SLUG, "when": "in 2 hours"}, permissions=HOST
    )
    assert no_rights.ephemeral and "I need the **Create Events**" in no_rights.content
    await world.set_role_permissions(gid, int(DEFAULT_MEMBER_PERMISSIONS))
    assert events.events == {} and events.refusals == []
    assert db_rows(database, "SELECT count(*) FROM watch_parties") == [(0,)]

    # ---- a voice event, an external one, and one a member cancels ----
    voiced = await discord_stub.invoke(
        "watchparty", {"drama": SLUG, "when": "in 2 hours", "episode": 3, "channel": voice}, permissions=HOST
    )
    assert not voiced.ephemeral and f"https://discord.com/events/{gid}/" in voiced.content
    (first,) = events.in_guild()
    assert first["entity_type"] == VOICE and first["channel_id"] == voice
    assert first["name"] == "Moonlit Ferry · episode 3 watch party"
    assert datetime.fromisoformat(first["scheduled_start_time"]) == now + timedelta(hours=2)
    assert f"{gid}/{first['id']}" in voiced.content
    external = await discord_stub.invoke(
        "watchparty", {"drama": SLUG, "when": "tomorrow 21:00", "episode": 4}, permissions=HOST
    )
    second = next(e for e in events.in_guild() if e["id"] != first["id"])
    assert second["entity_type"] == EXTERNAL and second["channel_id"] is None
    assert second["entity_metadata"] == {"location": "Netflix (subscription)"}
    start = datetime.fromisoformat(second["scheduled_start_time"])
    seoul = (now + timedelta(hours=9)).date() + timedelta(days=1)  # tomorrow in Seoul (UTC+9, no DST)
    assert start == datetime(seoul.year, seoul.month, seoul.day, 12, tzinfo=UTC)  # 21:00 KST
    assert datetime.fromisoformat(second["scheduled_end_time"]) == start + timedelta(minutes=90)
    assert "Where to watch in South Korea" in second["description"] and "Netflix" in second["description"]
    assert "Viki" not in second["description"]
    assert external.content.count("discord.com/events/") == 1
    cancelled = await discord_stub.invoke(
        "watchparty", {"drama": SLUG, "when": "in 3 hours", "episode": 5, "channel": voice}, permissions=HOST
    )
    third = next(e for e in events.in_guild() if e["id"] not in (first["id"], second["id"]))
    assert f"{gid}/{third['id']}" in cancelled.content
    await events.cancel(third["id"])
    assert db_rows(database, "SELECT episode, posted FROM watch_parties ORDER BY episode") == [
        (3, 0),
        (4, 0),
        (5, 0),
    ]

    # ---- after the events: one "How was episode N?" each, none for the cancelled one ----
    before = len(world.messages_in(discord_stub.channel_id))
    clock.write_text((now + timedelta(hours=4)).isoformat())  # the voice party ended; the others not
    await eventually(lambda: len(world.messages_in(discord_stub.channel_id)) == before + 1)
    clock.write_text((now + timedelta(days=3)).isoformat())
    await eventually(
        lambda: db_rows(database, "SELECT count(*) FROM watch_parties WHERE posted = 0") == [(0,)]
    )
    await asyncio.sleep(1.0)  # five more cycles: nothing more is posted
    posted = [m["content"] for m in world.messages_in(discord_stub.channel_id)[before:]]
    assert posted == [
        "How was episode 3 of *Moonlit Ferry*? Rate it with `/rate`.",
        "How was episode 4 of *Moonlit Ferry*? Rate it with `/rate`.",
    ]
    assert db_rows(database, "SELECT episode, posted FROM watch_parties ORDER BY episode") == [
        (3, 1),
        (4, 1),
        (5, 2),
    ]


async def test_watchparty_on_postgresql(discord_stub, start_bot, pg_url, tmp_path):
    await seed(pg_url)
    clock = tmp_path / "clock.txt"
    now = start_clock(clock)
    await start_bot({"DATABASE_URL": pg_url, "AIRING_CYCLE_SECONDS": "0.2"}, clock=clock)
    voice = discord_stub.voice_channel_id
    past = await discord_stub.invoke(
        "watchparty", {"drama": SLUG, "when": "2020-01-01 21:00"}, permissions=HOST
    )
    assert past.ephemeral and "already passed" in past.content
    made = await discord_stub.invoke(
        "watchparty",
        {"drama": SLUG, "when": "in 30 minutes", "episode": 1, "channel": voice},
        permissions=HOST,
    )
    (event,) = discord_stub.events.in_guild()
    assert f"{discord_stub.guild_id}/{event['id']}" in made.content and event["entity_type"] == VOICE
    await discord_stub.invoke(
        "watchparty", {"drama": SLUG, "when": "in 1 hour", "episode": 2}, permissions=HOST
    )
    (deleted,) = [e for e in discord_stub.events.in_guild() if e["id"] != event["id"]]
    await discord_stub.events.delete(deleted["id"])  # a member deletes it: no follow-up
    before = len(discord_stub.world.messages_in(discord_stub.channel_id))
    clock.write_text((now + timedelta(hours=3)).isoformat())
    await eventually(lambda: len(discord_stub.world.messages_in(discord_stub.channel_id)) == before + 1)
    await asyncio.sleep(1.0)
    posted = [m["content"] for m in discord_stub.world.messages_in(discord_stub.channel_id)[before:]]
    assert posted == ["How was episode 1 of *Moonlit Ferry*? Rate it with `/rate`."]

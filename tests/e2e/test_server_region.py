"""A server's region (/server region, issue 13 item 4) through the real bot process and the Discord stand-in:
the bad input first (nothing stored), then the region is set, /where defaults to it, an episode airs on the
test clock and its announcement shows where to watch in that region; cleared, the next one does not.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest

from bot.models import Availability, Drama, Episode
from bot.store import Store
from tests.bot.store.readbacks import upsert

from .standin import DEFAULT_MEMBER_PERMISSIONS, CommandNotSynced
from .test_airing_bot import eventually

MANAGER = str(int(DEFAULT_MEMBER_PERMISSIONS) | (1 << 5))  # Manage Server
ADMIN = str(int(DEFAULT_MEMBER_PERMISSIONS) | (1 << 3))  # Administrator
FIRST = date(2026, 12, 1)  # episode n airs at 21:00 in Seoul (12:00 UTC) on 1 December + (n - 1) days


def aired(n: int) -> datetime:
    return datetime.combine(FIRST + timedelta(days=n - 1), time(12, 0), UTC)


def rows(path: str, sql: str) -> list[tuple]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


async def seed(path: str) -> None:
    store = await Store.open(Path(path))
    try:
        runner = Drama(0, "lovely-runner", "Lovely Runner", 4, country="KR", status="airing")
        episodes = [
            Episode(n, air_date=FIRST + timedelta(days=n - 1), air_time=time(21, 0)) for n in range(1, 5)
        ]
        availability = [
            Availability("Tving", "subscription", ("KR",), "https://tving.example/lr", date(2026, 11, 20)),
            Availability("Viki", "ads", ("US", "CA"), "https://viki.example/lr", date(2026, 11, 21)),
        ]
        await upsert(store, runner, episodes, availability)
    finally:
        await store.close()


async def test_server_region_drives_announcements_and_where(discord_stub, start_bot, bot_env, tmp_path):
    world = discord_stub.world
    database = bot_env["DATABASE_URL"]
    channel = await world.add_text_channel("episodes")
    clock = tmp_path / "clock.txt"
    clock.write_text((aired(1) - timedelta(hours=1)).isoformat())
    await seed(database)
    await start_bot({"AIRING_CYCLE_SECONDS": "0.2"}, clock=clock)

    # ---- bad input: private answers, nothing stored ----
    # hidden from members without Manage Server (and refused by the bot too: test_managed_guild_...)
    with pytest.raises(CommandNotSynced, match="needs permissions"):
        await discord_stub.invoke("server region", {"country": "KR"})
    unknown = await discord_stub.invoke("server region", {"country": "Narnia"}, permissions=MANAGER)
    assert unknown.ephemeral and "I don't know the region 'Narnia'" in unknown.content
    nothing = await discord_stub.invoke("server region-clear", {}, permissions=MANAGER)
    assert nothing.ephemeral and "no region set" in nothing.content
    assert rows(database, "SELECT * FROM guild_settings") == []
    offered = await discord_stub.autocomplete(
        "server region", {"country": "kor"}, "country", permissions=MANAGER
    )
    assert offered[0] == {"name": "South Korea (KR) · 한국", "value": "KR"}

    # ---- the settings: announcements, a followed drama, the region ----
    ok = await discord_stub.invoke("announce", {"channel": channel}, permissions=MANAGER)
    assert ok.ephemeral and f"<#{channel}>" in ok.content
    followed = await discord_stub.invoke("follow", {"drama": "lovely-runner"}, permissions=MANAGER)
    assert followed.ephemeral and "now follows" in followed.content
    region = await discord_stub.invoke("server region", {"country": "Korea"}, permissions=ADMIN)
    assert region.ephemeral and "This server's region is now **South Korea (KR)**." in region.content
    assert "/announce" not in region.content  # the channel is chosen already
    assert rows(database, "SELECT region FROM guild_settings") == [("KR",)]
    settings = await discord_stub.invoke("server settings", {}, permissions=MANAGER)
    fields = {f["name"]: f["value"] for f in settings.embeds[0]["fields"]}
    assert settings.ephemeral and fields["Region"] == "South Korea (KR)"
    assert fields["New-episode announcements"] == f"<#{channel}>" and fields["Followed dramas"].startswith(
        "1 "
    )

    # ---- /where without a region: the server's, said so; an explicit region still wins ----
    here = (await discord_stub.invoke("where", {"drama": "lovely-runner"})).embeds[0]["description"]
    assert here.startswith("-# South Korea (KR) is this server's region.")
    assert "**In South Korea (KR):**" in here and "Tving" in here
    there = (await discord_stub.invoke("where", {"drama": "lovely-runner", "region": "US"})).embeds[0]
    assert "this server's region" not in there["description"] and "Viki" in there["description"]
    assert "**In United States (US):**" in there["description"]

    # ---- episode 1 airs: its announcement shows where to watch in South Korea, and only there ----
    clock.write_text((aired(1) + timedelta(minutes=5)).isoformat())
    await eventually(lambda: len(world.messages_in(channel)) == 1)
    (card,) = world.messages_in(channel)[0]["embeds"]
    assert card["title"] == "Lovely Runner · Episode 1"
    (field,) = card["fields"]
    assert field["name"] == "Where to watch in South Korea"
    assert field["value"] == "[Tving](https://tving.example/lr) (subscription) · checked 2026-11-20"

    # ---- cleared: the next announcement has no where-to-watch field, /where lists every country ----
    cleared = await discord_stub.invoke("server region-clear", {}, permissions=MANAGER)
    assert cleared.ephemeral and "cleared (it was South Korea (KR))" in cleared.content
    assert rows(database, "SELECT region FROM guild_settings") == [(None,)]
    everywhere = (await discord_stub.invoke("where", {"drama": "lovely-runner"})).embeds[0]["description"]
    assert "this server's region" not in everywhere and "Tving" in everywhere and "Viki" in everywhere
    clock.write_text((aired(2) + timedelta(minutes=5)).isoformat())
    await eventually(lambda: len(world.messages_in(channel)) == 2)
    second = world.messages_in(channel)[1]["embeds"][0]
    assert second["title"] == "Lovely Runner · Episode 2" and not second.get("fields")
    audit = rows(
        database, "SELECT action, actor_id, before, after FROM catalogue_audit WHERE action = 'region'"
    )
    assert [(a, b, c) for a, _, b, c in audit] == [
        ("region", '{"region": null}', '{"region": "KR"}'),
        ("region", '{"region": "KR"}', '{"region": null}'),
    ]


async def test_not_in_direct_messages(discord_stub, start_bot):
    """Synced globally (no DEV_GUILD_ID), /server is a server-only command: a DM does not offer it."""
    await start_bot({"DEV_GUILD_ID": None})
    with pytest.raises(CommandNotSynced, match="not available in DMs"):
        await discord_stub.invoke("server region", {"country": "KR"}, guild=False, permissions=MANAGER)
    where = await discord_stub.invoke("where", {"drama": "Goblin"}, guild=False)  # no server: no default
    assert "this server's region" not in where.embeds[0]["description"]


async def test_server_region_in_korean(discord_stub, start_bot, bot_env):
    member = discord_stub.make_user("minji")
    discord_stub.set_locale(member, "ko")
    await seed(bot_env["DATABASE_URL"])
    await start_bot()
    unknown = await discord_stub.invoke(
        "server region", {"country": "Narnia"}, user=member, permissions=MANAGER
    )
    assert unknown.ephemeral and unknown.content.startswith("'Narnia'(이)라는 지역을 모릅니다.")
    region = await discord_stub.invoke("server region", {"country": "한국"}, user=member, permissions=MANAGER)
    assert region.content.startswith("이 서버의 지역을 **South Korea (KR)**(으)로 정했습니다.")
    assert "`/알림채널`로 채널을 정해야" in region.content  # no announcement channel yet
    settings = (await discord_stub.invoke("server settings", {}, user=member, permissions=MANAGER)).embeds[0]
    assert settings["title"] == "이 서버의 설정"
    assert [f["name"] for f in settings["fields"]] == [
        "지역",
        "시간대",
        "새 회차 알림",
        "팔로우한 드라마",
        "큐레이터 역할",
    ]
    where = (await discord_stub.invoke("where", {"drama": "lovely-runner"}, user=member)).embeds[0]
    assert where["description"].startswith("-# South Korea (KR): 이 서버의 지역입니다.")
    cleared = await discord_stub.invoke("server region-clear", {}, user=member, permissions=MANAGER)
    assert cleared.content.startswith("이 서버의 지역을 지웠습니다 (이전: South Korea (KR)).")
    # The command's Korean name, as Discord shows it to this member
    synced = next(c for c in discord_stub.commands[f"guild:{discord_stub.guild_id}"] if c["name"] == "server")
    assert synced["name_localizations"]["ko"] == "서버"
    subs = {o["name"]: o["name_localizations"]["ko"] for o in synced["options"]}
    assert subs == {"settings": "설정", "region": "지역", "region-clear": "지역-해제", "timezone": "시간대"}


@pytest.fixture(params=["sqlite", "postgres"])
def location(request: pytest.FixtureRequest, tmp_path: Path) -> Path | str:
    return tmp_path / "bot.db" if request.param == "sqlite" else request.getfixturevalue("pg_migrated_url")


async def test_a_cycle_shows_each_servers_region_with_tmdbs_last_check(discord_stub, location):
    """run_cycle in the test process (a real discord.py client, both backends): two servers follow one drama,
    one with its region set to Japan, one with none. The Japanese server's card lists the catalogue's entry and
    the services of the last stored TMDB check for Japan (no TMDB request in the cycle); the other has no field."""
    from bot.airing.announcer import Dispatcher
    from bot.airing.scheduler import StoreLedger, run_cycle
    from bot.models import AnnounceSettings
    from tests.clocks import ManualClock

    from .inprocess import connected_client

    world = discord_stub.world
    japan = await world.add_text_channel("japan-episodes")
    other_guild = discord_stub.add_guild("elsewhere")
    plain = await world.add_text_channel("plain-episodes", guild_id=other_guild)
    clock = ManualClock(aired(1) + timedelta(minutes=5))
    store = await Store.open(location)
    try:
        drama = Drama(0, "tmdb-runner", "TMDB Runner", 4, country="KR", status="airing", tmdb_id=424242)
        curated = [Availability("Curated JP", "free", ("JP",)), Availability("Curated KR", "free", ("KR",))]
        drama_id, _ = await upsert(
            store, drama, [Episode(1, air_date=FIRST, air_time=time(21, 0))], curated
        )
        checked = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
        await store.caches.store_providers(drama_id, 424242, checked, {
            "JP": {"link": "https://tmdb.example/jp", "offers": [["Netflix", "subscription", "/n.png"]]},
            "KR": {"link": "https://tmdb.example/kr", "offers": [["Tving", "subscription", "/t.png"]]},
        })  # fmt: skip
        for guild, channel in ((int(discord_stub.guild_id), japan), (int(other_guild), plain)):
            await store.airing.set_announce(AnnounceSettings(guild, int(channel)), set_by=1, now=clock.now())
            await store.airing.follow(guild, drama_id, by=1, now=clock.now())
        await store.curation.set_guild_region(int(discord_stub.guild_id), "JP", actor_id=1, actor_name=None)
        async with connected_client(discord_stub) as client:
            report = await run_cycle(store, clock, Dispatcher(client, StoreLedger(store, clock)))
        assert [o.status.value for o in report.outcomes] == ["posted", "posted"]
        (field,) = world.messages_in(japan)[0]["embeds"][0]["fields"]
        assert field["name"] == "Where to watch in Japan"
        assert field["value"].splitlines() == [
            "Netflix (subscription) · checked 2026-11-30",
            "Curated JP (free) · not checked yet",
        ]
        assert not world.messages_in(plain)[0]["embeds"][0].get("fields")
    finally:
        await store.close()

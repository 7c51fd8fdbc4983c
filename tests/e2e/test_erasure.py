"""Complete erasure and others' data through the real bot process and the Discord stand-in.

* After /privacy delete-my-data, a new episode of a drama the member asked reminders for sends them no
  DM, while another member with the same reminder gets theirs (on SQLite and on PostgreSQL); the
  confirmation counted the reminder and the record of the DM already sent, and nothing holding the
  member's id is left.
* /profile, /watchlist show and /match show another member only inside a server both are in: in a DM the
  answer is a clear private refusal, and one's own data shows there as anywhere. A private member's own
  /match is answered privately.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest

from bot.models import Drama, Episode
from bot.store import Store
from tests.bot.store.readbacks import upsert
from tests.e2e.test_commands import TITLE

from .waiting import eventually

# Episodes air at 21:00 in Seoul (12:00 UTC), one a day from BASE, around the real today (so /remind takes
# the drama as airing).
BASE = datetime.now(UTC).date()
REFUSED = (
    "In a direct message I only show your own list, profile and matches. "
    "Ask in a server you and that member are both in."
)


def aired_at(n: int) -> datetime:
    return datetime.combine(BASE + timedelta(days=n - 1), time(12, 0), UTC)


@pytest.fixture(params=["sqlite", "postgres"])
def database(request: pytest.FixtureRequest, bot_env: dict[str, str]) -> str:
    """The bot's DATABASE_URL: a SQLite file, or a new empty PostgreSQL database."""
    return bot_env["DATABASE_URL"] if request.param == "sqlite" else request.getfixturevalue("pg_url")


async def seed(location: str) -> None:
    store = await Store.open(location if "://" in location else Path(location))
    try:
        runner = Drama(0, "lovely-runner", "Lovely Runner", 4, country="KR", status="airing")
        eps = [Episode(n, air_date=BASE + timedelta(days=n - 1), air_time=time(21, 0)) for n in range(1, 5)]
        await upsert(store, runner, eps)
    finally:
        await store.close()


async def rows(location: str, sql: str) -> list[tuple]:
    store = await Store.open(location if "://" in location else Path(location))
    try:
        return [tuple(r) for r in await store.db.fetch(sql)]
    finally:
        await store.close()



def dm_titles(world, user: dict) -> list[str]:  # noqa: ANN001 - the stand-in's world
    channel = world.dm_channel_of(user["id"])
    return [] if channel is None else [m["embeds"][0]["title"] for m in world.messages_in(channel["id"])]


async def test_after_delete_my_data_a_new_episode_sends_that_member_no_dm(
    discord_stub, start_bot, tmp_path, database
):
    world = discord_stub.world
    gone, stays = world.add_user("gone"), world.add_user("stays")
    uid = int(gone["id"])
    clock = tmp_path / "clock.txt"
    clock.write_text((aired_at(1) - timedelta(hours=2)).isoformat())
    await seed(database)
    await start_bot({"DATABASE_URL": database, "AIRING_CYCLE_SECONDS": "0.2"}, clock=clock)
    for user in (gone, stays):
        on = await discord_stub.invoke("remind on", {"drama": "lovely-runner"}, user=user)
        assert on.ephemeral and "direct message" in on.content
    await discord_stub.invoke("rate", {"drama": TITLE, "score": 4}, user=gone)

    # Episode 1 airs: both are reminded.
    clock.write_text((aired_at(1) + timedelta(minutes=5)).isoformat())
    await eventually(
        lambda: dm_titles(world, gone) == dm_titles(world, stays) == ["Lovely Runner · Episode 1"]
    )

    asked = await discord_stub.invoke("privacy delete-my-data", {}, user=gone)
    assert asked.ephemeral and asked.content.startswith(
        "This erases everything dramabot stores about you: 1 rating, 0 dramas on your watch list, "
        "1 reminder, 1 record of a reminder sent, the id of your direct-message channel with dramabot, "
        "and no settings."
    )
    (button,) = asked.custom_ids()
    done = await discord_stub.click(asked, button, user=gone)
    assert done.content.startswith(
        "Done. Removed 1 rating, 0 dramas from your watch list, 1 reminder, 1 record of a reminder sent, "
        "the id of your direct-message channel with dramabot, and no settings."
    )
    assert await rows(database, f"SELECT count(*) FROM reminders WHERE user_id = {uid}") == [(0,)]
    assert await rows(database, f"SELECT count(*) FROM announcements WHERE user_id = {uid}") == [(0,)]
    assert await rows(database, f"SELECT count(*) FROM dm_channels WHERE user_id = {uid}") == [(0,)]

    # Episode 2 airs: the other member is reminded, the erased one is not.
    clock.write_text((aired_at(2) + timedelta(minutes=5)).isoformat())
    await eventually(lambda: len(dm_titles(world, stays)) == 2)
    assert dm_titles(world, stays) == ["Lovely Runner · Episode 1", "Lovely Runner · Episode 2"]
    # Their DM channel was opened once, for the first wave, and remembered for the second.
    opened = [r for r in discord_stub.requests if r.method == "POST" and r.path == "/users/@me/channels"]
    assert [str(r.body["recipient_id"]) for r in opened].count(stays["id"]) == 1
    channel = world.dm_channel_of(stays["id"])["id"]
    assert await rows(database, f"SELECT channel_id FROM dm_channels WHERE user_id = {stays['id']}") == [
        (int(channel),)
    ]
    await asyncio.sleep(1.0)  # five more cycles: nothing comes late either
    assert dm_titles(world, gone) == ["Lovely Runner · Episode 1"], "no DM after the erasure"
    assert await rows(database, f"SELECT count(*) FROM announcements WHERE user_id = {uid}") == [(0,)]
    again = await discord_stub.invoke("privacy delete-my-data", {}, user=gone)
    assert again.content.startswith("dramabot stores nothing about you")


async def test_others_data_only_inside_a_server_and_a_private_match_answers_privately(
    discord_stub, start_bot, bot_env
):
    await start_bot(env_overrides={"DEV_GUILD_ID": None})  # global commands: usable in DMs too
    minji, jisoo = discord_stub.make_user("minji"), discord_stub.make_user("jisoo")
    for user in (minji, jisoo):  # five shared dramas: a match can be made
        for title, score in (("goblin", 4), (TITLE, 4.5), ("Crash Landing on You", 3), ("Vincenzo", 5),
                             ("Itaewon Class", 2)):  # fmt: skip
            await discord_stub.invoke("rate", {"drama": title, "score": score}, user=user)
    await discord_stub.invoke("watchlist set", {"drama": "goblin", "status": "completed"}, user=minji)

    # In a server both are in: another member's profile, list and match show.
    assert (await discord_stub.invoke("profile", {"member": minji}, user=jisoo)).embeds[0]["title"] == (
        "Minji's profile"
    )
    shown = await discord_stub.invoke("watchlist show", {"member": minji}, user=jisoo)
    assert shown.embeds[0]["title"] == "Minji's watch list"
    matched = await discord_stub.invoke("match", {"member": minji}, user=jisoo)
    assert matched.embeds and not matched.ephemeral

    # In a DM: the same requests are refused, privately, naming nothing of the member.
    for command, options in (("profile", {"member": minji}), ("watchlist show", {"member": minji}),
                             ("match", {"member": minji}), ("profile", {"member": "123456789012345678"})):  # fmt: skip
        refused = await discord_stub.invoke(command, options, user=jisoo, guild=False)
        assert refused.ephemeral and refused.content == REFUSED and not refused.embeds, command
    # One's own data shows in a DM too.
    own = await discord_stub.invoke("profile", {}, user=minji, guild=False)
    assert own.embeds[0]["title"] == "Minji's profile"
    named_self = await discord_stub.invoke("watchlist show", {"member": minji}, user=minji, guild=False)
    assert named_self.embeds[0]["title"] == "Minji's watch list"
    # A page button of one's own list, pressed by someone else in a DM (a forged click), is refused too.
    for slug in ("Crash Landing on You", "Vincenzo", "Itaewon Class", TITLE, "Reply 1988", "Signal", "Misaeng",
                 "Stranger", "Kingdom", "Move to Heaven", "Hospital Playlist"):  # fmt: skip
        await discord_stub.invoke("watchlist set", {"drama": slug, "status": "plan"}, user=minji)
    paged = await discord_stub.invoke("watchlist show", {}, user=minji, guild=False)
    assert paged.embeds[0]["footer"]["text"].startswith("12 dramas")
    forged = await discord_stub.click(paged, paged.custom_ids()[1], user=jisoo)
    assert forged.ephemeral and forged.content == REFUSED and not forged.embeds
    mine = await discord_stub.click(paged, paged.custom_ids()[1], user=minji)
    assert mine.callback_type == 7 and mine.embeds[0]["footer"]["text"] == "12 dramas · page 2/2"

    # A private member's own match is answered privately; a public member's stays in the channel.
    await discord_stub.invoke("privacy list", {"visibility": "private"}, user=jisoo)
    private = await discord_stub.invoke("match", {"member": minji}, user=jisoo)
    assert private.ephemeral and private.embeds[0]["title"] == "Taste match · Jisoo & Minji"
    hidden = await discord_stub.invoke("match", {"member": jisoo}, user=minji)
    assert hidden.ephemeral and hidden.content == "Jisoo keeps their watch list, profile and matches private."


async def test_the_refusal_in_korean(discord_stub, start_bot):
    await start_bot(env_overrides={"DEV_GUILD_ID": None})  # global commands: usable in DMs too
    minji, jisoo = discord_stub.make_user("minji"), discord_stub.make_user("jisoo")
    discord_stub.set_locale(jisoo, "ko")
    refused = await discord_stub.invoke("profile", {"member": minji}, user=jisoo, guild=False)
    assert refused.ephemeral and refused.content == (
        "DM에서는 내 목록, 프로필, 취향 비교만 보여 드립니다. 그 회원과 함께 있는 서버에서 물어보세요."
    )

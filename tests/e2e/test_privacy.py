"""/privacy through the real bot and the Discord stand-in: a private list hides the watch list and
match from others, not from oneself; delete-my-data asks first (only the asker's click counts),
erases ratings, list and settings, and leaves every total as if the member had never rated.
(Reminders, their DMs and the audit: tests/e2e/test_erasure.py.)"""

from __future__ import annotations

from tests.e2e.test_commands import TITLE, db_rows

FRESH_TOTALS = """
    SELECT drama_id, episode, 0 AS scope, count(*), sum(halves) FROM ratings GROUP BY drama_id, episode
    UNION ALL
    SELECT drama_id, episode, guild_id, count(*), sum(halves) FROM ratings
        WHERE guild_id IS NOT NULL GROUP BY drama_id, episode, guild_id
"""


async def test_private_list_is_hidden_from_others_only(discord_stub, start_bot, bot_env):
    await start_bot()
    member, other = discord_stub.make_user("minji"), discord_stub.make_user("jisoo")
    await discord_stub.invoke("watchlist set", {"drama": TITLE, "status": "watching"}, user=member)
    made = await discord_stub.invoke("privacy list", {"visibility": "private"}, user=member)
    assert made.ephemeral and made.content.startswith("Your watch list, profile and matches are now private")
    hidden = await discord_stub.invoke("watchlist show", {"member": member}, user=other)
    assert hidden.ephemeral and hidden.content == "Minji keeps their watch list, profile and matches private."
    assert (await discord_stub.invoke("watchlist show", {}, user=member)).embeds
    await discord_stub.invoke("privacy list", {"visibility": "public"}, user=member)
    shown = await discord_stub.invoke("watchlist show", {"member": member}, user=other)
    assert shown.embeds[0]["title"] == "Minji's watch list"


async def test_delete_my_data_asks_then_erases_as_if_never_rated(discord_stub, start_bot, bot_env):
    await start_bot()
    member, other = discord_stub.make_user("minji"), discord_stub.make_user("jisoo")
    uid = int(member["id"])
    await discord_stub.invoke("rate", {"drama": TITLE, "score": 4.5}, user=member)
    await discord_stub.invoke("rate", {"drama": TITLE, "score": 2, "episode": 3}, user=member)
    await discord_stub.invoke("rate", {"drama": TITLE, "score": 3}, user=other)
    await discord_stub.invoke("privacy list", {"visibility": "private"}, user=member)
    others_only = sorted(
        db_rows(
            bot_env,
            FRESH_TOTALS.replace("FROM ratings", f"FROM (SELECT * FROM ratings WHERE user_id <> {uid})"),
        )
    )

    asked = await discord_stub.invoke("privacy delete-my-data", {}, user=member)
    assert asked.ephemeral
    assert asked.content.startswith(
        "This erases everything dramabot stores about you: 2 ratings, 1 drama on your watch list"
    )
    assert db_rows(bot_env, "SELECT count(*) FROM ratings WHERE user_id = ?", (uid,)) == [(2,)], (
        "nothing erased before the click"
    )
    (button,) = asked.custom_ids()
    done = await discord_stub.click(asked, button, user=member)
    assert done.content == (
        "Done. Removed 2 ratings, 1 drama from your watch list, 0 reminders, 0 records of reminders sent, "
        "and your settings. Averages and charts no longer include your scores."
    )
    assert done.components == []
    for table in ("ratings", "watchlist", "member_settings"):
        assert db_rows(bot_env, f"SELECT count(*) FROM {table} WHERE user_id = ?", (uid,)) == [(0,)], table
    totals = sorted(db_rows(bot_env, "SELECT drama_id, episode, scope, n, halves FROM rating_totals"))
    assert totals == others_only == sorted(db_rows(bot_env, FRESH_TOTALS))
    card = (await discord_stub.invoke("review", {"drama": TITLE}, user=other)).embeds[0]
    assert "★★★☆☆ 3.0 (1 rating)" in next(f for f in card["fields"] if f["name"] == "Everyone")["value"]

    again = await discord_stub.invoke("privacy delete-my-data", {}, user=member)
    assert (
        again.ephemeral
        and again.content
        == "dramabot stores nothing about you: no ratings, no watch list, no reminders, no settings."
    )


async def test_only_the_asker_can_confirm_and_korean(discord_stub, start_bot, bot_env):
    await start_bot()
    member, other = discord_stub.make_user("minji"), discord_stub.make_user("jisoo")
    discord_stub.set_locale(member, "ko")
    await discord_stub.invoke("rate", {"drama": TITLE, "score": 4}, user=member)
    asked = await discord_stub.invoke("privacy delete-my-data", {}, user=member)
    assert asked.content.startswith(
        "dramabot에 저장된 내 정보를 모두 지웁니다: 평점 1개, 시청 목록 드라마 0편, 회차 알림 0개, "
        "보낸 알림 기록 0건, 설정 없음."
    )
    assert [c["label"] for row in asked.components for c in row["components"]] == ["내 정보 지우기"]
    (button,) = asked.custom_ids()
    stolen = await discord_stub.click(asked.message, button, user=other)
    assert stolen.ephemeral and stolen.content.startswith("This button belongs to someone else's request.")
    assert db_rows(bot_env, "SELECT count(*) FROM ratings WHERE user_id = ?", (int(member["id"]),)) == [(1,)]
    made = await discord_stub.invoke("privacy list", {"visibility": "private"}, user=member)
    assert made.content.startswith("이제 내 시청 목록, 프로필, 취향 비교는 비공개입니다")
    assert discord_stub.synced_commands()["privacy"]["name_localizations"]["ko"] == "개인정보"

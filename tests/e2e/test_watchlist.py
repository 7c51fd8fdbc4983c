"""/watchlist through the real bot and the Discord stand-in: set, show (paged), remove, progress from
/rate, the /review card's "Here:" line, every bad input (ephemeral, nothing stored), and Korean."""

from __future__ import annotations

import sqlite3

from bot.catalogue.format import starter_entries
from tests.e2e.test_commands import TITLE, db_rows


def listed(bot_env, user) -> list[tuple]:
    return db_rows(
        bot_env,
        "SELECT d.title, w.status, w.progress FROM watchlist w JOIN dramas d ON d.id = w.drama_id "
        "WHERE w.user_id = ? ORDER BY d.title",
        (int(user["id"]),),
    )


def slugs(count: int) -> list[str]:
    """Bundled dramas by slug (a slug names exactly one drama, as autocomplete's value does)."""
    return [entry.drama.slug for entry in starter_entries()][:count]


async def test_set_show_remove_and_progress_from_rate(discord_stub, start_bot, bot_env):
    await start_bot()
    member = discord_stub.make_user("minji")
    set_ = await discord_stub.invoke(
        "watchlist set", {"drama": TITLE, "status": "watching", "episode": 2}, user=member
    )
    assert set_.ephemeral and set_.content == "*Soundtrack #1* is now **Watching** on your list (ep 2/4)."
    await discord_stub.invoke("rate", {"drama": TITLE, "score": 4.5}, user=member)
    await discord_stub.invoke("rate", {"drama": TITLE, "score": 4, "episode": 3}, user=member)
    assert listed(bot_env, member) == [(TITLE, "watching", 3)]
    shown = await discord_stub.invoke("watchlist show", {}, user=member)
    assert not shown.ephemeral and not shown.components  # one page: no buttons
    (embed,) = shown.embeds
    assert embed["title"] == "Minji's watch list"
    assert embed["description"] == "**Soundtrack #1** · Watching · ep 3/4 · ★★★★½ 4.5"
    assert embed["footer"]["text"] == "1 drama · page 1/1"

    done = await discord_stub.invoke("watchlist set", {"drama": TITLE, "status": "completed"}, user=member)
    assert done.content == "*Soundtrack #1*: **Watching** → **Completed** on your list (ep 4/4)."
    card = (await discord_stub.invoke("review", {"drama": TITLE})).embeds[0]
    assert "\nHere: 0 watching · 1 completed · 0 plan to watch" in card["description"]
    other = discord_stub.make_user("jisoo")
    theirs = await discord_stub.invoke("watchlist show", {"member": member}, user=other)
    assert theirs.embeds[0]["description"].endswith("Completed · ep 4/4 · ★★★★½ 4.5")

    removed = await discord_stub.invoke("watchlist remove", {"drama": TITLE}, user=member)
    assert removed.ephemeral and removed.content == "Removed *Soundtrack #1* from your list."
    assert listed(bot_env, member) == []
    assert "Here:" not in (await discord_stub.invoke("review", {"drama": TITLE})).embeds[0]["description"]


async def test_bad_input_is_answered_privately_and_stores_nothing(discord_stub, start_bot, bot_env):
    await start_bot()
    member, other = discord_stub.make_user("minji"), discord_stub.make_user("jisoo")
    answers = [
        await discord_stub.invoke(
            "watchlist set", {"drama": TITLE, "status": "watching", "episode": 5}, user=member
        ),
        await discord_stub.invoke("watchlist set", {"drama": "zzzz qqqq", "status": "watching"}, user=member),
        await discord_stub.invoke("watchlist remove", {"drama": TITLE}, user=member),
        await discord_stub.invoke("watchlist show", {}, user=member),
        await discord_stub.invoke("watchlist show", {"status": "dropped"}, user=member),
        await discord_stub.invoke("watchlist show", {"member": other}, user=member),
        await discord_stub.invoke(
            "watchlist show", {"member": discord_stub.make_user("helper", bot=True)}, user=member
        ),
    ]
    assert all(a.ephemeral for a in answers)
    assert [a.content for a in answers] == [
        "*Soundtrack #1* has episodes 1 to 4; progress can be 0 to 4, not 5.",
        "No drama called 'zzzz qqqq' in the catalogue. Start typing and pick a title from the list.",
        "*Soundtrack #1* is not on your list, so nothing was removed.",
        "Your watch list is empty. Add a drama with `/watchlist set`, or rate an episode with `/rate`.",
        "Nothing on your watch list is Dropped.",
        "Jisoo's watch list is empty.",
        "Helper is a bot: bots have no watch lists, profiles or scores.",
    ]
    assert db_rows(bot_env, "SELECT count(*) FROM watchlist")[0][0] == 0


async def test_private_list_and_a_member_the_bot_cannot_see(discord_stub, start_bot, bot_env):
    await start_bot()
    member, other = discord_stub.make_user("minji"), discord_stub.make_user("jisoo")
    await discord_stub.invoke("watchlist set", {"drama": TITLE, "status": "plan"}, user=member)
    with sqlite3.connect(bot_env["DATABASE_URL"]) as conn:  # commits (/privacy is tested in test_privacy.py)
        conn.execute(
            "INSERT INTO member_settings (user_id, list_private) VALUES (?, 1)", (int(member["id"]),)
        )
    conn.close()
    refused = await discord_stub.invoke("watchlist show", {"member": member}, user=other)
    assert (
        refused.ephemeral and refused.content == "Minji keeps their watch list, profile and matches private."
    )
    own = await discord_stub.invoke("watchlist show", {}, user=member)
    assert own.ephemeral, "a private list shown to its owner stays private"
    stranger = await discord_stub.invoke("watchlist show", {"member": "123456789012345678"}, user=other)
    assert stranger.ephemeral
    assert stranger.content == "I can't see that member in this server, so I can't show anything about them."


async def test_show_pages_with_buttons(discord_stub, start_bot, bot_env):
    await start_bot()
    member, other = discord_stub.make_user("minji"), discord_stub.make_user("jisoo")
    for slug in slugs(12):
        await discord_stub.invoke("watchlist set", {"drama": slug, "status": "plan"}, user=member)
    assert len(listed(bot_env, member)) == 12
    first = await discord_stub.invoke("watchlist show", {"status": "plan"}, user=member)
    assert first.embeds[0]["footer"]["text"] == "12 dramas · page 1/2"
    assert first.embeds[0]["title"] == "Minji's watch list · Plan to watch"
    assert len(first.embeds[0]["description"].splitlines()) == 10
    prev_id, next_id = first.custom_ids()
    paged = await discord_stub.click(first, next_id, user=member)
    assert paged.callback_type == 7 and paged.embeds[0]["footer"]["text"] == "12 dramas · page 2/2"
    assert len(paged.embeds[0]["description"].splitlines()) == 2
    theirs = await discord_stub.click(paged, paged.custom_ids()[0], user=other)
    assert theirs.ephemeral and theirs.embeds[0]["footer"]["text"] == "12 dramas · page 1/2"


async def test_watchlist_in_korean(discord_stub, start_bot, bot_env):
    await start_bot()
    member = discord_stub.make_user("minji")
    discord_stub.set_locale(member, "ko")
    set_ = await discord_stub.invoke(
        "watchlist set", {"drama": TITLE, "status": "on_hold", "episode": 1}, user=member
    )
    assert set_.content == "*Soundtrack #1*을(를) 내 목록에 **보류**(으)로 저장했습니다 (1/4화)."
    shown = (await discord_stub.invoke("watchlist show", {}, user=member)).embeds[0]
    assert shown["title"] == "Minji님의 시청 목록"
    assert shown["description"] == "**Soundtrack #1** · 보류 · 1/4화"
    assert shown["footer"]["text"] == "드라마 1편 · 1/1쪽"
    bad = await discord_stub.invoke(
        "watchlist set", {"drama": TITLE, "status": "watching", "episode": 9}, user=member
    )
    assert (
        bad.content
        == "*Soundtrack #1*은(는) 1화부터 4화까지 있습니다. 진행은 0~4화만 됩니다 (9화는 안 돼요)."
    )
    synced = discord_stub.synced_commands()["watchlist"]
    assert synced["name_localizations"]["ko"] == "시청목록"
    status = next(o for o in synced["options"][0]["options"] if o["name"] == "status")
    assert [c["name_localizations"]["ko"] for c in status["choices"]] == [
        "보는 중",
        "다 봄",
        "볼 예정",
        "보류",
        "중단",
    ]
    assert listed(bot_env, member) == [(TITLE, "on_hold", 1)]

"""/recommend through the real bot and the Discord stand-in, on SQLite and on PostgreSQL: the neighbours are
built in the background when the bot starts, a member with scores gets ten dramas with their reasons, a member
with one score the chart and why, and each bad input a clear private answer (no data, no server in a DM, an
unknown genre, "this server" through a member's own install where the bot is not); a private member's answer
is private; Korean."""

from __future__ import annotations

from bot.catalogue.format import load_starter_catalogue, starter_entries
from bot.store import Store

SWEET = (5, 4.5, 4.5, 1.5, 1, 2, 5, None, 4)  # scores on the first bundled dramas, in order (None: not rated)
DARK = (1.5, 1, 2, 5, 4.5, 4.5, None, 5, 2)


async def seed(location: str, guild_id: int, members: dict[int, tuple]) -> list[str]:
    """The bundled catalogue and each member's drama-level scores on its first dramas; their titles."""
    dramas = [e.drama for e in starter_entries()][:10]
    store = await Store.open(location)
    try:
        await load_starter_catalogue(store)
        for user, scores in members.items():
            for drama, score in zip(dramas, scores, strict=False):
                if score is not None:
                    found = await store.catalogue.by("slug", drama.slug)
                    await store.ratings.rate(user_id=user, guild_id=guild_id, drama_id=found.id, score=score)
    finally:
        await store.close()
    return [d.title for d in dramas]


async def community(discord_stub, location: str) -> tuple[dict, dict, dict, list[str]]:
    """Six members with opposite tastes, Alice (three sweet scores), Bob (one score); Carol has nothing."""
    alice, bob, carol = (discord_stub.make_user(n) for n in ("alice", "bob", "carol"))
    members = {9000 + k: SWEET if k < 3 else DARK for k in range(6)}
    members[int(alice["id"])] = (5, 4.5, None, 1)
    members[int(bob["id"])] = (4,)
    titles = await seed(location, int(discord_stub.guild_id), members)
    return alice, bob, carol, titles


async def test_recommend_on_sqlite_with_bad_input_privacy_and_korean(discord_stub, start_bot, bot_env):
    alice, bob, carol, titles = await community(discord_stub, bot_env["DATABASE_URL"])
    bot = await start_bot(env_overrides={"DEV_GUILD_ID": None})  # global commands: usable in DMs too
    await bot.wait_for_output("recommend: neighbours rebuilt", 20)

    result = await discord_stub.invoke("recommend", {}, user=alice)
    assert not result.ephemeral
    (embed,) = result.embeds
    assert embed["title"] == "Picked for Alice"
    lines = embed["description"].splitlines()
    # first: a drama the sweet members like (Alice's taste), not one of the dark members'
    assert lines[0].startswith(tuple(f"**1.** {titles[i]} (" for i in (2, 6, 8)))
    assert [line.split(" ", 1)[0] for line in lines] == [f"**{n}.**" for n in range(1, len(lines) + 1)]
    assert f"because you rated {titles[0]} 5" in lines[0]
    for rated in (titles[0], titles[1], titles[3]):
        assert not any(line.startswith(f"**{n}.** {rated}") for n, line in enumerate(lines, 1))
    assert "Carol" not in embed["description"] and "Bob" not in embed["description"]

    few = (await discord_stub.invoke("recommend", {"scope": "server"}, user=bob)).embeds[0]
    assert few["title"] == "Picked for Bob · what this server loves"
    assert few["description"].startswith("You have rated 1 dramas as a whole;")
    assert "loved here: " in few["description"]

    nothing = await discord_stub.invoke("recommend", {}, user=carol)
    assert nothing.ephemeral and nothing.content.startswith("There is nothing to go on yet: rate at least 3")
    refused = "Scope this server needs a server where dramabot is installed"
    dm = await discord_stub.invoke("recommend", {"scope": "server"}, user=alice, guild=False)
    assert dm.ephemeral and dm.content.startswith(refused)
    # Through her own install in a server without the bot: "for me" works, "this server" is refused.
    mine = {"user": alice, "install": "user", "context": 0}
    outside = await discord_stub.invoke("recommend", {"scope": "server"}, **mine)
    assert outside.ephemeral and outside.content.startswith(refused)
    (anywhere,) = (await discord_stub.invoke("recommend", {}, **mine)).embeds
    assert (
        anywhere["title"] == "Picked for Alice"
        and f"because you rated {titles[0]} 5" in anywhere["description"]
    )
    genre = await discord_stub.invoke("recommend", {"genre": "Space Opera"}, user=alice)
    assert genre.ephemeral and genre.content.startswith(
        "No drama in the catalogue has the genre 'Space Opera'"
    )

    discord_stub.set_locale(alice, "ko")
    korean = (await discord_stub.invoke("recommend", {}, user=alice)).embeds[0]
    assert korean["title"] == "Alice님을 위한 추천" and "주셨기 때문에" in korean["description"]
    await discord_stub.invoke("privacy list", {"visibility": "private"}, user=alice)
    assert (await discord_stub.invoke("recommend", {}, user=alice)).ephemeral  # her own scores are quoted


async def test_recommend_on_postgresql(discord_stub, start_bot, pg_url):
    alice, _bob, _carol, titles = await community(discord_stub, pg_url)
    bot = await start_bot({"DATABASE_URL": pg_url})
    await bot.wait_for_output("recommend: neighbours rebuilt", 20)
    (embed,) = (await discord_stub.invoke("recommend", {}, user=alice)).embeds
    assert embed["description"].splitlines()[0].startswith(tuple(f"**1.** {titles[i]} (" for i in (2, 6, 8)))
    assert f"because you rated {titles[0]} 5" in embed["description"]
    # This server loves the dramas rated at or above its mean: not the third sweet drama (3.25 on average),
    # the sweet members' favourite.
    (here,) = (await discord_stub.invoke("recommend", {"scope": "server"}, user=alice)).embeds
    assert here["title"] == "Picked for Alice · what this server loves"
    assert here["description"].splitlines()[0].startswith(f"**1.** {titles[6]}")
    assert titles[2] not in here["description"]

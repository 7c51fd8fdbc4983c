"""/match through the real bot and the Discord stand-in: the percentage and the dramas where two
members agree and differ, too few shared dramas, oneself, a bot, a private member, and Korean."""

from __future__ import annotations

from pathlib import Path

from bot.catalogue.format import load_starter_catalogue, starter_entries
from bot.store import Store


async def seed(path: Path, guild_id: int, ratings: dict[int, list[float]]) -> list[str]:
    """Each member's drama-level scores on the first bundled dramas, in order."""
    dramas = [e.drama for e in starter_entries()][:8]
    store = await Store.open(path)
    try:
        await load_starter_catalogue(store)
        for user, scores in ratings.items():
            for drama, score in zip(dramas, scores, strict=False):
                found = await store.catalogue.by("slug", drama.slug)
                await store.ratings.rate(user_id=user, guild_id=guild_id, drama_id=found.id, score=score)
    finally:
        await store.close()
    return [d.title for d in dramas]


async def test_match_agree_differ_and_bad_input(discord_stub, start_bot, bot_env):
    alice, bob, carol = (discord_stub.make_user(n) for n in ("alice", "bob", "carol"))
    ids = {name: int(u["id"]) for name, u in (("alice", alice), ("bob", bob), ("carol", carol))}
    titles = await seed(
        Path(bot_env["DATABASE_URL"]), int(discord_stub.guild_id),
        {ids["alice"]: [4.5, 4, 3.5, 3, 2.5, 5], ids["bob"]: [4, 3.5, 3, 2.5, 2, 4.5], ids["carol"]: [1, 5]},
    )  # fmt: skip
    await start_bot()
    result = await discord_stub.invoke("match", {"member": bob}, user=alice)
    assert not result.ephemeral
    (embed,) = result.embeds
    assert embed["title"] == "Taste match · Alice & Bob"
    assert (
        embed["description"] == "**96.3%** alike, over 6 dramas you both rated."
    )  # one half-star higher: stable
    agree = next(f for f in embed["fields"] if f["name"] == "Where you agree most")["value"].splitlines()
    differ = next(f for f in embed["fields"] if f["name"] == "Where you differ most")["value"].splitlines()
    assert len(agree) == 3 and len(differ) == 3
    assert agree[0] == f"{titles[5]}: you ★★★★★ 5 · Bob ★★★★½ 4.5"
    symmetric = (await discord_stub.invoke("match", {"member": alice}, user=bob)).embeds[0]
    assert symmetric["description"] == embed["description"]

    few = await discord_stub.invoke("match", {"member": carol}, user=alice)
    assert few.ephemeral
    assert (
        few.content
        == "You and Carol have rated 2 of the same dramas; a match needs at least 5. Rate more with /rate."
    )
    me = await discord_stub.invoke("match", {"member": alice}, user=alice)
    assert me.ephemeral and me.content == "That's you: a taste match needs another member. Pick someone else."
    robot = await discord_stub.invoke(
        "match", {"member": discord_stub.make_user("helper", bot=True)}, user=alice
    )
    assert (
        robot.ephemeral and robot.content == "Helper is a bot: bots have no watch lists, profiles or scores."
    )
    stranger = await discord_stub.invoke("match", {"member": "123456789012345678"}, user=alice)
    assert stranger.ephemeral and stranger.content.startswith("I can't see that member in this server")
    await discord_stub.invoke("privacy list", {"visibility": "private"}, user=bob)
    hidden = await discord_stub.invoke("match", {"member": bob}, user=alice)
    assert hidden.ephemeral and hidden.content == "Bob keeps their watch list, profile and matches private."


async def test_match_in_korean(discord_stub, start_bot, bot_env):
    alice, bob = discord_stub.make_user("alice"), discord_stub.make_user("bob")
    scores = [5, 4, 3, 2, 1]
    await seed(
        Path(bot_env["DATABASE_URL"]), int(discord_stub.guild_id),
        {int(alice["id"]): scores, int(bob["id"]): scores},
    )  # fmt: skip
    await start_bot()
    discord_stub.set_locale(alice, "ko")
    embed = (await discord_stub.invoke("match", {"member": bob}, user=alice)).embeds[0]
    assert embed["title"] == "취향 비교 · Alice & Bob"
    assert embed["description"] == "두 분이 함께 평가한 드라마 5편 기준 **100%** 비슷합니다."
    assert [f["name"] for f in embed["fields"]] == ["가장 비슷한 드라마", "가장 다른 드라마"]
    assert discord_stub.synced_commands()["match"]["name_localizations"]["ko"] == "취향비교"

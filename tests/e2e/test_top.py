"""/top through the real bot and the Discord stand-in: the Bayesian chart, its stated minimum, pages
with buttons, scope and filters, the empty and DM answers, and Korean."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.catalogue.format import load_starter_catalogue, starter_entries
from bot.store import Store
from tests.e2e.standin import CommandNotSynced

GUILD_OTHER = 42


async def seed(path: Path, guild_id: int) -> list[str]:
    """12 bundled dramas rated 3 times each in the server (one outside it), a 13th rated once (5 stars)."""
    entries = [e.drama for e in starter_entries() if e.drama.year][:13]
    store = await Store.open(path)
    try:
        await load_starter_catalogue(store)
        for i, drama in enumerate(entries[:12]):
            found = await store.catalogue.by("slug", drama.slug)
            for user, score in enumerate((5 - (i % 8) * 0.5, 4, 3.5)):
                guild = guild_id if user < 2 else GUILD_OTHER
                await store.ratings.rate(user_id=100 + user, guild_id=guild, drama_id=found.id, score=score)
        lone = await store.catalogue.by("slug", entries[12].slug)
        await store.ratings.rate(user_id=100, guild_id=guild_id, drama_id=lone.id, score=5)
    finally:
        await store.close()
    return [d.title for d in entries]


async def test_top_pages_and_states_its_minimum(discord_stub, start_bot, bot_env):
    titles = await seed(Path(bot_env["DATABASE_URL"]), int(discord_stub.guild_id))
    await start_bot()
    owner, other = discord_stub.make_user("owner"), discord_stub.make_user("other")
    first_year = next(e.drama.year for e in starter_entries() if e.drama.title == titles[0])
    first = await discord_stub.invoke("top", {"scope": "everyone"}, user=owner)
    assert not first.ephemeral
    (embed,) = first.embeds
    assert embed["title"] == "Top dramas · everyone"
    lines = embed["description"].splitlines()
    ranked = [line for line in lines if re.match(r"\*\*\d+\.\*\* ", line)]
    assert len(ranked) == 10 and ranked[0].startswith("**1.** ")
    assert ranked[0] == f"**1.** {titles[0]} ({first_year}) · ★★★★☆ 3.89 · avg 4.17 · 3 ratings"
    assert "A drama needs at least 3 ratings here to be ranked." in embed["description"]
    assert "Not ranked yet (fewer than 3 ratings): 1." in embed["description"]
    assert titles[12] not in embed["description"], "one 5-star vote is not ranked"
    assert embed["footer"]["text"] == "page 1/2 · 12 ranked"
    prev_id, next_id = first.custom_ids()
    second = await discord_stub.click(first, next_id, user=owner)
    assert second.callback_type == 7 and second.embeds[0]["footer"]["text"] == "page 2/2 · 12 ranked"
    theirs = await discord_stub.click(second, second.custom_ids()[0], user=other)
    assert theirs.ephemeral and theirs.embeds[0]["footer"]["text"] == "page 1/2 · 12 ranked"

    here = await discord_stub.invoke("top", {}, user=owner)  # this server: 2 ratings each, below the minimum
    assert here.ephemeral
    assert here.content.startswith(
        "No drama has the 3 ratings needed to be ranked here yet (rated, but with fewer: 13)."
    )


async def test_top_filters_bad_input_and_korean(discord_stub, start_bot, bot_env):
    titles = await seed(Path(bot_env["DATABASE_URL"]), int(discord_stub.guild_id))
    await start_bot(env_overrides={"DEV_GUILD_ID": None})  # global commands, as Discord offers them
    member = discord_stub.make_user("minji")
    year = next(e.drama.year for e in starter_entries() if e.drama.title == titles[0])
    filtered = await discord_stub.invoke("top", {"scope": "everyone", "year": year}, user=member)
    assert f"Only: {year}" in filtered.embeds[0]["description"]
    assert titles[0] in filtered.embeds[0]["description"]
    none = await discord_stub.invoke("top", {"scope": "everyone", "genre": "Space Opera"}, user=member)
    assert none.ephemeral and none.content.startswith(
        "No drama in the catalogue has the genre 'Space Opera'."
    )
    genres = sorted({g for e in starter_entries() for g in e.drama.genres}, key=str.casefold)
    assert genres[0] in none.content  # named as an example
    # The genre option offers the catalogue's genres as they are typed: those starting with it first.
    typed = genres[-1][:3].lower()
    offered = [
        c["value"] for c in await discord_stub.autocomplete("top", {"genre": typed}, "genre", user=member)
    ]
    assert offered and offered[0].casefold().startswith(typed)
    assert set(offered) == {g for g in genres if typed in g.casefold()}
    everything = await discord_stub.autocomplete("top", {"genre": ""}, "genre", user=member)
    assert [c["value"] for c in everything] == genres[:25]
    picked = await discord_stub.invoke("top", {"scope": "everyone", "genre": offered[0].upper()}, user=member)
    assert picked.embeds or picked.content.startswith("No drama has the 3 ratings needed")  # a known genre
    bad = await discord_stub.invoke("top", {"scope": "everyone", "country": "Atlantis"}, user=member)
    assert bad.ephemeral and bad.content.startswith("I don't know the region 'Atlantis'.")
    with pytest.raises(CommandNotSynced, match="not available in DMs"):  # a server command (docs/anywhere.md)
        await discord_stub.dispatch_command("top", {"scope": "server"}, user=member, guild=False)
    discord_stub.set_locale(member, "ko")
    korean = (await discord_stub.invoke("top", {"scope": "everyone"}, user=member)).embeds[0]
    assert korean["title"] == "인기 드라마 · 전체"
    assert "순위에 들려면 여기서 평점이 3개 이상 있어야 합니다." in korean["description"]
    assert korean["footer"]["text"] == "1/2쪽 · 12편 순위"
    synced = discord_stub.synced_commands("global")["top"]
    assert synced["name_localizations"]["ko"] == "순위"

"""The core commands as members use them: the real bot process against the Discord stand-in.

Every body the bot sends is validated by the stand-in against Discord's OpenAPI description
(teardown fails the test on any violation); these tests check what the member sees and what
the database holds.
"""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from bot.catalogue.format import starter_entries
from bot.models import Availability, Drama, Episode
from bot.store import Store
from tests.bot.store.readbacks import upsert

TITLE = "Soundtrack #1"
EXPECTED_OPTIONS = {
    "review": ["drama"],
    "rate": ["drama", "score", "episode"],
    "where": ["drama", "region"],
}


def db_rows(bot_env, sql, params=()):
    conn = sqlite3.connect(bot_env["DATABASE_URL"])
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def ratings_count(bot_env) -> int:
    return db_rows(bot_env, "SELECT count(*) FROM ratings")[0][0]


def field(embed, prefix):
    return next(f for f in embed.get("fields", []) if f["name"].startswith(prefix))


async def test_commands_are_synced_with_the_documented_options(discord_stub, start_bot):
    await start_bot()
    synced = discord_stub.synced_commands()
    for name, options in EXPECTED_OPTIONS.items():
        assert name in synced, f"/{name} not synced"
        assert [o["name"] for o in synced[name].get("options", [])] == options
    drama_opts = [o for c in synced.values() for o in c.get("options", []) if o["name"] == "drama"]
    assert drama_opts and all(o.get("autocomplete") for o in drama_opts)
    assert len(discord_stub.sync_calls) == 1


async def test_review_card_shows_the_seed_review(discord_stub, start_bot):
    await start_bot()
    result = await discord_stub.invoke("review", {"drama": TITLE})
    assert not result.ephemeral, "/review is posted in the channel"
    (embed,) = result.embeds
    assert embed["title"].startswith(TITLE) and "사운드트랙 #1" in embed["title"]
    assert "2022" in embed["description"] and "South Korea" in embed["description"]
    guide = field(embed, "Episode guide")["value"]
    for n in range(1, 5):
        assert f"Episode {n}** — 4/5" in guide
    assert "Episode 5" not in guide
    assert "Disney+" in field(embed, "Where to watch")["value"]
    assert "select regions" in field(embed, "Where to watch")["value"]
    assert "4/5" in field(embed, "Critic")["value"]
    assert field(embed, "This server")["value"].startswith("—"), "a dash, not 0, before anyone rated"
    assert not result.components, "four episodes fit on one page: no buttons"


async def test_two_members_average_and_rerating(discord_stub, start_bot, bot_env):
    await start_bot()
    alice, bob = discord_stub.make_user("alice"), discord_stub.make_user("bob")
    first = await discord_stub.invoke("rate", {"drama": TITLE, "score": 4.5}, user=alice)
    assert first.ephemeral
    assert "You rated" in first.embeds[0]["description"]
    second = await discord_stub.invoke("rate", {"drama": TITLE, "score": 3}, user=bob)
    assert "3.75 (2 ratings)" in second.embeds[0]["description"]

    card = (await discord_stub.invoke("review", {"drama": TITLE})).embeds[0]
    assert "3.75 (2 ratings)" in field(card, "This server")["value"]
    assert "3.75 (2 ratings)" in field(card, "Everyone")["value"]

    again = await discord_stub.invoke("rate", {"drama": TITLE, "score": 3.5}, user=bob)
    assert "from 3.0 to 3.5" in again.embeds[0]["description"]
    assert "4.0 (2 ratings)" in again.embeds[0]["description"]
    same = await discord_stub.invoke("rate", {"drama": TITLE, "score": 3.5}, user=bob)
    assert "nothing changed" in same.embeds[0]["description"]
    assert ratings_count(bot_env) == 2


async def test_rate_an_episode_shows_in_the_guide(discord_stub, start_bot, bot_env):
    await start_bot()
    result = await discord_stub.invoke("rate", {"drama": TITLE, "score": 5, "episode": 2})
    assert result.ephemeral and "episode 2" in result.embeds[0]["description"]
    card = (await discord_stub.invoke("review", {"drama": TITLE})).embeds[0]
    guide = field(card, "Episode guide")["value"].splitlines()
    assert "members 5.0 (1)" in guide[1]
    assert "members —" in guide[0]
    assert field(card, "This server")["value"].startswith("—"), "an episode score is not a drama score"
    assert db_rows(bot_env, "SELECT episode, halves FROM ratings") == [(2, 10)]


async def test_rating_in_a_dm_counts_for_everyone_only(discord_stub, start_bot):
    await start_bot(env_overrides={"DEV_GUILD_ID": None})  # global commands: usable in DMs too
    assert [scope for scope, _ in discord_stub.sync_calls] == ["global"]
    result = await discord_stub.invoke("rate", {"drama": TITLE, "score": 4}, guild=False)
    text = result.embeds[0]["description"]
    assert "This server" not in text and "Everyone: ★★★★☆ 4.0 (1 rating)" in text


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({"drama": "Soundtrak", "score": 4}, "Did you mean *Soundtrack #1*?"),
        ({"drama": "zzzz qqqq", "score": 4}, "No drama called 'zzzz qqqq'"),
        ({"drama": "   ", "score": 4}, "is empty"),
        ({"drama": "x" * 500, "score": 4}, "500 characters long"),
        ({"drama": TITLE, "score": 4, "episode": 5}, "episodes 1 to 4"),
        ({"drama": TITLE, "score": 4, "episode": 500}, "episodes 1 to 4"),
    ],
)
# Off-step or out-of-range scores and episodes outside 1..500 never reach the bot through
# Discord (the score is a choice list, the episode a ranged integer; the stand-in refuses
# them as Discord does): tests/cogs/test_rate.py covers those paths at the command level.
async def test_rate_errors_are_clear_ephemeral_and_store_nothing(discord_stub, start_bot, bot_env, options, expected):
    await start_bot()
    result = await discord_stub.invoke("rate", options)
    assert result.ephemeral
    assert expected in result.content
    assert len(result.content.splitlines()) <= 2
    assert ratings_count(bot_env) == 0


async def test_user_text_is_escaped_and_pings_nobody(discord_stub, start_bot):
    await start_bot()
    result = await discord_stub.invoke("review", {"drama": "@everyone **bold** <@&123456789012345678>"})
    assert result.ephemeral
    assert "@everyone" not in result.content  # escape_mentions puts a zero-width space after @
    assert "\\*\\*bold\\*\\*" in result.content
    # the stand-in has already checked allowed_mentions {"parse": []} on this body


async def test_where_with_and_without_region(discord_stub, start_bot):
    await start_bot()
    everywhere = (await discord_stub.invoke("where", {"drama": TITLE})).embeds[0]
    assert "Disney+" in everywhere["description"] and "select regions" in everywhere["description"]
    assert "not checked yet" in everywhere["description"]
    for region in ("KR", "kr", "Korea", "한국"):
        answer = (await discord_stub.invoke("where", {"drama": TITLE, "region": region})).embeds[0]
        assert "Not listed in South Korea (KR)" in answer["description"]
        assert "not known yet" in answer["description"]
    unknown = await discord_stub.invoke("where", {"drama": TITLE, "region": "Atlantis"})
    assert unknown.ephemeral and "I don't know the region 'Atlantis'" in unknown.content


async def test_autocomplete_title_native_alias_and_empty(discord_stub, start_bot):
    await start_bot()
    for typed in ("sound", "SOUNDTRACK", "사운드", "Soundtrack No", "soundtrack 1"):
        choices = await discord_stub.autocomplete("review", {"drama": typed}, "drama")
        assert choices, f"nothing offered for {typed!r}"
        assert len(choices) <= 25
        assert choices[0]["value"] == "soundtrack-1-2022"
        assert choices[0]["name"].startswith("Soundtrack #1 (2022)")
    everything = await discord_stub.autocomplete("review", {"drama": ""}, "drama")
    assert len(everything) == 25  # the bundled catalogue: more dramas than one answer holds
    assert await discord_stub.autocomplete("review", {"drama": "nothing like it"}, "drama") == []
    regions = await discord_stub.autocomplete("where", {"drama": TITLE, "region": "kor"}, "region")
    assert regions[0]["value"] == "KR"
    episodes = await discord_stub.autocomplete("rate", {"drama": TITLE, "score": 4, "episode": ""}, "episode")
    assert [c["value"] for c in episodes] == [1, 2, 3, 4]
    # the value autocomplete gives works as the option
    picked = await discord_stub.invoke("review", {"drama": "soundtrack-1-2022"})
    assert picked.embeds[0]["title"].startswith(TITLE)


async def _long_drama_db(path: Path) -> None:
    store = await Store.open(path)
    try:
        await upsert(
            store,
            Drama(id=0, slug="long-drama", title="Long Drama", episode_count=100, year=2020, country="CN",
                  critic_score=3.5, synopsis="S" * 2900, critic_verdict="V" * 1000, critic_summary="w" * 100,
                  genres=("Historical",) * 10, network="N" * 100, aliases=("A" * 200,)),
            [Episode(n, 3.5, title=f"A rather long episode title number {n}" * 3) for n in range(1, 101)],
            [Availability(f"Service {i}", "subscription", ("KR", "JP", "TW", "US", "GB")) for i in range(20)],
        )  # fmt: skip
    finally:
        await store.close()


async def test_hundred_episode_card_pages_with_buttons(discord_stub, start_bot, bot_env):
    await _long_drama_db(Path(bot_env["DATABASE_URL"]))
    await start_bot()
    owner, other = discord_stub.make_user("owner"), discord_stub.make_user("other")
    first = await discord_stub.invoke("review", {"drama": "Long Drama"}, user=owner)
    embed = first.embeds[0]
    assert "Episode 1 " in field(embed, "Episode guide")["value"] or "**Episode 1 ·" in field(embed, "Episode guide")["value"]
    assert "page 1/9" in embed["footer"]["text"]
    prev_id, next_id = first.custom_ids()
    assert prev_id.endswith(":p") and next_id.endswith(":n")

    page = first
    for expected in range(2, 10):
        next_id = [c for c in page.custom_ids() if c.endswith(":n")][0]
        page = await discord_stub.click(page, next_id, user=owner)
        assert page.callback_type == 7, "the owner pages the card in place"
        assert f"page {expected}/9" in page.embeds[0]["footer"]["text"]
    assert "of 100" in field(page.embeds[0], "Episode guide")["name"]
    assert "Episode 100" in field(page.embeds[0], "Episode guide")["value"]

    prev_id = [c for c in page.custom_ids() if c.endswith(":p")][0]
    theirs = await discord_stub.click(page, prev_id, user=other)
    assert theirs.callback_type == 4 and theirs.ephemeral, "anyone else gets a private copy"
    assert "page 8/9" in theirs.embeds[0]["footer"]["text"]
    # the shared card did not move under everybody's eyes
    assert "page 9/9" in page.embeds[0]["footer"]["text"]


async def test_restart_keeps_ratings_and_does_not_resync(discord_stub, start_bot, bot_env):
    proc = await start_bot()
    await discord_stub.invoke("rate", {"drama": TITLE, "score": 4.5}, user=discord_stub.make_user("a"))
    await discord_stub.invoke("rate", {"drama": TITLE, "score": 3}, user=discord_stub.make_user("b"))
    assert await proc.stop() == 0
    assert "Traceback" not in proc.output()
    await start_bot()
    assert len(discord_stub.sync_calls) == 1, "unchanged commands are not synced again"
    card = (await discord_stub.invoke("review", {"drama": TITLE})).embeds[0]
    assert "3.75 (2 ratings)" in field(card, "Everyone")["value"]
    assert ratings_count(bot_env) == 2
    bundled = len(starter_entries())
    assert db_rows(bot_env, "SELECT count(*) FROM dramas")[0][0] == bundled, "the starter catalogue loads once"


async def test_sync_cli_forces_a_sync(discord_stub, start_bot):
    await start_bot()
    cli = await start_bot(args=["sync"], wait_ready=False)
    assert await cli.wait(30) == 0
    assert len(discord_stub.sync_calls) == 2


async def test_database_unavailable_answers_clearly_and_loses_nothing(discord_stub, start_bot, bot_env):
    await start_bot()
    await discord_stub.invoke("rate", {"drama": TITLE, "score": 4}, user=discord_stub.make_user("before"))
    blocker = sqlite3.connect(bot_env["DATABASE_URL"], isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        result = await discord_stub.invoke("rate", {"drama": TITLE, "score": 5}, user=discord_stub.make_user("during"))
        assert result.ephemeral and "temporarily unavailable" in result.content
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    after = await discord_stub.invoke("rate", {"drama": TITLE, "score": 5}, user=discord_stub.make_user("after"))
    assert "4.5 (2 ratings)" in after.embeds[0]["description"]
    assert ratings_count(bot_env) == 2


async def test_no_token_exits_2_with_one_line(start_bot):
    proc = await start_bot(env_overrides={"DISCORD_TOKEN": None}, wait_ready=False)
    assert await proc.wait(30) == 2
    lines = proc.output().strip().splitlines()
    assert len(lines) == 1
    assert "DISCORD_TOKEN" in lines[0] and ".env.example" in lines[0]


async def test_wrong_token_fails_clearly(discord_stub, start_bot):
    proc = await start_bot(env_overrides={"DISCORD_TOKEN": "not-the-token"}, wait_ready=False)
    assert await proc.wait(30) == 1
    assert "Discord rejected DISCORD_TOKEN" in proc.output()
    assert "not-the-token" not in proc.output()
    assert "Traceback" not in proc.output()


async def test_sigterm_exits_0_quietly(discord_stub, start_bot):
    proc = await start_bot()
    await discord_stub.invoke("review", {"drama": TITLE})
    assert await proc.stop() == 0
    out = proc.output()
    assert "Traceback" not in out and "Event loop is closed" not in out and "Unclosed" not in out
    assert discord_stub.token not in out
    await asyncio.sleep(0)


async def test_unexpected_error_shows_a_code_that_is_in_the_log_and_the_bot_carries_on(
    discord_stub, start_bot, bot_env
):
    proc = await start_bot()
    conn = sqlite3.connect(bot_env["DATABASE_URL"])
    with conn:
        conn.execute("UPDATE dramas SET genres = '{not json' WHERE slug = 'soundtrack-1-2022'")
    broken = await discord_stub.invoke("review", {"drama": TITLE})
    assert broken.ephemeral
    assert "Something went wrong on our side (error code `" in broken.content
    code = broken.content.split("`")[1]
    await proc.wait_for_output(f"unexpected error {code}", 5)
    assert "Traceback" in proc.output() and "JSONDecodeError" in proc.output()
    assert "Traceback" not in broken.content and "JSONDecodeError" not in broken.content
    with conn:
        conn.execute("UPDATE dramas SET genres = '[]' WHERE slug = 'soundtrack-1-2022'")
    conn.close()
    fixed = await discord_stub.invoke("review", {"drama": TITLE})
    assert not fixed.ephemeral and fixed.embeds[0]["title"].startswith(TITLE)

"""/review's episode chart through the real bot and the Discord stand-in: a PNG attached to the card
with alt text, kept when the card is paged, without the "This server" series in DMs, and a card
without the picture when rendering fails."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

import pytest
from PIL import Image

from bot.models import Drama, Episode
from bot.store import Store
from tests.bot.store.readbacks import upsert
from tests.e2e.test_commands import TITLE, _long_drama_db

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def chart_of(discord_stub, message: dict) -> dict:
    """The card's one attachment, checked against the embed's image; its bytes are a real PNG."""
    (attachment,) = message["attachments"]
    (embed,) = message["embeds"]
    assert attachment["filename"] == "episodes.png"
    assert embed["image"]["url"] == "attachment://episodes.png"
    data = discord_stub.uploads[attachment["id"]]
    assert data.startswith(PNG_SIGNATURE) and attachment["size"] == len(data)
    assert Image.open(io.BytesIO(data)).size == (800, 400)
    return attachment


async def charted(result, timeout: float = 5.0):  # noqa: ASYNC109
    """The card once its chart has joined it: drawn after the answer, the chart arrives as an edit."""
    return await result.wait_until(lambda r: bool((r.message or {}).get("attachments")), timeout)


async def test_review_attaches_the_episode_chart_with_alt_text(discord_stub, start_bot):
    await start_bot()
    await discord_stub.invoke("rate", {"drama": TITLE, "score": 5, "episode": 2})
    result = await discord_stub.invoke("review", {"drama": TITLE})
    assert not result.ephemeral
    # not drawn yet: the card is answered at once, and the chart follows as an edit of that answer
    assert result.callback["data"].get("attachments", []) == [] and "image" not in result.callback["data"]["embeds"][0]
    await charted(result)
    assert [e for e in result.edits if e.get("attachments")], "the chart came as an edit of the card"
    alt = chart_of(discord_stub, result.message)["description"]
    assert alt.startswith("Line chart of episode scores from 0 to 5 for 4 episodes.")
    assert "Critic (orange-red solid line, circles): 4 of 4 episodes, average 4" in alt
    assert "This server (blue dashed line, squares): 1 of 4 episodes, average 5" in alt
    assert "Everyone (green dotted line, triangles): 1 of 4 episodes" in alt


async def test_paging_keeps_the_picture(discord_stub, start_bot, bot_env):
    await _long_drama_db(Path(bot_env["DATABASE_URL"]))
    await start_bot()
    owner, other = discord_stub.make_user("owner"), discord_stub.make_user("other")
    first = await charted(await discord_stub.invoke("review", {"drama": "Long Drama"}, user=owner))
    alt = chart_of(discord_stub, first.message)["description"]
    assert "for 100 episodes" in alt

    next_id = [c for c in first.custom_ids() if c.endswith(":n")][0]
    paged = await discord_stub.click(first, next_id, user=owner)
    assert paged.callback_type == 7 and "page 2/9" in paged.embeds[0]["footer"]["text"]
    assert paged.callback["data"]["attachments"], "the edit says which attachment the card shows"
    assert chart_of(discord_stub, paged.message)["description"] == alt

    prev_id = [c for c in paged.custom_ids() if c.endswith(":p")][0]
    theirs = await discord_stub.click(paged, prev_id, user=other)
    assert theirs.ephemeral and "page 1/9" in theirs.embeds[0]["footer"]["text"]
    assert chart_of(discord_stub, theirs.message)["description"] == alt


async def test_paging_before_the_chart_joined_keeps_the_page(discord_stub, start_bot, bot_env):
    """The owner pages a card at once, before its chart has joined it: the chart waiting to join is
    called off (it would have put page 1 back), and the page edit carries the picture itself."""
    await _long_drama_db(Path(bot_env["DATABASE_URL"]))
    proc = await start_bot()
    owner = discord_stub.make_user("owner")
    first = await discord_stub.invoke("review", {"drama": "Long Drama"}, user=owner)
    next_id = [c for c in first.custom_ids() if c.endswith(":n")][0]
    paged = await discord_stub.click(first, next_id, user=owner)
    assert paged.callback_type == 7 and "page 2/9" in paged.embeds[0]["footer"]["text"]
    assert await proc.stop() == 0  # the shutdown drain waits for any chart still pending
    message = discord_stub.messages[paged.message_id]
    assert "page 2/9" in message["embeds"][0]["footer"]["text"], "no chart edit put page 1 back"
    assert "for 100 episodes" in chart_of(discord_stub, message)["description"]


async def test_in_a_dm_the_chart_has_no_server_series(discord_stub, start_bot):
    await start_bot(env_overrides={"DEV_GUILD_ID": None})  # global commands: usable in DMs
    await discord_stub.invoke("rate", {"drama": TITLE, "score": 3, "episode": 1})  # in the server
    in_guild = await charted(await discord_stub.invoke("review", {"drama": TITLE}))
    assert (
        "This server (blue dashed line, squares): 1 of 4"
        in chart_of(discord_stub, in_guild.message)["description"]
    )
    in_dm = await charted(await discord_stub.invoke("review", {"drama": TITLE}, guild=False))
    alt = chart_of(discord_stub, in_dm.message)["description"]
    assert "This server" not in alt and "Everyone (green dotted line, triangles): 1 of 4 episodes" in alt


async def test_when_rendering_fails_the_card_goes_out_without_the_picture(discord_stub, start_bot, tmp_path):
    # A Pillow that cannot be imported (a broken installation): every render fails inside the renderer.
    broken = tmp_path / "broken-pillow" / "PIL"
    broken.mkdir(parents=True)
    (broken / "__init__.py").write_text('raise ImportError("Pillow is broken in this test")\n')
    proc = await start_bot(env_overrides={"PYTHONPATH": str(broken.parent)})
    result = await discord_stub.invoke("review", {"drama": TITLE})
    assert not result.ephemeral
    (embed,) = result.embeds
    assert embed["title"].startswith(TITLE) and "image" not in embed
    assert result.message["attachments"] == []
    await proc.wait_for_output("episode_chart failed: the card goes out without it", 5)
    assert "Pillow is broken in this test" in proc.output()
    assert result.edits == [] and result.message["attachments"] == []  # no picture came later either
    again = await discord_stub.invoke("review", {"drama": TITLE})  # the bot carries on
    assert "image" not in again.embeds[0]


async def _charted_dramas_db(path: Path, count: int) -> list[str]:
    """`count` dramas whose episodes all have different critic scores: every card a different chart."""
    store = await Store.open(path)
    titles = []
    try:
        for i in range(count):
            title = f"Charted Drama {i}"
            scores = [((i + n) % 10 + 1) / 2 for n in range(1, 17)]
            await upsert(
                store, Drama(
                    id=0, slug=f"charted-drama-{i}", title=title, episode_count=16, year=2021, country="KR"
                ),
                [Episode(n, s) for n, s in enumerate(scores, start=1)],
                [],
            )
            titles.append(title)
    finally:
        await store.close()
    return titles


async def test_a_burst_of_reviews_with_charts_never_fails_other_interactions(
    discord_stub, start_bot, bot_env
):
    """Thirty /review cards, each with a chart to draw, and /about and /rate in between: every one is
    answered inside Discord's 3 s (the stand-in fails an interaction answered later)."""
    titles = await _charted_dramas_db(Path(bot_env["DATABASE_URL"]), 30)
    await start_bot()
    members = [discord_stub.make_user(f"member{i}") for i in range(10)]
    # From the ten members in turn: one member's thirty at once would meet the per-member cooldown.
    reviews = [
        discord_stub.dispatch_command("review", {"drama": title}, user=members[i % len(members)])
        for i, title in enumerate(titles)
    ]
    others = [discord_stub.dispatch_command("about") for _ in range(5)] + [
        discord_stub.dispatch_command("rate", {"drama": titles[i], "score": 4}, user=members[i])
        for i in range(10)
    ]
    sent = await asyncio.gather(*reviews, *others)
    answered = await asyncio.gather(*(discord_stub.wait_for_answer(r, 15) for r in sent))
    cards = answered[: len(titles)]
    assert all(r.embeds[0]["title"] == title for r, title in zip(cards, titles, strict=True))
    assert all(r.embeds for r in answered[len(titles) :])
    for r in cards:  # every card's chart joins it once drawn
        chart_of(discord_stub, (await charted(r, 15)).message)
    # The first card again: its chart now comes from the renderer's cache, in the answer itself.
    again = await discord_stub.invoke("review", {"drama": titles[0]})
    assert again.callback["data"]["embeds"][0]["image"]["url"] == "attachment://episodes.png"
    assert chart_of(discord_stub, again.message)["description"].startswith("Line chart of episode scores")


@pytest.fixture(params=["sqlite", "postgres"])
def database(request: pytest.FixtureRequest, bot_env) -> str:
    """The bot's DATABASE_URL: the fresh SQLite file of bot_env, or a new empty PostgreSQL database."""
    return bot_env["DATABASE_URL"] if request.param == "sqlite" else request.getfixturevalue("pg_url")


async def test_a_bundled_drama_rated_on_one_episode_gets_its_chart(discord_stub, start_bot, database):
    """A bundled drama has an episode count and no episode rows: one member's score on one episode gives
    it a chart over its 16 episodes, with that score and no critic line, agreeing with the card's guide."""
    await start_bot({"DATABASE_URL": database})
    drama = "Crash Landing on You"  # bundled: 16 episodes, no episode rows, no critic score
    bare = await discord_stub.invoke("review", {"drama": drama})
    assert "image" not in bare.embeds[0] and bare.message["attachments"] == []  # nothing scored: no chart
    rated = await discord_stub.invoke("rate", {"drama": drama, "score": 4.5, "episode": 3})
    assert "4.5" in rated.embeds[0]["description"]
    result = await charted(await discord_stub.invoke("review", {"drama": drama}))
    alt = chart_of(discord_stub, result.message)["description"]
    assert alt.startswith("Line chart of episode scores from 0 to 5 for 16 episodes.")
    assert "Critic" not in alt
    assert "This server (blue dashed line, squares): 1 of 16 episodes, average 4.5" in alt
    assert "Everyone (green dotted line, triangles): 1 of 16 episodes, average 4.5" in alt
    guide = [f for f in result.message["embeds"][0]["fields"] if f["name"].startswith("Episode guide")]
    (line,) = [row for row in guide[0]["value"].splitlines() if row.startswith("**Episode 3**")]
    assert "members 4.5 (1)" in line  # the guide shows the score the chart draws

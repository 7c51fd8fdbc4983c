"""/profile through the real bot and the Discord stand-in: the card answered at once and the histogram PNG
joining it as an edit (with alt text), or sent with the answer when already drawn; counts per status,
ratings and mean, genres, last rated; the card without the picture when rendering fails; private, bot and
empty profiles; Korean."""

from __future__ import annotations

import io

from PIL import Image

from tests.e2e.test_commands import TITLE
from tests.e2e.test_review_chart import PNG_SIGNATURE, charted


def histogram_of(discord_stub, message: dict) -> dict:
    (attachment,) = message["attachments"]
    (embed,) = message["embeds"]
    assert attachment["filename"] == "scores.png"
    assert embed["image"]["url"] == "attachment://scores.png"
    data = discord_stub.uploads[attachment["id"]]
    assert data.startswith(PNG_SIGNATURE) and attachment["size"] == len(data)
    Image.open(io.BytesIO(data)).verify()
    return attachment


def field(embed: dict, name: str) -> str:
    return next(f["value"] for f in embed["fields"] if f["name"] == name)


async def test_profile_with_its_histogram(discord_stub, start_bot):
    await start_bot()
    member, other = discord_stub.make_user("minji"), discord_stub.make_user("jisoo")
    await discord_stub.invoke("rate", {"drama": TITLE, "score": 4.5}, user=member)
    await discord_stub.invoke("rate", {"drama": "goblin", "score": 3}, user=member)
    await discord_stub.invoke("rate", {"drama": TITLE, "score": 2, "episode": 2}, user=member)  # an episode
    await discord_stub.invoke("watchlist set", {"drama": "goblin", "status": "completed"}, user=member)
    result = await discord_stub.invoke("profile", {"member": member}, user=other)
    assert not result.ephemeral
    # not drawn yet: the card is answered without the picture, and the histogram follows as an edit
    assert (
        result.callback["data"].get("attachments", []) == []
        and "image" not in result.callback["data"]["embeds"][0]
    )
    await charted(result)
    assert [e for e in result.edits if e.get("attachments")], "the histogram came as an edit of the card"
    (embed,) = result.embeds
    assert embed["title"] == "Minji's profile"
    assert field(embed, "Watch list") == "Watching: 1 · Completed: 1"
    assert field(embed, "Drama ratings") == "2 ratings · mean 3.75"
    assert field(embed, "Last rated").splitlines()[1] == "Soundtrack #1 · ★★★★½ 4.5"
    assert "Romance" in field(embed, "Most-watched genres")
    alt = histogram_of(discord_stub, result.message)["description"]
    assert alt == (
        "Bar chart of 2 ratings by score (0.5: 0 · 1: 0 · 1.5: 0 · 2: 0 · 2.5: 0 · 3: 1 · 3.5: 0 · 4: 0 · 4.5: 1 · 5: 0)."
        " Most common score 4.5, average 3.75."
    )
    again = await discord_stub.invoke("profile", {"member": member}, user=member)  # drawn: from the cache
    assert again.ephemeral is False and again.edits == [], "already drawn: the histogram came with the answer"
    assert histogram_of(discord_stub, again.message)["description"] == alt


async def test_profile_bad_input_empty_and_korean(discord_stub, start_bot):
    await start_bot()
    member, other = discord_stub.make_user("minji"), discord_stub.make_user("jisoo")
    empty = await discord_stub.invoke("profile", {}, user=member)
    (embed,) = empty.embeds
    assert field(embed, "Watch list") == "nothing on it yet" and field(embed, "Drama ratings") == "none yet"
    assert empty.message["attachments"] == [], "no ratings: no histogram"
    robot = await discord_stub.invoke(
        "profile", {"member": discord_stub.make_user("helper", bot=True)}, user=member
    )
    assert robot.ephemeral and robot.content.startswith("Helper is a bot")
    stranger = await discord_stub.invoke("profile", {"member": "123456789012345678"}, user=member)
    assert stranger.ephemeral and stranger.content.startswith("I can't see that member in this server")
    await discord_stub.invoke("privacy list", {"visibility": "private"}, user=member)
    hidden = await discord_stub.invoke("profile", {"member": member}, user=other)
    assert hidden.ephemeral and hidden.content == "Minji keeps their watch list, profile and matches private."
    assert (await discord_stub.invoke("profile", {}, user=member)).ephemeral, (
        "private: shown to its owner privately"
    )

    discord_stub.set_locale(other, "ko")
    await discord_stub.invoke("rate", {"drama": TITLE, "score": 4}, user=other)
    korean = await charted(await discord_stub.invoke("profile", {}, user=other))
    (embed,) = korean.embeds
    assert embed["title"] == "Jisoo님의 프로필"
    assert field(embed, "드라마 평점") == "평점 1개 · 평균 4.0"
    alt = histogram_of(discord_stub, korean.message)["description"]
    assert alt.startswith("점수별 평점 1개의 막대 그래프 (") and alt.endswith("가장 많은 점수 4, 평균 4.0.")


async def test_profile_goes_out_without_the_picture_when_rendering_fails(discord_stub, start_bot, tmp_path):
    broken = tmp_path / "broken-pillow" / "PIL"
    broken.mkdir(parents=True)
    (broken / "__init__.py").write_text('raise ImportError("Pillow is broken in this test")\n')
    proc = await start_bot(env_overrides={"PYTHONPATH": str(broken.parent)})
    member = discord_stub.make_user("minji")
    await discord_stub.invoke("rate", {"drama": TITLE, "score": 4}, user=member)
    result = await discord_stub.invoke("profile", {}, user=member)
    (embed,) = result.embeds
    assert "image" not in embed and result.message["attachments"] == []
    assert field(embed, "Scores").startswith("0.5: 0 · 1: 0")
    await proc.wait_for_output("score_histogram failed: the card goes out without it", 5)
    assert result.edits == [] and result.message["attachments"] == []  # no picture came later either

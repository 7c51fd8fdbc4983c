"""bot/cards/watchparty.py: an event's name, location and description within Discord's limits."""

from __future__ import annotations

from bot.cards import watchparty as cards
from bot.models import Availability, Drama

DRAMA = Drama(1, "moonlit-ferry", "Moonlit Ferry", 8)
WHERE = (
    Availability("Netflix", "subscription", ("KR", "JP"), "https://www.netflix.com/title/1"),
    Availability("Viki", "free", ("US",)),
)


def test_names():
    assert cards.event_name(DRAMA, 3) == "Moonlit Ferry · episode 3 watch party"
    assert cards.event_name(DRAMA, None) == "Moonlit Ferry · watch party"
    assert cards.event_name(DRAMA, 3, "ko") == "Moonlit Ferry · 3화 같이보기"
    long = Drama(2, "long", "A" * 300, 9999)
    name = cards.event_name(long, 9999)
    assert len(name) <= 100 and name.endswith(" · episode 9999 watch party") and "…" in name


def test_locations():
    assert cards.event_location(WHERE, "KR") == "Netflix (subscription)"
    assert cards.event_location(WHERE, "US") == "Viki (free)"
    assert cards.event_location(WHERE, "FR") == "Netflix (subscription), Viki (free)"  # none there: anywhere
    assert cards.event_location((), "KR") == "Wherever you stream it"
    many = tuple(Availability("S" * 60 + str(i), "subscription", ("KR",)) for i in range(5))
    assert 1 <= len(cards.event_location(many, "KR")) <= 100


def test_descriptions():
    text = cards.event_description(DRAMA, 3, WHERE, "KR")
    assert text.startswith("Watching Moonlit Ferry together: episode 3 of 8.")
    assert "Where to watch in South Korea:" in text and "Netflix" in text and "Viki" not in text
    assert text.endswith("Afterwards, rate it with /rate.")
    no_region = cards.event_description(DRAMA, None, WHERE, None)
    assert "Streaming on Netflix, Viki" in no_region
    huge = tuple(
        Availability("X" * 90 + str(i), "subscription", ("KR",), "https://e.com/" + "y" * 200)
        for i in range(9)
    )
    assert len(cards.event_description(Drama(3, "t", "T" * 500, 16), 1, huge, "KR")) <= 1000
    assert "함께 봅니다" in cards.event_description(DRAMA, 3, WHERE, "KR", "ko")


def test_follow_up_and_link():
    assert cards.followup_text("*Goblin*"[1:-1], 3) == "How was episode 3 of *Goblin*? Rate it with `/rate`."
    assert cards.followup_text("Goblin", 3, "ko") == "*Goblin* 3화 어땠나요? `/평점`으로 점수를 남겨 주세요."
    assert cards.event_link(1, 2) == "https://discord.com/events/1/2"

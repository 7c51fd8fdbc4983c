"""bot.cards.airing: announcement, digest, schedule and reminder cards: limits, timestamps, no spoilers,
no mentions."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import discord
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.cards.airing import (
    SCHEDULE_PER_PAGE,
    AiringEpisode,
    announcement_card,
    digest_card,
    episode_ranges,
    reminder_card,
    schedule_card,
    thread_name,
)
from bot.models import Availability, Drama
from tests.bot.cards.test_review import assert_within_limits

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
HOSTILE = "@everyone @here <@123456789012345678> <@!123456789012345678> <@&123456789012345678> <#123456789012345678> </rate:1> <t:0:R> **bold** _x_"
RAW_MENTION = re.compile(r"<(@[!&]?|#)\d+>|</[^>]+:\d+>|<t:-?\d+(:[a-zA-Z])?>")


def drama(id: int = 1, title: str = "Lovely Runner", episodes: int = 16, **kw) -> Drama:
    return Drama(id=id, slug=f"d{id}", title=title, episode_count=episodes, country="KR", **kw)


def ep(n: int = 5, *, d: Drama | None = None, at: datetime = NOW) -> AiringEpisode:
    return AiringEpisode(drama=d or drama(), number=n, airs_at=at)


def text_of(embed: discord.Embed) -> str:
    data = embed.to_dict()
    parts = [data.get("title", ""), data.get("description", ""), data.get("footer", {}).get("text", "")]
    for f in data.get("fields", []):
        parts += [f["name"], f["value"]]
    return "\n".join(parts)


def assert_inert(embed: discord.Embed, *times: datetime) -> None:
    """No mass mention, and the only Discord markup left is the card's own timestamps of ``times``."""
    text = text_of(embed)
    assert "@everyone" not in text and "@here" not in text
    own = {stamp(at, style) for at in times for style in "FR"}
    assert {m.group(0) for m in RAW_MENTION.finditer(text)} <= own


def stamp(at: datetime, style: str) -> str:
    return f"<t:{int(at.timestamp())}:{style}>"


# ---- announcement --------------------------------------------------------------------------------------


def test_announcement_has_drama_episode_time_and_rate_hint():
    aired = datetime(2026, 11, 27, 11, 50, tzinfo=UTC)
    card = announcement_card(ep(5, at=aired))
    assert card.title == "Lovely Runner · Episode 5"
    assert stamp(aired, "F") in card.description and stamp(aired, "R") in card.description
    assert "/rate" in card.footer.text
    assert card.fields == []  # no region set: nothing about where to watch but the /where hint
    assert "/where" in card.footer.text


def test_announcement_shows_where_to_watch_in_the_servers_region_only():
    avail = (
        Availability(
            "Netflix", "subscription", ("KR", "US"), "https://netflix.example/lr", date(2026, 11, 1)
        ),
        Availability("Viki", "ads", ("US",)),
    )
    card = announcement_card(ep(), avail, region="KR")
    (field,) = card.fields
    assert field.name == "Where to watch in South Korea"
    assert "Netflix" in field.value and "Viki" not in field.value
    nowhere = announcement_card(ep(), avail, region="JP")
    assert "Not listed in Japan" in nowhere.fields[0].value


def test_announcement_says_when_it_is_the_last_episode():
    assert "the last one" in announcement_card(ep(16)).description
    assert "the last one" not in announcement_card(ep(15)).description


def test_announcement_never_spoils_nor_mentions():
    sneaky = drama(title=HOSTILE, synopsis="the killer is the butler")
    card = announcement_card(ep(3, d=sneaky))
    assert_inert(card, NOW)
    assert "butler" not in text_of(card)  # no synopsis, no episode titles or notes on the card


def test_thread_name():
    assert thread_name(7) == "Episode 7 discussion"
    assert len(thread_name(10**95)) <= 100


# ---- digest ----------------------------------------------------------------------------------------------


def test_episode_ranges():
    assert episode_ranges([3]) == "3"
    assert episode_ranges([5, 3]) == "3 and 5"
    assert episode_ranges([3, 4, 5]) == "3–5"
    assert episode_ranges([9, 1, 2, 4, 7, 8, 4]) == "1–2, 4 and 7–9"


def test_digest_gathers_episodes_per_drama():
    a, b = drama(1, "Lovely Runner"), drama(2, "Queen of Tears")
    eps = [ep(5, d=a, at=NOW - timedelta(days=2)), ep(6, d=a, at=NOW - timedelta(days=1)), ep(9, d=b)]
    card = digest_card(eps)
    assert card.title == "While I was away: 3 new episodes"
    lines = card.description.splitlines()
    assert lines[0].startswith(
        "**Lovely Runner** · Episodes 5–6 · aired " + stamp(NOW - timedelta(days=1), "R")
    )
    assert lines[1].startswith("**Queen of Tears** · Episode 9")


def test_a_huge_digest_stays_one_embed_and_says_how_many_more():
    eps = [ep(n, d=drama(i, f"Drama number {i} " + "x" * 200)) for i in range(300) for n in (1, 2)]
    card = digest_card(eps)
    assert_within_limits(card)
    assert card.title == "While I was away: 600 new episodes"
    assert re.search(r"…and \d+ more dramas", card.description)


# ---- schedule ----------------------------------------------------------------------------------------------


def test_schedule_groups_by_day_with_timestamps():
    mon = datetime(2026, 11, 30, 11, 0, tzinfo=UTC)
    eps = [
        ep(3, d=drama(2, "Queen of Tears"), at=mon + timedelta(days=1)),
        ep(5, at=mon),
        ep(6, at=mon + timedelta(hours=1)),
    ]
    result = schedule_card(eps, days=7, scope="followed")
    lines = result.embed.description.splitlines()
    assert lines[0] == "**Monday 30 November**"
    assert lines[1] == f"Lovely Runner · Ep 5 · {stamp(mon, 'F')} ({stamp(mon, 'R')})"
    assert lines[2].startswith("Lovely Runner · Ep 6")
    assert lines[3] == "**Tuesday 1 December**"
    assert lines[4].startswith("Queen of Tears · Ep 3")
    assert result.embed.title == "Airing in the next 7 days · followed dramas"
    assert (result.page, result.pages) == (0, 1)


def test_schedule_days_follow_the_given_zone():
    late = datetime(2026, 11, 30, 20, 0, tzinfo=UTC)  # Tuesday morning in Seoul
    assert schedule_card([ep(at=late)], days=1).embed.description.startswith("**Monday 30 November**")
    seoul = schedule_card([ep(at=late)], days=1, zone=ZoneInfo("Asia/Seoul"))
    assert seoul.embed.description.startswith("**Tuesday 1 December**")
    assert "Asia/Seoul" in seoul.embed.footer.text


def test_empty_schedule_says_so():
    card = schedule_card([], days=3, scope="followed").embed
    assert "Nothing airs" in card.description and "/follow" in card.description


def test_long_schedule_pages_and_every_entry_shows_once():
    eps = [ep(n, d=drama(i, f"Drama {i:03d}"), at=NOW + timedelta(hours=i)) for i in range(50) for n in (1,)]
    first = schedule_card(eps, days=14)
    assert first.pages == 3 == -(-50 // SCHEDULE_PER_PAGE)
    seen = []
    for page in range(first.pages):
        card = schedule_card(eps, days=14, page=page)
        assert card.page == page and f"page {page + 1}/3" in card.embed.footer.text
        seen += re.findall(r"Drama (\d{3})", card.embed.description)
    assert seen == [f"{i:03d}" for i in range(50)]
    assert schedule_card(eps, days=14, page=99).page == 2


# ---- reminder ----------------------------------------------------------------------------------------------


def test_reminder_card_is_a_dm_with_a_way_out():
    card = reminder_card(ep(4), (Availability("Netflix", "subscription", ("KR",)),), region="KR")
    assert card.title == "Lovely Runner · Episode 4"
    assert stamp(NOW, "F") in card.description and stamp(NOW, "R") in card.description
    assert "/remind off" in card.footer.text
    assert "Netflix" in card.fields[0].value


# ---- any input ------------------------------------------------------------------------------------------------

titles = st.text(min_size=1, max_size=600) | st.sampled_from(
    [HOSTILE, "@everyone", "<@&1234567890123456789>", "x" * 5000]
)
instants = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
)
episodes = st.builds(
    lambda i, t, n, at: AiringEpisode(drama(i, t), n, at),
    st.integers(1, 10**6),
    titles,
    st.integers(1, 10**6),
    instants,
)
availability = st.lists(
    st.builds(
        Availability,
        st.text(min_size=1, max_size=300) | st.just(HOSTILE),
        st.sampled_from(["subscription", "free", "ads", "rent", "buy"]),
        st.lists(st.sampled_from(["KR", "US", "JP"]), max_size=3).map(tuple),
        st.none() | st.just("https://example.com/" + "p" * 500),
    ),
    max_size=30,
)


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(episodes, availability, st.sampled_from([None, "KR", "US", "ZZ"]))
def test_announcement_and_reminder_fit_and_are_inert(episode, avail, region):
    for card in (announcement_card(episode, avail, region), reminder_card(episode, avail, region)):
        assert_within_limits(card)
        assert_inert(card, episode.airs_at)
        assert f"Episode {episode.number}" in card.title


@settings(max_examples=40, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(episodes, min_size=1, max_size=400))
def test_digest_fits_and_is_inert(eps):
    card = digest_card(eps)
    assert_within_limits(card)
    assert_inert(card, *(e.airs_at for e in eps))


@settings(max_examples=40, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(episodes, max_size=200), st.integers(0, 20), st.integers(1, 14))
def test_schedule_pages_fit_are_inert_and_show_whole_entries(eps, page, days):
    result = schedule_card(eps, days=days, page=page)
    assert_within_limits(result.embed)
    assert_inert(result.embed, *(e.airs_at for e in eps))
    shown = [line for line in result.embed.description.splitlines() if " · Ep " in line]
    start = result.page * SCHEDULE_PER_PAGE
    assert len(shown) == len(eps[start : start + SCHEDULE_PER_PAGE]) or not eps
    assert all(line.endswith(">)") for line in shown)  # no entry is cut before its timestamps

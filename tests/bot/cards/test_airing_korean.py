"""The airing cards in Korean (issue 13): a Korean server's posts and a Korean member's DMs and /schedule."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.cards.airing import (
    AiringEpisode,
    announcement_card,
    digest_card,
    reminder_card,
    schedule_card,
    thread_name,
)
from bot.models import Drama

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)  # a Tuesday
RUNNER = Drama(id=1, slug="d1", title="선재 업고 튀어", episode_count=16, country="KR")


def ep(n: int, at: datetime = NOW) -> AiringEpisode:
    return AiringEpisode(RUNNER, n, at)


def test_announcement_and_thread_in_korean_and_english_by_default():
    ko = announcement_card(ep(5), locale="ko")
    assert ko.title == "선재 업고 튀어 · 5화"
    assert ko.description.startswith("**5화**가 공개됐습니다.\n방영: <t:")
    assert ko.footer.text.startswith("/평점")
    assert announcement_card(ep(16), locale="ko").description.startswith("마지막 회차 **16화**")
    assert announcement_card(ep(5)).title == "선재 업고 튀어 · Episode 5"
    assert (thread_name(5, "ko"), thread_name(5)) == ("5화 토론", "Episode 5 discussion")


def test_digest_reminder_and_schedule_in_korean():
    digest = digest_card([ep(3), ep(4), ep(6)], locale="ko")
    assert digest.title == "자리를 비운 사이: 새 회차 3개"
    assert "**선재 업고 튀어** · 3–4, 6화 · <t:" in digest.description
    reminder = reminder_card(ep(5), locale="ko")
    assert (
        reminder.description.startswith("새 회차가 공개됐습니다: <t:")
        and "/알림 끄기" in reminder.footer.text
    )
    card = schedule_card([ep(5), ep(6, NOW + timedelta(days=1))], days=3, scope="followed", locale="ko")
    assert card.embed.title == "앞으로 3일 동안 방영 · 팔로우한 드라마"
    assert card.embed.description.splitlines()[0] == "**12월 1일 (화)**"
    assert "선재 업고 튀어 · 5화 · <t:" in card.embed.description
    empty = schedule_card([], days=1, scope="followed", locale="ko")
    assert "/팔로우" in empty.embed.description


def test_where_to_watch_field_in_korean_on_announcements_and_reminders():
    from bot.models import Availability

    avail = (Availability("Netflix", "subscription", ("KR",)),)
    (field,) = announcement_card(ep(5), avail, region="KR", locale="ko").fields
    assert field.name.endswith("에서 볼 수 있는 곳") and "Netflix" in field.value
    (field,) = reminder_card(ep(5), avail, region="KR", locale="ko").fields
    assert field.name.endswith("에서 볼 수 있는 곳")
    (field,) = reminder_card(ep(5), avail, region="KR").fields
    assert field.name.startswith("Where to watch in ")

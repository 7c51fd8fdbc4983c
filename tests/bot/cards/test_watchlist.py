"""The community cards' text in English and Korean (pure functions)."""

from __future__ import annotations

from bot.cards import community as community_cards
from bot.cards import review as cards
from bot.cards import watchlist as watch_cards
from bot.models import WatchCounts, WatchEntry


def test_here_line_in_both_languages_and_only_when_someone_is_counted():
    counts = WatchCounts({"watching": 3, "completed": 1200, "plan": 5, "dropped": 9})
    assert cards.here_line(counts) == "Here: 3 watching · 1,200 completed · 5 plan to watch"
    assert cards.here_line(counts, "ko") == "이 서버: 3명 보는 중 · 1,200명 다 봄 · 5명 볼 예정"
    assert cards.here_line(WatchCounts({"dropped": 2})) is None
    assert cards.here_line(None) is None


def test_entry_line_escapes_titles_and_shows_the_score_only_when_rated():
    entry = WatchEntry(
        drama_id=1, title="**Bold** @everyone", episode_count=16, status="watching", progress=7
    )
    assert watch_cards.entry_line(entry) == "**\\*\\*Bold\\*\\* @\u200beveryone** · Watching · ep 7/16"
    rated = WatchEntry(drama_id=1, title="Goblin", episode_count=16, status="dropped", progress=2, score=2.5)
    assert watch_cards.entry_line(rated, "ko") == "**Goblin** · 중단 · 2/16화 · ★★½☆☆ 2.5"


def test_profile_alt_text():
    counts = (0, 0, 0, 0, 0, 2, 0, 1, 0, 1)
    assert community_cards.profile_alt(counts) == (
        "Bar chart of 4 ratings by score (0.5: 0 · 1: 0 · 1.5: 0 · 2: 0 · 2.5: 0 · 3: 2 · 3.5: 0 · 4: 1 · 4.5: 0 · 5: 1)."
        " Most common score 3, average 3.75."
    )
    assert community_cards.profile_alt((0,) * 10, "ko") == "점수 막대 그래프: 아직 평점이 없습니다."

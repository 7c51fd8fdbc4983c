"""/recommend's card: the ten lines with their reasons in English and Korean, the fallback's why, the filters,
Discord's limits with long titles, and no member named but the one asking."""

from __future__ import annotations

from bot.cards.recommend import reason, recommend_card
from bot.models import Drama
from bot.recommend.answer import CHART, RATED, TASTE, Entry, Recommendations


def _drama(i: int, title: str | None = None) -> Drama:
    return Drama(id=i, slug=f"d-{i}", title=title or f"Drama {i}", episode_count=16, year=2016 + i % 5)


def test_reasons_name_the_members_own_scores_or_the_community():
    dramas = {1: _drama(1, "Goblin"), 2: _drama(2, "Signal"), 3: _drama(3), 4: _drama(4)}
    recs = Recommendations(
        (Entry(3, RATED, ((1, 5.0), (2, 4.5))), Entry(4, RATED, ((1, 5.0),)), Entry(1, TASTE),
         Entry(2, CHART, average=4.25, count=12)),
        server=False, fallback=False, scores=7, dramas=dramas,
    )  # fmt: skip
    assert reason(recs.entries[0], recs) == "because you rated Goblin 5 and Signal 4.5"
    assert reason(recs.entries[1], recs) == "because you rated Goblin 5"
    assert reason(recs.entries[2], recs) == "loved by members whose taste matches yours"
    assert reason(recs.entries[3], recs) == "rated best by everyone: ★★★★½ 4.25 · 12 ratings"
    assert reason(recs.entries[0], recs, "ko") == "Goblin에 5점, Signal에 4.5점을 주셨기 때문에"
    embed = recommend_card(recs, "Alice", filters=["Romance", "South Korea"]).to_dict()
    assert embed["title"] == "Picked for Alice"
    lines = embed["description"].splitlines()
    assert lines[0] == "Only: Romance · South Korea"
    assert lines[2] == "**1.** Drama 3 (2019) · because you rated Goblin 5 and Signal 4.5"
    assert len([line for line in lines if line.startswith("**")]) == 4
    korean = recommend_card(recs, "Alice", filters=[], locale="ko").to_dict()
    assert (
        korean["title"] == "Alice님을 위한 추천"
        and "취향이 비슷한 회원들이 좋아한 드라마" in korean["description"]
    )


def test_the_fallback_says_why_and_the_server_scope_says_where():
    dramas = {i: _drama(i) for i in range(1, 4)}
    recs = Recommendations(
        tuple(Entry(i, CHART, average=4.5, count=3) for i in range(1, 4)), server=True, fallback=True, scores=1,
        dramas=dramas,
    )  # fmt: skip
    embed = recommend_card(recs, "Bob", filters=[]).to_dict()
    assert embed["title"] == "Picked for Bob · what this server loves"
    first = embed["description"].splitlines()[0]
    assert first.startswith(
        "You have rated 1 dramas as a whole; recommendations follow your taste from 3 scores"
    )
    assert "loved here: ★★★★½ 4.5 · 3 ratings" in embed["description"]
    assert "Bob" not in embed["description"] and "footer" in embed


def test_long_titles_stay_within_discords_limits():
    long = "L" * 300 + " *bold* @everyone"
    dramas = {i: _drama(i, f"{long} {i}") for i in range(1, 21)}
    entries = tuple(Entry(i, RATED, ((i + 10, 5.0), (i + 9, 4.5))) for i in range(1, 11))
    recs = Recommendations(entries, server=False, fallback=True, scores=2, dramas=dramas)
    embed = recommend_card(recs, "N" * 200, filters=["G" * 200])
    assert len(embed) <= 6000 and len(embed.title) <= 256 and len(embed.description) <= 4096
    assert "*bold*" not in embed.description  # markdown escaped

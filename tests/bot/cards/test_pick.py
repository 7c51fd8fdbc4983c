"""/pick's winner card: votes, the tie line, where to watch in the server's region, in Korean too."""

from __future__ import annotations

from bot.cards.pick import winner_card
from bot.catalogue import regions
from bot.models import Availability, Drama

DRAMA = Drama(1, "goblin", "Goblin", 16, country="KR")
WHERE = (Availability("Netflix", "subscription", ("KR", "US")), Availability("Viki", "free", ("US",)))


def test_the_winner_card_shows_the_votes_and_where_to_watch_in_the_servers_region():
    card = winner_card(DRAMA, 3, 5, WHERE, regions.lookup("KR"))
    assert card.title == "Next up: Goblin"
    assert "3 of 5 votes" in card.description and "tie" not in card.description
    assert "Netflix" in card.description and "South Korea" in card.description
    assert "Viki" not in card.description.split("Also in")[0]


def test_a_tie_says_the_scores_decided_and_korean_reads_korean():
    card = winner_card(DRAMA, 2, 4, (), None, tied=True, locale="ko")
    assert card.title == "다음 작품: Goblin" and "4표 중 2표" in card.description
    assert "득표가 같아서" in card.description


def test_a_long_title_stays_within_discords_limits():
    long = Drama(2, "long", "L" * 400, 1)
    card = winner_card(long, 1, 1, WHERE * 200, None)
    assert len(card.title) <= 256 and len(card) <= 6000

from __future__ import annotations

import math

from bot.cards.review import DATA_CREDITS, about_card, uptime_text


def test_uptime_text_picks_two_units():
    assert uptime_text(12) == "12 s"
    assert uptime_text(250) == "4 min 10 s"
    assert uptime_text(2 * 3600 + 5 * 60) == "2 h 5 min"
    assert uptime_text(3 * 86400 + 4 * 3600 + 7) == "3 d 4 h"
    assert uptime_text(-3) == "0 s"


def test_about_card_fields():
    embed = about_card("1.2.3", 61, 0.0123, "https://example.org/dramabot").to_dict()
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert fields == {"Version": "1.2.3", "Uptime": "1 min 1 s", "Gateway latency": "12 ms",
                      "Project": "https://example.org/dramabot", "Data": DATA_CREDITS}  # fmt: skip
    assert embed["url"] == "https://example.org/dramabot"


def test_about_card_credits_the_open_data_and_with_tmdb_carries_its_notice():
    without = {f["name"]: f["value"] for f in about_card("1", 0, 0.01, None).to_dict()["fields"]}
    assert "Wikidata (CC0)" in without["Data"] and "Korean Wikipedia contributors (CC BY-SA 4.0)" in without["Data"]
    assert "TMDB" not in without["Data"]
    with_tmdb = {f["name"]: f["value"] for f in about_card("1", 0, 0.01, None, tmdb=True).to_dict()["fields"]}
    assert "This product uses the TMDB API but is not endorsed or certified by TMDB" in with_tmdb["Data"]


def test_about_card_before_the_first_heartbeat():
    for latency in (None, math.inf, math.nan):
        fields = {f["name"]: f["value"] for f in about_card("1", 0, latency, "https://x.org").to_dict()["fields"]}
        assert fields["Gateway latency"] == "not measured yet"

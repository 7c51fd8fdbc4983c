"""bot/events/zones.py: zone names checked and offered, and a server's default zone from its region."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from bot.catalogue import regions
from bot.events import zones


@pytest.mark.parametrize(
    ("region", "zone"),
    [("KR", "Asia/Seoul"), ("kr", "Asia/Seoul"), ("JP", "Asia/Tokyo"), ("US", "America/New_York"),
     ("GB", "Europe/London"), ("TW", "Asia/Taipei"), ("TH", "Asia/Bangkok"), ("CN", "Asia/Shanghai"),
     ("AU", "Australia/Sydney"), ("CA", "America/Toronto"), ("BR", "America/Sao_Paulo"), ("PH", "Asia/Manila"),
     (None, "UTC"), ("", "UTC"), ("XX", "UTC")],
)  # fmt: skip
def test_a_regions_default_zone(region, zone):
    assert zones.region_zone(region) == zone


def test_every_region_with_a_zone_names_one_this_machine_knows():
    for region in regions.suggest("", 300):
        ZoneInfo(zones.region_zone(region.code))  # raises for an unknown name


def test_the_servers_own_zone_wins_over_its_regions():
    assert zones.server_zone("Europe/Paris", "KR") == "Europe/Paris"
    assert zones.server_zone(None, "KR") == "Asia/Seoul"
    assert zones.server_zone(None, None) == "UTC"


@pytest.mark.parametrize(
    ("text", "name"),
    [("Asia/Seoul", "Asia/Seoul"), ("asia/seoul", "Asia/Seoul"), (" America/New York ", "America/New_York"),
     ("utc", "UTC"), ("Mars/Olympus", None), ("", None), ("Asia/" + "x" * 80, None), ("Asia/Seoul/x", None)],
)  # fmt: skip
def test_checked_names(text, name):
    assert zones.checked(text) == name


def test_suggestions():
    assert zones.suggest("seoul") == ["Asia/Seoul"]
    assert zones.suggest("asia/se")[0] == "Asia/Seoul"
    assert zones.suggest("new y")[0] == "America/New_York"
    assert zones.suggest("")[:3] == ["Asia/Seoul", "Asia/Tokyo", "Asia/Shanghai"]
    assert len(zones.suggest("a")) == 25 and zones.suggest("a", 0) == []
    assert zones.suggest("x" * 100) == []

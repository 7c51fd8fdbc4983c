"""bot.airing.times: air instants in the broadcast time zone, the tests' manual clock, and which episodes are due."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.airing.times import (
    DEFAULT_LOCAL_TIME,
    MAX_AGE,
    AiredEpisode,
    air_instant,
    broadcast_zone,
    due_episodes,
)
from tests.clocks import ManualClock

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


def ep(drama: int, number: int, ago: timedelta) -> AiredEpisode:
    return AiredEpisode(aired_at=NOW - ago, drama_id=drama, number=number)


# --- time zones -----------------------------------------------------------------------------------------


def test_a_korean_evening_slot_is_the_same_day_in_utc_morning():
    # Friday 20:50 in Seoul (UTC+9) is 11:50 UTC the same day, not the day before or after
    assert air_instant(date(2026, 11, 27), time(20, 50), "KR") == datetime(2026, 11, 27, 11, 50, tzinfo=UTC)


def test_a_late_korean_slot_is_the_previous_day_in_the_americas():
    aired = air_instant(date(2026, 11, 27), time(22, 0), "KR")
    assert aired == datetime(2026, 11, 27, 13, 0, tzinfo=UTC)
    # 08:00 in New York on the 27th, but 03:00 in Honolulu: a member there sees it on the 27th too,
    # while "22:00 on the 27th" read as their own local time would have been a day late
    assert aired.astimezone(ZoneInfo("America/New_York")).hour == 8
    assert aired.astimezone(ZoneInfo("Pacific/Honolulu")) == datetime(
        2026, 11, 27, 3, 0, tzinfo=ZoneInfo("Pacific/Honolulu")
    )


@pytest.mark.parametrize(
    ("country", "offset"), [("KR", 9), ("JP", 9), ("CN", 8), ("TW", 8), ("HK", 8), ("TH", 7), ("kr", 9)]
)
def test_each_country_airs_in_its_own_zone(country, offset):
    aired = air_instant(date(2026, 6, 1), time(21, 0), country)
    assert aired == datetime(2026, 6, 1, 21 - offset, 0, tzinfo=UTC)


def test_unknown_time_is_late_evening_local_and_unknown_country_is_utc():
    assert air_instant(date(2026, 6, 1), None, "KR") == datetime(2026, 6, 1, 23 - 9, 0, tzinfo=UTC)
    assert air_instant(date(2026, 6, 1), None, None) == datetime.combine(
        date(2026, 6, 1), DEFAULT_LOCAL_TIME, tzinfo=UTC
    )


def test_manual_clock_moves_forward_only():
    clock = ManualClock(NOW)
    assert clock.now() == NOW
    assert clock.advance(timedelta(days=1)) == NOW + timedelta(days=1) == clock.now()
    with pytest.raises(ValueError):
        clock.advance(timedelta(seconds=-1))
    with pytest.raises(ValueError):
        ManualClock(datetime(2026, 1, 1))


# --- what is due -----------------------------------------------------------------------------------------


def test_an_episode_that_just_aired_is_posted_once():
    fresh = ep(1, 3, timedelta(minutes=5))
    due = due_episodes([fresh], now=NOW)
    assert due.posts == (fresh,) and due.digest == () and due.skipped == ()
    assert due_episodes([fresh], now=NOW, done=[fresh.key]).to_mark == ()


def test_the_delay_holds_a_post_back_until_it_is_over():
    aired = ep(1, 3, timedelta(hours=2))
    assert due_episodes([aired], now=NOW, delay=timedelta(hours=3)).waiting == (aired,)
    later = due_episodes([aired], now=NOW + timedelta(hours=1, minutes=1), delay=timedelta(hours=3))
    assert later.posts == (aired,)


def test_after_downtime_missed_episodes_come_as_one_digest_and_old_ones_are_skipped():
    missed = [ep(1, 5, timedelta(days=2)), ep(2, 9, timedelta(days=1)), ep(1, 6, timedelta(hours=5))]
    ancient = ep(3, 1, MAX_AGE + timedelta(hours=1))
    fresh = ep(4, 2, timedelta(minutes=10))
    due = due_episodes([*missed, ancient, fresh], now=NOW)
    assert set(due.digest) == set(missed)
    assert due.posts == (fresh,)
    assert due.skipped == (ancient,)


def test_a_single_late_episode_is_a_plain_post():
    late = ep(1, 5, timedelta(hours=6))
    assert due_episodes([late], now=NOW).posts == (late,)


def test_future_episodes_wait():
    future = AiredEpisode(aired_at=NOW + timedelta(days=1), drama_id=1, number=8)
    assert due_episodes([future], now=NOW).waiting == (future,)


def test_naive_now_is_refused():
    with pytest.raises(ValueError):
        due_episodes([], now=datetime(2026, 1, 1))


episodes = st.builds(
    AiredEpisode,
    aired_at=st.integers(-20 * 24 * 60, 3 * 24 * 60).map(lambda m: NOW - timedelta(minutes=m)),
    drama_id=st.integers(1, 4),
    number=st.integers(1, 6),
)


@settings(max_examples=300, deadline=None)
@given(
    candidates=st.lists(episodes, max_size=30),
    done=st.sets(st.tuples(st.integers(1, 4), st.integers(1, 6)), max_size=10),
    delay_hours=st.integers(0, 48),
)
def test_every_episode_is_handled_exactly_once_and_never_again(candidates, done, delay_hours):
    delay = timedelta(hours=delay_hours)
    due = due_episodes(candidates, now=NOW, delay=delay, done=done)
    parts = [*due.posts, *due.digest, *due.skipped, *due.waiting]
    keys = [e.key for e in parts]
    assert len(keys) == len(set(keys))  # no episode in two places, none twice
    assert set(keys) == {e.key for e in candidates} - done  # none lost, nothing announced twice
    assert all(e.aired_at + delay <= NOW for e in due.to_mark)  # never early
    assert all(NOW - (e.aired_at + delay) <= MAX_AGE for e in due.posts + due.digest)
    assert len(due.digest) != 1  # a digest is for two or more
    # running again after marking what was handled posts nothing new
    again = due_episodes(candidates, now=NOW, delay=delay, done=done | {e.key for e in due.to_mark})
    assert again.to_mark == ()


def test_broadcast_zone_falls_back_to_utc():
    assert broadcast_zone("KR") == ZoneInfo("Asia/Seoul")
    assert broadcast_zone("ZZ") == ZoneInfo("UTC") == broadcast_zone(None)


def test_the_same_episode_listed_twice_counts_once_at_its_earliest_time():
    early, moved = ep(1, 3, timedelta(hours=3)), ep(1, 3, timedelta(minutes=5))  # its date moved: two rows
    other = ep(0, 1, timedelta(minutes=10))  # a lower drama id, aired later
    due = due_episodes([moved, other, early], now=NOW)
    assert due.posts == (early, other)  # in air order; the late one alone is a plain post
    assert due_episodes([moved, early], now=NOW, done=[early.key]).to_mark == ()

"""bot/events/when.py: what members type as `when`, read in a server's zone at an injected `now`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.errors import UserError
from bot.events.when import MAX_AHEAD, parse_when

SEOUL = ZoneInfo("Asia/Seoul")
NEW_YORK = ZoneInfo("America/New_York")
LONDON = ZoneInfo("Europe/London")
# Monday 7 December 2026, 18:30 in Seoul (09:30 UTC)
NOW = datetime(2026, 12, 7, 9, 30, tzinfo=UTC)


def seoul(*args: int) -> datetime:
    return datetime(*args, tzinfo=SEOUL).astimezone(UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-12-24 21:00", seoul(2026, 12, 24, 21)),
        ("2026/12/24 9pm", seoul(2026, 12, 24, 21)),
        ("2026-12-24T21:00", seoul(2026, 12, 24, 21)),
        ("2026.12.24 21:05", seoul(2026, 12, 24, 21, 5)),
        ("12-24 21:00", seoul(2026, 12, 24, 21)),
        ("12/24 9:30 PM", seoul(2026, 12, 24, 21, 30)),
        ("01-05 10:00", seoul(2027, 1, 5, 10)),  # passed this year: next year's
        ("12-07 18:00", seoul(2027, 12, 7, 18)),  # today, but already past: a year on (within a year)
        ("21:00", seoul(2026, 12, 7, 21)),  # still ahead today
        ("18:00", seoul(2026, 12, 8, 18)),  # passed today: tomorrow
        ("9pm", seoul(2026, 12, 7, 21)),
        ("12am", seoul(2026, 12, 8, 0)),
        ("12 pm", seoul(2026, 12, 8, 12)),
        ("today 23:59", seoul(2026, 12, 7, 23, 59)),
        ("Tomorrow 20:00", seoul(2026, 12, 8, 20)),
        ("tonight 22:00", seoul(2026, 12, 7, 22)),
        ("friday 21:00", seoul(2026, 12, 11, 21)),
        ("Fri 9pm", seoul(2026, 12, 11, 21)),
        ("monday 21:00", seoul(2026, 12, 7, 21)),  # today, still ahead
        ("monday 18:00", seoul(2026, 12, 14, 18)),  # today, passed: next week's
        ("next monday 21:00", seoul(2026, 12, 14, 21)),  # "next": never today
        ("next friday 21:00", seoul(2026, 12, 11, 21)),
        ("this friday 21:00", seoul(2026, 12, 11, 21)),
        ("in 2 hours", NOW + timedelta(hours=2)),
        ("in 30 minutes", NOW + timedelta(minutes=30)),
        ("in 1 hour 30 minutes", NOW + timedelta(hours=1, minutes=30)),
        ("in 1 hour and 30 minutes", NOW + timedelta(hours=1, minutes=30)),
        ("in 1h30m", NOW + timedelta(hours=1, minutes=30)),
        ("in 3 days", NOW + timedelta(days=3)),
        ("in 2 weeks", NOW + timedelta(weeks=2)),
        ("  IN   45   MINS ", NOW + timedelta(minutes=45)),
        # Korean
        ("2시간 후", NOW + timedelta(hours=2)),
        ("30분 뒤", NOW + timedelta(minutes=30)),
        ("1시간 30분 후", NOW + timedelta(hours=1, minutes=30)),
        ("3일 후", NOW + timedelta(days=3)),
        ("내일 21:00", seoul(2026, 12, 8, 21)),
        ("오늘 22시", seoul(2026, 12, 7, 22)),
        ("모레 20시 30분", seoul(2026, 12, 9, 20, 30)),
        ("금요일 21:00", seoul(2026, 12, 11, 21)),
        ("금요일 오후 9시", seoul(2026, 12, 11, 21)),
        ("다음주 금요일 21:00", seoul(2026, 12, 18, 21)),  # next calendar week's
        ("다음 주 월요일 9시 반", seoul(2026, 12, 14, 9, 30)),
        ("12월 24일 21시", seoul(2026, 12, 24, 21)),
        ("2027년 1월 2일 오전 10시", seoul(2027, 1, 2, 10)),
        ("오후 9시", seoul(2026, 12, 7, 21)),
        ("２１：００", seoul(2026, 12, 7, 21)),  # full-width digits (NFKC)
    ],
)
def test_forms(text, expected):
    assert parse_when(text, NOW, SEOUL) == expected


def test_the_result_is_utc_and_the_zone_matters():
    at = parse_when("21:00", NOW, SEOUL)
    assert at.tzinfo is UTC
    assert parse_when("21:00", NOW, NEW_YORK) == datetime(2026, 12, 7, 21, tzinfo=NEW_YORK).astimezone(UTC)


# ---- daylight saving time (New York: 14 March 2027 02:00 -> 03:00; 7 November 2027 02:00 -> 01:00) ----
def test_a_wall_time_on_the_spring_forward_day_uses_the_new_offset():
    now = datetime(2027, 3, 13, 12, tzinfo=UTC)  # Saturday, EST
    assert parse_when("tomorrow 21:00", now, NEW_YORK) == datetime(
        2027, 3, 15, 1, tzinfo=UTC
    )  # 21:00 EDT (-4)
    assert parse_when("21:00", now, NEW_YORK) == datetime(2027, 3, 14, 2, tzinfo=UTC)  # today 21:00 EST (-5)


def test_a_skipped_wall_time_is_read_after_the_jump():
    now = datetime(2027, 3, 13, 12, tzinfo=UTC)
    at = parse_when("2027-03-14 02:30", now, NEW_YORK)
    assert at == datetime(2027, 3, 14, 7, 30, tzinfo=UTC)
    assert at.astimezone(NEW_YORK).strftime("%H:%M %Z") == "03:30 EDT"


def test_a_repeated_wall_time_is_the_first():
    now = datetime(2027, 11, 6, 12, tzinfo=UTC)
    at = parse_when("2027-11-07 01:30", now, NEW_YORK)
    assert at == datetime(2027, 11, 7, 5, 30, tzinfo=UTC)  # 01:30 EDT, not EST an hour later


def test_relative_times_are_exact_durations_across_a_change():
    now = datetime(2027, 3, 27, 12, tzinfo=UTC)  # London changes at 01:00 UTC on the 28th
    assert parse_when("in 24 hours", now, LONDON) == now + timedelta(hours=24)
    assert parse_when("tomorrow 12:00", now, LONDON) == datetime(2027, 3, 28, 11, tzinfo=UTC)  # 12:00 BST


# ---- refused ----
@pytest.mark.parametrize(
    "text",
    ["", "   ", "someday", "21", "25:00", "12:60", "13pm", "in", "in 2 parsecs", "in two hours", "friday",
     "next 21:00", "2시간", "2 hours", "blursday 21:00", "in 2 hours ago", "x" * 101, "2026-12-24", "<@1> 21:00"],
)  # fmt: skip
def test_unreadable_text_is_refused_with_its_key(text):
    with pytest.raises(UserError) as info:
        parse_when(text, NOW, SEOUL)
    assert info.value.key == "when.unparseable"
    assert "could not read" in info.value.message and "<@" not in info.value.message
    assert info.value.text("ko").startswith('"')


@pytest.mark.parametrize("text", ["2026-02-30 21:00", "02-30 21:00", "2026-13-01 10:00", "2월 30일 21시"])
def test_a_date_that_does_not_exist(text):
    with pytest.raises(UserError) as info:
        parse_when(text, NOW, SEOUL)
    assert info.value.key in ("when.bad_date", "when.unparseable")


@pytest.mark.parametrize("text", ["2026-12-07 18:00", "2020-01-01 10:00", "today 08:00", "오늘 18:29"])
def test_the_past_is_refused(text):
    with pytest.raises(UserError) as info:
        parse_when(text, NOW, SEOUL)
    assert info.value.key == "when.past" and "<t:" in info.value.message
    assert "이미 지났습니다" in info.value.text("ko")


@pytest.mark.parametrize(
    "text",
    [
        "2028-01-01 10:00",
        "in 366 days",
        "in 53 weeks",
        "2027-12-08 10:00",
        "in 999999 weeks",
        "9999-12-31 23:59",
    ],
)
def test_more_than_a_year_ahead_is_refused(text):
    with pytest.raises(UserError) as info:
        parse_when(text, NOW, SEOUL)
    assert info.value.key == "when.too_far"


def test_just_within_a_year_is_accepted():
    assert parse_when("in 365 days", NOW, SEOUL) == NOW + MAX_AHEAD


def test_the_end_of_the_calendar_is_too_far_not_a_crash():
    with pytest.raises(UserError) as info:
        parse_when("9999-12-31 23:59", NOW, ZoneInfo("America/Los_Angeles"))
    assert info.value.key == "when.too_far"


def test_now_must_be_aware():
    with pytest.raises(ValueError):
        parse_when("21:00", datetime(2026, 12, 7, 9, 30), SEOUL)


# ---- properties ----
ZONES = st.sampled_from([SEOUL, NEW_YORK, LONDON, ZoneInfo("Australia/Lord_Howe"), ZoneInfo("UTC")])
NOWS = st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2035, 1, 1), timezones=st.just(UTC))


@settings(max_examples=300, deadline=None)
@given(now=NOWS, zone=ZONES, hour=st.integers(0, 23), minute=st.integers(0, 59))
def test_a_time_alone_is_the_next_such_wall_time(now, zone, hour, minute):
    at = parse_when(f"{hour:02d}:{minute:02d}", now, zone)
    assert now < at <= now + timedelta(hours=26)
    local = at.astimezone(zone)
    if datetime.combine(local.date(), local.time(), zone).astimezone(UTC) == at and (
        local.hour,
        local.minute,
    ) != (
        hour,
        minute,
    ):
        pytest.fail("a wall time that exists came back as another")  # pragma: no cover


@settings(max_examples=200, deadline=None)
@given(now=NOWS, zone=ZONES, minutes=st.integers(1, 365 * 24 * 60))
def test_in_n_minutes_is_exact(now, zone, minutes):
    assert parse_when(f"in {minutes} minutes", now, zone) == now + timedelta(minutes=minutes)
    assert parse_when(f"{minutes}분 후", now, zone) == now + timedelta(minutes=minutes)


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=120))
def test_any_text_gives_an_instant_or_a_user_error(text):
    try:
        at = parse_when(text, NOW, SEOUL)
    except UserError as error:
        assert error.key in ("when.unparseable", "when.past", "when.too_far", "when.bad_date")
    else:
        assert NOW < at <= NOW + MAX_AHEAD


@settings(max_examples=150, deadline=None)
@given(
    text=st.from_regex(
        r"(in \d{1,7} (minutes|hours|days|weeks)|\d{1,5}-\d{1,2}-\d{1,2} \d{1,2}:\d{2}|\d{1,2}/\d{1,2} \d{1,2}(am|pm)"
        r"|\d{1,3}(시간|분|일|주) 후|(내일|모레|금요일) \d{1,2}시( \d{1,2}분)?)",
        fullmatch=True,
    ),
    zone=ZONES,
)
def test_number_heavy_text_gives_an_instant_or_a_user_error(text, zone):
    try:
        at = parse_when(text, NOW, zone)
    except UserError as error:
        assert error.key in ("when.unparseable", "when.past", "when.too_far", "when.bad_date")
    else:
        assert NOW < at <= NOW + MAX_AHEAD

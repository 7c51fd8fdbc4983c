"""`when` for /watchparty: a date and time typed by a member, read in the server's time zone.

Pure: `parse_when(text, now, zone)` gives an aware UTC instant or a keyed `UserError`. `now` is the bot's
injected clock (`bot.clock.now()`), so tests and the e2e file clock decide what "today" is.

Accepted (case and spacing free; English and Korean):
- absolute: "2026-12-24 21:00", "2026/12/24 9pm", "12-24 21:00", "12/24 21:00", "12월 24일 21시";
- a time alone: "21:00", "9pm", "9:30 pm", "21시 30분", "오후 9시": today, or tomorrow once it has passed;
- a day and a time: "today 21:00", "tomorrow 20:00", "friday 21:00", "fri 9pm", "next friday 21:00",
  "오늘 21:00", "내일 21:00", "모레 20시", "금요일 21:00", "다음주 금요일 21:00" (a weekday: the coming
  one, today included while the time is ahead; "next friday": the coming one, never today; "다음주
  금요일": the Friday of next calendar week, weeks starting on Monday);
- relative: "in 2 hours", "in 30 minutes", "in 1 hour 30 minutes", "in 1h30m", "in 3 days",
  "2시간 후", "30분 뒤", "1시간 30분 후".

Local times are DST-correct: a wall time is placed with the zone's rules for that date. A wall time that
happens twice (clocks go back) is the first; one that does not exist (clocks skip it) is read as the same
time after the jump ("02:30" on a spring-forward night is 03:30). Relative times are exact durations.

Refused, with keys: `when.unparseable`, `when.past` (not after `now`), `when.too_far` (more than MAX_AHEAD
after `now`), `when.bad_date` (a date that does not exist, "02-30").
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.cards.review import clip, inert
from bot.errors import UserError

MAX_TEXT = 100  # longer text is refused before it is read
MAX_AHEAD = timedelta(days=365)  # "more than a year ahead" is refused

WEEKDAYS: dict[str, int] = {
    "monday": 0, "mon": 0, "tuesday": 1, "tue": 1, "tues": 1, "wednesday": 2, "wed": 2,
    "thursday": 3, "thu": 3, "thur": 3, "thurs": 3, "friday": 4, "fri": 4, "saturday": 5, "sat": 5,
    "sunday": 6, "sun": 6,
    "월요일": 0, "화요일": 1, "수요일": 2, "목요일": 3, "금요일": 4, "토요일": 5, "일요일": 6,
}  # fmt: skip
DAYS_FROM_TODAY: dict[str, int] = {"today": 0, "tonight": 0, "tomorrow": 1, "오늘": 0, "내일": 1, "모레": 2}
NEXT_WORDS = ("next ", "다음주 ", "다음 주 ", "담주 ")
THIS_WORDS = ("this ", "이번주 ", "이번 주 ")

_UNITS: dict[str, timedelta] = {}
for _names, _delta in (
    (("minute", "minutes", "min", "mins", "m", "분"), timedelta(minutes=1)),
    (("hour", "hours", "hr", "hrs", "h", "시간"), timedelta(hours=1)),
    (("day", "days", "d", "일"), timedelta(days=1)),
    (("week", "weeks", "w", "wk", "wks", "주", "주일"), timedelta(weeks=1)),
):
    _UNITS.update(dict.fromkeys(_names, _delta))

_AMOUNT = re.compile(r"(\d{1,6})\s*([a-z]+|분|시간|일|주일|주)")
_RELATIVE_EN = re.compile(r"^in\s+(?P<parts>(?:\d{1,6}\s*[a-z]+\s*(?:and\s+|,\s*)?)+)$")
_RELATIVE_KO = re.compile(r"^(?P<parts>(?:\d{1,6}\s*(?:분|시간|일|주일|주)\s*)+)(?:후|뒤|이후|있다가)$")
_CLOCK = re.compile(
    r"^(?:(?P<ko_half>오전|오후)\s*)?(?P<hour>\d{1,2})(?:(?::|\.)(?P<minute>\d{2})|\s*시(?:\s*(?P<ko_min>\d{1,2})\s*분|\s*(?P<ko_half_hour>반))?)?"
    r"\s*(?P<half>am|pm|a\.m\.|p\.m\.)?$"
)
_FULL_DATE = re.compile(r"^(?P<y>\d{4})[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})$")
_SHORT_DATE = re.compile(r"^(?P<m>\d{1,2})[-/.](?P<d>\d{1,2})$")
_KO_DATE = re.compile(r"^(?:(?P<y>\d{4})\s*년\s*)?(?P<m>\d{1,2})\s*월\s*(?P<d>\d{1,2})\s*일$")
_ISO_T = re.compile(r"^(\d{4}-\d{1,2}-\d{1,2})t(?=\d)")


class _Unparseable(Exception):
    """Inside the parser: this text is none of the forms."""


def _normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(text.replace(",", " ").split())


def _refused(text: str) -> UserError:
    return UserError.keyed("when.unparseable", text=inert(clip(" ".join(text.split()), 60)))


def parse_when(text: str, now: datetime, zone: ZoneInfo) -> datetime:
    """The instant (aware, UTC) `text` names, read in `zone` at `now`; a keyed UserError when it names
    none, or one in the past or more than MAX_AHEAD ahead."""
    if now.tzinfo is None:
        raise ValueError("now must be aware")
    if not isinstance(text, str) or not text.strip() or len(text) > MAX_TEXT:
        raise _refused(str(text)[:MAX_TEXT])
    try:
        at = _read(_normalise(text), now.astimezone(UTC), zone)
    except _Unparseable:
        raise _refused(text) from None
    except OverflowError:  # "in 999999 weeks", year 9999 west of UTC: past the calendar's end
        raise UserError.keyed("when.too_far", when=inert(clip(" ".join(text.split()), 60))) from None
    if at <= now:
        raise UserError.keyed("when.past", when=f"<t:{int(at.timestamp())}:F>")
    if at - now > MAX_AHEAD:
        raise UserError.keyed("when.too_far", when=f"<t:{int(at.timestamp())}:F>")
    return at


def _read(text: str, now: datetime, zone: ZoneInfo) -> datetime:
    relative = _relative(text)
    if relative is not None:
        return now + relative
    text = _ISO_T.sub(r"\1 ", text)  # ISO 8601's "2026-12-24T21:00"
    day_words, clock = _split(text)
    at_time = _clock(clock)
    today = now.astimezone(zone).date()
    if not day_words:  # a time alone: today, or tomorrow once it has passed
        first = _place(today, at_time, zone)
        return first if first > now else _place(today + timedelta(days=1), at_time, zone)
    if day_words in DAYS_FROM_TODAY:
        return _place(today + timedelta(days=DAYS_FROM_TODAY[day_words]), at_time, zone)
    not_today = next_week = False
    for word in NEXT_WORDS:
        if day_words.startswith(word):
            day_words = day_words[len(word) :]
            not_today, next_week = word == "next ", word != "next "
    for word in THIS_WORDS:
        if day_words.startswith(word):
            day_words = day_words[len(word) :]
    if day_words in WEEKDAYS:
        if next_week:  # 다음주 금요일: Friday of the calendar week after this one (weeks start on Monday)
            monday = today - timedelta(days=today.weekday())
            return _place(monday + timedelta(days=7 + WEEKDAYS[day_words]), at_time, zone)
        ahead = (WEEKDAYS[day_words] - today.weekday()) % 7 or (7 if not_today else 0)
        candidate = _place(today + timedelta(days=ahead), at_time, zone)
        return candidate if candidate > now else _place(today + timedelta(days=ahead + 7), at_time, zone)
    if not_today or next_week:
        raise _Unparseable
    full = _FULL_DATE.match(day_words) or _KO_DATE.match(day_words)
    if full and full["y"]:
        return _place(_date(int(full["y"]), int(full["m"]), int(full["d"])), at_time, zone)
    short = full or _SHORT_DATE.match(day_words)
    if short:  # no year: this year's, or next year's once it has passed
        month, day_of_month = int(short["m"]), int(short["d"])
        if not _exists(month, day_of_month):
            raise UserError.keyed("when.bad_date", date=f"{month:02d}-{day_of_month:02d}")
        for year in (today.year, today.year + 1, today.year + 2, today.year + 3, today.year + 4):
            if _exists(month, day_of_month, year):
                candidate = _place(date(year, month, day_of_month), at_time, zone)
                if candidate > now:
                    return candidate
    raise _Unparseable


def _relative(text: str) -> timedelta | None:
    match = _RELATIVE_EN.match(text) or _RELATIVE_KO.match(text)
    if not match:
        return None
    total = timedelta()
    parts = match["parts"].replace("and ", " ")
    found = _AMOUNT.findall(parts)
    if not found or "".join(a + u for a, u in found) != re.sub(r"[\s,]", "", parts):
        raise _Unparseable
    for amount, unit in found:
        if unit not in _UNITS:
            raise _Unparseable
        total += int(amount) * _UNITS[unit]
    return total


def _split(text: str) -> tuple[str, str]:
    """(the day words, the time of day): the time is the longest tail that reads as a clock time."""
    words = text.split(" ")
    for cut in range(len(words)):
        clock = " ".join(words[cut:])
        if _CLOCK.match(clock):
            return " ".join(words[:cut]), clock
    raise _Unparseable


def _clock(text: str) -> time:
    match = _CLOCK.match(text)
    if not match:
        raise _Unparseable
    hour = int(match["hour"])
    minute = int(match["minute"] or match["ko_min"] or (30 if match["ko_half_hour"] else 0))
    half = (match["half"] or "").replace(".", "")
    korean = match["ko_half"]
    if half or korean:  # a 12-hour clock: 12 am is midnight, 12 pm noon
        if not 1 <= hour <= 12:
            raise _Unparseable
        afternoon = half == "pm" or korean == "오후"
        hour = hour % 12 + (12 if afternoon else 0)
    elif (
        match["minute"] is None and match["ko_min"] is None and "시" not in text and not match["ko_half_hour"]
    ):
        raise _Unparseable  # a bare number ("21") is not a time
    if not _valid_hm(hour, minute):
        raise _Unparseable
    return time(hour, minute)


def _valid_hm(hour: int, minute: int) -> bool:
    return 0 <= hour <= 23 and 0 <= minute <= 59


def _exists(month: int, day: int, year: int = 2024) -> bool:
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True


def _date(year: int, month: int, day: int) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise UserError.keyed("when.bad_date", date=f"{year:04d}-{month:02d}-{day:02d}") from None


def _place(day: date, at: time, zone: ZoneInfo) -> datetime:
    """The instant of wall time `at` on `day` in `zone`: the first of a repeated time, a skipped time read
    after the jump (the offset before it, as fold=0 gives)."""
    return datetime.combine(day, at, tzinfo=zone).astimezone(UTC)

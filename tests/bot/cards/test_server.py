"""The server's region on cards (issue 13, item 4): the announcement's where-to-watch field in both
languages, and the /server settings card."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bot.cards.airing import SERVICES_SHOWN, AiringEpisode, announcement_card, watch_here
from bot.cards.server import region_label, settings_card
from bot.models import AnnounceSettings, Availability, Drama, GuildSettings

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
RUNNER = Drama(id=1, slug="d1", title="Lovely Runner", episode_count=16, country="KR")
NETFLIX = Availability(
    "Netflix", "subscription", ("KR", "US"), "https://netflix.example/lr", date(2026, 11, 1)
)
VIKI = Availability("Viki", "ads", ("US",))


def test_the_where_field_in_korean_names_kinds_dates_and_absence_in_korean():
    card = announcement_card(AiringEpisode(RUNNER, 5, NOW), (NETFLIX, VIKI), "KR", "ko")
    (field,) = card.fields
    assert field.name == "South Korea에서 볼 수 있는 곳"  # country names stay as stored
    assert field.value == "[Netflix](https://netflix.example/lr) (구독) · 2026-11-01 확인"
    nowhere = watch_here((VIKI,), "JP", "ko")
    assert nowhere == "Japan에는 아직 없습니다: 다른 나라는 /어디서 에서 보세요."
    assert watch_here((VIKI,), "JP") == "Not listed in Japan yet: /where for other countries."


def test_the_where_field_lists_a_few_services_then_points_at_where():
    many = tuple(Availability(f"Service {i}", "free", ("KR",)) for i in range(SERVICES_SHOWN + 3))
    en = watch_here(many, "KR").splitlines()
    ko = watch_here(many, "KR", "ko").splitlines()
    assert len(en) == len(ko) == SERVICES_SHOWN + 1
    assert en[-1] == "and 3 more: /where" and ko[-1] == "외 3곳: /어디서"
    assert en[0] == "Service 0 (free) · not checked yet" and ko[0].startswith("Service 0 (무료) · ")


def test_no_region_no_field():
    assert watch_here((NETFLIX,), None) is None
    assert announcement_card(AiringEpisode(RUNNER, 5, NOW), (NETFLIX,), None).fields == []


@pytest.mark.parametrize("locale", ["en", "ko"])
def test_settings_card_with_nothing_set_points_at_each_command(locale: str):
    card = settings_card(GuildSettings(5), None, 0, locale)
    values = [f.value for f in card.fields]
    commands = (
        ["/server region", "/server timezone", "/announce", "/follow", "/catalogue curators"]
        if locale == "en"
        else ["/서버 지역", "/서버 시간대", "/알림채널", "/팔로우", "/카탈로그 큐레이터"]
    )
    assert [c in v for c, v in zip(commands, values, strict=True)] == [True] * 5
    assert card.title == ("This server's settings" if locale == "en" else "이 서버의 설정")


def test_settings_card_with_everything_set():
    card = settings_card(GuildSettings(5, 444, "KR"), AnnounceSettings(5, 50, True, 6), 3)
    assert [(f.name, f.value) for f in card.fields] == [
        ("Region", "South Korea (KR)"),
        ("Time zone", "Asia/Seoul (the region's) · `/server timezone` to choose one"),
        ("New-episode announcements", "<#50> · a spoiler thread under each · 6 h after airing"),
        ("Followed dramas", "3 · `/follow` to add one"),
        ("Curator role", "<@&444>"),
    ]
    ko = settings_card(GuildSettings(5, 444, "KR"), AnnounceSettings(5, 50, False, 0), 3, "ko")
    assert [f.name for f in ko.fields] == [
        "지역",
        "시간대",
        "새 회차 알림",
        "팔로우한 드라마",
        "큐레이터 역할",
    ]
    assert ko.fields[2].value == "<#50>" and ko.fields[3].value.startswith("3편")
    own = settings_card(GuildSettings(5, None, "KR", "Europe/Paris"), None, 0)
    assert own.fields[1].value == "Europe/Paris"


def test_region_label_for_a_code_the_table_does_not_know():
    assert region_label("KR") == "South Korea (KR)"
    assert region_label("ZZ") == "ZZ"


def test_a_paused_announcement_channel_says_why_and_how_to_resume():
    paused = AnnounceSettings(5, 50, paused_reason="Missing Access (50001) <@1> **x**")
    value = settings_card(GuildSettings(5), paused, 1).fields[2].value
    assert value.startswith("<#50>\n**Paused**: Discord refused the channel (Missing Access (50001)")
    assert "set `/announce` again to resume" in value
    assert "<@1>" not in value and "**x**" not in value  # Discord's text is shown inert
    ko = settings_card(GuildSettings(5), paused, 1, "ko").fields[2].value
    assert "일시 중지됨" in ko and "`/알림채널`" in ko
    assert "Paused" not in settings_card(GuildSettings(5), AnnounceSettings(5, 50), 1).fields[2].value

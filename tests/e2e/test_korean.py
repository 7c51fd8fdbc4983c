"""Members whose Discord is in Korean (interaction locale ``ko``) get every answer in Korean; every
other locale gets English. The real bot process against the Discord stand-in."""

from __future__ import annotations

import re
from pathlib import Path

from tests.e2e.test_catalogue_commands import MANAGER
from tests.e2e.test_commands import TITLE, _long_drama_db, field, ratings_count

HANGUL = re.compile(r"[가-힣]")


def english_words(text: str, allowed: set[str]) -> set[str]:
    """Latin words in `text` other than the allowed names (titles, services, units)."""
    return {w for w in re.findall(r"[A-Za-z]+", text) if w not in allowed}


async def test_review_in_korean(discord_stub, start_bot):
    await start_bot()
    member = discord_stub.make_user("minji")
    discord_stub.set_locale(member, "ko")
    await discord_stub.invoke("rate", {"drama": TITLE, "score": 5, "episode": 2}, user=member)
    card = await discord_stub.invoke("review", {"drama": TITLE}, user=member)
    await card.wait_until(lambda r: bool(r.message["attachments"]), 5)  # the chart joins the card when drawn
    (embed,) = card.embeds
    (chart,) = card.message["attachments"]
    assert chart["description"].startswith("회차별 점수(0~5)를 보여 주는 꺾은선 그래프, 4개 회차. ")
    assert "평론가 (주황빨강 실선, 동그라미): 4개 회차 중 4개, 평균 4" in chart["description"]
    assert (
        "이 서버 (파란 파선, 네모): 4개 회차 중 1개, 평균 5, 최저 5 (2화), 최고 5 (2화)."
        in chart["description"]
    )
    names = [f["name"] for f in embed["fields"]]
    assert names == ["평론가", "이 서버", "전체", "평론", "회차 가이드 · 평론가 · 이 서버", "시청처"]
    assert "4부작" in embed["description"]
    guide = field(embed, "회차 가이드")["value"].splitlines()
    assert guide[0] == "**1화** — 4/5 ★★★★☆ · 회원 —"
    assert guide[1] == "**2화** — 4/5 ★★★★☆ · 회원 5.0 (1)"
    assert field(embed, "이 서버")["value"] == "— (아직 평점 없음)"
    assert (
        "일부 지역" in field(embed, "시청처")["value"]
        and "아직 확인 안 됨" in field(embed, "시청처")["value"]
    )
    assert embed["footer"]["text"] == "/평점 으로 내 점수 남기기 · /어디서 로 내 나라의 시청처 보기"
    # every label is Korean: the Latin words left are the drama's data (network, service, genre names)
    text = " ".join(
        [embed["description"].splitlines()[0], *names, *(f["value"] for f in embed["fields"][4:])]
    )
    assert english_words(text, {"South", "Korea", "Disney", "Romance", "Music", "Friendship"}) == set()


async def test_paged_card_buttons_in_korean(discord_stub, start_bot, bot_env):
    await _long_drama_db(Path(bot_env["DATABASE_URL"]))
    await start_bot()
    member = discord_stub.make_user("minji")
    discord_stub.set_locale(member, "ko")
    card = await discord_stub.invoke("review", {"drama": "Long Drama"}, user=member)
    labels = [c["label"] for row in card.components for c in row["components"]]
    assert labels == ["◀ 이전", "다음 ▶"]
    assert card.embeds[0]["footer"]["text"].endswith(" · 1/9쪽")
    assert field(card.embeds[0], "회차 가이드")["name"].startswith("회차 가이드 (100화 중 1–12화)")
    paged = await discord_stub.click(card, card.custom_ids()[1], user=member)
    assert paged.embeds[0]["footer"]["text"].endswith(" · 2/9쪽")
    assert [c["label"] for row in paged.components for c in row["components"]] == ["◀ 이전", "다음 ▶"]


async def test_rate_and_its_autocomplete_in_korean(discord_stub, start_bot, bot_env):
    await start_bot()
    member = discord_stub.make_user("minji")
    discord_stub.set_locale(member, "ko")
    episodes = await discord_stub.autocomplete(
        "rate", {"drama": TITLE, "score": 4, "episode": ""}, "episode", user=member
    )
    assert [c["name"] for c in episodes] == [f"{n}화 · 평론가 4/5" for n in range(1, 5)]
    first = await discord_stub.invoke("rate", {"drama": TITLE, "score": 4.5}, user=member)
    text = first.embeds[0]["description"]
    assert text.startswith("**Soundtrack #1**에 ★★★★½ 4.5점을 주었습니다.")
    assert "이 서버: ★★★★½ 4.5 (평점 1개)" in text and "전체: ★★★★½ 4.5 (평점 1개)" in text
    assert first.embeds[0]["footer"]["text"] == "언제든 다시 평가해 바꿀 수 있어요 · /리뷰 로 카드 보기"
    again = await discord_stub.invoke("rate", {"drama": TITLE, "score": 3, "episode": 2}, user=member)
    assert again.embeds[0]["description"].startswith("**Soundtrack #1** 2화에 ★★★☆☆ 3.0점을 주었습니다.")
    assert ratings_count(bot_env) == 2


async def test_where_in_korean(discord_stub, start_bot):
    await start_bot()
    member = discord_stub.make_user("minji")
    discord_stub.set_locale(member, "ko")
    everywhere = (await discord_stub.invoke("where", {"drama": TITLE}, user=member)).embeds[0]
    assert everywhere["title"] == f"시청처 · {TITLE}"
    assert everywhere["description"] == (
        "**일부 지역 (어느 지역인지는 아직 모름):**\n[Disney+](https://www.disneyplus.com/) (구독) · 아직 확인 안 됨"
    )
    assert everywhere["footer"]["text"] == "스트리밍 목록은 매달 바뀝니다: 확인 날짜를 보세요."
    korea = (await discord_stub.invoke("where", {"drama": TITLE, "region": "KR"}, user=member)).embeds[0]
    assert korea["description"].startswith("South Korea (KR)에는 없습니다.")
    assert "South Korea이(가) 제공 지역에 들어가는지는 아직 모릅니다." in korea["description"]


async def test_errors_in_korean_and_english_for_other_locales(discord_stub, start_bot, bot_env):
    await start_bot()
    korean, japanese = discord_stub.make_user("minji"), discord_stub.make_user("yui")
    discord_stub.set_locale(korean, "ko")
    discord_stub.set_locale(japanese, "ja")
    missing = await discord_stub.invoke("rate", {"drama": "zzzz qqqq", "score": 4}, user=korean)
    assert missing.ephemeral
    assert missing.content == (
        "카탈로그에 'zzzz qqqq'(이)라는 드라마가 없습니다. 제목을 입력하고 목록에서 고르세요."
    )
    episode = await discord_stub.invoke("rate", {"drama": TITLE, "score": 4, "episode": 9}, user=korean)
    assert episode.content == "*Soundtrack #1*은(는) 1화부터 4화까지 있습니다. 9화는 없어요."
    region = await discord_stub.invoke("where", {"drama": TITLE, "region": "Atlantis"}, user=korean)
    assert region.content.startswith("'Atlantis'(이)라는 지역을 모릅니다.")
    fallback = await discord_stub.invoke("rate", {"drama": "zzzz qqqq", "score": 4}, user=japanese)
    assert fallback.content.startswith("No drama called 'zzzz qqqq' in the catalogue.")
    assert not HANGUL.search(fallback.content)
    assert ratings_count(bot_env) == 0


async def test_about_in_korean(discord_stub, start_bot):
    await start_bot()
    member = discord_stub.make_user("minji")
    discord_stub.set_locale(member, "ko")
    embed = (await discord_stub.invoke("about", user=member)).embeds[0]
    assert [f["name"] for f in embed["fields"]][:3] == ["버전", "가동 시간", "게이트웨이 지연 시간"]
    assert embed["description"] == "드라마를 보는 서버를 위한 리뷰 카드, 회차별 평점, 시청처 안내."


async def test_catalogue_answers_modal_and_refusal_in_korean(discord_stub, start_bot):
    await start_bot()
    curator, member = discord_stub.owner, discord_stub.make_user("minji")  # the owner: a global curator
    discord_stub.set_locale(curator, "ko")
    discord_stub.set_locale(member, "ko")
    added = await discord_stub.invoke(
        "catalogue add", {"title": "Goblin", "episodes": 16, "year": 2016}, user=curator
    )
    assert added.content.startswith("*Goblin* (`goblin-2016`)을(를) 카탈로그에 추가했습니다.")
    bad = await discord_stub.invoke(
        "catalogue edit", {"drama": "goblin-2016", "field": "year", "value": "soon"}, user=curator
    )
    assert bad.content == "저장하지 않았습니다: 연도은(는) 숫자여야 하는데 'soon'을(를) 받았습니다."
    saved = await discord_stub.invoke(
        "catalogue edit", {"drama": "goblin-2016", "field": "network", "value": "tvN"}, user=curator
    )
    assert saved.content == "*Goblin*: 저장했습니다 (edit network)."
    modal = await discord_stub.invoke(
        "catalogue text", {"drama": "goblin-2016", "field": "verdict"}, user=curator
    )
    assert modal.modal["title"] == "평론가 평: Goblin"
    (text_input,) = [c for row in modal.modal["components"] for c in row["components"]]
    assert text_input["label"] == "평론가 평" and text_input["placeholder"] == "비워 두면 지웁니다."
    refused = await discord_stub.invoke(
        "catalogue edit", {"drama": "goblin-2016", "field": "network", "value": "KBS"}, user=member,
        permissions=MANAGER,
    )  # fmt: skip
    assert refused.ephemeral and refused.content.startswith("모든 서버가 함께 보는 카탈로그는 봇의 전체 큐레이터만")

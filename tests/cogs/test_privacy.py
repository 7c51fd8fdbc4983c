"""/privacy delete-my-data's confirmation and answer text (cogs/privacy.py `counted`): every kind of row
the erasure counts, in English and Korean; the parts that only some members have (changes they made,
suggestions) said only when there are some."""

from __future__ import annotations

from bot.i18n.translator import t
from bot.models import DeletedData
from cogs.privacy import counted


def test_every_count_is_in_the_confirmation_and_the_answer():
    data = DeletedData(ratings=3, watchlist=1, settings=1, reminders=2, sent=5, named=1, suggestions=2)
    assert t("privacy.confirm", "en", **counted(data, "en")) == (
        "This erases everything dramabot stores about you: 3 ratings, 1 drama on your watch list, 2 reminders, "
        "5 records of reminders sent, 2 catalogue suggestions, and your settings. Your name is taken off 1 "
        "change you made to the catalogue or a server's settings; the change stays. Averages and charts are "
        "updated as if you had never rated. It cannot be undone."
    )
    assert t("privacy.deleted", "en", **counted(data, "en", done=True)) == (
        "Done. Removed 3 ratings, 1 drama from your watch list, 2 reminders, 5 records of reminders sent, "
        "2 catalogue suggestions, and your settings. Your name was taken off 1 change you made; the change "
        "stays. Averages and charts no longer include your scores."
    )
    assert t("privacy.confirm", "ko", **counted(data, "ko")) == (
        "dramabot에 저장된 내 정보를 모두 지웁니다: 평점 3개, 시청 목록 드라마 1편, 회차 알림 2개, "
        "보낸 알림 기록 5건, 카탈로그 수정 제안 2건, 설정. 내가 한 카탈로그·서버 설정 변경 1건에서 내 이름을 "
        "지웁니다 (변경 내용은 남아요). 평균과 차트는 내가 평가한 적이 없는 것처럼 다시 계산됩니다. 되돌릴 수 없어요."
    )


def test_a_member_with_only_a_reminder():
    data = DeletedData(0, 0, 0, reminders=1)
    assert data.anything and not DeletedData(0, 0, 0).anything
    assert t("privacy.confirm", "en", **counted(data, "en")) == (
        "This erases everything dramabot stores about you: 0 ratings, 0 dramas on your watch list, 1 reminder, "
        "0 records of reminders sent, and no settings. Averages and charts are updated as if you had never "
        "rated. It cannot be undone."
    )
    assert t("privacy.deleted", "ko", **counted(data, "ko", done=True)) == (
        "완료했습니다. 지운 정보: 평점 0개, 시청 목록 드라마 0편, 회차 알림 1개, 보낸 알림 기록 0건, 설정 없음. "
        "평균과 차트에 더 이상 내 점수가 들어가지 않아요."
    )


def test_the_remembered_dm_channel_is_named_only_when_there_is_one():
    data = DeletedData(0, 0, 0, reminders=1, sent=1, dm_channels=1)
    assert t("privacy.confirm", "en", **counted(data, "en")) == (
        "This erases everything dramabot stores about you: 0 ratings, 0 dramas on your watch list, 1 reminder, "
        "1 record of a reminder sent, the id of your direct-message channel with dramabot, and no settings. "
        "Averages and charts are updated as if you had never rated. It cannot be undone."
    )
    assert "DM 채널 ID, " in t("privacy.deleted", "ko", **counted(data, "ko", done=True))
    assert "direct-message" not in t("privacy.confirm", "en", **counted(DeletedData(0, 0, 0, reminders=1), "en"))

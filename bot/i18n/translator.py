"""Korean for dramabot: the command tree's translator and a message catalogue with English fallback.

* :class:`Translator` gives Discord the Korean name, description and choice names of every
  command (``await tree.set_translator(Translator())``); Discord shows them to members whose
  client is in Korean. Names are keyed apart from texts, since "episode" the option name and
  "Episode number" the description follow different rules (names: lowercase, no spaces, 1-32).
* :func:`t` (from :mod:`bot.i18n.messages`, the catalogue) looks a user-facing message up by key for an interaction's locale, English when
  there is no translation (or the locale is not Korean), and fills in its ``{fields}``.

Strings without a Latin letter (the star choices of /rate, "★★★★½ 4.5") read the same in any
language and are left as they are.
"""

from __future__ import annotations

import logging
import re

import discord
from discord import app_commands

from bot.i18n.airing import NAMES_KO as AIRING_NAMES_KO
from bot.i18n.airing import TEXTS_KO as AIRING_TEXTS_KO
from bot.i18n.messages import KOREAN, MESSAGES, language, t

__all__ = ["MESSAGES", "Translator", "korean", "language", "needs_translation", "t"]

log = logging.getLogger(__name__)

NAME_KINDS = {
    app_commands.TranslationContextLocation.command_name,
    app_commands.TranslationContextLocation.group_name,
    app_commands.TranslationContextLocation.parameter_name,
}

# Command, group and option names (Discord: lowercase letters, digits, - and _, 1 to 32).
NAMES_KO: dict[str, str] = {
    # commands and groups
    "about": "정보",
    "review": "리뷰",
    "rate": "평점",
    "where": "어디서",
    "catalogue": "카탈로그",
    "add": "추가",
    "edit": "수정",
    "text": "글",
    "episode": "회차",  # /catalogue episode and /rate's episode option
    "remove": "삭제",
    "restore": "복원",
    "merge": "병합",
    "from": "합칠드라마",
    "into": "남길드라마",
    "where-add": "시청처-추가",
    "where-remove": "시청처-삭제",
    "curators": "큐레이터",
    # catalogue governance: suggestions
    "suggest": "제안",
    "suggestions": "제안목록",
    "note": "메모",
    "watchlist": "시청목록",
    "top": "순위",
    "match": "취향비교",
    "privacy": "개인정보",
    "profile": "프로필",
    "list": "목록",
    "delete-my-data": "내정보삭제",
    "set": "설정",
    "show": "보기",
    # options
    "confirm": "확인",
    "country": "국가",
    "drama": "드라마",
    "episodes": "회차수",
    "field": "항목",
    "genres": "장르",
    "kind": "방식",
    "native_title": "원제",
    "network": "방송사",
    "number": "번호",
    "region": "지역",
    "regions": "지역목록",
    "role": "역할",
    "score": "점수",
    "service": "서비스",
    "slug": "슬러그",
    "title": "제목",
    "url": "링크",
    "value": "값",
    "year": "연도",
    "member": "회원",
    "scope": "범위",
    "visibility": "공개범위",
    "genre": "장르",
    "status": "상태",
    **AIRING_NAMES_KO,
}

# Descriptions and choice names (1 to 100 characters).
TEXTS_KO: dict[str, str] = {
    # command descriptions
    "About dramabot: version, uptime, latency and project link.": "dramabot 정보: 버전, 가동 시간, 지연 시간, 프로젝트 링크.",
    "Show a drama's review card: verdict, episode guide, scores.": "드라마 리뷰 카드: 평론, 회차별 가이드, 점수.",
    "Add your score for a drama, or for one of its episodes.": "드라마나 그 회차에 내 점수를 남깁니다.",
    "Where a drama is streaming, in your country or everywhere.": "드라마를 볼 수 있는 곳: 내 나라 또는 모든 나라.",
    "The shared catalogue: suggest a correction; global curators change it.": "함께 쓰는 카탈로그: 수정을 제안하세요. 전체 큐레이터가 바꿉니다.",
    "Add a drama to the catalogue.": "카탈로그에 드라마를 추가합니다.",
    "Change one field of a drama.": "드라마의 항목 하나를 바꿉니다.",
    "Write a drama's synopsis or critic's verdict (opens a form).": "드라마의 줄거리나 평론가 평을 씁니다 (입력 창이 열립니다).",
    "Set (or clear) an episode's critic score and title.": "회차의 평론가 점수와 제목을 정하거나 지웁니다.",
    "Add or replace where a drama streams.": "드라마를 볼 수 있는 곳을 추가하거나 바꿉니다.",
    "Remove a streaming entry from a drama.": "드라마의 시청처 하나를 삭제합니다.",
    "Choose the role that picks the dramas this server follows.": "이 서버가 팔로우할 드라마를 고르는 역할을 정합니다.",
    # catalogue governance: suggestions
    "Suggest a correction to a drama; a global curator checks it.": "드라마의 수정을 제안합니다. 전체 큐레이터가 확인합니다.",
    "Global curators: the oldest suggestions waiting.": "전체 큐레이터: 기다리는 가장 오래된 제안.",
    "What to correct": "고칠 항목",
    "The value you suggest; '-' to clear it": "제안하는 값 ('-'를 넣으면 지우기)",
    "Why, or where it comes from (optional)": "이유나 출처 (선택)",
    "The role; leave out to clear it": "역할 (비우면 해제합니다)",
    # removing, restoring and merging dramas (cogs/catalogue.py)
    "Hide a drama from members; its ratings and lists are kept (restore brings it back).": "드라마를 회원에게서 숨깁니다. 평점과 목록은 남습니다 (복원으로 되돌림).",
    "Bring back a removed drama with its ratings, lists and reminders.": "삭제한 드라마를 평점, 목록, 알림과 함께 되돌립니다.",
    "Join a duplicate into the drama kept: scores, lists, follows and reminders move.": "중복 드라마를 남길 드라마에 합칩니다: 점수, 목록, 팔로우, 알림이 옮겨집니다.",
    "The removed drama: start typing its title or id": "삭제한 드라마: 제목이나 id를 입력하세요",
    "The duplicate, which goes": "없어질 중복 드라마",
    "The drama kept": "남길 드라마",
    "Type the duplicate's id (its slug) to confirm": "확인하려면 중복 드라마의 id(슬러그)를 입력하세요",
    "Your watch list: what you watch, and how far.": "내 시청 목록: 보는 드라마와 진행 상황.",
    "Set a drama's status on your list, and how far you are.": "내 목록에 드라마의 상태와 진행 상황을 저장합니다.",
    "Show a member's watch list (yours by default).": "회원의 시청 목록을 봅니다 (기본값: 내 목록).",
    "Take a drama off your watch list.": "내 시청 목록에서 드라마를 뺍니다.",
    "The best-rated dramas, here or everywhere.": "평점이 가장 좋은 드라마: 이 서버 또는 전체.",
    "How alike your taste is to another member's.": "다른 회원과 내 취향이 얼마나 비슷한지 봅니다.",
    "Your privacy: who sees your list, and erasing your data.": "개인정보: 내 목록을 볼 수 있는 사람, 내 정보 지우기.",
    "Make your watch list, profile and matches public or private.": "내 시청 목록, 프로필, 취향 비교를 공개 또는 비공개로 합니다.",
    "Erase everything dramabot stores about you (asks first).": "dramabot에 저장된 내 정보를 모두 지웁니다 (먼저 확인합니다).",
    "A member's watch list, ratings and favourite genres.": "회원의 시청 목록, 평점, 좋아하는 장르.",
    # option descriptions
    "Whose profile (default: yours)": "누구의 프로필 (기본값: 내 프로필)",
    "Public: members can see them; private: only you": "공개: 다른 회원도 볼 수 있음, 비공개: 나만",
    "The member to compare with": "비교할 회원",
    "This server's ratings (default) or everyone's": "이 서버의 평점(기본값) 또는 전체 평점",
    "Only dramas of this genre": "이 장르의 드라마만",
    "Only dramas from this country: a code such as KR or a name": "이 나라의 드라마만: KR 같은 코드나 이름",
    "Only dramas first aired this year": "이 해에 처음 방영한 드라마만",
    "Your status for it": "이 드라마의 내 상태",
    "The last episode you watched": "마지막으로 본 회차",
    "Whose list (default: yours)": "누구의 목록 (기본값: 내 목록)",
    "Only dramas with this status": "이 상태인 드라마만",
    "The drama": "드라마",
    "The drama: start typing its title and pick it": "드라마: 제목을 입력하고 목록에서 고르세요",
    "The drama: start typing its title (any spelling) and pick it": "드라마: 제목을 입력하고(어떤 표기든) 목록에서 고르세요",
    "Your score, 0.5 to 5 stars": "내 점수, 별 0.5~5개",
    "Rate one episode instead of the whole drama": "드라마 전체 대신 한 회차에 점수 주기",
    "Your country: a code such as KR or a name such as Korea or 한국": "내 나라: KR 같은 코드나 한국, Korea 같은 이름",
    "The English title": "영어 제목",
    "The title in its own language": "원어 제목",
    "Year it first aired": "첫 방영 연도",
    "Number of episodes": "회차 수",
    "Country of origin: a code such as KR or a name": "제작 국가: KR 같은 코드나 이름",
    "Network or platform it aired on": "방영한 방송사나 플랫폼",
    "Genres, comma-separated": "장르, 쉼표로 구분",
    "Its stable id (default: made from the title and year)": "고정 id (기본값: 제목과 연도로 만듭니다)",
    "What to change": "바꿀 항목",
    "The new value; '-' clears it": "새 값 ('-'를 넣으면 지웁니다)",
    "Which text": "어떤 글",
    "Episode number": "회차 번호",
    "Critic score 0-5 (leave out to clear)": "평론가 점수 0~5 (비우면 지웁니다)",
    "The episode's title": "회차 제목",
    "The service, e.g. Netflix": "서비스, 예: Netflix",
    "How it is offered": "제공 방식",
    "Countries, comma-separated codes or names (leave out if not known)": "국가: 쉼표로 구분한 코드나 이름 (모르면 비워 두세요)",
    "Link to the drama there": "그 서비스의 드라마 링크",
    "The service, as listed by /where": "서비스 (/어디서 에 나온 이름)",
    "Type the drama's id (its slug) to confirm": "확인하려면 드라마의 id(슬러그)를 입력하세요",
    # choices
    "Title": "제목",
    "Native title": "원제",
    "Aliases (comma-separated)": "다른 제목 (쉼표로 구분)",
    "Year": "연도",
    "Country (code or name)": "국가 (코드나 이름)",
    "Network": "방송사",
    "Genres (comma-separated)": "장르 (쉼표로 구분)",
    "Critic score (0-5)": "평론가 점수 (0~5)",
    "Critic summary (a few words)": "평론가 한줄평 (몇 단어)",
    "Poster URL": "포스터 URL",
    "Synopsis": "줄거리",
    "Critic's verdict": "평론가 평",
    "subscription": "구독",
    "free": "무료",
    "ads": "광고 포함 무료",
    "rent": "대여",
    "buy": "구매",
    "Watching": "보는 중",
    "Completed": "다 봄",
    "Plan to watch": "볼 예정",
    "On hold": "보류",
    "Dropped": "중단",
    "this server": "이 서버",
    "everyone": "전체",
    "public": "공개",
    "private": "비공개",
    **AIRING_TEXTS_KO,
}

LATIN_LETTER = re.compile(r"[A-Za-z]")


def needs_translation(text: str) -> bool:
    """Whether `text` reads differently in Korean: anything with a Latin letter in it."""
    return bool(LATIN_LETTER.search(text))


class Translator(app_commands.Translator):
    """Korean names, descriptions and choice names for the command tree; None (Discord's default,
    the English text) for other locales and for language-neutral strings."""

    async def translate(
        self,
        string: app_commands.locale_str,
        locale: discord.Locale,
        context: app_commands.TranslationContext,
    ) -> str | None:
        if language(locale) != KOREAN:
            return None
        return korean(string.message, context.location)


def korean(message: str, location: app_commands.TranslationContextLocation) -> str | None:
    table = NAMES_KO if location in NAME_KINDS else TEXTS_KO
    found = table.get(message)
    if found is None and needs_translation(message):
        log.warning("no Korean for %s %r", location.name, message)
    return found

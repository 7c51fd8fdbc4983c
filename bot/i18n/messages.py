"""Every user-facing message and card label, in English and Korean, looked up with :func:`t`.

Data only (no Discord import, so the store's error type can use it too): ``MESSAGES[key]`` holds
the English text (``en``, the fallback for every locale that is not Korean) and the Korean
(``ko``), with the same ``{fields}``. ``tests/bot/i18n/test_messages.py`` checks that every key has
both, with equal fields, and that cogs/ and bot/cards/review.py send nothing past this catalogue.
"""

from __future__ import annotations

KOREAN = "ko"
ENGLISH = "en"

_M = dict[str, dict[str, str]]

ERRORS: _M = {
    "error.unavailable": {
        "en": "Ratings and cards are temporarily unavailable (the database is busy). Please try again in a minute.",
        "ko": "지금은 평점과 카드를 볼 수 없습니다 (데이터베이스가 바쁩니다). 1분 뒤에 다시 해 보세요.",
    },
    "error.cooldown": {
        "en": "Easy there: that's a lot in a short time. Try again in {seconds} s.",
        "ko": "잠깐만요: 짧은 시간에 너무 많이 보냈어요. {seconds}초 뒤에 다시 해 보세요.",
    },
    "error.no_permission": {
        "en": "You don't have permission to use that command here.",
        "ko": "여기서 이 명령을 쓸 권한이 없습니다.",
    },
    "error.out_of_date": {
        "en": "That command just changed. Please try again in a moment.",
        "ko": "이 명령이 방금 바뀌었습니다. 잠시 뒤에 다시 해 보세요.",
    },
    "error.unexpected": {
        "en": "Something went wrong on our side (error code `{code}`). It has been logged; please try again.",
        "ko": "저희 쪽에서 문제가 생겼습니다 (오류 코드 `{code}`). 기록해 두었으니 다시 해 보세요.",
    },
    # option types (cogs/options.py)
    "option.drama_empty": {
        "en": "The drama is empty: type part of its name and pick it from the list.",
        "ko": "드라마가 비어 있습니다: 제목 일부를 입력하고 목록에서 고르세요.",
    },
    "option.region_empty": {
        "en": "The region is empty: type part of its name and pick it from the list.",
        "ko": "지역이 비어 있습니다: 이름 일부를 입력하고 목록에서 고르세요.",
    },
    "option.drama_too_long": {
        "en": "That drama is {length} characters long; names here are at most {limit}.",
        "ko": "입력한 드라마가 {length}자입니다. 이름은 {limit}자까지입니다.",
    },
    "option.region_too_long": {
        "en": "That region is {length} characters long; names here are at most {limit}.",
        "ko": "입력한 지역이 {length}자입니다. 이름은 {limit}자까지입니다.",
    },
    "option.year_unknown": {"en": "year unknown", "ko": "연도 미상"},
    "option.ambiguous": {
        "en": "More than one drama is called '{text}': {listing}. Pick one from the list.",
        "ko": "'{text}'(이)라는 드라마가 여럿 있습니다: {listing}. 목록에서 하나를 고르세요.",
    },
    "option.no_drama_hint": {
        "en": "No drama called '{text}' in the catalogue. Did you mean {titles}?",
        "ko": "카탈로그에 '{text}'(이)라는 드라마가 없습니다. 혹시 {titles}?",
    },
    "option.no_drama": {
        "en": "No drama called '{text}' in the catalogue. Start typing and pick a title from the list.",
        "ko": "카탈로그에 '{text}'(이)라는 드라마가 없습니다. 제목을 입력하고 목록에서 고르세요.",
    },
    "option.unknown_region": {
        "en": "I don't know the region '{text}'. Use a two-letter code such as KR or a country name, and pick it from the list.",
        "ko": "'{text}'(이)라는 지역을 모릅니다. KR 같은 두 글자 코드나 나라 이름을 입력하고 목록에서 고르세요.",
    },
    # /review
    "review.removed": {
        "en": "That drama was just removed from the catalogue.",
        "ko": "그 드라마는 방금 카탈로그에서 삭제되었습니다.",
    },
    "review.gone": {
        "en": "That drama is no longer in the catalogue.",
        "ko": "그 드라마는 더 이상 카탈로그에 없습니다.",
    },
    "review.previous": {"en": "◀ Previous", "ko": "◀ 이전"},
    "review.next": {"en": "Next ▶", "ko": "다음 ▶"},
    # /rate
    "rate.score_number": {
        "en": "The score must be a number from 0.5 to 5, in steps of 0.5 (for example 4.5).",
        "ko": "점수는 0.5에서 5까지, 0.5 단위의 숫자여야 합니다 (예: 4.5).",
    },
    "rate.score_range": {
        "en": "Scores go from 0.5 to 5; {score} is outside that. Pick one from the list.",
        "ko": "점수는 0.5에서 5까지입니다. {score}은(는) 범위 밖이에요. 목록에서 고르세요.",
    },
    "rate.score_step": {
        "en": "Scores go in steps of 0.5 (like 4 or 4.5); {score} is between steps.",
        "ko": "점수는 0.5 단위입니다 (4나 4.5처럼). {score}은(는) 그 사이 값이에요.",
    },
    "rate.no_episode": {
        "en": "*{title}* has episodes 1 to {count}; there is no episode {episode}.",
        "ko": "*{title}*은(는) 1화부터 {count}화까지 있습니다. {episode}화는 없어요.",
    },
    "rate.episode_choice": {"en": "Episode {number}", "ko": "{number}화"},
    "rate.episode_choice_critic": {
        "en": "Episode {number} · critic {score}/5",
        "ko": "{number}화 · 평론가 {score}/5",
    },
    # TMDB import on use (bot/tmdb/ondemand.py)
    "tmdb.import_limit": {
        "en": "You've added {limit} dramas from TMDB in the last {window} minutes. Try again in about {minutes} minutes, or pick a drama already in the catalogue.",
        "ko": "최근 {window}분 동안 TMDB에서 드라마를 {limit}편 추가했습니다. 약 {minutes}분 뒤에 다시 하거나, 카탈로그에 이미 있는 드라마를 고르세요.",
    },
    "tmdb.import_limit_one": {
        "en": "You've added {limit} dramas from TMDB in the last {window} minutes. Try again in about {minutes} minute, or pick a drama already in the catalogue.",
        "ko": "최근 {window}분 동안 TMDB에서 드라마를 {limit}편 추가했습니다. 약 {minutes}분 뒤에 다시 하거나, 카탈로그에 이미 있는 드라마를 고르세요.",
    },
    "tmdb.unreachable": {
        "en": "TMDB could not be reached to add that drama, so nothing was added. Please try again in a few minutes, or pick a drama already in the catalogue.",
        "ko": "TMDB에 연결하지 못해 아무것도 추가하지 않았습니다. 몇 분 뒤에 다시 하거나, 카탈로그에 이미 있는 드라마를 고르세요.",
    },
    "tmdb.not_drama": {
        "en": "That TMDB series is not a drama this bot covers (not scripted, or from another country), so nothing was added.",
        "ko": "그 TMDB 시리즈는 이 봇이 다루는 드라마가 아니라서 (각본 드라마가 아니거나 다른 나라 작품) 추가하지 않았습니다.",
    },
    "tmdb.not_stored": {
        "en": "TMDB's data for that drama could not be added to the catalogue; nothing was added. A curator can add it with /catalogue add.",
        "ko": "그 드라마의 TMDB 정보를 카탈로그에 넣지 못해 아무것도 추가하지 않았습니다. 큐레이터가 /카탈로그 추가 로 넣을 수 있습니다.",
    },
}

CATALOGUE: _M = {
    "catalogue.not_curator": {
        "en": "Only the bot's global curators can change the shared catalogue, which every server sees. You can suggest a correction with `/catalogue suggest`.",
        "ko": "모든 서버가 함께 보는 카탈로그는 봇의 전체 큐레이터만 바꿀 수 있습니다. `/카탈로그 제안` 으로 수정을 제안할 수 있어요.",
    },
    "catalogue.not_admin": {
        "en": "Only server admins (Manage Server) can choose the role that picks the dramas this server follows.",
        "ko": "이 서버가 팔로우할 드라마를 고르는 역할은 서버 관리자(서버 관리 권한)만 정할 수 있습니다.",
    },
    # Catalogue governance: members' suggestions, decided by global curators
    "catalogue.unknown_field": {
        "en": "I don't know the field '{field}'. Pick one from the list.",
        "ko": "'{field}'(이)라는 항목을 모릅니다. 목록에서 고르세요.",
    },
    "catalogue.suggest_too_long": {
        "en": "Not sent: a suggested value holds at most {value} characters, and a note at most {note}.",
        "ko": "보내지 않았습니다: 제안하는 값은 {value}자, 메모는 {note}자까지입니다.",
    },
    "catalogue.suggest_same": {
        "en": "*{title}* already has that value: there is nothing to suggest.",
        "ko": "*{title}*에 이미 그 값이 들어 있어 제안할 것이 없습니다.",
    },
    "catalogue.suggest_limit": {
        "en": "You've sent {limit} suggestions in the last hour, the most one member may. Please try again later.",
        "ko": "최근 한 시간 동안 제안을 {limit}개 보냈습니다 (한 사람이 보낼 수 있는 최대). 나중에 다시 해 주세요.",
    },
    "catalogue.suggested": {
        "en": "Thanks! Your suggestion #{id} for *{title}* is waiting for a global curator.",
        "ko": "고마워요! *{title}*에 대한 제안 #{id}이(가) 전체 큐레이터의 확인을 기다립니다.",
    },
    "catalogue.suggestions_none": {"en": "No suggestions are waiting.", "ko": "기다리는 제안이 없습니다."},
    "catalogue.suggestion_accept": {"en": "Accept #{id}", "ko": "#{id} 수락"},
    "catalogue.suggestion_reject": {"en": "Reject #{id}", "ko": "#{id} 거절"},
    "catalogue.suggestion_unknown": {
        "en": "There is no suggestion #{id} (its drama may have been removed, or its member erased their data).",
        "ko": "제안 #{id}이(가) 없습니다 (드라마가 삭제되었거나 제안한 회원이 정보를 지웠을 수 있어요).",
    },
    "catalogue.suggestion_decided": {
        "en": "Suggestion #{id} was already {status}; nothing changed.",
        "ko": "제안 #{id}은(는) 이미 {status} 상태라 바뀐 것이 없습니다.",
    },
    "catalogue.suggestion_status_accepted": {"en": "accepted", "ko": "수락됨"},
    "catalogue.suggestion_status_rejected": {"en": "rejected", "ko": "거절됨"},
    "catalogue.suggestion_status_pending": {"en": "pending", "ko": "대기 중"},
    "catalogue.suggestion_accepted": {
        "en": "Accepted suggestion #{id}: saved ({field}) for *{title}*, credited to {user} in the audit log.",
        "ko": "제안 #{id}을(를) 수락했습니다: *{title}*에 저장했습니다 ({field}). 감사 기록에 {user}님의 제안으로 남습니다.",
    },
    "catalogue.suggestion_rejected": {
        "en": "Rejected suggestion #{id} for *{title}*.",
        "ko": "*{title}*에 대한 제안 #{id}을(를) 거절했습니다.",
    },
    "card.suggestions.title": {"en": "Suggestions waiting", "ko": "기다리는 제안"},
    "card.suggestions.count": {
        "en": "The oldest {shown} of {total}. Accept applies the value as your edit.",
        "ko": "{total}개 중 가장 오래된 {shown}개. 수락하면 내 수정으로 저장됩니다.",
    },
    "card.suggestions.clear": {"en": "(clear it)", "ko": "(지우기)"},
    "card.suggestions.by": {"en": "by {user} {when}", "ko": "{user} {when}"},
    "card.suggestions.footer": {
        "en": "python -m bot catalogue suggestions lists them all",
        "ko": "python -m bot catalogue suggestions 로 전부 볼 수 있습니다",
    },
    # end of catalogue governance
    "catalogue.not_saved": {"en": "Not saved: {detail}.", "ko": "저장하지 않았습니다: {detail}."},
    "catalogue.not_number": {
        "en": "Not saved: {what} must be a number, got '{value}'.",
        "ko": "저장하지 않았습니다: {what}은(는) 숫자여야 하는데 '{value}'을(를) 받았습니다.",
    },
    "catalogue.what_critic_score": {"en": "the critic score", "ko": "평론가 점수"},
    "catalogue.what_year": {"en": "year", "ko": "연도"},
    "catalogue.what_episode_count": {"en": "episode count", "ko": "회차 수"},
    "catalogue.unknown_country": {
        "en": "Not saved: I don't know the country '{value}'.",
        "ko": "저장하지 않았습니다: '{value}'(이)라는 나라를 모릅니다.",
    },
    "catalogue.unknown_region": {
        "en": "I don't know the region '{text}'. Use codes such as KR, US or country names.",
        "ko": "'{text}'(이)라는 지역을 모릅니다. KR, US 같은 코드나 나라 이름을 쓰세요.",
    },
    "catalogue.nothing_changed": {
        "en": "Nothing changed for *{title}*.",
        "ko": "*{title}*: 바뀐 것이 없습니다.",
    },
    "catalogue.saved": {"en": "Saved ({action}) for *{title}*.", "ko": "*{title}*: 저장했습니다 ({action})."},
    "catalogue.slug_needed": {
        "en": "Give the drama a `slug` (lower-case letters, digits and hyphens), e.g. `my-drama-2024`.",
        "ko": "드라마에 `slug`(소문자, 숫자, 하이픈)를 정해 주세요. 예: `my-drama-2024`.",
    },
    "catalogue.slug_taken": {
        "en": "*{title}* already has the id `{slug}`: edit it with `/catalogue edit`, or choose another `slug`.",
        "ko": "*{title}*이(가) 이미 id `{slug}`을(를) 쓰고 있습니다. `/카탈로그 수정` 으로 고치거나 다른 `slug`를 고르세요.",
    },
    "catalogue.added": {
        "en": "Added *{title}* (`{slug}`) to the catalogue. Add a synopsis with `/catalogue text`, episode scores with `/catalogue episode`, streaming with `/catalogue where-add`.",
        "ko": "*{title}* (`{slug}`)을(를) 카탈로그에 추가했습니다. 줄거리는 `/카탈로그 글`, 회차 점수는 `/카탈로그 회차`, 시청처는 `/카탈로그 시청처-추가` 로 넣으세요.",
    },
    "catalogue.episode_count": {
        "en": "*{title}* has {count} episodes.",
        "ko": "*{title}*은(는) {count}부작입니다.",
    },
    "catalogue.no_where_entry": {
        "en": "*{title}* has no {kind} entry for '{service}'.",
        "ko": "*{title}*에는 '{service}'의 {kind} 항목이 없습니다.",
    },
    "catalogue.confirm_slug": {
        "en": "Not removed: to confirm, type its id `{slug}` as `confirm`.",
        "ko": "삭제하지 않았습니다: 확인하려면 `확인`에 id `{slug}`을(를) 입력하세요.",
    },
    "catalogue.removed": {
        "en": "Removed *{title}* (`{slug}`): members no longer see it. Their ratings, lists and reminders are "
        "kept; `/catalogue restore` brings it all back.",
        "ko": "*{title}* (`{slug}`)을(를) 삭제했습니다: 회원에게 더 이상 보이지 않습니다. 평점, 목록, 알림은 그대로 "
        "남아 있으며 `/카탈로그 복원` 으로 모두 되돌릴 수 있습니다.",
    },
    "catalogue.curators_cleared": {
        "en": "Cleared the role: only this server's admins choose the dramas it follows now.",
        "ko": "역할을 해제했습니다: 이제 이 서버가 팔로우할 드라마는 서버 관리자만 고릅니다.",
    },
    "catalogue.curators_set": {
        "en": "Members with {role} can now choose the dramas this server follows (the shared catalogue stays with the bot's global curators).",
        "ko": "이제 {role} 역할의 멤버가 이 서버가 팔로우할 드라마를 고를 수 있습니다 (함께 쓰는 카탈로그는 봇의 전체 큐레이터가 관리합니다).",
    },
    "catalogue.synopsis": {"en": "Synopsis", "ko": "줄거리"},
    "catalogue.verdict": {"en": "Critic's verdict", "ko": "평론가 평"},
    "catalogue.modal_title": {"en": "{label}: {title}", "ko": "{label}: {title}"},
    "catalogue.leave_empty": {"en": "Leave empty to clear it.", "ko": "비워 두면 지웁니다."},
}

# Removing, restoring and merging dramas (cogs/catalogue.py remove/restore/merge, cogs/options.py).
REMOVAL: _M = {
    "option.drama_removed": {
        "en": "*{title}* was removed from the catalogue.",
        "ko": "*{title}*은(는) 카탈로그에서 삭제되었습니다.",
    },
    "catalogue.restored": {
        "en": "Restored *{title}* (`{slug}`) with every rating, list entry, follow and reminder it had.",
        "ko": "*{title}* (`{slug}`)을(를) 복원했습니다. 평점, 목록, 팔로우, 알림이 모두 그대로 돌아왔습니다.",
    },
    "catalogue.merged": {
        "en": "Merged *{source}* (`{source_slug}`) into *{title}* (`{slug}`): {ratings} scores moved ({replaced} "
        "older duplicates dropped), {watchlist} list entries, {follows} follows and {reminders} reminders.",
        "ko": "*{source}* (`{source_slug}`)을(를) *{title}* (`{slug}`)에 합쳤습니다: 점수 {ratings}개 이동(중복된 "
        "예전 점수 {replaced}개 제외), 목록 {watchlist}개, 팔로우 {follows}개, 알림 {reminders}개.",
    },
    "catalogue.confirm_merge": {
        "en": "Not merged: to confirm, type the id of the drama that goes, `{slug}`, as `confirm`.",
        "ko": "합치지 않았습니다: 확인하려면 `확인`에 없어질 드라마의 id `{slug}`을(를) 입력하세요.",
    },
    "catalogue.refused_unknown": {
        "en": "No drama has the id `{slug}`.",
        "ko": "id가 `{slug}`인 드라마가 없습니다.",
    },
    "catalogue.refused_not_hidden": {
        "en": "`{slug}` is not removed: there is nothing to restore.",
        "ko": "`{slug}`은(는) 삭제되지 않았습니다: 복원할 것이 없습니다.",
    },
    "catalogue.refused_same": {
        "en": "`{slug}` cannot be merged into itself: pick two different dramas.",
        "ko": "`{slug}`을(를) 자기 자신에 합칠 수 없습니다: 서로 다른 두 드라마를 고르세요.",
    },
    "catalogue.refused_into_hidden": {
        "en": "`{slug}` is removed: restore it before merging into it.",
        "ko": "`{slug}`은(는) 삭제된 드라마입니다: 합치기 전에 먼저 복원하세요.",
    },
}

CARDS: _M = {
    "card.critic": {"en": "Critic", "ko": "평론가"},
    "card.this_server": {"en": "This server", "ko": "이 서버"},
    "card.everyone": {"en": "Everyone", "ko": "전체"},
    "card.verdict": {"en": "Verdict", "ko": "평론"},
    "card.where_to_watch": {"en": "Where to watch", "ko": "시청처"},
    "card.no_critic": {
        "en": "No critic review yet — be the first to /rate",
        "ko": "아직 평론이 없습니다 — 처음으로 /평점 을 남겨 보세요",
    },
    "card.footer_hint": {
        "en": "/rate to add your score · /where for your country",
        "ko": "/평점 으로 내 점수 남기기 · /어디서 로 내 나라의 시청처 보기",
    },
    "card.page": {"en": "page {page}/{pages}", "ko": "{page}/{pages}쪽"},
    "card.no_ratings": {"en": "no ratings yet", "ko": "아직 평점 없음"},
    "card.ratings_one": {"en": "{count} rating", "ko": "평점 {count}개"},
    "card.ratings": {"en": "{count} ratings", "ko": "평점 {count}개"},
    "card.episodes_one": {"en": "{count} episode", "ko": "{count}부작"},
    "card.episodes": {"en": "{count} episodes", "ko": "{count}부작"},
    "card.episode": {"en": "Episode {number}", "ko": "{number}화"},
    "card.members_score": {"en": "members {score}", "ko": "회원 {score}"},
    "card.guide": {"en": "Episode guide", "ko": "회차 가이드"},
    "card.guide_range": {"en": "({first}–{last} of {count})", "ko": "({count}화 중 {first}–{last}화)"},
    "card.guide_critic": {"en": "critic", "ko": "평론가"},
    "card.guide_server": {"en": "this server", "ko": "이 서버"},
    "card.guide_members": {"en": "members", "ko": "회원"},
    "card.select_regions": {"en": "select regions", "ko": "일부 지역"},
    "card.and_more": {"en": "{listing} and {more} more", "ko": "{listing} 외 {more}곳"},
    "card.checked": {"en": "checked {date}", "ko": "{date} 확인"},
    "card.not_checked": {"en": "not checked yet", "ko": "아직 확인 안 됨"},
    "card.no_streaming": {"en": "No streaming information yet.", "ko": "아직 시청처 정보가 없습니다."},
    "card.more_services": {"en": "and {more} more: /where", "ko": "외 {more}곳: /어디서"},
    "kind.subscription": {"en": "subscription", "ko": "구독"},
    "kind.free": {"en": "free", "ko": "무료"},
    "kind.ads": {"en": "free with ads", "ko": "광고 포함 무료"},
    "kind.rent": {"en": "rent", "ko": "대여"},
    "kind.buy": {"en": "buy", "ko": "구매"},
    # /rate's answer
    "card.rate_episode": {"en": "{title}, episode {number}", "ko": "{title} {number}화"},
    "card.rated": {"en": "You rated {what} {score}.", "ko": "{what}에 {score}점을 주었습니다."},
    "card.rated_same": {
        "en": "You had already rated {what} {score}; nothing changed.",
        "ko": "{what}에 이미 {score}점을 주었습니다. 바뀐 것은 없어요.",
    },
    "card.rated_updated": {
        "en": "Updated your score for {what} from {old} to {new} {stars}.",
        "ko": "{what}의 내 점수를 {old}에서 {new} {stars}(으)로 바꿨습니다.",
    },
    "card.rate_footer": {
        "en": "Rate again any time to change it · /review to see the card",
        "ko": "언제든 다시 평가해 바꿀 수 있어요 · /리뷰 로 카드 보기",
    },
    # /where
    "card.where_title": {"en": "Where to watch · {title}", "ko": "시청처 · {title}"},
    "card.where_none": {
        "en": "No streaming information yet. Curators can add it with /catalogue.",
        "ko": "아직 시청처 정보가 없습니다. 큐레이터가 /카탈로그 로 추가할 수 있습니다.",
    },
    "card.where_unknown_regions": {
        "en": "**In select regions (which ones is not known yet):**",
        "ko": "**일부 지역 (어느 지역인지는 아직 모름):**",
    },
    "card.where_in": {"en": "**In {region}:**", "ko": "**{region}:**"},
    "card.where_region_unknown": {
        "en": "Whether {region} is one of its regions is not known yet.",
        "ko": "{region}이(가) 제공 지역에 들어가는지는 아직 모릅니다.",
    },
    "card.where_not_listed": {"en": "Not listed in {region}.", "ko": "{region}에는 없습니다."},
    "card.where_available_in": {"en": "Available in: {listing}.", "ko": "볼 수 있는 곳: {listing}."},
    "card.where_also_in": {"en": "Also in: {listing}.", "ko": "다른 지역: {listing}."},
    "card.where_every_option": {"en": "Every option in {region}", "ko": "{region}의 모든 선택지"},
    "card.live_source": {
        "en": "Availability data from JustWatch via TMDB · checked {when}",
        "ko": "시청처 정보: JustWatch (TMDB 제공) · {when} 확인",
    },
    "card.live_stale": {
        "en": "TMDB did not answer just now; this is the last check",
        "ko": "TMDB가 방금 응답하지 않아 마지막으로 확인한 정보입니다",
    },
    "card.live_unavailable": {
        "en": "-# Live availability from TMDB is unavailable right now; showing the catalogue.",
        "ko": "-# 지금은 TMDB의 실시간 시청처 정보를 볼 수 없어 카탈로그 정보를 보여 드립니다.",
    },
    "card.where_footer": {
        "en": "Streaming catalogues change monthly: check the date.",
        "ko": "스트리밍 목록은 매달 바뀝니다: 확인 날짜를 보세요.",
    },
    # /about
    "card.about": {
        "en": "Review cards, episode ratings and where to stream, for drama-watching servers.",
        "ko": "드라마를 보는 서버를 위한 리뷰 카드, 회차별 평점, 시청처 안내.",
    },
    "card.version": {"en": "Version", "ko": "버전"},
    "card.uptime": {"en": "Uptime", "ko": "가동 시간"},
    "card.latency": {"en": "Gateway latency", "ko": "게이트웨이 지연 시간"},
    "card.latency_ms": {"en": "{ms} ms", "ko": "{ms}ms"},
    "card.not_measured": {"en": "not measured yet", "ko": "아직 측정 안 됨"},
    "card.project": {"en": "Project", "ko": "프로젝트"},
    "card.data": {"en": "Data", "ko": "데이터"},
    "card.data_credits": {
        "en": "Drama facts: Wikidata (CC0), and for Korean dramas Korean Wikipedia contributors (CC BY-SA 4.0). See bot/data/NOTICE.md.",
        "ko": "드라마 정보: 위키데이터 (CC0), 한국 드라마는 한국어 위키백과 기여자 (CC BY-SA 4.0). bot/data/NOTICE.md 참고.",
    },
    "card.tmdb_notice": {
        "en": "This product uses the TMDB API but is not endorsed or certified by TMDB.",
        "ko": "이 제품은 TMDB API를 사용하지만 TMDB의 보증이나 인증을 받지 않았습니다.",
    },
    "uptime.days": {"en": "{days} d {hours} h", "ko": "{days}일 {hours}시간"},
    "uptime.hours": {"en": "{hours} h {minutes} min", "ko": "{hours}시간 {minutes}분"},
    "uptime.minutes": {"en": "{minutes} min {seconds} s", "ko": "{minutes}분 {seconds}초"},
    "uptime.seconds": {"en": "{seconds} s", "ko": "{seconds}초"},
}

CHARTS: _M = {  # the alt text of /review's episode chart
    "chart.intro_one": {
        "en": "Line chart of episode scores from 0 to 5 for {count} episode.",
        "ko": "회차별 점수(0~5)를 보여 주는 꺾은선 그래프, {count}개 회차.",
    },
    "chart.intro": {
        "en": "Line chart of episode scores from 0 to 5 for {count} episodes.",
        "ko": "회차별 점수(0~5)를 보여 주는 꺾은선 그래프, {count}개 회차.",
    },
    "chart.series_summary": {
        "en": "{present} of {total} episodes, average {mean}, lowest {low} (episode {low_episode}), highest {high} (episode {high_episode})",
        "ko": "{total}개 회차 중 {present}개, 평균 {mean}, 최저 {low} ({low_episode}화), 최고 {high} ({high_episode}화)",
    },
    "chart.critic": {"en": "Critic", "ko": "평론가"},
    "chart.server": {"en": "This server", "ko": "이 서버"},
    "chart.everyone": {"en": "Everyone", "ko": "전체"},
    "chart.critic_style": {"en": "orange-red solid line, circles", "ko": "주황빨강 실선, 동그라미"},
    "chart.server_style": {"en": "blue dashed line, squares", "ko": "파란 파선, 네모"},
    "chart.everyone_style": {"en": "green dotted line, triangles", "ko": "초록 점선, 세모"},
}

COMMUNITY: _M = {  # watch lists, privacy (cogs/watchlist.py, cogs/privacy.py, bot/cards/watchlist.py)
    "watch.status.watching": {"en": "Watching", "ko": "보는 중"},
    "watch.status.completed": {"en": "Completed", "ko": "다 봄"},
    "watch.status.plan": {"en": "Plan to watch", "ko": "볼 예정"},
    "watch.status.on_hold": {"en": "On hold", "ko": "보류"},
    "watch.status.dropped": {"en": "Dropped", "ko": "중단"},
    "watch.status_list": {
        "en": "Watching, Completed, Plan to watch, On hold, Dropped",
        "ko": "보는 중, 다 봄, 볼 예정, 보류, 중단",
    },
    "watch.progress": {"en": "ep {progress}/{count}", "ko": "{progress}/{count}화"},
    "watch.here": {
        "en": "Here: {watching} watching · {completed} completed · {plan} plan to watch",
        "ko": "이 서버: {watching}명 보는 중 · {completed}명 다 봄 · {plan}명 볼 예정",
    },
    "watch.title": {"en": "{name}'s watch list", "ko": "{name}님의 시청 목록"},
    "watch.title_status": {"en": "{name}'s watch list · {status}", "ko": "{name}님의 시청 목록 · {status}"},
    "watch.footer": {"en": "{total} dramas · page {page}/{pages}", "ko": "드라마 {total}편 · {page}/{pages}쪽"},
    "watch.footer_one": {"en": "{total} drama · page {page}/{pages}", "ko": "드라마 {total}편 · {page}/{pages}쪽"},
    "watch.set": {
        "en": "*{title}* is now **{status}** on your list ({progress}).",
        "ko": "*{title}*을(를) 내 목록에 **{status}**(으)로 저장했습니다 ({progress}).",
    },
    "watch.set_changed": {
        "en": "*{title}*: **{old}** → **{status}** on your list ({progress}).",
        "ko": "*{title}*: 내 목록에서 **{old}** → **{status}** ({progress}).",
    },
    "watch.removed": {"en": "Removed *{title}* from your list.", "ko": "내 목록에서 *{title}*을(를) 뺐습니다."},
    "watch.not_listed": {
        "en": "*{title}* is not on your list, so nothing was removed.",
        "ko": "*{title}*은(는) 내 목록에 없어서 뺀 것이 없습니다.",
    },
    "watch.unknown_status": {
        "en": "'{status}' is not a status. Pick one of: {choices}.",
        "ko": "'{status}'은(는) 상태가 아닙니다. 다음 중에서 고르세요: {choices}.",
    },
    "watch.no_episode": {
        "en": "*{title}* has episodes 1 to {count}; progress can be 0 to {count}, not {episode}.",
        "ko": "*{title}*은(는) 1화부터 {count}화까지 있습니다. 진행은 0~{count}화만 됩니다 ({episode}화는 안 돼요).",
    },
    "watch.empty_own": {
        "en": "Your watch list is empty. Add a drama with `/watchlist set`, or rate an episode with `/rate`.",
        "ko": "내 시청 목록이 비어 있습니다. `/시청목록 설정` 으로 드라마를 넣거나 `/평점` 으로 회차에 점수를 주세요.",
    },
    "watch.empty_own_status": {
        "en": "Nothing on your watch list is {status}.",
        "ko": "내 시청 목록에 {status} 상태인 드라마가 없습니다.",
    },
    "watch.empty_other": {
        "en": "{name}'s watch list is empty.",
        "ko": "{name}님의 시청 목록이 비어 있습니다.",
    },
    "watch.empty_other_status": {
        "en": "Nothing on {name}'s watch list is {status}.",
        "ko": "{name}님의 시청 목록에 {status} 상태인 드라마가 없습니다.",
    },
    "top.title_server": {"en": "Top dramas · this server", "ko": "인기 드라마 · 이 서버"},
    "top.title_everyone": {"en": "Top dramas · everyone", "ko": "인기 드라마 · 전체"},
    "top.line": {
        "en": "**{rank}.** {title} · {stars} {score} · avg {average} · {ratings}",
        "ko": "**{rank}.** {title} · {stars} {score} · 평균 {average} · {ratings}",
    },
    "top.filters": {"en": "Only: {filters}", "ko": "조건: {filters}"},
    "top.how": {
        "en": "Ranked by a Bayesian average: each drama's scores are pulled toward the mean here ({mean}) as if it had {prior} more ratings at it. A drama needs at least {minimum} ratings here to be ranked.",
        "ko": "베이즈 평균 순위: 각 드라마의 점수를 여기 평균({mean}) 쪽으로, 그 점수의 평점이 {prior}개 더 있는 것처럼 당깁니다. 순위에 들려면 여기서 평점이 {minimum}개 이상 있어야 합니다.",
    },
    "top.unranked": {
        "en": "Not ranked yet (fewer than {minimum} ratings): {count}.",
        "ko": "평점이 {minimum}개보다 적은 드라마가 {count}편 더 있습니다.",
    },
    "top.footer": {"en": "page {page}/{pages} · {total} ranked", "ko": "{page}/{pages}쪽 · {total}편 순위"},
    "top.empty": {
        "en": "No drama has the {minimum} ratings needed to be ranked here yet (rated, but with fewer: {unranked}). Rate with /rate to fill the chart.",
        "ko": "아직 순위에 필요한 평점 {minimum}개를 받은 드라마가 없습니다 (그보다 적은 드라마 {unranked}편). /평점 으로 차트를 채워 보세요.",
    },
    "top.no_server": {
        "en": "There is no server here (this is a DM): use scope everyone.",
        "ko": "여기는 서버가 아닙니다 (DM): 범위를 전체로 고르세요.",
    },
    "top.unknown_genre": {
        "en": "No drama in the catalogue has the genre '{genre}'. Pick one from the list as you type, such as {examples}.",
        "ko": "카탈로그에 '{genre}' 장르의 드라마가 없습니다. 입력하면서 목록에서 고르세요 (예: {examples}).",
    },
    "top.genre_too_long": {
        "en": "That genre is {length} characters long; genres here are at most {limit}.",
        "ko": "입력한 장르가 {length}자입니다. 장르는 {limit}자까지입니다.",
    },
    "match.title": {"en": "Taste match · {you} & {them}", "ko": "취향 비교 · {you} & {them}"},
    "match.score": {
        "en": "**{percentage}%** alike, over {shared} dramas you both rated.",
        "ko": "두 분이 함께 평가한 드라마 {shared}편 기준 **{percentage}%** 비슷합니다.",
    },
    "match.too_few": {
        "en": "You and {them} have rated {shared} of the same dramas; a match needs at least {minimum}. Rate more with /rate.",
        "ko": "{them}님과 함께 평가한 드라마가 {shared}편입니다. 취향 비교에는 {minimum}편 이상 필요해요. /평점 으로 더 평가해 보세요.",
    },
    "match.agree": {"en": "Where you agree most", "ko": "가장 비슷한 드라마"},
    "match.differ": {"en": "Where you differ most", "ko": "가장 다른 드라마"},
    "match.line": {"en": "{title}: you {yours} · {them} {theirs}", "ko": "{title}: 나 {yours} · {them} {theirs}"},
    "match.self": {
        "en": "That's you: a taste match needs another member. Pick someone else.",
        "ko": "본인입니다: 취향 비교에는 다른 회원이 필요해요. 다른 사람을 고르세요.",
    },
    "match.footer": {
        "en": "Drama scores only (not episodes) · 100% = the same scores",
        "ko": "드라마 전체 점수만 (회차 제외) · 100% = 같은 점수",
    },
    "privacy.now_private": {
        "en": "Your watch list, profile and matches are now private: only you can see them. Your scores still count, anonymously, in averages and charts.",
        "ko": "이제 내 시청 목록, 프로필, 취향 비교는 비공개입니다: 나만 볼 수 있어요. 내 점수는 평균과 차트에 이름 없이 계속 반영됩니다.",
    },
    "privacy.now_public": {
        "en": "Your watch list, profile and matches are now public: members can see them.",
        "ko": "이제 내 시청 목록, 프로필, 취향 비교는 공개입니다: 다른 회원도 볼 수 있어요.",
    },
    "privacy.confirm": {
        "en": "This erases everything dramabot stores about you: {ratings}, {watchlist} on your watch list, {reminders}, {sent}, {suggestions}and {settings}. {named}Averages and charts are updated as if you had never rated. It cannot be undone.",
        "ko": "dramabot에 저장된 내 정보를 모두 지웁니다: {ratings}, 시청 목록 {watchlist}, {reminders}, {sent}, {suggestions}{settings}. {named}평균과 차트는 내가 평가한 적이 없는 것처럼 다시 계산됩니다. 되돌릴 수 없어요.",
    },
    "privacy.confirm_button": {"en": "Erase my data", "ko": "내 정보 지우기"},
    "privacy.not_yours": {
        "en": "This button belongs to someone else's request. Use /privacy delete-my-data for your own data.",
        "ko": "다른 사람의 요청에 딸린 버튼입니다. 내 정보는 /개인정보 내정보삭제 로 지우세요.",
    },
    "privacy.deleted": {
        "en": "Done. Removed {ratings}, {watchlist} from your watch list, {reminders}, {sent}, {suggestions}and {settings}. {named}Averages and charts no longer include your scores.",
        "ko": "완료했습니다. 지운 정보: {ratings}, 시청 목록 {watchlist}, {reminders}, {sent}, {suggestions}{settings}. {named}평균과 차트에 더 이상 내 점수가 들어가지 않아요.",
    },
    "privacy.nothing": {
        "en": "dramabot stores nothing about you: no ratings, no watch list, no reminders, no settings.",
        "ko": "dramabot에 저장된 내 정보가 없습니다: 평점, 시청 목록, 알림, 설정 모두 없어요.",
    },
    "privacy.ratings_one": {"en": "{count} rating", "ko": "평점 {count}개"},
    "privacy.ratings": {"en": "{count} ratings", "ko": "평점 {count}개"},
    "privacy.dramas_one": {"en": "{count} drama", "ko": "드라마 {count}편"},
    "privacy.dramas": {"en": "{count} dramas", "ko": "드라마 {count}편"},
    "privacy.settings_one": {"en": "your settings", "ko": "설정"},
    "privacy.settings": {"en": "no settings", "ko": "설정 없음"},
    # ---- complete erasure: reminders, their records, the changes a member made (cogs/privacy.py) ----
    "privacy.reminders_one": {"en": "{count} reminder", "ko": "회차 알림 {count}개"},
    "privacy.reminders": {"en": "{count} reminders", "ko": "회차 알림 {count}개"},
    "privacy.sent_one": {"en": "{count} record of a reminder sent", "ko": "보낸 알림 기록 {count}건"},
    "privacy.sent": {"en": "{count} records of reminders sent", "ko": "보낸 알림 기록 {count}건"},
    "privacy.suggestions_one": {"en": "{count} catalogue suggestion, ", "ko": "카탈로그 수정 제안 {count}건, "},
    "privacy.suggestions": {"en": "{count} catalogue suggestions, ", "ko": "카탈로그 수정 제안 {count}건, "},
    "privacy.named_one": {
        "en": "Your name is taken off {count} change you made to the catalogue or a server's settings; the change stays. ",
        "ko": "내가 한 카탈로그·서버 설정 변경 {count}건에서 내 이름을 지웁니다 (변경 내용은 남아요). ",
    },
    "privacy.named": {
        "en": "Your name is taken off {count} changes you made to the catalogue or a server's settings; the changes stay. ",
        "ko": "내가 한 카탈로그·서버 설정 변경 {count}건에서 내 이름을 지웁니다 (변경 내용은 남아요). ",
    },
    "privacy.named_done_one": {
        "en": "Your name was taken off {count} change you made; the change stays. ",
        "ko": "내가 한 변경 {count}건에서 내 이름을 지웠습니다 (변경 내용은 남아요). ",
    },
    "privacy.named_done": {
        "en": "Your name was taken off {count} changes you made; the changes stay. ",
        "ko": "내가 한 변경 {count}건에서 내 이름을 지웠습니다 (변경 내용은 남아요). ",
    },
    "member.dm_other": {
        "en": "In a direct message I only show your own list, profile and matches. Ask in a server you and that member are both in.",
        "ko": "DM에서는 내 목록, 프로필, 취향 비교만 보여 드립니다. 그 회원과 함께 있는 서버에서 물어보세요.",
    },
    # ---- end of complete erasure ----
    "profile.title": {"en": "{name}'s profile", "ko": "{name}님의 프로필"},
    "profile.lists": {"en": "Watch list", "ko": "시청 목록"},
    "profile.list_empty": {"en": "nothing on it yet", "ko": "아직 비어 있음"},
    "profile.ratings": {"en": "Drama ratings", "ko": "드라마 평점"},  # episode scores are not counted here
    "profile.ratings_value": {"en": "{ratings} · mean {mean}", "ko": "{ratings} · 평균 {mean}"},
    "profile.distribution": {"en": "Scores", "ko": "점수 분포"},
    "profile.genres": {"en": "Most-watched genres", "ko": "가장 많이 본 장르"},
    "profile.recent": {"en": "Last rated", "ko": "최근 평가"},
    "profile.none": {"en": "none yet", "ko": "아직 없음"},
    "profile.alt_empty": {"en": "Bar chart of scores: no ratings yet.", "ko": "점수 막대 그래프: 아직 평점이 없습니다."},
    "profile.alt": {
        "en": "Bar chart of {total} ratings by score ({listed}). Most common score {peak}, average {mean}.",
        "ko": "점수별 평점 {total}개의 막대 그래프 ({listed}). 가장 많은 점수 {peak}, 평균 {mean}.",
    },
    "member.private": {
        "en": "{name} keeps their watch list, profile and matches private.",
        "ko": "{name}님은 시청 목록, 프로필, 취향 비교를 비공개로 해 두었습니다.",
    },
    "member.not_here": {
        "en": "I can't see that member in this server, so I can't show anything about them.",
        "ko": "이 서버에서 그 회원을 볼 수 없어서 보여 드릴 수 없습니다.",
    },
    "member.bot": {
        "en": "{name} is a bot: bots have no watch lists, profiles or scores.",
        "ko": "{name}은(는) 봇입니다: 봇에게는 시청 목록, 프로필, 점수가 없어요.",
    },
}

from bot.i18n.airing import AIRING  # noqa: E402 - data only
from bot.i18n.airing import CARDS as AIRING_CARDS  # noqa: E402

MESSAGES: _M = {**ERRORS, **CATALOGUE, **REMOVAL, **CARDS, **CHARTS, **COMMUNITY, **AIRING, **AIRING_CARDS}


def language(locale: object) -> str:
    """'ko' for a Korean locale (a discord.Locale or its value, e.g. "ko"), else 'en'."""
    try:
        return _LANGUAGES[locale]
    except (KeyError, TypeError):  # TypeError: not hashable
        pass
    value = getattr(locale, "value", locale)
    text = value if isinstance(value, str) else ""
    found = KOREAN if text.split("-")[0].lower() == KOREAN else ENGLISH
    if len(_LANGUAGES) < _LANGUAGES_KEPT and isinstance(value, str | None):  # a str, None or a discord.Locale
        _LANGUAGES[locale] = found
    return found


# Every card line asks t() for its language: the answer is kept per locale (Discord has about 30).
_LANGUAGES: dict[object, str] = {}
_LANGUAGES_KEPT = 256


class Key(str):
    """A field value that is itself a message key: t() fills in that message, in the same language."""


def t(key: str, locale: object = None, /, **fields: object) -> str:
    """The message `key` in the locale's language (English when not translated), fields filled in.

    An unknown key is a programming error: KeyError.
    """
    entry = MESSAGES[key]
    lang = language(locale)
    text = entry.get(lang) or entry[ENGLISH]
    if not fields:
        return text
    if any(isinstance(v, Key) for v in fields.values()):
        fields = {name: t(v, lang) if isinstance(v, Key) else v for name, v in fields.items()}
    return text.format_map(fields)


def plural(count: int, one: str, other: str) -> str:
    """The key for `count`: `one` for exactly 1, else `other` (English needs both; Korean does not)."""
    return one if count == 1 else other

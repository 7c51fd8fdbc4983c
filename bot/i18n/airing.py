"""Messages and command texts of the airing commands, in English and Korean.

Data only: merged into `bot.i18n.messages.MESSAGES` and `bot.i18n.translator.NAMES_KO` / `TEXTS_KO`.
"""

from __future__ import annotations

AIRING: dict[str, dict[str, str]] = {
    "airing.guild_only": {
        "en": "Use this command in a server.",
        "ko": "이 명령은 서버에서 써 주세요.",
    },
    "airing.not_manager": {
        "en": "Only members with Manage Server can choose where episode announcements go.",
        "ko": "서버 관리 권한이 있는 멤버만 회차 알림 채널을 정할 수 있습니다.",
    },
    "airing.not_curator": {
        "en": "Only this server's admins (Manage Server) and members with the role they chose (`/catalogue curators`) can choose which dramas this server follows.",
        "ko": "서버 관리자(서버 관리 권한)와 관리자가 정한 역할(`/카탈로그 큐레이터`)의 멤버만 이 서버가 팔로우할 드라마를 정할 수 있습니다.",
    },
    "airing.delay_range": {
        "en": "The delay must be from 0 to 48 hours, not {delay}.",
        "ko": "지연 시간은 0~48시간이어야 합니다 ({delay}시간은 안 됩니다).",
    },
    "airing.days_range": {
        "en": "Days must be from 1 to 14, not {days}.",
        "ko": "일수는 1~14일이어야 합니다 ({days}일은 안 됩니다).",
    },
    "airing.not_text_channel": {
        "en": "{channel} is not a text channel I can post in: pick a text or announcement channel.",
        "ko": "{channel}은(는) 글을 올릴 수 있는 채널이 아닙니다: 텍스트 채널이나 공지 채널을 고르세요.",
    },
    "airing.cannot_see": {
        "en": "I can't see {channel}. Give me View Channel there, then try again.",
        "ko": "{channel} 채널이 보이지 않습니다. 그 채널에서 저에게 채널 보기 권한을 주고 다시 해 보세요.",
    },
    "airing.missing": {
        "en": "I can't announce in {channel}: I'm missing {missing} there. Nothing was saved.",
        "ko": "{channel}에 알림을 올릴 수 없습니다: 그 채널에서 {missing} 권한이 없습니다. 아무것도 저장하지 않았습니다.",
    },
    "airing.announce_set": {
        "en": "New episodes of the dramas this server follows will be announced in {channel}{thread}{delay}.",
        "ko": "이 서버가 팔로우하는 드라마의 새 회차를 {channel}에 알립니다{thread}{delay}.",
    },
    "airing.announce_thread": {
        "en": ", each with a spoiler thread",
        "ko": " (회차마다 스포일러 스레드를 엽니다)",
    },
    "airing.announce_delay": {
        "en": ", {hours} h after each airs",
        "ko": " (방영 {hours}시간 뒤)",
    },
    "airing.announce_no_follows": {
        "en": " Follow dramas with /follow.",
        "ko": " /팔로우로 드라마를 팔로우하세요.",
    },
    "airing.ended": {
        "en": "*{title}* has ended: there are no new episodes to announce.",
        "ko": "*{title}*은(는) 종영했습니다: 알릴 새 회차가 없습니다.",
    },
    "airing.no_dates": {
        "en": "*{title}* has no air dates in the catalogue yet, so I can't tell when its episodes air.",
        "ko": "*{title}*은(는) 카탈로그에 방영일이 아직 없어 회차가 언제 방영되는지 알 수 없습니다.",
    },
    "airing.not_airing": {
        "en": "*{title}* is not airing, so there are no new episodes to remind you of.",
        "ko": "*{title}*은(는) 방영 중이 아니라서 알려 드릴 새 회차가 없습니다.",
    },
    "airing.followed": {
        "en": "This server now follows *{title}*.{where}",
        "ko": "이 서버가 이제 *{title}*을(를) 팔로우합니다.{where}",
    },
    "airing.followed_where": {
        "en": " New episodes are announced in {channel}.",
        "ko": " 새 회차는 {channel}에 알립니다.",
    },
    "airing.followed_nowhere": {
        "en": " Choose the channel with /announce to get the posts.",
        "ko": " /알림채널 로 채널을 정해야 알림이 올라갑니다.",
    },
    "airing.already_following": {
        "en": "This server already follows *{title}*.",
        "ko": "이 서버는 이미 *{title}*을(를) 팔로우하고 있습니다.",
    },
    "airing.unfollowed": {
        "en": "This server no longer follows *{title}*.",
        "ko": "이 서버는 더 이상 *{title}*을(를) 팔로우하지 않습니다.",
    },
    "airing.not_following": {
        "en": "This server does not follow *{title}*.",
        "ko": "이 서버는 *{title}*을(를) 팔로우하고 있지 않습니다.",
    },
    "airing.reminder_on": {
        "en": "I'll send you a direct message when a new episode of *{title}* airs. Keep your DMs open for me.",
        "ko": "*{title}*의 새 회차가 방영되면 DM을 보내 드릴게요. DM을 열어 두세요.",
    },
    "airing.reminder_already": {
        "en": "You already get reminders for *{title}*.",
        "ko": "이미 *{title}* 알림을 받고 있습니다.",
    },
    "airing.reminder_off": {
        "en": "No more reminders for *{title}*.",
        "ko": "이제 *{title}* 알림을 보내지 않습니다.",
    },
    "airing.reminder_none": {
        "en": "You have no reminder for *{title}*.",
        "ko": "*{title}* 알림을 받고 있지 않습니다.",
    },
    "airing.paused_notice": {
        "en": "I couldn't send you a direct message (your DMs are closed to me), so your reminders for {titles} are paused. Open your DMs and use /remind on to resume them.",
        "ko": "DM을 보낼 수 없어서 (DM이 닫혀 있습니다) {titles} 알림을 멈췄습니다. DM을 열고 /알림 켜기 로 다시 시작하세요.",
    },
    # ---- /server: the server's own settings (cogs/server.py) ----
    "server.guild_only": {
        "en": "Use this command in a server: a direct message has no server settings.",
        "ko": "이 명령은 서버에서 써 주세요: DM에는 서버 설정이 없습니다.",
    },
    "server.not_manager": {
        "en": "Only members with Manage Server can change this server's settings. Nothing was changed.",
        "ko": "서버 관리 권한이 있는 멤버만 이 서버의 설정을 바꿀 수 있습니다. 아무것도 바꾸지 않았습니다.",
    },
    "server.region_set": {
        "en": "This server's region is now **{region}**{was}. New-episode announcements show where to watch there, and `/where` uses it when no region is given.",
        "ko": "이 서버의 지역을 **{region}**(으)로 정했습니다{was}. 새 회차 알림에 그곳에서 볼 수 있는 곳이 나오고, `/어디서`에 지역을 넣지 않으면 이 지역을 씁니다.",
    },
    "server.region_was": {"en": " (it was {region})", "ko": " (이전: {region})"},
    "server.region_same": {
        "en": "This server's region is already **{region}**.",
        "ko": "이 서버의 지역은 이미 **{region}**입니다.",
    },
    "server.region_no_channel": {
        "en": " Announcements are off until a channel is chosen with `/announce`.",
        "ko": " `/알림채널`로 채널을 정해야 알림이 올라갑니다.",
    },
    "server.region_cleared": {
        "en": "This server's region is cleared (it was {region}): announcements no longer show where to watch, and `/where` lists every country unless a region is given.",
        "ko": "이 서버의 지역을 지웠습니다 (이전: {region}). 알림에 볼 수 있는 곳이 나오지 않고, `/어디서`는 지역을 넣지 않으면 모든 나라를 보여 줍니다.",
    },
    "server.region_none": {
        "en": "This server has no region set, so there is nothing to clear. Choose one with `/server region`.",
        "ko": "이 서버에는 정해진 지역이 없어서 지울 것이 없습니다. `/서버 지역`으로 정하세요.",
    },
    "where.server_region": {
        "en": "-# {region} is this server's region. Give `region:` for another country.",
        "ko": "-# {region}: 이 서버의 지역입니다. 다른 나라는 `지역:`을 넣으세요.",
    },
}

# The airing cards (bot/cards/airing.py).
CARDS: dict[str, dict[str, str]] = {
    "card.airing.episode_suffix": {"en": " · Episode {number}", "ko": " · {number}화"},
    "card.airing.out": {"en": "**Episode {number}** is out.", "ko": "**{number}화**가 공개됐습니다."},
    "card.airing.out_last": {
        "en": "**Episode {number}**, the last one, is out.",
        "ko": "마지막 회차 **{number}화**가 공개됐습니다.",
    },
    "card.airing.aired": {"en": "Aired {when}", "ko": "방영: {when}"},
    "card.airing.where_in": {"en": "Where to watch in {region}", "ko": "{region}에서 볼 수 있는 곳"},
    "card.airing.rate_hint": {
        "en": "/rate to score this episode · /where for every country",
        "ko": "/평점 으로 이 회차에 점수를 · /어디서 로 나라별 시청처를",
    },
    "card.airing.thread": {"en": "Episode {number} discussion", "ko": "{number}화 토론"},
    "card.airing.and": {"en": " and ", "ko": ", "},
    "card.airing.digest_line_one": {
        "en": "**{title}** · Episode {ranges} · aired {ago}",
        "ko": "**{title}** · {ranges}화 · {ago} 방영",
    },
    "card.airing.digest_line": {
        "en": "**{title}** · Episodes {ranges} · aired {ago}",
        "ko": "**{title}** · {ranges}화 · {ago} 방영",
    },
    "card.airing.digest_more": {
        "en": "…and {count} more dramas: /schedule to see what airs next.",
        "ko": "…그리고 드라마 {count}편 더: /방영표 로 다음 방영을 확인하세요.",
    },
    "card.airing.digest_title_one": {
        "en": "While I was away: {count} new episode",
        "ko": "자리를 비운 사이: 새 회차 {count}개",
    },
    "card.airing.digest_title": {
        "en": "While I was away: {count} new episodes",
        "ko": "자리를 비운 사이: 새 회차 {count}개",
    },
    "card.airing.followed": {"en": "followed dramas", "ko": "팔로우한 드라마"},
    "card.airing.all": {"en": "all dramas", "ko": "모든 드라마"},
    "card.airing.schedule_title_one": {
        "en": "Airing in the next {days} day · {what}",
        "ko": "앞으로 {days}일 동안 방영 · {what}",
    },
    "card.airing.schedule_title": {
        "en": "Airing in the next {days} days · {what}",
        "ko": "앞으로 {days}일 동안 방영 · {what}",
    },
    "card.airing.nothing": {"en": "Nothing airs in these days.", "ko": "이 기간에 방영되는 회차가 없습니다."},
    "card.airing.nothing_followed": {
        "en": "Nothing airs in these days. Follow dramas with /follow, or try scope:all.",
        "ko": "이 기간에 방영되는 회차가 없습니다. /팔로우 로 드라마를 팔로우하거나 범위를 전체로 해 보세요.",
    },
    "card.airing.schedule_entry": {
        "en": "{name} · Ep {number} · {when}",
        "ko": "{name} · {number}화 · {when}",
    },
    "card.airing.schedule_footer": {
        "en": "Days in {zone}; times in your own zone",
        "ko": "날짜는 {zone} 기준, 시각은 내 시간대로",
    },
    "card.airing.page": {"en": " · page {page}/{pages}", "ko": " · {page}/{pages}쪽"},
    "card.airing.reminder": {
        "en": "A new episode is out: aired {when}",
        "ko": "새 회차가 공개됐습니다: {when} 방영",
    },
    "card.airing.reminder_footer": {
        "en": "You asked for this with /remind · /remind off to stop",
        "ko": "/알림 으로 신청한 알림입니다 · /알림 끄기 로 멈춥니다",
    },
    "card.airing.where_not_listed": {
        "en": "Not listed in {region} yet: /where for other countries.",
        "ko": "{region}에는 아직 없습니다: 다른 나라는 /어디서 에서 보세요.",
    },
    "card.airing.where_more": {"en": "and {count} more: /where", "ko": "외 {count}곳: /어디서"},
    # /server settings (bot/cards/server.py)
    "card.server.title": {"en": "This server's settings", "ko": "이 서버의 설정"},
    "card.server.region": {"en": "Region", "ko": "지역"},
    "card.server.region_none": {
        "en": "Not set · `/server region` to choose one (announcements then show where to watch there)",
        "ko": "정하지 않음 · `/서버 지역`으로 정하세요 (알림에 그 지역에서 볼 수 있는 곳이 나옵니다)",
    },
    "card.server.announce": {"en": "New-episode announcements", "ko": "새 회차 알림"},
    "card.server.announce_none": {
        "en": "Off · `/announce` to choose a channel",
        "ko": "꺼짐 · `/알림채널`로 채널을 정하세요",
    },
    "card.server.announce_thread": {
        "en": " · a spoiler thread under each",
        "ko": " · 회차마다 스포일러 스레드",
    },
    "card.server.announce_delay": {"en": " · {hours} h after airing", "ko": " · 방영 {hours}시간 뒤"},
    "card.server.followed": {"en": "Followed dramas", "ko": "팔로우한 드라마"},
    "card.server.followed_count": {
        "en": "{count} · `/follow` to add one",
        "ko": "{count}편 · `/팔로우`로 추가합니다",
    },
    "card.server.curators": {"en": "Curator role", "ko": "큐레이터 역할"},
    "card.server.curators_none": {
        "en": "Not set (server admins choose follows) · `/catalogue curators` to choose one",
        "ko": "정하지 않음 (서버 관리자가 고릅니다) · `/카탈로그 큐레이터`로 정하세요",
    },
    "card.server.footer": {
        "en": "Only members with Manage Server see and change these",
        "ko": "서버 관리 권한이 있는 멤버만 보고 바꿀 수 있습니다",
    },
    # No member slows the others: a channel Discord refused is paused (bot/airing/scheduler.py).
    "card.server.announce_paused": {
        "en": "\n**Paused**: Discord refused the channel ({reason}). Give the bot access to it (or choose another), "
        "then set `/announce` again to resume.",
        "ko": "\n**일시 중지됨**: Discord가 이 채널을 거부했어요 ({reason}). 봇이 채널에 접근할 수 있게 하거나 "
        "다른 채널을 고른 뒤 `/알림채널`을 다시 설정하면 다시 시작합니다.",
    },
}

# Command, group and option names.
NAMES_KO: dict[str, str] = {
    "schedule": "방영표",
    "announce": "알림채널",
    "follow": "팔로우",
    "unfollow": "언팔로우",
    "remind": "알림",
    "on": "켜기",
    "off": "끄기",
    "days": "일수",
    "scope": "범위",
    "channel": "채널",
    "thread": "스레드",
    "delay_hours": "지연시간",
    # /server
    "server": "서버",
    "settings": "설정",
    "region-clear": "지역-해제",
}

# Descriptions and choice names.
TEXTS_KO: dict[str, str] = {
    "Episodes airing in the coming days, in your own time zone.": "앞으로 며칠 동안 방영되는 회차 (내 시간대로).",
    "How many days ahead, 1 to 14 (default 7)": "며칠 앞까지, 1~14 (기본 7)",
    "The dramas this server follows, or all": "이 서버가 팔로우하는 드라마, 또는 전체",
    "Followed by this server": "이 서버가 팔로우하는 드라마",
    "All dramas": "모든 드라마",
    "Choose the channel for new-episode announcements.": "새 회차 알림을 올릴 채널을 정합니다.",
    "The channel to post in": "알림을 올릴 채널",
    "Open an 'Episode N discussion' thread under each post (spoilers)": "알림마다 'N화 토론' 스레드 열기 (스포일러용)",
    "Wait this many hours after airing, 0 to 48 (e.g. for subtitles)": "방영 후 기다릴 시간, 0~48 (예: 자막을 기다릴 때)",
    "Announce a drama's new episodes in this server.": "이 서버에 드라마의 새 회차를 알립니다.",
    "Stop announcing a drama's new episodes.": "드라마의 새 회차 알림을 그만둡니다.",
    "A direct message when a new episode airs.": "새 회차가 방영되면 DM으로 알려 줍니다.",
    "Get a direct message when a drama's new episode airs.": "드라마의 새 회차가 방영되면 DM을 받습니다.",
    "Stop the direct messages for a drama.": "드라마의 DM 알림을 끕니다.",
    # /server
    "This server's settings: its region, announcements and curators.": "이 서버의 설정: 지역, 알림, 큐레이터.",
    "Show this server's settings.": "이 서버의 설정을 봅니다.",
    "Set this server's region: announcements show where to watch there.": "이 서버의 지역을 정합니다: 알림에 그곳에서 볼 수 있는 곳이 나옵니다.",
    "The country: a code such as KR or a name such as Korea or 한국": "나라: KR 같은 코드나 한국, Korea 같은 이름",
    "Clear this server's region.": "이 서버의 지역을 지웁니다.",
}

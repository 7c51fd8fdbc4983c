-- 0006 (PostgreSQL): airing dramas (issue 13). Episodes get their air date and local air time (HH:MM in the
-- broadcast zone of the drama's country, bot/airing.py); servers choose an announcement channel and
-- follow dramas; members ask for reminders; the announcement ledger makes each post happen once.

ALTER TABLE episodes ADD COLUMN air_date date;   -- YYYY-MM-DD, local to the broadcast zone
ALTER TABLE episodes ADD COLUMN air_time text;   -- HH:MM local, when known
CREATE INDEX episodes_air_date ON episodes(air_date) WHERE air_date IS NOT NULL;

CREATE TABLE announce_settings (
    guild_id     bigint PRIMARY KEY,
    channel_id   bigint NOT NULL,
    thread       INTEGER NOT NULL DEFAULT 0 CHECK (thread IN (0, 1)),
    delay_hours  INTEGER NOT NULL DEFAULT 0 CHECK (delay_hours BETWEEN 0 AND 48),
    set_by       bigint,
    updated_at   timestamptz NOT NULL
);

CREATE TABLE follows (
    guild_id     bigint NOT NULL,
    drama_id     bigint NOT NULL REFERENCES dramas(id) ON DELETE CASCADE,
    followed_by  bigint,
    created_at   timestamptz NOT NULL,
    PRIMARY KEY (guild_id, drama_id)
);
CREATE INDEX follows_drama ON follows(drama_id);

CREATE TABLE reminders (
    user_id      bigint NOT NULL,
    drama_id     bigint NOT NULL REFERENCES dramas(id) ON DELETE CASCADE,
    paused       INTEGER NOT NULL DEFAULT 0 CHECK (paused IN (0, 1)),   -- DMs closed (50007)
    tell         INTEGER NOT NULL DEFAULT 0 CHECK (tell IN (0, 1)),     -- tell them next time they use the bot
    locale       TEXT    NOT NULL DEFAULT 'en',                         -- the language of the DMs ('en', 'ko')
    created_at   timestamptz NOT NULL,
    PRIMARY KEY (user_id, drama_id)
);
CREATE INDEX reminders_drama ON reminders(drama_id) WHERE paused = 0;

-- One row per post to make: key 'announce:<guild>:<drama>:<episode>', 'remind:<user>:<drama>:<episode>'
-- or 'digest:<guild>:<n>'. Episodes gathered into a digest have their own 'announce:' row with state
-- 'digest' and `via` = the digest's key, so (guild, drama, episode) stays unique whichever way it went.
CREATE TABLE announcements (
    key          TEXT    PRIMARY KEY,
    kind         TEXT    NOT NULL CHECK (kind IN ('announce', 'digest', 'remind')),
    guild_id     bigint,
    user_id      bigint,
    channel_id   bigint,
    drama_id     bigint REFERENCES dramas(id) ON DELETE CASCADE,
    episode      INTEGER,
    thread       INTEGER NOT NULL DEFAULT 0,
    via          TEXT,
    state        TEXT    NOT NULL DEFAULT 'pending'
                 CHECK (state IN ('pending', 'digest', 'done', 'skipped', 'paused', 'failed')),
    open_attempts INTEGER NOT NULL DEFAULT 0,   -- attempts begun whose outcome is not known
    lease_until  timestamptz,                          -- a process is posting it until then
    message_id   bigint,
    thread_id    bigint,
    detail       TEXT,
    created_at   timestamptz NOT NULL,
    finished_at  timestamptz
);
CREATE INDEX announcements_open ON announcements(state) WHERE state = 'pending';
CREATE INDEX announcements_guild ON announcements(guild_id, drama_id) WHERE guild_id IS NOT NULL;
CREATE INDEX announcements_via ON announcements(via) WHERE via IS NOT NULL;

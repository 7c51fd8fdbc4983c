-- 0020: a server's own time zone (/server timezone), and the
-- watch parties /watchparty scheduled, so the bot asks "How was episode N?" once after each.
-- guild_settings.timezone: an IANA name ("Asia/Seoul"); NULL: the region's zone (bot/events/zones.py).
ALTER TABLE guild_settings ADD COLUMN timezone TEXT CHECK (timezone IS NULL OR length(timezone) BETWEEN 1 AND 64);
-- watch_parties: one Discord scheduled event each. posted: 0 waiting, 1 asked (or being asked: claimed in one
-- UPDATE before the post, so a second process never posts it again), 2 not asked (the event was cancelled or
-- deleted, or the channel refused). created_by holds a user id: /privacy delete-my-data clears it
-- (bot/store/erasure.py); the party itself belongs to the server.
CREATE TABLE watch_parties (
    event_id    INTEGER PRIMARY KEY,
    guild_id    INTEGER NOT NULL,
    channel_id  INTEGER NOT NULL,                 -- where the follow-up is posted (/watchparty's channel)
    drama_id    INTEGER NOT NULL REFERENCES dramas(id),
    episode     INTEGER CHECK (episode IS NULL OR episode >= 1),
    starts_at   TEXT NOT NULL,                    -- ISO 8601 UTC
    ends_at     TEXT NOT NULL,                    -- ISO 8601 UTC: the follow-up is due then
    created_by  INTEGER,
    locale      TEXT NOT NULL DEFAULT 'en',       -- the language of the follow-up (the creator's)
    posted      INTEGER NOT NULL DEFAULT 0 CHECK (posted IN (0, 1, 2))
);
CREATE INDEX watch_parties_due ON watch_parties (ends_at) WHERE posted = 0;

-- 0020 (PostgreSQL): a server's own time zone (/server timezone),
-- and the watch parties /watchparty scheduled, so the bot asks "How was episode N?" once after each. As the
-- SQLite twin.
ALTER TABLE guild_settings ADD COLUMN timezone text CHECK (timezone IS NULL OR length(timezone) BETWEEN 1 AND 64);
-- posted: 0 waiting, 1 asked (claimed in one UPDATE before the post), 2 not asked (cancelled, deleted or
-- refused). created_by holds a user id: /privacy delete-my-data clears it (bot/store/erasure.py).
CREATE TABLE watch_parties (
    event_id    bigint PRIMARY KEY,
    guild_id    bigint NOT NULL,
    channel_id  bigint NOT NULL,
    drama_id    bigint NOT NULL REFERENCES dramas(id),
    episode     integer CHECK (episode IS NULL OR episode >= 1),
    starts_at   timestamptz NOT NULL,
    ends_at     timestamptz NOT NULL,
    created_by  bigint,
    locale      text NOT NULL DEFAULT 'en',
    posted      smallint NOT NULL DEFAULT 0 CHECK (posted IN (0, 1, 2))
);
CREATE INDEX watch_parties_due ON watch_parties (ends_at) WHERE posted = 0;

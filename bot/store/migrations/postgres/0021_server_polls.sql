-- 0021 (PostgreSQL): /pick's server polls. As bot/store/migrations/sqlite/0021.
CREATE TABLE server_polls (
    channel_id    bigint      PRIMARY KEY,
    guild_id      bigint      NOT NULL,
    message_id    bigint,
    drama_ids     text        NOT NULL,
    created_at    timestamptz NOT NULL,
    ends_at       timestamptz NOT NULL,
    lease_until   timestamptz,
    done_at       timestamptz,
    outcome       text CHECK (outcome IS NULL OR outcome IN ('winner', 'no_votes', 'deleted', 'gone')),
    winner_id     bigint,
    posted_winner bigint
);
CREATE INDEX server_polls_due ON server_polls(ends_at) WHERE done_at IS NULL;

CREATE INDEX watchlist_guild_status ON watchlist(guild_id, status, drama_id);

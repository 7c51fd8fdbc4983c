-- 0021: /pick's server polls. At most one open poll per channel (the primary key): its dramas in answer
-- order and when it ends; the poll job (bot/pick/job.py, on the cluster's leader) posts the winner once
-- it ended and settles the row (done_at), leasing it while it works. No member id is kept.
CREATE TABLE server_polls (
    channel_id   INTEGER PRIMARY KEY,
    guild_id     INTEGER NOT NULL,
    message_id   INTEGER,                -- the poll's message; NULL while it is being posted
    drama_ids    TEXT    NOT NULL,       -- comma-separated drama ids, answer 1 first
    created_at   TEXT    NOT NULL,       -- ISO 8601 UTC, the bot's clock
    ends_at      TEXT    NOT NULL,
    lease_until  TEXT,                   -- a process is settling it until then
    done_at      TEXT,                   -- settled (NULL: open, or ended and waiting for the job)
    outcome      TEXT CHECK (outcome IS NULL OR outcome IN ('winner', 'no_votes', 'deleted', 'gone')),
    winner_id    INTEGER,                -- the winning drama (outcome 'winner')
    posted_winner INTEGER                -- the message that announced the result
);
CREATE INDEX server_polls_due ON server_polls(ends_at) WHERE done_at IS NULL;

-- /pick's candidates: one server's Plan to watch entries without reading every list.
CREATE INDEX watchlist_guild_status ON watchlist(guild_id, status, drama_id);

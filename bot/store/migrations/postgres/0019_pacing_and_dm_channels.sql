-- 0019 (PostgreSQL): Discord's global rate limit shared by the bot's processes, and each member's DM
-- channel. pacing_budget: per bot (a hash of its token), the next free request slot ("theoretical arrival
-- time", bot/pacing/): every process claims its slots here in one UPDATE, on the server's clock.
CREATE TABLE pacing_budget (
    bot  text        PRIMARY KEY,
    tat  timestamptz NOT NULL
);
-- dm_channels: the DM channel Discord opened with a member, so reminders open it once, across cycles,
-- restarts and processes. It holds a user id: /privacy delete-my-data deletes the row
-- (bot/store/erasure.py).
CREATE TABLE dm_channels (
    user_id     bigint PRIMARY KEY,
    channel_id  bigint NOT NULL
);

-- 0019: Discord's global rate limit shared by the bot's processes, and each member's DM channel.
-- pacing_budget: per bot (a hash of its token), the next free request slot ("theoretical arrival time",
-- bot/pacing/). Only PostgreSQL shares it between processes; on SQLite (one process) the budget stays in
-- memory and this twin of the PostgreSQL table stays empty.
CREATE TABLE pacing_budget (
    bot  TEXT PRIMARY KEY,
    tat  TEXT NOT NULL   -- ISO 8601 UTC
);
-- dm_channels: the DM channel Discord opened with a member, so reminders open it once, across cycles,
-- restarts and processes. It holds a user id: /privacy delete-my-data deletes the row
-- (bot/store/erasure.py).
CREATE TABLE dm_channels (
    user_id     INTEGER PRIMARY KEY,
    channel_id  INTEGER NOT NULL
);

-- 0017: a server's announcement channel that Discord says the bot cannot use (403 Missing Access or
-- Permissions, 404 Unknown Channel) is paused instead of being tried again every cycle: Discord bans an
-- IP after too many such refused requests. /server settings shows the pause and its reason; setting
-- /announce again resumes it.
ALTER TABLE announce_settings ADD COLUMN paused_at TEXT;      -- when it was paused; NULL: not paused
ALTER TABLE announce_settings ADD COLUMN paused_reason TEXT;  -- what Discord or the channel said

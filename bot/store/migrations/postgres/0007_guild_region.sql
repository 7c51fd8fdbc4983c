-- 0007 (PostgreSQL): a server's region (/server region): the ISO 3166-1 alpha-2 code its members mostly
-- watch from. New-episode announcements show where to watch there, and /where defaults to it. NULL: none
-- set. As the SQLite twin.

ALTER TABLE guild_settings ADD COLUMN region text
    CHECK (region IS NULL OR (length(region) = 2 AND region = upper(region)));

-- 0018: when the TMDB refresh last took each linked drama. The refresh takes followed and reminded
-- dramas every run and the others a bounded batch at a time, those refreshed longest ago (or never)
-- first; a drama whose last episode aired long ago is taken again only after a week (bot/tmdb_bulk.py).
-- A row goes with its drama.
CREATE TABLE tmdb_refreshes (
    drama_id      INTEGER PRIMARY KEY REFERENCES dramas(id) ON DELETE CASCADE,
    refreshed_at  TEXT    NOT NULL   -- ISO 8601 UTC
);

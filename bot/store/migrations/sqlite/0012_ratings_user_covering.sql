-- 0012: a member's drama-level ratings read from the index alone. /profile reads a member's histogram
-- and last five ratings, /match two members' shared scores: with `ratings_user` on (user_id, episode)
-- only, each of a member's rows was a primary-key lookup in the table (1,000 scattered lookups for a
-- member with 1,000 ratings). The index now carries drama_id (already the primary key's first column,
-- so not stored twice), the score and when it was given.
DROP INDEX ratings_user;
CREATE INDEX ratings_user ON ratings(user_id, episode, drama_id, halves, updated_at);

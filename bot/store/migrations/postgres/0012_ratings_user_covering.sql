-- 0012: a member's drama-level ratings read from the index alone (index-only scans). /profile reads a
-- member's histogram and last five ratings, /match two members' shared scores: with `ratings_user` on
-- (user_id, episode) only, each of a member's rows was a heap fetch. The key gains drama_id (so /match
-- probes a member's rows by drama), the score and its time ride along as included columns.
DROP INDEX ratings_user;
CREATE INDEX ratings_user ON ratings(user_id, episode, drama_id) INCLUDE (halves, updated_at);

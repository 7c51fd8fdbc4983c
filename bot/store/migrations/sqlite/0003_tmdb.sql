-- 0003: TMDB. A drama may be linked to a TMDB TV series (the stable key of `import-tmdb`),
-- and /where caches TMDB's watch providers (JustWatch data) per drama with the time fetched.

ALTER TABLE dramas ADD COLUMN tmdb_id INTEGER;
CREATE UNIQUE INDEX dramas_tmdb_id ON dramas(tmdb_id) WHERE tmdb_id IS NOT NULL;

CREATE TABLE tmdb_providers (
    drama_id    INTEGER PRIMARY KEY REFERENCES dramas(id) ON DELETE CASCADE,
    tmdb_id     INTEGER NOT NULL,
    fetched_at  TEXT    NOT NULL,   -- ISO 8601 UTC
    body        TEXT    NOT NULL    -- JSON: {"KR": {"link": ..., "offers": [[service, kind, logo_path], ...]}, ...}
);

-- 0003 (PostgreSQL): TMDB. A drama may be linked to a TMDB TV series (the stable key of `import-tmdb`),
-- and /where caches TMDB's watch providers (JustWatch data) per drama with the time fetched.
-- As bot/migrations/0003 (SQLite); body is jsonb.

ALTER TABLE dramas ADD COLUMN tmdb_id bigint;
CREATE UNIQUE INDEX dramas_tmdb_id ON dramas(tmdb_id) WHERE tmdb_id IS NOT NULL;

CREATE TABLE tmdb_providers (
    drama_id    bigint  PRIMARY KEY REFERENCES dramas(id) ON DELETE CASCADE,
    tmdb_id     bigint  NOT NULL,
    fetched_at  timestamptz NOT NULL,
    body        jsonb   NOT NULL    -- {"KR": {"link": ..., "offers": [[service, kind, logo_path], ...]}, ...}
);

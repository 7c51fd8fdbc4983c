-- 0004: open-data identifiers and airing facts on dramas, and what the bundled catalogue loaded.

ALTER TABLE dramas ADD COLUMN wikidata_id TEXT;      -- Wikidata QID, e.g. Q65258113
ALTER TABLE dramas ADD COLUMN imdb_id TEXT;          -- IMDb title id, e.g. tt10850932
ALTER TABLE dramas ADD COLUMN first_air_date TEXT;   -- ISO date
ALTER TABLE dramas ADD COLUMN status TEXT CHECK (status IS NULL OR status IN ('upcoming', 'airing', 'ended'));
CREATE UNIQUE INDEX dramas_wikidata_id ON dramas(wikidata_id) WHERE wikidata_id IS NOT NULL;
CREATE UNIQUE INDEX dramas_imdb_id ON dramas(imdb_id) WHERE imdb_id IS NOT NULL;

-- One row per drama slug the bundled catalogue (bot/data) has offered to this database:
-- `hash` is the digest of the record as the bundle loaded it, so a later bundle updates only
-- dramas nobody has changed since, and never brings back one that was removed (the slug stays
-- here). NULL: the slug was already taken when the bundle offered it; the bundle never touches it.
CREATE TABLE bundled_dramas (
    slug       TEXT PRIMARY KEY,
    hash       TEXT,
    loaded_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
) WITHOUT ROWID;

-- 0004 (PostgreSQL): open-data identifiers and airing facts on dramas, and what the bundled catalogue
-- loaded. As bot/store/migrations/sqlite/0004; first_air_date is a date, loaded_at a timestamptz.

ALTER TABLE dramas ADD COLUMN wikidata_id text COLLATE "C";      -- Wikidata QID, e.g. Q65258113
ALTER TABLE dramas ADD COLUMN imdb_id text COLLATE "C";          -- IMDb title id, e.g. tt10850932
ALTER TABLE dramas ADD COLUMN first_air_date date;
ALTER TABLE dramas ADD COLUMN status text CHECK (status IS NULL OR status IN ('upcoming', 'airing', 'ended'));
CREATE UNIQUE INDEX dramas_wikidata_id ON dramas(wikidata_id) WHERE wikidata_id IS NOT NULL;
CREATE UNIQUE INDEX dramas_imdb_id ON dramas(imdb_id) WHERE imdb_id IS NOT NULL;

-- One row per drama slug the bundled catalogue (bot/data) has offered to this database: `hash` is the
-- digest of the record as the bundle loaded it (NULL: the slug was already taken; never touched).
CREATE TABLE bundled_dramas (
    slug       text COLLATE "C" PRIMARY KEY,
    hash       text,
    loaded_at  timestamptz NOT NULL DEFAULT now()
);

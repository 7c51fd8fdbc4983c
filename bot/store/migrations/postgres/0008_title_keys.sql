-- 0008 (PostgreSQL): a stored snapshot of the in-memory title index (bot/search.py, bot/store/titles.py), so
-- a process starts without folding, keying and sorting every name of the catalogue (100,000 titles: about
-- 2.7 s of CPU). `rev` is the `catalogue_rev` meta value the snapshot reflects: a snapshot whose rev is not
-- the current one is never used (the index is then built from the names and a new snapshot saved).
-- One row; `data` is TitleIndex.snapshot() (its own format number inside).

CREATE TABLE title_index (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    rev   text    NOT NULL,
    data  bytea   NOT NULL
);

-- Any change to what the index holds drops the snapshot, also one made without the store (by hand, with
-- psql), which does not move `catalogue_rev`. Once per statement.
CREATE FUNCTION title_index_stale() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM title_index;
    RETURN NULL;
END;
$$;

CREATE TRIGGER title_index_names_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON drama_names
    FOR EACH STATEMENT EXECUTE FUNCTION title_index_stale();
CREATE TRIGGER title_index_dramas_changed AFTER UPDATE OF id, slug, title, year OR DELETE OR TRUNCATE ON dramas
    FOR EACH STATEMENT EXECUTE FUNCTION title_index_stale();

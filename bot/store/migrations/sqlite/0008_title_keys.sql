-- 0008: a stored snapshot of the in-memory title index (bot/search.py, bot/store/titles.py), so a
-- process starts without folding, keying and sorting every name of the catalogue (100,000 titles: about
-- 2.7 s of CPU). `rev` is the `catalogue_rev` meta value the snapshot reflects: a snapshot whose rev is
-- not the current one is never used (the index is then built from the names and a new snapshot saved).
-- One row; `data` is TitleIndex.snapshot() (its own format number inside).

CREATE TABLE title_index (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    rev   TEXT    NOT NULL,
    data  BLOB    NOT NULL
);

-- Any change to what the index holds drops the snapshot, also one made without the store (by hand, with
-- the sqlite3 shell), which does not move `catalogue_rev`.
CREATE TRIGGER title_index_names_insert AFTER INSERT ON drama_names BEGIN
    DELETE FROM title_index;
END;
CREATE TRIGGER title_index_names_update AFTER UPDATE ON drama_names BEGIN
    DELETE FROM title_index;
END;
CREATE TRIGGER title_index_names_delete AFTER DELETE ON drama_names BEGIN
    DELETE FROM title_index;
END;
CREATE TRIGGER title_index_dramas_update AFTER UPDATE OF id, slug, title, year ON dramas BEGIN
    DELETE FROM title_index;
END;
CREATE TRIGGER title_index_dramas_delete AFTER DELETE ON dramas BEGIN
    DELETE FROM title_index;
END;

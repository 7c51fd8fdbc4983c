-- 0015 (PostgreSQL): removing a drama hides it instead of deleting it, as bot/store/migrations/sqlite/0015:
-- `hidden_at` is when it was removed (NULL: shown); members' data stays, `restore` clears the column.
-- Reads for members leave hidden dramas out through the partial index below.
ALTER TABLE dramas ADD COLUMN hidden_at timestamptz;
CREATE INDEX dramas_hidden ON dramas(id) WHERE hidden_at IS NOT NULL;

-- The title index leaves hidden dramas out: hiding or restoring one drops the stored snapshot (0008).
CREATE TRIGGER title_index_dramas_hidden AFTER UPDATE OF hidden_at ON dramas
    FOR EACH STATEMENT EXECUTE FUNCTION title_index_stale();

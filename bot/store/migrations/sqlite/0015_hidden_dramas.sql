-- 0015: removing a drama hides it instead of deleting it. `hidden_at` is when it was removed (NULL: shown):
-- members' ratings, lists, reminders, follows and the announcement ledger stay as they were, and
-- `restore` clears the column to bring it all back. Reads for members leave hidden dramas out
-- (`drama_id NOT IN (SELECT id FROM dramas WHERE hidden_at IS NOT NULL)`: this partial index, a handful
-- of rows, answers the subquery).
ALTER TABLE dramas ADD COLUMN hidden_at TEXT;
CREATE INDEX dramas_hidden ON dramas(id) WHERE hidden_at IS NOT NULL;

-- The title index leaves hidden dramas out: hiding or restoring one drops the stored snapshot (0008).
CREATE TRIGGER title_index_dramas_hidden AFTER UPDATE OF hidden_at ON dramas BEGIN
    DELETE FROM title_index;
END;

-- 0014: members' suggested corrections to the shared catalogue, decided by global curators, and the
-- audit's credit to the member whose suggestion a change was.

CREATE TABLE catalogue_suggestions (
    id          INTEGER PRIMARY KEY,
    drama_id    INTEGER NOT NULL REFERENCES dramas(id) ON DELETE CASCADE,
    field       TEXT    NOT NULL,               -- one of the editable fields (bot/catalogue_edits.py)
    value       TEXT,                           -- NULL: clear the field
    note        TEXT,
    user_id     INTEGER NOT NULL,               -- who suggested it
    guild_id    INTEGER,                        -- the server it was suggested from
    status      TEXT    NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'accepted', 'rejected')),
    created_at  TEXT    NOT NULL,
    decided_by  INTEGER,                        -- the curator who accepted or rejected it (NULL: the CLI)
    decided_at  TEXT
);
CREATE INDEX catalogue_suggestions_pending ON catalogue_suggestions(id) WHERE status = 'pending';
CREATE INDEX catalogue_suggestions_user ON catalogue_suggestions(user_id, created_at);
CREATE INDEX catalogue_suggestions_drama ON catalogue_suggestions(drama_id);
CREATE INDEX catalogue_suggestions_decided_by ON catalogue_suggestions(decided_by) WHERE decided_by IS NOT NULL;

ALTER TABLE catalogue_audit ADD COLUMN credit_user_id INTEGER;  -- the member whose suggestion this was
CREATE INDEX catalogue_audit_credit ON catalogue_audit(credit_user_id) WHERE credit_user_id IS NOT NULL;

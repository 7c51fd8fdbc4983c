-- 0016: erasing a member (/privacy delete-my-data, bot/store/erasure.py) keeps the catalogue changes they
-- made and drops who made them: catalogue_audit.actor_id becomes nullable (NULL: an erased member; 0 is
-- still the command line). SQLite cannot drop NOT NULL in place, so the column is made again (renamed,
-- added, copied, dropped: the other columns are left as they are, whatever a later migration added) and
-- ends up last, which nothing depends on (rows are read and copied by column name).
-- Erasure finds a member's rows by these columns: the reminders' ledger records and the audit get an
-- index each, partial, as most rows have no member (posts to channels, the command line's changes).

ALTER TABLE catalogue_audit RENAME COLUMN actor_id TO actor_id_before_0016;
ALTER TABLE catalogue_audit ADD COLUMN actor_id INTEGER;   -- Discord user id (0: the command line, NULL: erased)
UPDATE catalogue_audit SET actor_id = actor_id_before_0016;
ALTER TABLE catalogue_audit DROP COLUMN actor_id_before_0016;
CREATE INDEX catalogue_audit_actor ON catalogue_audit(actor_id) WHERE actor_id IS NOT NULL;

CREATE INDEX announcements_user ON announcements(user_id) WHERE user_id IS NOT NULL;

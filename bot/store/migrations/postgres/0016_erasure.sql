-- 0016 (PostgreSQL): erasing a member (/privacy delete-my-data, bot/store/erasure.py) keeps the catalogue
-- changes they made and drops who made them: catalogue_audit.actor_id becomes nullable (NULL: an erased
-- member; 0 is still the command line). As bot/store/migrations/sqlite/0016 (where the column is made
-- again and ends up last; here it keeps its place).
-- Erasure finds a member's rows by these columns: the reminders' ledger records and the audit get an
-- index each, partial, as most rows have no member (posts to channels, the command line's changes).

ALTER TABLE catalogue_audit ALTER COLUMN actor_id DROP NOT NULL;
CREATE INDEX catalogue_audit_actor ON catalogue_audit(actor_id) WHERE actor_id IS NOT NULL;

CREATE INDEX announcements_user ON announcements(user_id) WHERE user_id IS NOT NULL;

-- 0002: who changed the catalogue from Discord (or the CLI), and per-server settings
-- (the curator role).

CREATE TABLE catalogue_audit (
    id          INTEGER PRIMARY KEY,
    at          TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    actor_id    INTEGER NOT NULL,               -- Discord user id (0: the command line)
    actor_name  TEXT,
    guild_id    INTEGER,
    action      TEXT    NOT NULL,               -- add, edit, episode, where-add, where-remove, remove, curators ...
    subject     TEXT    NOT NULL,               -- the drama's slug, or "guild:<id>" for settings
    before      TEXT,                           -- JSON, NULL when there was nothing before
    after       TEXT                            -- JSON, NULL when it was removed
);
CREATE INDEX catalogue_audit_subject ON catalogue_audit(subject, id);

CREATE TABLE guild_settings (
    guild_id         INTEGER PRIMARY KEY,
    curator_role_id  INTEGER
);

-- 0001: the catalogue (dramas, names, episodes, availability), community ratings
-- with maintained aggregates, and a small key/value table for bot state.

CREATE TABLE dramas (
    id              INTEGER PRIMARY KEY,
    slug            TEXT    NOT NULL UNIQUE,
    title           TEXT    NOT NULL,
    native_title    TEXT,
    country         TEXT,
    year            INTEGER,
    episode_count   INTEGER NOT NULL CHECK (episode_count >= 1),
    network         TEXT,
    genres          TEXT    NOT NULL DEFAULT '[]',   -- JSON array of strings
    synopsis        TEXT,
    poster_url      TEXT,
    critic_score    REAL    CHECK (critic_score IS NULL OR critic_score BETWEEN 0 AND 5),
    critic_summary  TEXT,
    critic_verdict  TEXT,
    created_at      TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at      TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

-- Every name a drama is known by: its title, native title and aliases.
-- `folded` is the normalised form (NFKC, case-folded, single spaces) used for lookups.
CREATE TABLE drama_names (
    drama_id  INTEGER NOT NULL REFERENCES dramas(id) ON DELETE CASCADE,
    kind      TEXT    NOT NULL CHECK (kind IN ('title', 'native', 'alias')),
    name      TEXT    NOT NULL,
    folded    TEXT    NOT NULL,
    UNIQUE (drama_id, folded)
);
CREATE INDEX drama_names_folded ON drama_names(folded);

CREATE TABLE episodes (
    drama_id      INTEGER NOT NULL REFERENCES dramas(id) ON DELETE CASCADE,
    number        INTEGER NOT NULL CHECK (number >= 1),
    critic_score  REAL    CHECK (critic_score IS NULL OR critic_score BETWEEN 0 AND 5),
    title         TEXT,
    note          TEXT,
    PRIMARY KEY (drama_id, number)
) WITHOUT ROWID;

CREATE TABLE availability (
    id          INTEGER PRIMARY KEY,
    drama_id    INTEGER NOT NULL REFERENCES dramas(id) ON DELETE CASCADE,
    service     TEXT    NOT NULL,
    kind        TEXT    NOT NULL CHECK (kind IN ('subscription', 'free', 'ads', 'rent', 'buy')),
    regions     TEXT    NOT NULL DEFAULT '',   -- comma-separated ISO 3166-1 alpha-2; '' = not known yet
    url         TEXT,
    checked_on  TEXT,                           -- ISO date
    UNIQUE (drama_id, service, kind)
);

-- One score per user per drama (episode 0) and per episode. guild_id is where it was
-- given (NULL in DMs). Scores are stored in half-stars (1..10) so sums stay exact.
CREATE TABLE ratings (
    drama_id    INTEGER NOT NULL REFERENCES dramas(id) ON DELETE CASCADE,
    episode     INTEGER NOT NULL DEFAULT 0 CHECK (episode >= 0),
    user_id     INTEGER NOT NULL,
    guild_id    INTEGER,
    halves      INTEGER NOT NULL CHECK (halves BETWEEN 1 AND 10),
    created_at  TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at  TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    PRIMARY KEY (drama_id, episode, user_id)
) WITHOUT ROWID;

-- Maintained aggregates so a card never scans ratings: one row per
-- (drama, episode, scope) where scope is a guild id, or 0 for everyone.
CREATE TABLE rating_totals (
    drama_id  INTEGER NOT NULL REFERENCES dramas(id) ON DELETE CASCADE,
    episode   INTEGER NOT NULL,
    scope     INTEGER NOT NULL,
    n         INTEGER NOT NULL,
    halves    INTEGER NOT NULL,
    PRIMARY KEY (drama_id, scope, episode)
) WITHOUT ROWID;

CREATE TRIGGER ratings_after_insert AFTER INSERT ON ratings BEGIN
    INSERT INTO rating_totals (drama_id, episode, scope, n, halves)
        VALUES (NEW.drama_id, NEW.episode, 0, 1, NEW.halves)
        ON CONFLICT (drama_id, scope, episode) DO UPDATE SET n = n + 1, halves = halves + excluded.halves;
    INSERT INTO rating_totals (drama_id, episode, scope, n, halves)
        SELECT NEW.drama_id, NEW.episode, NEW.guild_id, 1, NEW.halves WHERE NEW.guild_id IS NOT NULL
        ON CONFLICT (drama_id, scope, episode) DO UPDATE SET n = n + 1, halves = halves + excluded.halves;
END;

CREATE TRIGGER ratings_after_delete AFTER DELETE ON ratings BEGIN
    UPDATE rating_totals SET n = n - 1, halves = halves - OLD.halves
        WHERE drama_id = OLD.drama_id AND episode = OLD.episode
          AND (scope = 0 OR scope = OLD.guild_id);
END;

CREATE TRIGGER ratings_after_update AFTER UPDATE OF halves, guild_id ON ratings BEGIN
    UPDATE rating_totals SET n = n - 1, halves = halves - OLD.halves
        WHERE drama_id = OLD.drama_id AND episode = OLD.episode
          AND (scope = 0 OR scope = OLD.guild_id);
    INSERT INTO rating_totals (drama_id, episode, scope, n, halves)
        VALUES (NEW.drama_id, NEW.episode, 0, 1, NEW.halves)
        ON CONFLICT (drama_id, scope, episode) DO UPDATE SET n = n + 1, halves = halves + excluded.halves;
    INSERT INTO rating_totals (drama_id, episode, scope, n, halves)
        SELECT NEW.drama_id, NEW.episode, NEW.guild_id, 1, NEW.halves WHERE NEW.guild_id IS NOT NULL
        ON CONFLICT (drama_id, scope, episode) DO UPDATE SET n = n + 1, halves = halves + excluded.halves;
END;

CREATE TABLE meta (
    key    TEXT PRIMARY KEY,
    value  TEXT NOT NULL
) WITHOUT ROWID;

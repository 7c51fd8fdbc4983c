-- 0005: members' watch lists (status and episode progress per drama) and their privacy settings.

-- One row per member per drama on their list. guild_id is the server where it was last set (NULL in
-- DMs), for "Here: 3 watching" on the server's /review card. progress: the last episode watched.
CREATE TABLE watchlist (
    user_id     INTEGER NOT NULL,
    drama_id    INTEGER NOT NULL REFERENCES dramas(id) ON DELETE CASCADE,
    guild_id    INTEGER,
    status      TEXT    NOT NULL
                CHECK (status IN ('watching', 'completed', 'plan', 'on_hold', 'dropped')),
    progress    INTEGER NOT NULL DEFAULT 0 CHECK (progress >= 0),
    updated_at  TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    PRIMARY KEY (user_id, drama_id)
) WITHOUT ROWID;
CREATE INDEX watchlist_drama ON watchlist(drama_id, guild_id, status);

-- Rating episode N raises the member's progress to N when lower, and puts the drama on their list as
-- Watching when it is not on it: in the rating's own transaction (and savepoint), whoever wrote it.
CREATE TRIGGER ratings_raise_progress_insert AFTER INSERT ON ratings WHEN NEW.episode > 0 BEGIN
    INSERT INTO watchlist (user_id, drama_id, guild_id, status, progress)
        VALUES (NEW.user_id, NEW.drama_id, NEW.guild_id, 'watching', NEW.episode)
        ON CONFLICT (user_id, drama_id) DO UPDATE SET progress = excluded.progress,
            updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
        WHERE excluded.progress > progress;
END;

CREATE TRIGGER ratings_raise_progress_update AFTER UPDATE OF halves, guild_id ON ratings
WHEN NEW.episode > 0 BEGIN
    INSERT INTO watchlist (user_id, drama_id, guild_id, status, progress)
        VALUES (NEW.user_id, NEW.drama_id, NEW.guild_id, 'watching', NEW.episode)
        ON CONFLICT (user_id, drama_id) DO UPDATE SET progress = excluded.progress,
            updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
        WHERE excluded.progress > progress;
END;

-- A member's settings: list_private hides their watch list, profile and match from others.
CREATE TABLE member_settings (
    user_id       INTEGER PRIMARY KEY,
    list_private  INTEGER NOT NULL DEFAULT 0 CHECK (list_private IN (0, 1))
);

-- Every rating of one member (/match, /profile, delete-my-data) without scanning all ratings.
CREATE INDEX ratings_user ON ratings(user_id, episode);

-- /top: one scope's drama-level totals without reading every total (covering on SQLite).
CREATE INDEX rating_totals_scope ON rating_totals(scope, episode, drama_id, n, halves);

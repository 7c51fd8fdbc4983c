-- 0005 (PostgreSQL): members' watch lists and privacy settings. As bot/store/migrations/sqlite/0005.

CREATE TABLE watchlist (
    user_id     bigint  NOT NULL,
    drama_id    bigint  NOT NULL REFERENCES dramas(id) ON DELETE CASCADE,
    guild_id    bigint,
    status      text    NOT NULL
                CHECK (status IN ('watching', 'completed', 'plan', 'on_hold', 'dropped')),
    progress    integer NOT NULL DEFAULT 0 CHECK (progress >= 0),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, drama_id)
);
CREATE INDEX watchlist_drama ON watchlist(drama_id, guild_id, status);

-- Rating episode N raises the member's progress to N when lower, and puts the drama on their list as
-- Watching when it is not on it: in the rating's own transaction, whoever wrote it.
CREATE FUNCTION ratings_raise_progress() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO watchlist AS w (user_id, drama_id, guild_id, status, progress)
        VALUES (NEW.user_id, NEW.drama_id, NEW.guild_id, 'watching', NEW.episode)
        ON CONFLICT (user_id, drama_id) DO UPDATE SET progress = excluded.progress, updated_at = now()
        WHERE w.progress < excluded.progress;
    RETURN NULL;
END
$$;

CREATE TRIGGER ratings_raise_progress AFTER INSERT OR UPDATE OF halves, guild_id ON ratings
    FOR EACH ROW WHEN (NEW.episode > 0) EXECUTE FUNCTION ratings_raise_progress();

CREATE TABLE member_settings (
    user_id       bigint  PRIMARY KEY,
    list_private  boolean NOT NULL DEFAULT false
);

-- Every rating of one member (/match, /profile, delete-my-data) without scanning all ratings.
CREATE INDEX ratings_user ON ratings(user_id, episode);

-- /top: one scope's drama-level totals without reading every total (covering on SQLite).
CREATE INDEX rating_totals_scope ON rating_totals(scope, episode, drama_id, n, halves);

-- 0013 (PostgreSQL): each rating_totals row carries its drama's country (/top's country filter reads the
-- column instead of checking each drama against the country's dramas). As bot/store/migrations/sqlite/0013:
-- the column is copied from dramas when a totals row is first inserted and rewritten when the drama's
-- country changes; the scope's index (0005) gains it last.

ALTER TABLE rating_totals ADD COLUMN country text;

DROP INDEX rating_totals_scope;
UPDATE rating_totals t SET country = d.country FROM dramas d WHERE d.id = t.drama_id;
CREATE INDEX rating_totals_scope ON rating_totals(scope, episode, drama_id, n, halves, country);

-- As 0001's, with the country: an existing row (the usual case) is one UPDATE, as the upsert was; only a
-- new row reads the drama's country (the upsert after it still adds up exactly when another transaction
-- inserts the same row meanwhile: ON CONFLICT waits for it). Lock order unchanged: the "everyone" row of a
-- (drama, episode) first.
CREATE OR REPLACE FUNCTION ratings_maintain_totals() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        UPDATE rating_totals SET n = n - 1, halves = halves - OLD.halves
            WHERE drama_id = OLD.drama_id AND episode = OLD.episode AND scope = 0;
        IF OLD.guild_id IS NOT NULL THEN
            UPDATE rating_totals SET n = n - 1, halves = halves - OLD.halves
                WHERE drama_id = OLD.drama_id AND episode = OLD.episode AND scope = OLD.guild_id;
        END IF;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        UPDATE rating_totals SET n = n + 1, halves = halves + NEW.halves
            WHERE drama_id = NEW.drama_id AND episode = NEW.episode AND scope = 0;
        IF NOT FOUND THEN
            INSERT INTO rating_totals AS t (drama_id, episode, scope, n, halves, country)
                VALUES (NEW.drama_id, NEW.episode, 0, 1, NEW.halves,
                        (SELECT d.country FROM dramas d WHERE d.id = NEW.drama_id))
                ON CONFLICT (drama_id, scope, episode)
                DO UPDATE SET n = t.n + 1, halves = t.halves + excluded.halves;
        END IF;
        IF NEW.guild_id IS NOT NULL THEN
            UPDATE rating_totals SET n = n + 1, halves = halves + NEW.halves
                WHERE drama_id = NEW.drama_id AND episode = NEW.episode AND scope = NEW.guild_id;
            IF NOT FOUND THEN
                INSERT INTO rating_totals AS t (drama_id, episode, scope, n, halves, country)
                    VALUES (NEW.drama_id, NEW.episode, NEW.guild_id, 1, NEW.halves,
                            (SELECT d.country FROM dramas d WHERE d.id = NEW.drama_id))
                    ON CONFLICT (drama_id, scope, episode)
                    DO UPDATE SET n = t.n + 1, halves = t.halves + excluded.halves;
            END IF;
        END IF;
    END IF;
    RETURN NULL;
END
$$;

-- A drama's new country moves its totals with it (every scope, every episode).
CREATE FUNCTION dramas_country_totals() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE rating_totals SET country = NEW.country WHERE drama_id = NEW.id;
    RETURN NULL;
END
$$;

CREATE TRIGGER dramas_country_totals AFTER UPDATE OF country ON dramas
    FOR EACH ROW WHEN (OLD.country IS DISTINCT FROM NEW.country) EXECUTE FUNCTION dramas_country_totals();

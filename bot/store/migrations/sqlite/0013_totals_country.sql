-- 0013: /top's country filter without a list. Each rating_totals row carries its drama's country, kept by
-- the triggers: copied from dramas when the row is first inserted, rewritten when the drama's country
-- changes (catalogue edits, TMDB import, curation all UPDATE dramas). The scope's covering index (0005)
-- gains the column last: a country filter reads it with the row instead of checking each drama against
-- the country's dramas (a list built per statement), and the index keeps its order, so a year's or a
-- genre's dramas still probe it one by one. (A second index with country before drama_id, a range per
-- country, cost 12-20% of the store's rating throughput: it is rewritten on every change of a total.)

ALTER TABLE rating_totals ADD COLUMN country TEXT;

DROP INDEX rating_totals_scope;
UPDATE rating_totals SET country = (SELECT d.country FROM dramas d WHERE d.id = rating_totals.drama_id);
CREATE INDEX rating_totals_scope ON rating_totals(scope, episode, drama_id, n, halves, country);

-- A row's country is looked up only when the row is new: the UPDATE finds the row (the usual case), or the
-- INSERT that follows it runs (changes() is the UPDATE's count: each statement of a trigger sets it) and
-- reads the drama's country. One writer at a time on SQLite, so nothing comes in between.
DROP TRIGGER ratings_after_insert;
CREATE TRIGGER ratings_after_insert AFTER INSERT ON ratings BEGIN
    UPDATE rating_totals SET n = n + 1, halves = halves + NEW.halves
        WHERE drama_id = NEW.drama_id AND scope = 0 AND episode = NEW.episode;
    INSERT INTO rating_totals (drama_id, episode, scope, n, halves, country)
        SELECT NEW.drama_id, NEW.episode, 0, 1, NEW.halves,
               (SELECT d.country FROM dramas d WHERE d.id = NEW.drama_id)
        WHERE changes() = 0;
    UPDATE rating_totals SET n = n + 1, halves = halves + NEW.halves
        WHERE NEW.guild_id IS NOT NULL
          AND drama_id = NEW.drama_id AND scope = NEW.guild_id AND episode = NEW.episode;
    INSERT INTO rating_totals (drama_id, episode, scope, n, halves, country)
        SELECT NEW.drama_id, NEW.episode, NEW.guild_id, 1, NEW.halves,
               (SELECT d.country FROM dramas d WHERE d.id = NEW.drama_id)
        WHERE NEW.guild_id IS NOT NULL AND changes() = 0;
END;

DROP TRIGGER ratings_after_update;
CREATE TRIGGER ratings_after_update AFTER UPDATE OF halves, guild_id ON ratings BEGIN
    UPDATE rating_totals SET n = n - 1, halves = halves - OLD.halves
        WHERE drama_id = OLD.drama_id AND episode = OLD.episode
          AND (scope = 0 OR scope = OLD.guild_id);
    UPDATE rating_totals SET n = n + 1, halves = halves + NEW.halves
        WHERE drama_id = NEW.drama_id AND scope = 0 AND episode = NEW.episode;
    INSERT INTO rating_totals (drama_id, episode, scope, n, halves, country)
        SELECT NEW.drama_id, NEW.episode, 0, 1, NEW.halves,
               (SELECT d.country FROM dramas d WHERE d.id = NEW.drama_id)
        WHERE changes() = 0;
    UPDATE rating_totals SET n = n + 1, halves = halves + NEW.halves
        WHERE NEW.guild_id IS NOT NULL
          AND drama_id = NEW.drama_id AND scope = NEW.guild_id AND episode = NEW.episode;
    INSERT INTO rating_totals (drama_id, episode, scope, n, halves, country)
        SELECT NEW.drama_id, NEW.episode, NEW.guild_id, 1, NEW.halves,
               (SELECT d.country FROM dramas d WHERE d.id = NEW.drama_id)
        WHERE NEW.guild_id IS NOT NULL AND changes() = 0;
END;

-- A drama's new country moves its totals with it (every scope, every episode: a prefix of the primary key).
CREATE TRIGGER dramas_country_totals AFTER UPDATE OF country ON dramas
WHEN NEW.country IS NOT OLD.country BEGIN
    UPDATE rating_totals SET country = NEW.country WHERE drama_id = NEW.id;
END;

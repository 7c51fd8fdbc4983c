-- 0009 (PostgreSQL): a batch of ratings in one statement (bot/store/pg_ratings.py calls it on its own,
-- so its implicit transaction is the batch's): one round trip instead of BEGIN, five statements and
-- COMMIT. The SQLite twin has nothing to add (its batches run in-process).
--
-- In: the batch's keys, each once, sorted by (drama, episode, user), with the guild and score that stay
-- (the last given); and the totals the answers show, each once: (drama, episode, scope) with scope 0
-- (everyone) or a guild id.
-- Out, one row per:
--   kind 0: a key that had a score: (drama, episode, user, previous halves, NULL)
--   kind 1: a total of a (drama, episode) rated: (drama, episode, scope, n, halves)
--   kind 2: a key refused: (drama, episode, user, 1 = no such drama | 2 = no such episode, episode count)
-- Steps as before in Python: the dramas FOR KEY SHARE (none removed under the batch); the stored scores
-- FOR UPDATE in key order; one INSERT ... ON CONFLICT DO NOTHING for the keys without one (a key another
-- transaction inserted meanwhile is read, and locked, then); one UPDATE for the keys that had one; the
-- totals the triggers left, read back inside the transaction.
CREATE FUNCTION rate_batch(p_d bigint[], p_e integer[], p_u bigint[], p_g bigint[], p_h integer[],
                           p_td bigint[], p_te integer[], p_ts bigint[])
RETURNS TABLE (kind integer, drama_id bigint, episode integer, who bigint, a bigint, b bigint)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    l_id bigint[]; l_count integer[];                                       -- the dramas, locked
    v_d bigint[]; v_e integer[]; v_u bigint[]; v_g bigint[]; v_h integer[];  -- the keys accepted
    c_d bigint[]; c_e integer[]; c_u bigint[]; c_h integer[];               -- ... that had a score
    i_d bigint[]; i_e integer[]; i_u bigint[];                              -- ... inserted now
BEGIN
    SELECT array_agg(d.id), array_agg(d.episode_count) INTO l_id, l_count
      FROM (SELECT id, episode_count FROM dramas WHERE id = ANY(p_d) ORDER BY id FOR KEY SHARE) AS d;
    RETURN QUERY
        SELECT 2, k.d, k.e, k.u, CASE WHEN l.id IS NULL THEN 1::bigint ELSE 2::bigint END, l.n::bigint
          FROM unnest(p_d, p_e, p_u) AS k(d, e, u) LEFT JOIN unnest(l_id, l_count) AS l(id, n) ON l.id = k.d
         WHERE l.id IS NULL OR (k.e <> 0 AND NOT k.e BETWEEN 1 AND l.n);
    SELECT array_agg(k.d ORDER BY k.o), array_agg(k.e ORDER BY k.o), array_agg(k.u ORDER BY k.o),
           array_agg(k.g ORDER BY k.o), array_agg(k.h ORDER BY k.o)
      INTO v_d, v_e, v_u, v_g, v_h
      FROM unnest(p_d, p_e, p_u, p_g, p_h) WITH ORDINALITY AS k(d, e, u, g, h, o)
      JOIN unnest(l_id, l_count) AS l(id, n) ON l.id = k.d
     WHERE k.e = 0 OR k.e BETWEEN 1 AND l.n;
    IF v_d IS NULL THEN
        RETURN;
    END IF;

    SELECT array_agg(s.drama_id), array_agg(s.episode), array_agg(s.user_id), array_agg(s.halves)
      INTO c_d, c_e, c_u, c_h
      FROM (SELECT r.drama_id, r.episode, r.user_id, r.halves FROM ratings r
              JOIN unnest(v_d, v_e, v_u) AS k(d, e, u) ON r.drama_id = k.d AND r.episode = k.e AND r.user_id = k.u
             ORDER BY r.drama_id, r.episode, r.user_id FOR UPDATE OF r) AS s;

    WITH ins AS (
        INSERT INTO ratings (drama_id, episode, user_id, guild_id, halves)
        SELECT k.d, k.e, k.u, k.g, k.h
          FROM unnest(v_d, v_e, v_u, v_g, v_h) AS k(d, e, u, g, h)
          LEFT JOIN unnest(c_d, c_e, c_u) AS c(d, e, u) ON c.d = k.d AND c.e = k.e AND c.u = k.u
         WHERE c.d IS NULL
         ORDER BY k.d, k.e, k.u
        ON CONFLICT (drama_id, episode, user_id) DO NOTHING
        RETURNING ratings.drama_id, ratings.episode, ratings.user_id
    )
    SELECT array_agg(ins.drama_id), array_agg(ins.episode), array_agg(ins.user_id) INTO i_d, i_e, i_u FROM ins;

    RETURN QUERY
        SELECT 0, c.d, c.e, c.u, c.h::bigint, NULL::bigint FROM unnest(c_d, c_e, c_u, c_h) AS c(d, e, u, h);
    IF coalesce(cardinality(i_d), 0) = cardinality(v_d) THEN  -- all new: nothing raced, nothing to update
        RETURN QUERY
            SELECT 1, t.drama_id, t.episode, t.scope, t.n, t.halves
              FROM unnest(p_td, p_te, p_ts) AS w(d, e, s)
              JOIN rating_totals t ON t.drama_id = w.d AND t.scope = w.s AND t.episode = w.e;
        RETURN;
    END IF;

    -- Keys neither stored before nor inserted now: another transaction inserted them after the read
    -- above (ON CONFLICT waited for it to commit). Their scores are the previous ones: read and locked.
    IF coalesce(cardinality(i_d), 0) + coalesce(cardinality(c_d), 0) < cardinality(v_d) THEN
        RETURN QUERY
            SELECT 0, s.drama_id, s.episode, s.user_id, s.halves::bigint, NULL::bigint
              FROM (SELECT r.drama_id, r.episode, r.user_id, r.halves FROM ratings r
                      JOIN unnest(v_d, v_e, v_u) AS k(d, e, u)
                        ON r.drama_id = k.d AND r.episode = k.e AND r.user_id = k.u
                      LEFT JOIN unnest(c_d, c_e, c_u) AS c(d, e, u) ON c.d = k.d AND c.e = k.e AND c.u = k.u
                      LEFT JOIN unnest(i_d, i_e, i_u) AS i(d, e, u) ON i.d = k.d AND i.e = k.e AND i.u = k.u
                     WHERE c.d IS NULL AND i.d IS NULL
                     ORDER BY r.drama_id, r.episode, r.user_id FOR UPDATE OF r) AS s;
    END IF;

    UPDATE ratings AS r SET halves = k.h, guild_id = k.g, updated_at = now()
      FROM unnest(v_d, v_e, v_u, v_g, v_h) AS k(d, e, u, g, h)
      LEFT JOIN unnest(i_d, i_e, i_u) AS i(d, e, u) ON i.d = k.d AND i.e = k.e AND i.u = k.u
     WHERE i.d IS NULL AND r.drama_id = k.d AND r.episode = k.e AND r.user_id = k.u
       AND (r.halves IS DISTINCT FROM k.h OR r.guild_id IS DISTINCT FROM k.g);

    RETURN QUERY
        SELECT 1, t.drama_id, t.episode, t.scope, t.n, t.halves
          FROM unnest(p_td, p_te, p_ts) AS w(d, e, s)
          JOIN rating_totals t ON t.drama_id = w.d AND t.scope = w.s AND t.episode = w.e;
END
$$;

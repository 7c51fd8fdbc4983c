-- 0011: the announcement cycle reads the ledger's rows of the episodes that may be due (recently aired),
-- by (drama, episode), for every server and member at once (bot/store/airing.py `recorded`), instead of
-- every row of each server (one query per server) and every reminder of each member (no index: a scan of
-- the whole ledger, which grows by a row per post).
CREATE INDEX announcements_episode ON announcements(drama_id, episode);

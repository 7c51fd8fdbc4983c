-- 0009 (SQLite): nothing. The PostgreSQL twin adds rate_batch(), one statement per batch of ratings;
-- on SQLite a batch runs in-process on the writer connection (bot/store/sqlite_ratings.py).
SELECT 1;

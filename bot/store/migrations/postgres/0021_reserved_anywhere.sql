-- 0021: reserved for branch 'anywhere' (issue 26); a placeholder on branch 'recommend' so its 0022 has no gap.
-- At merge: drop this file (or renumber 0022 to follow the last migration).
SELECT 1;

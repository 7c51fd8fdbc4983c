-- 0020: reserved for branch 'importer' (issue 26); a placeholder on branch 'recommend' so its 0022 has no gap.
-- At merge: drop this file (the importer's own 0020 takes the number).
SELECT 1;

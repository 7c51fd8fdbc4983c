-- 0020: a placeholder on branch pick only, keeping the numbers without gaps until the branches that own
-- this number are merged. DELETE this file at merge (the real 0020 comes from its own branch).
SELECT 1;

-- 0014: reserved for a parallel branch's migration (replaced by it when the branches meet).
SELECT 1;

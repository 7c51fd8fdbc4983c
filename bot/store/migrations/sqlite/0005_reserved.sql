-- 0005: reserved for a parallel branch (community2). Empty here so 0006 applies on this branch;
-- when that branch's 0005 is merged, delete this file (the loader refuses two files numbered 0005).
SELECT 1;

-- 0016: reserved for a migration of a parallel branch (same issue); this placeholder does nothing and is
-- deleted when that branch is merged, so 0017 (announce_paused) can be applied and tested on its own meanwhile.
SELECT 1;

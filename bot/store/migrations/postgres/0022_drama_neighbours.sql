-- 0022: /recommend's item neighbours (bot/recommend/, bot/store/recommend.py): each drama's top-K most
-- similar dramas, by the scores of the members who rated both, written by the one process that rebuilds
-- them (cluster leader) and read by every process. Replaced as a whole in one transaction; the build's
-- stamp is the meta row 'recommend_neighbours'. No member's id is kept here.
CREATE TABLE drama_neighbours (
    drama_id      bigint           NOT NULL,
    rank          integer          NOT NULL,      -- 0 = the most similar
    neighbour_id  bigint           NOT NULL,
    similarity    double precision NOT NULL,      -- shrunk adjusted cosine, in (0, 1]
    co_raters     integer          NOT NULL,
    PRIMARY KEY (drama_id, rank)
);

"""bot.recommend.knn on tiny hand-made data: the similarity, its shrinkage and the member's scores, against
values worked out by hand (the arithmetic is written out, not computed by the code under test)."""

from __future__ import annotations

import math

import pytest

from bot.recommend import knn

A, B, C, D, V, W, X, Y, Z = 1, 2, 3, 4, 5, 6, 7, 8, 9


def test_baseline_shrinks_a_members_mean_toward_everyones():
    assert knn.baseline(18, 3, 6.0) == 6.0  # (18 + 5·6) / (3 + 5)
    assert knn.baseline(20, 3, 6.0) == 50 / 8  # a member who rates high stays above everyone's mean
    assert knn.baseline(30, 3, 6.0, prior=0) == 10.0  # no prior: their own mean


def test_shrunk_multiplies_the_cosine_by_n_over_n_plus_lambda():
    assert knn.shrunk(4, 6, 2, 3, shrink=1) == 4 / 12 * 3 / 4
    assert knn.shrunk(4, 6, 2, 3, shrink=10) == pytest.approx(1 / 3 * 3 / 13)
    assert knn.shrunk(4, 6, 2, 30, shrink=10) == pytest.approx(1 / 3 * 30 / 40)  # more co-raters, more trust
    assert knn.shrunk(4, 0, 2, 3) == 0.0


def test_build_gives_the_adjusted_cosine_shrunk_by_co_raters():
    # Everyone's mean is 6 half stars; each member has 3 scores summing to 18, so every baseline is 6.
    rows = [(1, A, 10), (1, B, 6), (1, C, 2),  # centred: +4, 0, -4
            (2, A, 8), (2, B, 8), (2, C, 2),   # +2, +2, -4
            (3, A, 2), (3, B, 6), (3, C, 10)]  # -4, 0, +4  # fmt: skip
    built = knn.build(rows, 6.0, shrink=1.0, offset=0.0)
    # A = (4, 2, -4), |A| = 6; B = (0, 2, 0), |B| = 2; A·B = 4: cos = 1/3, three co-raters: × 3/4.
    assert built.of(A) == [(B, 0.25, 3)]
    assert built.of(B) == [(A, 0.25, 3)]
    assert built.of(C) == []  # A·C = -40 and B·C = -8: only positive similarities are kept
    assert built.mean == 6.0 and len(built) == 2


def test_build_counts_scores_from_a_floor_under_the_baseline():
    rows = [(1, A, 10), (1, B, 6), (1, C, 2), (2, A, 8), (2, B, 8), (2, C, 2),
            (3, A, 2), (3, B, 6), (3, C, 10)]  # fmt: skip
    built = knn.build(rows, 6.0, shrink=1.0, offset=4.0)  # 4 half stars added to each centred score
    # A = (8, 6, 0), |A| = 10; B = (4, 6, 4), |B| = √68; C = (0, 0, 8), |C| = 8; three co-raters: × 3/4.
    # A·B = 68: √68/10; B·C = 32: 4/√68; A·C = 0: not a neighbour.
    ab, bc = math.sqrt(68) / 10 * 3 / 4, 4 / math.sqrt(68) * 3 / 4
    assert built.of(A) == [(B, pytest.approx(ab, rel=1e-6), 3)]
    assert built.of(B) == [(A, pytest.approx(ab, rel=1e-6), 3), (C, pytest.approx(bc, rel=1e-6), 3)]
    assert built.of(C) == [(B, pytest.approx(bc, rel=1e-6), 3)]


def test_build_needs_enough_co_raters_keeps_k_and_skips_single_scores():
    rows = [(1, A, 10), (1, B, 10), (1, C, 2),
            (2, A, 10), (2, B, 2), (2, C, 10),
            (3, A, 8), (3, B, 8), (3, C, 2),
            (4, D, 10)]  # one score: pairs with nothing  # fmt: skip
    mean = 6.0
    everything = knn.build(rows, mean, min_co_raters=1)
    assert D not in everything.index
    assert knn.build(rows, mean, min_co_raters=4).index == {}  # three co-raters at most
    one = knn.build(rows, mean, k=1, min_co_raters=1)
    for drama in (A, B, C):
        full = everything.of(drama)
        assert one.of(drama) == full[:1]
        assert [s for _, s, _ in full] == sorted((s for _, s, _ in full), reverse=True)


def _add(n: knn.Neighbours, drama: int, rows: list[tuple[int, float]]) -> None:
    n.add(drama, [(j, s, 3) for j, s in rows])


def test_recommend_scores_ranks_and_gives_reasons():
    n = knn.Neighbours(mean=6.0)
    _add(n, A, [(X, 0.5), (B, 0.5), (Y, 0.25)])
    _add(n, B, [(X, 0.375)])
    _add(n, D, [(Y, 0.75), (W, 0.5), (Z, 0.5)])
    _add(n, W, [(V, 0.625), (Z, 0.25)])
    scores, listed = {A: 10, B: 8, D: 2}, {W: "completed"}
    # baseline = (20 + 5·6) / (3 + 5) = 6.25 half stars; values (r - baseline + 4) / 2 in stars: A 3.875,
    # B 2.875, D -0.125; W, completed: 0 + 2 at half weight.
    # X: (0.5·3.875 + 0.375·2.875) / (0.875 + 2) = 3.015625 / 2.875
    # Y: (0.25·3.875 + 0.75·(-0.125)) / (1 + 2) = 0.875 / 3
    # V: 0.5·0.625·2 / (0.5·0.625 + 2) = 0.625 / 2.3125
    # Z: (0.5·(-0.125) + 0.5·0.25·2) / (0.5 + 0.125 + 2) = 0.1875 / 2.625
    # Reasons: the scores at or above her baseline (A and B, not D) that add most.
    picks = knn.recommend(n, scores, listed, offset=4.0)
    assert picks == [
        knn.Pick(X, 3.015625 / 2.875, ((A, 5.0), (B, 4.0))),
        knn.Pick(Y, 0.875 / 3, ((A, 5.0),)),
        knn.Pick(V, 0.625 / 2.3125, ()),
        knn.Pick(Z, 0.1875 / 2.625, ()),
    ]
    assert knn.recommend(n, scores, listed, allowed={V, Y}, offset=4.0) == [picks[1], picks[2]]
    assert knn.recommend(n, scores, listed, limit=1, offset=4.0) == picks[:1]
    # Only her first two scores rank (D left out; the baseline still counts it): Y from A alone, Z from W.
    assert knn.recommend(n, scores, listed, per_member=2, offset=4.0)[1:] == [
        knn.Pick(Y, 0.25 * 3.875 / (0.25 + 2), ((A, 5.0),)),
        knn.Pick(V, 0.625 / 2.3125, ()),
        knn.Pick(Z, 0.25 * 0.5 * 2 / (0.125 + 2), ()),
    ]
    assert knn.recommend(n, {}, listed) == []  # no score: nothing to centre on (the chart answers instead)
    # Without damping the score is the weighted mean value Σ sim·v / Σ sim.
    assert knn.recommend(n, scores, listed, damping=0.0, offset=4.0)[0].score == 3.015625 / 0.875


def test_dropped_list_entries_push_their_neighbours_down():
    n = knn.Neighbours(mean=6.0)
    _add(n, A, [(X, 0.5)])
    _add(n, W, [(X, 0.5)])
    up = knn.recommend(n, {A: 10}, {}, offset=4.0)[0].score
    down = knn.recommend(n, {A: 10}, {W: "dropped"}, offset=4.0)[0].score
    # A: (10 - (10 + 30) / 6 + 4) / 2 = 11/3 stars; dropped: -2.5 + 2 = -0.5 at half weight
    assert up == pytest.approx(0.5 * 11 / 3 / (0.5 + 2))
    assert down == pytest.approx((0.5 * 11 / 3 - 0.25 * 0.5) / (0.75 + 2))
    assert down < up


def test_rows_give_the_table_and_back():
    built = knn.build([(1, A, 10), (1, B, 6), (1, C, 2), (2, A, 8), (2, B, 8), (2, C, 2),
                       (3, A, 2), (3, B, 6), (3, C, 10)], 6.0, shrink=1.0, offset=0.0)  # fmt: skip
    rows = list(built.rows())
    assert rows == [(A, 0, B, 0.25, 3), (B, 0, A, 0.25, 3)]
    again = knn.Neighbours(mean=6.0)
    again.add(A, [(B, 0.25, 3)])
    again.add(B, [(A, 0.25, 3)])
    assert list(again.rows()) == rows and again.nbytes() == 2 * (8 + 4 + 4)


def test_a_member_pairs_their_first_scores_only_but_their_baseline_counts_all():
    # Member 1's rows come latest first: with per_member=2 only A and B are paired, but the baseline is
    # (10 + 10 + 2 + 5·6) / (3 + 5) = 6.5 over all three. Members 2 and 3: 50/7 and 46/7.
    rows = [(1, A, 10), (1, B, 10), (1, C, 2), (2, A, 10), (2, C, 10), (3, B, 8), (3, C, 8)]
    full = knn.build(rows, 6.0, per_member=100, min_co_raters=1, offset=0.0)
    assert [j for j, _, _ in full.of(A)] == [B]  # A·C < 0: member 1 rated them opposite
    capped = knn.build(rows, 6.0, per_member=2, min_co_raters=1, offset=0.0)
    # In 1/16 half stars: A = (m1 56, m2 46), B = (m1 56, m3 23), C = (m2 46, m3 23) without member 1's C.
    a, b, c = math.hypot(56, 46), math.hypot(56, 23), math.hypot(46, 23)
    assert capped.of(A) == [
        (B, pytest.approx(56 * 56 / (a * b) / 11, rel=1e-6), 1),
        (C, pytest.approx(46 * 46 / (a * c) / 11, rel=1e-6), 1),
    ]

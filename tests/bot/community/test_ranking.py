"""bot.community.ranking: the /top Bayesian average (property tests) and its pages."""

from __future__ import annotations

import random
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.community.ranking import (
    MIN_RATINGS,
    PER_PAGE,
    PRIOR_WEIGHT,
    ScopeTotals,
    Tally,
    bayesian,
    page_bounds,
    paginate,
    rank,
    ranking_page,
)

HALVES = st.integers(min_value=1, max_value=10).map(lambda h: h / 2)
# A scope: drama id -> that drama's individual ratings in the scope.
SCOPES = st.dictionaries(
    st.integers(1, 500), st.lists(HALVES, min_size=1, max_size=30), min_size=1, max_size=30
)


def tallies(scope: dict[int, list[float]]) -> list[Tally]:
    return [Tally(drama_id, len(scores), sum(scores)) for drama_id, scores in scope.items()]


def score_of(chart, drama_id: int) -> float:
    return next(row.score for row in chart.rows if row.drama_id == drama_id)


@given(SCOPES)
def test_single_five_star_vote_is_not_ranked_by_default(scope):
    scope = {**scope, 10_000: [5.0]}
    chart = rank(tallies(scope))
    assert 10_000 not in [row.drama_id for row in chart.rows]
    assert MIN_RATINGS > 1


@given(SCOPES)
def test_single_five_star_vote_cannot_beat_well_rated_dramas_even_when_ranked(scope):
    """With every drama ranked (min_ratings=1), the prior alone keeps one 5-star vote below any
    drama with at least m ratings averaging at least (10 + (m-1)·C) / (m+1): 4.0 when the
    server's mean is 3.5, 4.33 at 4.0."""
    scope = {**scope, 10_000: [5.0]}
    chart = rank(tallies(scope), min_ratings=1)
    m, c = chart.prior_weight, chart.scope_mean
    well_rated = {
        drama_id
        for drama_id, scores in scope.items()
        if len(scores) >= m and sum(scores) / len(scores) >= (10 + (m - 1) * c) / (m + 1)
    }
    order = [row.drama_id for row in chart.rows]
    for drama_id in well_rated:
        assert order.index(drama_id) < order.index(10_000)


def test_one_five_star_vote_does_not_top_a_chart_of_well_rated_dramas():
    rng = random.Random(12)
    scope = {i: [rng.choice([4.0, 4.5, 5.0]) for _ in range(rng.randint(8, 40))] for i in range(1, 21)}
    scope |= {i: [rng.choice([1.0, 2.0, 3.0, 3.5]) for _ in range(rng.randint(1, 40))] for i in range(21, 60)}
    scope[999] = [5.0]
    for min_ratings in (1, MIN_RATINGS):
        chart = rank(tallies(scope), min_ratings=min_ratings)
        assert chart.rows[0].drama_id != 999
        assert all(row.drama_id != 999 for row in chart.rows[:20])


@given(SCOPES, st.data())
def test_adding_five_star_ratings_never_lowers_a_dramas_score(scope, data):
    drama_id = data.draw(st.sampled_from(sorted(scope)))
    before = score_of(rank(tallies(scope), min_ratings=1), drama_id)
    for _ in range(data.draw(st.integers(1, 5))):
        scope = {**scope, drama_id: [*scope[drama_id], 5.0]}
        after = score_of(rank(tallies(scope), min_ratings=1), drama_id)
        assert after >= before - 1e-12
        before = after


@given(SCOPES, st.data())
def test_adding_a_score_above_both_the_dramas_score_and_the_mean_never_lowers_it(scope, data):
    drama_id = data.draw(st.sampled_from(sorted(scope)))
    chart = rank(tallies(scope), min_ratings=1)
    before = score_of(chart, drama_id)
    floor = max(before, chart.scope_mean)
    high = data.draw(HALVES.filter(lambda s: s >= floor))  # floor <= 5: never empty
    after = score_of(rank(tallies({**scope, drama_id: [*scope[drama_id], high]}), min_ratings=1), drama_id)
    assert after >= before - 1e-12


@given(SCOPES, st.floats(0, 50))
def test_scores_stay_within_the_scopes_lowest_and_highest_rating(scope, prior_weight):
    everything = [s for scores in scope.values() for s in scores]
    chart = rank(tallies(scope), prior_weight=prior_weight, min_ratings=1)
    for row in chart.rows:
        assert min(everything) - 1e-9 <= row.score <= max(everything) + 1e-9
        assert min(scope[row.drama_id]) <= row.average <= max(scope[row.drama_id])


@given(SCOPES, st.integers(0, 2**32), st.integers(1, 6))
def test_independent_of_input_order(scope, seed, min_ratings):
    rows = tallies(scope)
    shuffled = rows[:]
    random.Random(seed).shuffle(shuffled)
    assert rank(rows, min_ratings=min_ratings) == rank(shuffled, min_ratings=min_ratings)


@given(SCOPES, st.integers(1, 6))
def test_chart_is_sorted_numbered_and_respects_the_minimum(scope, min_ratings):
    chart = rank(tallies(scope), min_ratings=min_ratings)
    assert [row.rank for row in chart.rows] == list(range(1, len(chart.rows) + 1))
    assert {row.drama_id for row in chart.rows} == {d for d, s in scope.items() if len(s) >= min_ratings}
    assert chart.unranked == sum(1 for s in scope.values() if len(s) < min_ratings)
    assert chart.min_ratings == min_ratings
    keys = [(-round(row.score, 9), -row.count, row.drama_id) for row in chart.rows]
    assert keys == sorted(keys)
    total = sum(sum(s) for s in scope.values())
    assert chart.scope_mean == pytest.approx(total / sum(len(s) for s in scope.values()))


def test_formula_and_tie_breaking():
    # C = (5·4 + 4·5 + 3·5) / 14 = 55/14; dramas 7 and 3 have the same count and sum: a tie, lower id first.
    rows = [Tally(7, 5, 20.0), Tally(3, 5, 20.0), Tally(9, 4, 15.0)]
    chart = rank(rows, prior_weight=PRIOR_WEIGHT)
    c = 55 / 14
    assert chart.scope_mean == pytest.approx(c)
    assert [row.drama_id for row in chart.rows] == [3, 7, 9]
    assert chart.rows[0].score == pytest.approx((20 + 5 * c) / 10)
    assert chart.rows[2].score == pytest.approx(bayesian(4, 15.0, c)) == pytest.approx((15 + 5 * c) / 9)
    # equal score, different counts: the drama with more ratings first
    tied = rank([Tally(1, 2, 8.0), Tally(2, 6, 24.0)], prior_weight=0, min_ratings=1)
    assert [row.drama_id for row in tied.rows] == [2, 1]


def test_empty_scope_and_bad_arguments():
    chart = rank([Tally(1, 0, 0.0)])
    assert (chart.rows, chart.scope_mean, chart.unranked) == ((), None, 0)
    with pytest.raises(ValueError):
        rank([], min_ratings=0)
    with pytest.raises(ValueError):
        rank([], prior_weight=-1)


@given(st.lists(st.integers(), max_size=60), st.integers(-3, 10))
def test_pages_cover_everything_ten_at_a_time(items, page):
    pages = [paginate(items, n) for n in range(1, paginate(items, 1).pages + 1)]
    assert [x for p in pages for x in p.items] == items
    assert all(len(p.items) <= PER_PAGE for p in pages)
    assert all(len(p.items) == PER_PAGE for p in pages[:-1])
    one = paginate(items, page)
    assert 1 <= one.number <= one.pages and one.total == len(items)
    assert one == pages[one.number - 1]
    assert one.number == min(max(page, 1), one.pages)


@given(SCOPES, st.integers(1, 6))
def test_order_is_the_exact_bayesian_order(scope, min_ratings):
    """The ranking's key (bot.community.ranking.order_key, what SQL sorts by too) orders dramas exactly as their
    exact Bayesian averages (fractions, no rounding) do; equal averages by count, then id."""
    chart = rank(tallies(scope), min_ratings=min_ratings)
    n = sum(len(s) for s in scope.values())
    c = Fraction(sum(Fraction(x) for s in scope.values() for x in s), n)
    exact = {d: (sum(Fraction(x) for x in s) + 5 * c) / (len(s) + 5) for d, s in scope.items()}
    keys = [(-exact[row.drama_id], -row.count, row.drama_id) for row in chart.rows]
    assert keys == sorted(keys)


@given(SCOPES, st.integers(1, 6), st.integers(-1, 5))
def test_chart_page_from_ranked_rows_is_the_reference_page(scope, min_ratings, page):
    """ranking_page (the store's fast path: totals + one page of rows in rank order) gives what paginate
    gives over the whole chart."""
    reference = rank(tallies(scope), min_ratings=min_ratings)
    expected = paginate(reference.rows, page)
    eligible = list(reference.rows)
    totals = ScopeTotals(
        sum(len(s) for s in scope.values()),
        int(sum(sum(s) for s in scope.values()) * 2),
        len(scope),
        len(eligible),
    )
    _, _, offset = page_bounds(len(eligible), page)
    shown = [Tally(r.drama_id, r.count, sum(scope[r.drama_id])) for r in eligible[offset : offset + PER_PAGE]]
    chart, got = ranking_page(totals, shown, page, min_ratings=min_ratings)
    assert got == expected
    assert (chart.scope_mean, chart.unranked, chart.min_ratings) == (
        reference.scope_mean,
        reference.unranked,
        reference.min_ratings,
    )


@given(SCOPES, st.data(), st.integers(1, 6))
def test_a_filtered_chart_is_the_scopes_chart_restricted_and_renumbered(scope, data, min_ratings):
    """`within`: the same scores (the whole scope's mean), the same order, ranks 1.. among the kept dramas,
    and the unranked count of the kept dramas only."""
    within = data.draw(st.sets(st.sampled_from(sorted(scope))))
    whole = rank(tallies(scope), min_ratings=min_ratings)
    part = rank(tallies(scope), min_ratings=min_ratings, within=within)
    kept = [row for row in whole.rows if row.drama_id in within]
    assert [(r.drama_id, r.score, r.count) for r in part.rows] == [
        (r.drama_id, r.score, r.count) for r in kept
    ]
    assert [r.rank for r in part.rows] == list(range(1, len(kept) + 1))
    assert part.scope_mean == whole.scope_mean
    assert part.unranked == sum(1 for d, scores in scope.items() if d in within and len(scores) < min_ratings)


@given(SCOPES, st.data(), st.integers(-1, 5))
def test_a_snapshot_page_is_the_reference_page(scope, data, page):
    """bot/store/chartbook.Snapshot (what /top reads) against rank -> paginate, filtered or not: from rows
    the database ranked (ranked dramas first, in order), each with the scope's totals."""
    from bot.store.chartbook import Snapshot

    within = data.draw(st.none() | st.frozensets(st.sampled_from(sorted(scope))))
    rows = [(d, len(scores), int(sum(scores) * 2)) for d, scores in scope.items()]
    ratings, halves = sum(r[1] for r in rows), sum(r[2] for r in rows)
    by_id = {r[0]: r for r in rows}
    ranked = [by_id[row.drama_id] for row in rank(tallies(scope)).rows]  # as the database orders them
    rows = ranked + data.draw(st.permutations([r for r in rows if r[1] < MIN_RATINGS]))
    snap = Snapshot.of([(*r, ratings, halves) for r in rows])
    chart, got = snap.page(within, page)
    reference = rank(tallies(scope), within=within)
    assert got == paginate(reference.rows, page)
    assert (chart.scope_mean, chart.unranked) == (reference.scope_mean, reference.unranked)

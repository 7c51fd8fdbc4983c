"""bot.community.taste: the /match measure. Property tests for every promise in the module docstring."""

from __future__ import annotations

import random
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.community.taste import MIN_SHARED, TASTE_WEIGHT, match, match_halves

HALVES = st.integers(min_value=1, max_value=10).map(lambda h: h / 2)
IDS = st.integers(min_value=1, max_value=60)


@st.composite
def two_members(draw, min_shared: int = 0):
    """Two members' score dicts with at least `min_shared` dramas in common, plus some of their own."""
    shared = draw(st.sets(IDS, min_size=min_shared, max_size=40))
    only_a = draw(st.sets(st.integers(100, 140), max_size=5))
    only_b = draw(st.sets(st.integers(200, 240), max_size=5))
    a = {i: draw(HALVES) for i in sorted(shared | only_a)}
    b = {i: draw(HALVES) for i in sorted(shared | only_b)}
    return a, b


def shuffled(scores: dict[int, float], seed: int) -> dict[int, float]:
    items = list(scores.items())
    random.Random(seed).shuffle(items)
    return dict(items)


@given(two_members(min_shared=MIN_SHARED))
def test_bounded_between_0_and_100(pair):
    a, b = pair
    result = match(a, b)
    assert result.percentage is not None
    assert 0 <= result.percentage <= 100


@given(two_members())
def test_symmetric(pair):
    a, b = pair
    ab, ba = match(a, b), match(b, a)
    assert ab.shared == ba.shared
    assert ab.percentage == ba.percentage
    assert [s.drama_id for s in ab.agree] == [s.drama_id for s in ba.agree]
    assert [s.drama_id for s in ab.differ] == [s.drama_id for s in ba.differ]
    assert [(s.score_a, s.score_b) for s in ab.agree] == [(s.score_b, s.score_a) for s in ba.agree]


@given(st.dictionaries(IDS, HALVES, min_size=MIN_SHARED, max_size=40))
def test_identical_scores_give_100(a):
    result = match(a, dict(a))
    assert result.percentage == 100.0
    assert all(s.disagreement == 0 for s in result.agree + result.differ)


@given(
    st.dictionaries(IDS, st.integers(1, 8).map(lambda h: h / 2), min_size=MIN_SHARED, max_size=40),
    st.sampled_from([0.5, 1.0]),
)
def test_stable_when_one_member_scores_everything_higher(a, step):
    """One step (or two) higher everywhere costs a fixed, small amount, whatever the dramas."""
    b = {i: s + step for i, s in a.items()}
    expected = 100 - (1 - TASTE_WEIGHT) * 100 * step / 4.5
    result = match(a, b)
    assert result.percentage == pytest.approx(expected, abs=0.05)
    assert result.percentage >= 92.5


@given(st.dictionaries(IDS, HALVES, min_size=MIN_SHARED, max_size=40))
def test_one_step_higher_with_clamping_at_five_stays_high(a):
    """The realistic shift: the generous member cannot go above 5, so top scores tie."""
    b = {i: min(5.0, s + 0.5) for i, s in a.items()}
    assert match(a, b).percentage >= 90


@given(two_members(), st.integers(0, 2**32))
def test_order_independent(pair, seed):
    a, b = pair
    assert match(a, b) == match(shuffled(a, seed), shuffled(b, seed + 1))


@given(two_members())
def test_shared_count_and_minimum(pair):
    a, b = pair
    result = match(a, b)
    shared = a.keys() & b.keys()
    assert result.shared == len(shared)
    assert (result.percentage is None) == (len(shared) < MIN_SHARED)
    listed = [s.drama_id for s in result.agree + result.differ]
    assert len(listed) == len(set(listed)), "a drama is listed as both agree and differ"
    assert set(listed) <= shared
    assert len(result.agree) == min(3, len(shared))
    assert len(result.differ) == min(3, len(shared) - len(result.agree))


@given(two_members(min_shared=6))
def test_agree_list_is_more_alike_than_differ_list(pair):
    a, b = pair
    result = match(a, b)
    # disagreements equal up to float noise count as ties (broken by score, then id): compare rounded
    agree = [round(s.disagreement, 9) for s in result.agree]
    differ = [round(s.disagreement, 9) for s in result.differ]
    assert agree == sorted(agree)
    assert differ == sorted(differ, reverse=True)
    assert max(agree) <= min(differ)


def test_a_worked_example():
    a = {1: 5.0, 2: 4.5, 3: 1.0, 4: 3.0, 5: 2.0, 6: 4.0}
    b = {1: 5.0, 2: 4.5, 3: 5.0, 4: 3.0, 5: 2.0, 6: 1.0}
    result = match(a, b)
    # differences a-b: 0, 0, -4, 0, 0, 3 (mean -1/6); e_i = 2/3·|d_i + 1/6| + 1/3·|d_i|
    e = [2 / 3 * abs(d + 1 / 6) + 1 / 3 * abs(d) for d in (0, 0, -4, 0, 0, 3)]
    assert result.percentage == round(100 * (1 - sum(e) / 6 / 4.5), 1) == 72.4
    assert [s.drama_id for s in result.agree] == [1, 2, 4]  # shared favourites first
    assert [s.drama_id for s in result.differ] == [3, 6, 5]


def test_opposite_extremes_are_low_and_disjoint_members_have_nothing_shared():
    a = {i: 5.0 if i % 2 else 0.5 for i in range(10)}
    b = {i: 0.5 if i % 2 else 5.0 for i in range(10)}
    assert match(a, b).percentage == 0.0
    nothing = match({1: 3.0}, {2: 3.0})
    assert (nothing.shared, nothing.percentage, nothing.agree, nothing.differ) == (0, None, (), ())


def test_whole_scores_given_as_int_are_accepted():
    a = {1: 5, 2: 4, 3: 3, 4: 2, 5: 1}
    assert match(a, {k: float(v) for k, v in a.items()}).percentage == 100.0


def test_four_shared_dramas_give_no_percentage_but_five_do():
    a = {i: 3.0 for i in range(5)}
    assert match(a, {i: 3.0 for i in range(4)}).percentage is None
    assert match(a, dict(a)).percentage == 100.0


@pytest.mark.parametrize("bad", [0.0, 5.5, 2.25, -1.0])
def test_rejects_scores_outside_half_stars(bad):
    with pytest.raises(ValueError, match="half stars"):
        match({1: bad}, {1: 3.0})


def _by_full_sort(a: dict[int, float], b: dict[int, float]) -> tuple[list[int], list[int]]:
    """The agree / differ lists as the module docstring states them, by sorting every shared drama."""
    ids = sorted(a.keys() & b.keys())
    mean_a = sum(a[i] for i in ids) / len(ids)
    mean_b = sum(b[i] for i in ids) / len(ids)
    e = {
        i: TASTE_WEIGHT * abs((a[i] - mean_a) - (b[i] - mean_b)) + (1 - TASTE_WEIGHT) * abs(a[i] - b[i])
        for i in ids
    }
    agree = sorted(ids, key=lambda i: (round(e[i], 9), -(a[i] + b[i]), i))[:3]
    rest = [i for i in ids if i not in agree]
    differ = sorted(rest, key=lambda i: (-round(e[i], 9), -abs(a[i] - b[i]), i))[:3]
    return agree, differ


@given(two_members(min_shared=1))
def test_shown_dramas_are_those_a_full_sort_puts_first(pair):
    """match() picks the three of each list without sorting everything: the same dramas, in the same order,
    with their scores, as sorting every shared drama by the documented keys."""
    a, b = pair
    result = match(a, b)
    agree, differ = _by_full_sort(a, b)
    assert [s.drama_id for s in result.agree] == agree
    assert [s.drama_id for s in result.differ] == differ
    assert all((s.score_a, s.score_b) == (a[s.drama_id], b[s.drama_id]) for s in result.agree + result.differ)


@pytest.mark.parametrize("bad", [0.25, 0.0, 5.5, float("nan"), -1.0])
def test_a_score_off_the_half_star_scale_is_refused(bad):
    with pytest.raises(ValueError, match="not 0.5..5 in half stars"):
        match({1: 3.0, 2: bad}, {1: 3.0, 2: 3.0})


def _exact_percentage(a: dict[int, float], b: dict[int, float]) -> Fraction:
    """The module docstring's measure in exact fractions, straight from its definition (means, centred and
    absolute disagreement, the 2/3 blend), rounded to one decimal half to even."""
    ids = sorted(a.keys() & b.keys())
    xs, ys = [Fraction(a[i]) for i in ids], [Fraction(b[i]) for i in ids]
    mean_a, mean_b = sum(xs) / len(ids), sum(ys) / len(ids)
    w = Fraction(2, 3)
    es = [w * abs((x - mean_a) - (y - mean_b)) + (1 - w) * abs(x - y) for x, y in zip(xs, ys, strict=True)]
    return round(100 * (1 - sum(es) / len(ids) / Fraction(9, 2)), 1)


@given(two_members(min_shared=MIN_SHARED))
def test_percentage_is_the_exact_measure_rounded(pair):
    a, b = pair
    assert match(a, b).percentage == float(_exact_percentage(a, b))


@given(two_members(), st.integers(0, 2**32))
def test_match_halves_takes_the_store_rows_in_any_order(pair, seed):
    a, b = pair
    rows = [(i, round(a[i] * 2), round(b[i] * 2)) for i in a.keys() & b.keys()]
    random.Random(seed).shuffle(rows)
    assert match_halves(rows) == match(a, b)

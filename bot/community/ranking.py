"""The /top chart: dramas ranked by a Bayesian average, and its pages.

Pure: per-drama tallies in (count and sum of the scope's ratings), ranked rows out.

Each drama's score is its average shrunk toward the scope's mean ``C`` by a prior weight ``m``::

    score = (n·avg + m·C) / (n + m)

as if every drama had ``m`` extra ratings at the scope's mean. ``C`` is the mean of every
rating in the scope (this server or everyone): the sum of all the tallies over their count,
dramas below the minimum included. A drama is ranked only with at least ``min_ratings`` ratings
in the scope; /top says what that minimum is. A filtered chart (genre, country, year) is the
scope's chart restricted to the filter's dramas (``rank(..., within=...)``), ranked 1.. among
them: a drama has the same score in every view of its scope.

Defaults: ``m = 5`` (:data:`PRIOR_WEIGHT`) and 3 ratings (:data:`MIN_RATINGS`). A single
5-star vote is then not ranked at all, and with 3 votes of 5 in a scope averaging 3.5 it
scores 4.06, below a drama with 20 ratings averaging 4.3 (4.14).

The order is by :func:`order_key`, the score times the positive constant ``2N`` (``N``: the
scope's ratings) computed from integers: ``(h·N + m·H) / (n + m)`` with ``h`` and ``H`` the drama's
and the scope's sums in half stars. With an integral ``m`` the numerator is an exact integer, so
the key is the correctly rounded quotient, the same double in Python, SQLite and PostgreSQL: the
store can rank in SQL (``Community.ranked_page``) in exactly the order :func:`rank` gives. Ties
(equal keys) go to the drama with more ratings, then the lower drama id, so the order never
depends on the order of the input.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

PRIOR_WEIGHT = 5.0
MIN_RATINGS = 3
PER_PAGE = 10

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Tally:
    """One drama's ratings in the scope: how many and their sum (in stars)."""

    drama_id: int
    count: int
    total: float


@dataclass(frozen=True, slots=True)
class Ranked:
    rank: int  # 1-based
    drama_id: int
    count: int
    average: float
    score: float  # the Bayesian average


@dataclass(frozen=True, slots=True)
class Chart:
    rows: tuple[Ranked, ...]
    scope_mean: float | None  # C; None when the scope has no ratings
    prior_weight: float
    min_ratings: int
    unranked: int  # dramas with ratings but fewer than min_ratings


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: tuple[T, ...]
    number: int  # 1-based, clamped into 1..pages
    pages: int  # at least 1, even when there is nothing to show
    total: int


def bayesian(count: int, total: float, scope_mean: float, prior_weight: float = PRIOR_WEIGHT) -> float:
    return (total + prior_weight * scope_mean) / (count + prior_weight)


def order_key(count: int, total: float, ratings: int, scope_total: float, prior_weight: float) -> float:
    """The sort key of a drama with `count` ratings summing to `total` stars, in a scope of `ratings`
    ratings summing to `scope_total` stars: its Bayesian average times 2·ratings (same order)."""
    halves, scope_halves = 2 * total, 2 * scope_total
    if halves.is_integer() and scope_halves.is_integer() and float(prior_weight).is_integer():
        # exact integers: one correctly rounded division, as SQL does it (CAST(... AS DOUBLE PRECISION) / n)
        return (int(halves) * ratings + int(prior_weight) * int(scope_halves)) / (count + int(prior_weight))
    return (halves * ratings + prior_weight * scope_halves) / (count + prior_weight)


def rank(
    tallies: Iterable[Tally],
    *,
    prior_weight: float = PRIOR_WEIGHT,
    min_ratings: int = MIN_RATINGS,
    within: Collection[int] | None = None,
) -> Chart:
    """All the scope's dramas with at least `min_ratings` ratings, best first; with `within`, only those
    dramas (rows and unranked count), scored and ordered with the whole scope's mean."""
    if prior_weight < 0 or min_ratings < 1:
        raise ValueError("prior_weight must be >= 0 and min_ratings >= 1")
    rated = [t for t in tallies if t.count > 0]
    ratings = sum(t.count for t in rated)
    if not ratings:
        return Chart((), None, prior_weight, min_ratings, 0)
    # fsum is exact here, so C does not depend on the order of the tallies.
    scope_total = math.fsum(t.total for t in rated)
    scope_mean = scope_total / ratings
    shown = rated if within is None else [t for t in rated if t.drama_id in within]
    eligible = [t for t in shown if t.count >= min_ratings]
    eligible.sort(
        key=lambda t: (-order_key(t.count, t.total, ratings, scope_total, prior_weight), -t.count, t.drama_id)
    )
    rows = tuple(_ranked(i, t, scope_mean, prior_weight) for i, t in enumerate(eligible, start=1))
    return Chart(rows, scope_mean, prior_weight, min_ratings, unranked=len(shown) - len(eligible))


def _ranked(position: int, t: Tally, scope_mean: float, prior_weight: float) -> Ranked:
    score = bayesian(t.count, t.total, scope_mean, prior_weight)
    return Ranked(rank=position, drama_id=t.drama_id, count=t.count, average=t.total / t.count, score=score)


@dataclass(frozen=True, slots=True)
class ScopeTotals:
    """What the fast path needs of a whole scope (after the filters): its ratings and their sum in half
    stars, how many dramas have ratings, and how many have at least the minimum."""

    ratings: int
    halves: int
    rated: int
    eligible: int


def page_bounds(eligible: int, page: int, per_page: int = PER_PAGE) -> tuple[int, int, int]:
    """(page number clamped as `paginate` clamps it, pages, offset of its first row)."""
    if per_page < 1:
        raise ValueError("per_page must be >= 1")
    pages = max(1, -(-eligible // per_page))
    number = min(max(page, 1), pages)
    return number, pages, (number - 1) * per_page


def chart_page(
    totals: ScopeTotals, rows: Sequence[Tally], page: int, *, prior_weight: float = PRIOR_WEIGHT,
    min_ratings: int = MIN_RATINGS, per_page: int = PER_PAGE,
) -> tuple[Chart, Page[Ranked]]:  # fmt: skip
    """One page of the chart from the scope's totals and that page's tallies, already in rank order
    (the store ranks in SQL by :func:`order_key`): the same page `paginate(rank(...).rows, page)` gives,
    and a Chart with the same mean, weight, minimum and unranked count, whose `rows` are that page's."""
    if not totals.ratings:
        return Chart((), None, prior_weight, min_ratings, 0), Page((), 1, 1, 0)
    scope_mean = (totals.halves / 2) / totals.ratings
    number, pages, offset = page_bounds(totals.eligible, page, per_page)
    shown = tuple(_ranked(offset + i, t, scope_mean, prior_weight) for i, t in enumerate(rows, start=1))
    chart = Chart(shown, scope_mean, prior_weight, min_ratings, unranked=totals.rated - totals.eligible)
    return chart, Page(shown, number, pages, totals.eligible)


def paginate(items: Sequence[T], page: int, per_page: int = PER_PAGE) -> Page[T]:
    """Page `page` (1-based) of `items`, `per_page` to a page; out-of-range pages clamp to the ends."""
    if per_page < 1:
        raise ValueError("per_page must be >= 1")
    pages = max(1, -(-len(items) // per_page))
    number = min(max(page, 1), pages)
    start = (number - 1) * per_page
    return Page(tuple(items[start : start + per_page]), number, pages, len(items))

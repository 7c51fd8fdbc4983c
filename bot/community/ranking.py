"""The /top ranking: dramas ranked by a Bayesian average, and its pages (pure).

A drama's score is its average shrunk toward the scope's mean C by a prior weight m,
``(n·avg + m·C) / (n + m)``; only dramas with at least ``min_ratings`` ratings in the scope are
ranked. A filtered ranking is the scope's restricted to the filter's dramas, scored with the
scope's mean, so a drama has the same score in every view. :func:`order_key` is exact in integers,
so SQL ranks in the same order; ties go to more ratings, then the lower drama id.
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
class Ranking:
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
    """A drama's Bayesian average times 2·(the scope's ratings): the same order, exact as SQL computes it."""
    halves, scope_halves = 2 * total, 2 * scope_total
    if halves.is_integer() and scope_halves.is_integer() and float(prior_weight).is_integer():
        return (int(halves) * ratings + int(prior_weight) * int(scope_halves)) / (count + int(prior_weight))
    return (halves * ratings + prior_weight * scope_halves) / (count + prior_weight)


def rank(
    tallies: Iterable[Tally],
    *,
    prior_weight: float = PRIOR_WEIGHT,
    min_ratings: int = MIN_RATINGS,
    within: Collection[int] | None = None,
) -> Ranking:
    """All the scope's dramas with at least `min_ratings` ratings, best first; with `within`, only those
    dramas (rows and unranked count), scored and ordered with the whole scope's mean."""
    if prior_weight < 0 or min_ratings < 1:
        raise ValueError("prior_weight must be >= 0 and min_ratings >= 1")
    rated = [t for t in tallies if t.count > 0]
    ratings = sum(t.count for t in rated)
    if not ratings:
        return Ranking((), None, prior_weight, min_ratings, 0)
    # fsum is exact here, so C does not depend on the order of the tallies.
    scope_total = math.fsum(t.total for t in rated)
    scope_mean = scope_total / ratings
    shown = rated if within is None else [t for t in rated if t.drama_id in within]
    eligible = [t for t in shown if t.count >= min_ratings]
    eligible.sort(
        key=lambda t: (-order_key(t.count, t.total, ratings, scope_total, prior_weight), -t.count, t.drama_id)
    )
    rows = tuple(_ranked(i, t, scope_mean, prior_weight) for i, t in enumerate(eligible, start=1))
    return Ranking(rows, scope_mean, prior_weight, min_ratings, unranked=len(shown) - len(eligible))


def _ranked(position: int, t: Tally, scope_mean: float, prior_weight: float) -> Ranked:
    score = bayesian(t.count, t.total, scope_mean, prior_weight)
    return Ranked(rank=position, drama_id=t.drama_id, count=t.count, average=t.total / t.count, score=score)


@dataclass(frozen=True, slots=True)
class ScopeTotals:
    """A scope after its filters: ratings, their sum in half stars, dramas rated, dramas ranked."""

    ratings: int
    halves: int
    rated: int
    eligible: int


def page_bounds(count: int, page: int, per_page: int = PER_PAGE) -> tuple[int, int, int]:
    """(page number clamped into 1..pages, pages, offset of its first row) for `count` rows."""
    if per_page < 1:
        raise ValueError("per_page must be >= 1")
    pages = max(1, -(-count // per_page))
    number = min(max(page, 1), pages)
    return number, pages, (number - 1) * per_page


def ranking_page(
    totals: ScopeTotals, rows: Sequence[Tally], page: int, *, prior_weight: float = PRIOR_WEIGHT,
    min_ratings: int = MIN_RATINGS, per_page: int = PER_PAGE,
) -> tuple[Ranking, Page[Ranked]]:  # fmt: skip
    """The page `paginate(rank(...).rows, page)` gives, from the scope's totals and that page's tallies
    (ranked in SQL by :func:`order_key`); the Ranking's `rows` are that page's."""
    if not totals.ratings:
        return Ranking((), None, prior_weight, min_ratings, 0), Page((), 1, 1, 0)
    scope_mean = (totals.halves / 2) / totals.ratings
    number, pages, offset = page_bounds(totals.eligible, page, per_page)
    shown = tuple(_ranked(offset + i, t, scope_mean, prior_weight) for i, t in enumerate(rows, start=1))
    ranking = Ranking(shown, scope_mean, prior_weight, min_ratings, unranked=totals.rated - totals.eligible)
    return ranking, Page(shown, number, pages, totals.eligible)


def paginate(items: Sequence[T], page: int, per_page: int = PER_PAGE) -> Page[T]:
    """Page `page` (1-based) of `items`, `per_page` to a page; out-of-range pages clamp to the ends."""
    number, pages, start = page_bounds(len(items), page, per_page)
    return Page(tuple(items[start : start + per_page]), number, pages, len(items))

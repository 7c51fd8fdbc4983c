"""The /top chart: dramas ranked by a Bayesian average, and its pages.

Pure: per-drama tallies in (count and sum of the scope's ratings), ranked rows out.

Each drama's score is its average shrunk toward the scope's mean ``C`` by a prior weight ``m``::

    score = (n·avg + m·C) / (n + m)

as if every drama had ``m`` extra ratings at the scope's mean. ``C`` is the mean of every
rating in the scope (this server or everyone, after the genre/country/year filters): the sum
of all the tallies over their count, dramas below the minimum included. A drama is ranked
only with at least ``min_ratings`` ratings in the scope; /top says what that minimum is.

Defaults: ``m = 5`` (:data:`PRIOR_WEIGHT`) and 3 ratings (:data:`MIN_RATINGS`). A single
5-star vote is then not ranked at all, and with 3 votes of 5 in a scope averaging 3.5 it
scores 4.06, below a drama with 20 ratings averaging 4.3 (4.14).

Ties (equal scores to 9 decimals) go to the drama with more ratings, then the lower drama id,
so the order never depends on the order of the input.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
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


def rank(
    tallies: Iterable[Tally], *, prior_weight: float = PRIOR_WEIGHT, min_ratings: int = MIN_RATINGS
) -> Chart:
    """All the scope's dramas with at least `min_ratings` ratings, best first."""
    if prior_weight < 0 or min_ratings < 1:
        raise ValueError("prior_weight must be >= 0 and min_ratings >= 1")
    rated = [t for t in tallies if t.count > 0]
    ratings = sum(t.count for t in rated)
    if not ratings:
        return Chart((), None, prior_weight, min_ratings, 0)
    # fsum is exact here, so C does not depend on the order of the tallies.
    scope_mean = math.fsum(t.total for t in rated) / ratings
    eligible = [t for t in rated if t.count >= min_ratings]
    scored = [(bayesian(t.count, t.total, scope_mean, prior_weight), t) for t in eligible]
    scored.sort(key=lambda st: (-round(st[0], 9), -st[1].count, st[1].drama_id))
    rows = tuple(
        Ranked(rank=i, drama_id=t.drama_id, count=t.count, average=t.total / t.count, score=score)
        for i, (score, t) in enumerate(scored, start=1)
    )
    return Chart(rows, scope_mean, prior_weight, min_ratings, unranked=len(rated) - len(eligible))


def paginate(items: Sequence[T], page: int, per_page: int = PER_PAGE) -> Page[T]:
    """Page `page` (1-based) of `items`, `per_page` to a page; out-of-range pages clamp to the ends."""
    if per_page < 1:
        raise ValueError("per_page must be >= 1")
    pages = max(1, -(-len(items) // per_page))
    number = min(max(page, 1), pages)
    start = (number - 1) * per_page
    return Page(tuple(items[start : start + per_page]), number, pages, len(items))

"""Taste match for /match: how alike two members score the dramas they both rated (pure).

Per shared drama, the centred disagreement ``c = |(a - ā) - (b - b̄)|`` (do they like the same dramas
more than they usually do?) and the absolute one ``d = |a - b|`` blend as ``e = W·c + (1 - W)·d`` with
``W = 2/3``; the match is ``100 · (1 - mean(e) / 4.5)``: 0..100, 100 for identical scores, symmetric, and
a constant shift of one member's scores costs little (a whole star: 7.4 points). "Agree" lists the
smallest ``e`` (ties: higher combined score, then id), "differ" the largest (ties: larger gap, then id).
Below MIN_SHARED shared dramas the percentage is None.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

MIN_SHARED = 5
TASTE_WEIGHT = 2 / 3  # W: the share of the centred (taste) disagreement in the blend
MAX_GAP = 4.5  # 5 - 0.5
SHOWN = 3  # dramas listed as "agree most" and "differ most"


@dataclass(frozen=True, slots=True)
class SharedDrama:
    drama_id: int
    score_a: float
    score_b: float
    disagreement: float  # e_i above, 0 = same taste and same number


@dataclass(frozen=True, slots=True)
class TasteMatch:
    shared: int
    percentage: float | None  # 0..100, one decimal; None below MIN_SHARED shared dramas
    agree: tuple[SharedDrama, ...]  # up to three, most alike first
    differ: tuple[SharedDrama, ...]  # up to three, most different first


_VALID = frozenset(h / 2 for h in range(1, 11))  # 0.5, 1.0, ..., 5.0 (1 == 1.0: whole ints pass too)


def _check(scores: Mapping[int, float], who: str) -> None:
    for drama_id, score in scores.items():
        if score not in _VALID:
            raise ValueError(f"{who}: score {score!r} for drama {drama_id} is not 0.5..5 in half stars")


def match(a: Mapping[int, float], b: Mapping[int, float], *, min_shared: int = MIN_SHARED) -> TasteMatch:
    """The taste match of two members' scores (see the module docstring for the measure)."""
    _check(a, "a")
    _check(b, "b")
    return match_halves(
        ((i, round(a[i] * 2), round(b[i] * 2)) for i in a.keys() & b.keys()), min_shared=min_shared
    )


def match_halves(shared: Iterable[tuple[int, int, int]], *, min_shared: int = MIN_SHARED) -> TasteMatch:
    """:func:`match` from the shared dramas as ``(drama_id, a, b)`` in half stars (1..10), any order.

    In whole numbers, with ``δ = a - b`` and ``S = Σδ``: ``e = K / 6n`` where ``K = 2·|n·δ - S| + n·|δ|``,
    and the match is ``100·(1 - ΣK / 27n²)`` rounded half to even, so nothing depends on the order."""
    rows = shared if isinstance(shared, list) else list(shared)
    n = len(rows)
    if n == 0:
        return TasteMatch(shared=0, percentage=None, agree=(), differ=())
    total = sum(x - y for _, x, y in rows)
    # K and 27 (= 6·MAX_GAP) hold TASTE_WEIGHT = 2/3: a change to either must change them too.
    keyed = [(2 * abs(n * (x - y) - total) + n * abs(x - y), i, x, y) for i, x, y in rows]
    percentage = None
    if n >= min_shared:
        tenths, rest = divmod(1000 * sum(k for k, *_ in keyed), 27 * n * n)
        if 2 * rest > 27 * n * n or (2 * rest == 27 * n * n and tenths % 2):
            tenths += 1
        percentage = (1000 - tenths) / 10
    agree = heapq.nsmallest(SHOWN, keyed, key=lambda r: (r[0], -(r[2] + r[3]), r[1]))
    chosen = {r[1] for r in agree}
    rest_rows = (r for r in keyed if r[1] not in chosen)
    differ = heapq.nsmallest(SHOWN, rest_rows, key=lambda r: (-r[0], -abs(r[2] - r[3]), r[1]))

    def shown(picked: list[tuple[int, int, int, int]]) -> tuple[SharedDrama, ...]:
        return tuple(SharedDrama(i, x / 2, y / 2, k / (6 * n)) for k, i, x, y in picked)

    return TasteMatch(shared=n, percentage=percentage, agree=shown(agree), differ=shown(differ))

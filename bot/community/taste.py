"""Taste match for /match: how alike two members score the dramas they have both rated.

Pure: two ``{drama_id: score}`` dicts in (scores 0.5..5 in half stars), a :class:`TasteMatch` out.

The measure
-----------
Over the ``n`` dramas both members rated, with scores ``a_i`` and ``b_i``, means ``ā`` and ``b̄``:

* centred disagreement ``c_i = |(a_i - ā) - (b_i - b̄)|``: do they like the *same* dramas more
  and less than they usually do? A member who scores everything one step higher than the
  other has ``c_i = 0`` everywhere.
* absolute disagreement ``d_i = |a_i - b_i|``: do they give the same numbers?

Each drama's disagreement is the blend ``e_i = W·c_i + (1 - W)·d_i`` with ``W = 2/3`` (taste
counts twice as much as the numbers), and ::

    match = 100 · (1 - mean(e_i) / 4.5)

where 4.5 is the widest possible gap between two scores (5 - 0.5).

Why it has the properties /match promises:

* **bounded 0..100**: ``d_i <= 4.5``; ``mean(c_i)`` is the mean absolute deviation of the
  differences ``a_i - b_i`` from their own mean, and values inside an interval of width 9
  deviate from their mean by at most 4.5 on average. So ``mean(e_i) <= 4.5``.
* **identical scores give 100%**: every ``c_i`` and ``d_i`` is 0.
* **symmetric**: swapping the members swaps signs inside the absolute values only.
* **stable under a shift**: if one member scores everything ``s`` higher, every ``c_i`` is 0
  and every ``d_i`` is ``s``, so the match is ``100 - (1 - W)·100·s/4.5`` whatever the dramas:
  one half-star step costs 3.7 points, a whole star 7.4. (Someone who gives 1 to everything
  and someone who gives 5 to everything still only reach 70%.)
* **order-independent**: the sums are whole numbers in half stars (see :func:`match_halves`), exact in
  any order.

The dramas where they agree most are those with the smallest ``e_i`` (ties: the higher
combined score first, shared favourites before shared dislikes, then drama id); those where
they differ most have the largest ``e_i`` (ties: the larger ``|a_i - b_i|``, then drama id) and
never repeat one of the "agree" dramas. Below :data:`MIN_SHARED` shared dramas the
percentage is ``None``: too little to say.
"""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
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
    if _VALID.issuperset(scores.values()):
        return
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


def _level_holding(levels: list[int], count: Callable[[int], int]) -> int:
    """The first of `levels` by which their counts add up to SHOWN dramas (the last one if they never do)."""
    seen = 0
    for level in levels:
        seen += count(level)
        if seen >= SHOWN:
            return level
    return levels[-1]


def match_halves(shared: Iterable[tuple[int, int, int]], *, min_shared: int = MIN_SHARED) -> TasteMatch:
    """:func:`match` from the shared dramas as ``(drama_id, a, b)`` with the scores in half stars (1..10), in
    any order: what the store reads, with no dicts built.

    In whole numbers: with ``δ_i = a_i - b_i`` (in halves) and ``S = Σδ``, ``c_i = |n·δ_i - S| / 2n`` and
    ``d_i = |δ_i| / 2``, so ``e_i = K_i / 6n`` with the integer ``K_i = 2·|n·δ_i - S| + n·|δ_i|``, and the match
    is ``100·(1 - ΣK / 27n²)``, rounded to one decimal (half to even) from the exact fraction. Sorting by
    ``K_i`` is sorting by ``e_i`` with exact ties, and no sum depends on the order of the dramas."""
    rows = shared if isinstance(shared, list) else list(shared)
    n = len(rows)
    if n == 0:
        return TasteMatch(shared=0, percentage=None, agree=(), differ=())
    # K depends on a drama's gap δ alone (n and S are the pair's), and a gap is one of 19 whole numbers:
    # K is worked out per gap, the sums per gap count.
    gaps = [x - y for _, x, y in rows]
    counts = Counter(gaps)
    total = sum(gap * count for gap, count in counts.items())
    # K (= 6n·e) and 27 (= 6·MAX_GAP) hold TASTE_WEIGHT = 2/3: a change to either must change them too.
    k_of = {gap: 2 * abs(n * gap - total) + n * abs(gap) for gap in counts}
    percentage = None
    if n >= min_shared:
        tenths, rest = divmod(1000 * sum(k_of[gap] * count for gap, count in counts.items()), 27 * n * n)
        if 2 * rest > 27 * n * n or (2 * rest == 27 * n * n and tenths % 2):
            tenths += 1
        percentage = (1000 - tenths) / 10
    levels: Counter[int] = Counter()
    for gap, count in counts.items():
        levels[k_of[gap]] += count
    ordered = sorted(levels)
    # "agree": the dramas of the lowest K levels holding SHOWN of them, ordered by (K, -(a + b), drama_id)
    # (ties: the higher combined score, then id) ...
    low = _level_holding(ordered, levels.__getitem__)
    agree = heapq.nsmallest(
        SHOWN, [(k_of[g], -(x + y), i, x, y) for (i, x, y), g in zip(rows, gaps, strict=True) if k_of[g] <= low]
    )
    chosen = {k[2] for k in agree}
    # ... "differ": the highest K levels holding SHOWN dramas that are not "agree" ones, ordered by
    # (-K, -|a - b|, drama_id) (ties: the larger gap, then id).
    taken = Counter(k[0] for k in agree)
    high = _level_holding(ordered[::-1], lambda k: levels[k] - taken[k])
    differ = heapq.nsmallest(
        SHOWN,
        [
            (-k_of[g], -abs(x - y), i, x, y)
            for (i, x, y), g in zip(rows, gaps, strict=True)
            if k_of[g] >= high and i not in chosen
        ],
    )

    def shown(keys: list[tuple[int, int, int, int, int]]) -> tuple[SharedDrama, ...]:
        return tuple(SharedDrama(i, x / 2, y / 2, abs(k) / (6 * n)) for k, _, i, x, y in keys)

    return TasteMatch(shared=n, percentage=percentage, agree=shown(agree), differ=shown(differ))

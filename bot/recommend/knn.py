"""Item-based collaborative filtering over drama-level scores (pure: rows in, numbers out).

docs/recommend.md explains the method with its formulas. In short, with scores in half stars:

* a member's baseline is their mean shrunk toward everyone's mean C, ``(Σr + MEAN_PRIOR·C) / (n + MEAN_PRIOR)``;
  a score counts as ``r − baseline + OFFSET``: centred on the member, and counted from a floor 1 star under
  their baseline, so watching a drama and liking it as much as usual is a positive signal (`OFFSET`);
* two dramas' similarity is the cosine of those values (each drama's norm over all its raters), times
  ``n / (n + SHRINK)`` for the n members who rated both: few co-raters, little trust;
* each drama keeps its K most similar dramas with a positive similarity (`build`);
* a member's score for a drama they neither rated nor listed is ``Σ sim·v / (Σ|sim| + DAMPING)`` over its
  neighbours they rated (v their value, as above), list entries adding weak pseudo-scores (`WEAK`, weight
  `WEAK_WEIGHT`); the reasons are their scores at or above their baseline that add most.

`build` works on compact arrays (no NumPy, no per-pair dictionary): for each drama it walks its raters'
scores once, accumulating the dot product and the co-rater count packed into one integer per other drama.
"""

from __future__ import annotations

import heapq
import math
from array import array
from collections.abc import Container, Iterable, Mapping
from dataclasses import dataclass, field
from itertools import islice

K = 50  # neighbours kept per drama
SHRINK = 10.0  # λ: a similarity counts n / (n + λ) with n co-raters
MIN_CO_RATERS = 2  # fewer members who rated both: no similarity at all
MEAN_PRIOR = 5.0  # a member's baseline: their mean shrunk toward everyone's as if by this many scores at it
DAMPING = 2.0  # β in Σ sim·v / (Σ|sim| + β): one weak neighbour's support ranks below several strong ones
SCALE = 16  # centred half stars are kept as integers of 1/SCALE half star in the build
OFFSET = 2.0  # half stars: a score counts from its member's baseline minus 1 star (docs/recommend.md)
WEAK_WEIGHT = 0.5  # a list entry counts half as much as a score
# A list entry without a score, as a pseudo-score in stars from the member's baseline (the floor added as to a
# score): watched or watching reads as an ordinary score, planned a little less, dropped below the floor.
WEAK = {"completed": 0.0, "watching": 0.0, "plan": -0.5, "on_hold": -1.0, "dropped": -2.5}
REASONS = 2  # the member's own scores named in a reason
PER_MEMBER = 100  # a member's scores paired by the build, ranked by recommend: the first (the latest)

_BITS = 44  # the co-rater count sits above this bit of the packed accumulator; |dot| stays far below it
_ONE = 1 << _BITS
_HALF = 1 << (_BITS - 1)


def baseline(total_halves: int, count: int, mean: float, prior: float = MEAN_PRIOR) -> float:
    """A member's mean in half stars, shrunk toward everyone's `mean` (half stars)."""
    return (total_halves + prior * mean) / (count + prior)


def shrunk(dot: float, norm_i: float, norm_j: float, co_raters: int, shrink: float = SHRINK) -> float:
    """The similarity of two dramas: cosine of their centred scores times n / (n + λ)."""
    if norm_i <= 0 or norm_j <= 0:
        return 0.0
    return dot / (norm_i * norm_j) * co_raters / (co_raters + shrink)


@dataclass(slots=True)
class Neighbours:
    """Every drama's neighbours, most similar first, in flat arrays (12 bytes a neighbour)."""

    mean: float = 0.0  # everyone's mean score, in half stars (the members' baselines shrink toward it)
    index: dict[int, tuple[int, int]] = field(default_factory=dict)  # drama -> (start, end) in the arrays
    ids: array = field(default_factory=lambda: array("q"))
    sims: array = field(default_factory=lambda: array("f"))
    counts: array = field(default_factory=lambda: array("i"))

    def of(self, drama_id: int) -> list[tuple[int, float, int]]:
        """(neighbour, similarity, co-raters) of one drama, most similar first."""
        start, end = self.index.get(drama_id, (0, 0))
        return list(zip(self.ids[start:end], self.sims[start:end], self.counts[start:end], strict=True))

    def add(self, drama_id: int, rows: Iterable[tuple[int, float, int]]) -> None:
        """Append one drama's neighbours (most similar first)."""
        start = len(self.ids)
        for neighbour, sim, count in rows:
            self.ids.append(neighbour)
            self.sims.append(sim)
            self.counts.append(count)
        if len(self.ids) > start:
            self.index[drama_id] = (start, len(self.ids))

    def rows(self) -> Iterable[tuple[int, int, int, float, int]]:
        """(drama, rank, neighbour, similarity, co-raters) for the table, drama by drama."""
        for drama_id, (start, end) in self.index.items():
            for rank, i in enumerate(range(start, end)):
                yield drama_id, rank, self.ids[i], float(self.sims[i]), self.counts[i]

    def __len__(self) -> int:
        return len(self.ids)

    def nbytes(self) -> int:
        """The arrays' size (the index adds about 200 bytes a drama)."""
        return sum(a.itemsize * len(a) for a in (self.ids, self.sims, self.counts))


def build(
    by_member: Iterable[tuple[int, int, int]], mean: float, *, k: int = K, shrink: float = SHRINK,
    min_co_raters: int = MIN_CO_RATERS, offset: float = OFFSET, per_member: int = PER_MEMBER,
) -> Neighbours:  # fmt: skip
    """The top-`k` neighbours of every drama from ``(member, drama, halves)`` rows, one member's rows
    together; `mean` is everyone's mean score in half stars. A member's first `per_member` rows are paired
    (their baseline counts all): the time is Σ (scores paired per member)², so a member with 2,000 scores
    would cost as much as 400 members with 100. Memory: the paired scores twice as small integer arrays
    (12 bytes a score) and one accumulator per drama, whatever the number of pairs."""
    members_ptr = array("q", [0])
    m_items, m_vals = array("i"), array("h")
    halves_of: list[tuple[int, int]] = []  # one member's (drama index, halves), until their last row
    dense: dict[int, int] = {}  # drama id -> index
    seen = [0, 0]  # the current member's rows and their sum (the baseline counts the unpaired ones too)

    def flush() -> None:
        count, total = seen
        seen[0] = seen[1] = 0
        if len(halves_of) < 2:  # one score pairs with nothing
            halves_of.clear()
            return
        base = baseline(total, count, mean)
        for d, h in halves_of:
            m_items.append(d)
            m_vals.append(round((h - base + offset) * SCALE))
        members_ptr.append(len(m_items))
        halves_of.clear()

    previous = None
    for member, drama, halves in by_member:
        if member != previous:
            flush()
            previous = member
        seen[0] += 1
        seen[1] += halves
        if len(halves_of) >= per_member:
            continue
        d = dense.get(drama)
        if d is None:
            d = dense[drama] = len(dense)
        halves_of.append((d, halves))
    flush()
    n = len(dense)
    if n == 0:
        return Neighbours(mean=mean)
    ids = list(dense)  # index -> drama id

    # The drama side of the same scores (CSR): each drama's raters (member index) and centred scores.
    per_drama = [0] * (n + 1)
    for d in m_items:
        per_drama[d + 1] += 1
    for d in range(n):
        per_drama[d + 1] += per_drama[d]
    d_members, d_vals = array("i", bytes(4 * len(m_items))), array("h", bytes(2 * len(m_items)))
    fill = per_drama[:-1]
    norms = [0.0] * n
    for u in range(len(members_ptr) - 1):
        for i in range(members_ptr[u], members_ptr[u + 1]):
            d, v = m_items[i], m_vals[i]
            d_members[fill[d]], d_vals[fill[d]] = u, v
            fill[d] += 1
            norms[d] += v * v
    norms = [math.sqrt(x) for x in norms]
    del fill

    result = Neighbours(mean=mean)
    acc = [0] * n
    for i in range(n):
        touched: set[int] = set()
        start, end = per_drama[i], per_drama[i + 1]
        for u, ci in zip(d_members[start:end], d_vals[start:end], strict=True):
            a, b = members_ptr[u], members_ptr[u + 1]
            items = m_items[a:b]
            touched.update(items)
            for j, cj in zip(items, m_vals[a:b], strict=True):
                acc[j] += ci * cj + _ONE
        touched.discard(i)
        acc[i] = 0
        norm_i = norms[i]
        found = []
        for j in touched:
            packed = acc[j]
            acc[j] = 0
            co = (packed + _HALF) >> _BITS
            dot = packed - (co << _BITS)
            if dot > 0 and co >= min_co_raters:
                found.append((shrunk(dot, norm_i, norms[j], co, shrink), -ids[j], co))  # ties: the lower id
        if found:
            best = heapq.nlargest(k, found)
            result.add(ids[i], ((-neg, sim, co) for sim, neg, co in best))
    return result


@dataclass(frozen=True, slots=True)
class Pick:
    """One recommended drama: its score and why (the member's own scores that back it most)."""

    drama_id: int
    score: float  # Σ sim·dev / (Σ|sim| + β), in stars
    because: tuple[tuple[int, float], ...]  # (drama the member rated, their score in stars), at most REASONS


def recommend(
    neighbours: Neighbours, scores: Mapping[int, int], listed: Mapping[int, str], *,
    allowed: Container[int] | None = None, limit: int = 10, damping: float = DAMPING, offset: float = OFFSET,
    per_member: int = PER_MEMBER,
) -> list[Pick]:  # fmt: skip
    """The member's best `limit` dramas they neither rated (`scores`: drama -> halves) nor listed (`listed`:
    drama -> status), within `allowed` (None: any), best first; only dramas with a positive score. The
    first `per_member` scores and list entries rank (the store gives the latest first: the time stays
    bounded for a member with thousands); the baseline counts all their scores."""
    if not scores:
        return []
    base = baseline(sum(scores.values()), len(scores), neighbours.mean)
    num: dict[int, float] = {}
    den: dict[int, float] = {}
    ranked_scores = list(islice(scores.items(), per_member))
    signals = [(d, (h - base + offset) / 2, 1.0) for d, h in ranked_scores]
    weak = (
        (d, WEAK[s] + offset / 2, WEAK_WEIGHT)
        for d, s in islice(listed.items(), per_member)
        if d not in scores and s in WEAK
    )
    signals += weak
    index, ids, sims = neighbours.index, neighbours.ids, neighbours.sims
    for drama_id, dev, weight in signals:
        span = index.get(drama_id)
        if span is None:
            continue
        for j, sim in zip(ids[span[0] : span[1]], sims[span[0] : span[1]], strict=True):
            if j in scores or j in listed or (allowed is not None and j not in allowed):
                continue
            w = sim * weight
            num[j] = num.get(j, 0.0) + w * dev
            den[j] = den.get(j, 0.0) + w
    ranked = heapq.nlargest(limit, ((num[j] / (den[j] + damping), -j) for j in num if num[j] > 0))
    picked = {-neg: value for value, neg in ranked}
    backing: dict[int, list[tuple[float, int]]] = {j: [] for j in picked}
    for drama_id, halves in ranked_scores:  # the reasons: the member's scores that add most to each pick
        span = index.get(drama_id)
        if span is None:
            continue
        if halves < base:  # a reason is a score the member liked at least as much as usual
            continue
        dev = (halves - base + offset) / 2
        for j, sim in zip(ids[span[0] : span[1]], sims[span[0] : span[1]], strict=True):
            if j in backing:
                backing[j].append((sim * dev, drama_id))
    return [
        Pick(j, picked[j], tuple((d, scores[d] / 2) for _, d in heapq.nlargest(REASONS, backing[j])))
        for j in picked
    ]

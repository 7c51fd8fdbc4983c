"""What /recommend answers: ten dramas the member neither rated nor listed, each with its reason.

* At least MIN_SCORES drama-level scores: the item neighbours' ranking (knn.recommend), padded, when it
  finds fewer than ten, by the dramas the scope loves (its /top chart, best first, average >= its mean).
* Fewer (but a list entry or a score): the scope's /top chart without what they rated or listed, with why.
* Nothing at all: a UserError (nothing to go on).

Scope "this server": only dramas the server loves (ranked on its /top: at least the minimum of ratings there,
an average at or above the server's mean), ranked for the member; "for me": any drama. A reason names the
member's own scores or the community, never another member.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.community.ranking import MIN_RATINGS
from bot.errors import UserError
from bot.models import Drama
from bot.recommend import knn
from bot.store.chartbook import Snapshot

LIMIT = 10
MIN_SCORES = 3  # fewer scores: the chart instead (with why)

RATED = "rated"  # because you rated A and B
TASTE = "taste"  # loved by members whose taste matches yours (it rests on the list or lower scores)
CHART = "chart"  # the scope's chart: best rated here / by everyone


@dataclass(frozen=True, slots=True)
class Entry:
    drama_id: int
    reason: str  # RATED, TASTE or CHART
    because: tuple[tuple[int, float], ...] = ()  # RATED: (drama the member rated, their score in stars)
    average: float | None = None  # CHART: the scope's average and ratings
    count: int | None = None


@dataclass(frozen=True, slots=True)
class Recommendations:
    entries: tuple[Entry, ...]
    server: bool  # scope "this server"
    fallback: bool  # fewer than MIN_SCORES scores: the chart
    scores: int  # the member's drama-level scores
    dramas: dict[int, Drama] = field(default_factory=dict)  # every drama an entry or a reason names


def loved(snap: Snapshot, allowed: frozenset[int]) -> list[int]:
    """The scope's ranked dramas (chart order) whose average is at least the scope's mean, within `allowed`."""
    ratings, halves = snap.ratings, snap.halves
    return [
        d for d, n, s in zip(snap.ids, snap.counts, snap.sums, strict=True)
        if s * ratings >= halves * n and d in allowed
    ]  # fmt: skip


def _chart_entries(snap: Snapshot, allowed: frozenset[int], skip: set[int], n: int) -> list[Entry]:
    """Up to `n` of the chart's dramas in `allowed` and not in `skip`, in chart order."""
    found: list[Entry] = []
    if n <= 0:
        return found
    for i, d in enumerate(snap.ids):
        if d in allowed and d not in skip:
            found.append(Entry(d, CHART, average=snap.sums[i] / 2 / snap.counts[i], count=snap.counts[i]))
            if len(found) >= n:
                break
    return found


async def recommendations(
    store, user_id: int, guild_id: int | None, *, server: bool, genre: str | None = None,  # noqa: ANN001
    country: str | None = None, limit: int = LIMIT,
) -> Recommendations:  # fmt: skip
    """The member's recommendations (UserError: no server for scope server, no data, nothing passes).
    `guild_id`: the server where dramabot is installed (cogs.common.server_of), None elsewhere."""
    if server and guild_id is None:
        raise UserError.keyed("recommend.no_server")
    scores, listed = await store.recommend.member(user_id)
    if not scores and not listed:
        raise UserError.keyed("recommend.no_data", minimum=MIN_SCORES)
    top = store.community.top
    allowed = await top.dramas(genre, country)  # shown dramas passing the filters (reads the catalogue rev)
    snap = await top.book.snapshot(guild_id if server else 0)
    within = frozenset(loved(snap, allowed)) if server else allowed
    skip = scores.keys() | listed.keys()
    if len(scores) < MIN_SCORES:
        entries = _chart_entries(snap, within, skip, limit)
        fallback = True
    else:
        neighbours = await store.recommend.neighbours()
        picks = knn.recommend(neighbours, scores, listed, allowed=within, limit=limit)
        entries = [Entry(p.drama_id, RATED if p.because else TASTE, p.because) for p in picks]
        skip |= {e.drama_id for e in entries}
        favourites = within if server else frozenset(loved(snap, allowed))  # padding: what the scope loves
        entries += _chart_entries(snap, favourites, skip, limit - len(entries))
        fallback = False
    if not entries:
        key = "recommend.nothing_yet"  # no filter: nothing unseen has enough ratings yet
        if server:
            key = "recommend.nothing_server"
        elif genre is not None or country is not None:
            key = "recommend.nothing"
        raise UserError.keyed(key, minimum=MIN_RATINGS)
    named = {e.drama_id for e in entries} | {d for e in entries for d, _ in e.because}
    dramas = await store.catalogue.get_dramas(sorted(named))
    return Recommendations(tuple(entries), server, fallback, len(scores), dramas)

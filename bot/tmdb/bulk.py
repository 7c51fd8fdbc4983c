"""Bulk TMDB work from the terminal and in the background: discover, refresh, progress.

`discover` imports the most popular scripted series from `/discover/tv`; `run_refresh` updates dramas
already linked to TMDB (`refresh_plan`). Both write one series per transaction, so an interruption
leaves nothing half-written and a re-run resumes; the client's token bucket keeps them under TMDB's limit.
"""

from __future__ import annotations

import io
import logging
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import TextIO

from bot.catalogue.format import CatalogueError
from bot.errors import StoreConflict
from bot.models import RefreshCandidate
from bot.store import Store
from bot.tmdb.client import TMDB, TMDBError, not_scripted
from bot.tmdb.importer import NotScripted, import_series

log = logging.getLogger(__name__)

REFRESHED_AT = "tmdb_refresh:last"  # meta key: when the last refresh finished (ISO 8601 UTC)
REFRESH_BATCH = 50  # dramas neither followed nor reminded refreshed a run
# A drama whose last episode aired longer ago than QUIET_AFTER (and that TMDB does not call airing) is
# refreshed at most once every QUIET_EVERY.
QUIET_AFTER = timedelta(days=60)
QUIET_EVERY = timedelta(days=7)
SAME_IDS = "another drama in the catalogue has the same IMDb or Wikidata id"
MAX_PAGES = 500  # TMDB serves at most 500 pages of 20 results


@dataclass
class Summary:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (series, why)

    def count(self, outcome: str) -> None:
        if outcome == "added":
            self.added += 1
        elif outcome == "changed":
            self.updated += 1
        else:
            self.unchanged += 1

    def lines(self) -> list[str]:
        counts = f"{self.added} added, {self.updated} updated, {self.unchanged} unchanged"
        skipped = [f"  skipped {name}: {why}" for name, why in self.skipped]
        return [f"{counts}, {len(self.skipped)} skipped", *skipped]


class Progress:
    """A progress bar on a terminal (redrawn in place), one plain line per series otherwise."""

    WIDTH = 30

    def __init__(self, total: int, stream: TextIO | None = None) -> None:
        self.total, self.done = total, 0
        self.stream = stream or sys.stdout
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())

    def step(self, outcome: str, label: str) -> None:
        self.done += 1
        if self.tty:
            filled = self.WIDTH * self.done // max(self.total, 1)
            bar = "#" * filled + "-" * (self.WIDTH - filled)
            self.stream.write(f"\r[{bar}] {self.done}/{self.total} {outcome:<9} {label[:40]:<40}")
        else:
            self.stream.write(f"[{self.done}/{self.total}] {outcome:<9} {label}\n")
        self.stream.flush()

    def finish(self) -> None:
        if self.tty and self.done:
            self.stream.write("\n")
            self.stream.flush()


async def discover_ids(
    tmdb: TMDB, countries: tuple[str, ...], since: int | None, limit: int, summary: Summary
) -> list[tuple[int, str]]:
    """The `limit` most popular scripted series matching the filters: [(tmdb id, name)]."""
    picked: list[tuple[int, str]] = []
    seen: set[int] = set()
    page, pages = 1, 1
    while len(picked) < limit and page <= min(pages, MAX_PAGES):
        body = await tmdb.discover_tv(countries, since, page)
        total = body.get("total_pages")
        pages = total if isinstance(total, int) and not isinstance(total, bool) else page
        if not body["results"]:
            break
        for series in body["results"]:
            if series["id"] in seen:
                continue
            seen.add(series["id"])
            name = f"{series.get('name') or '?'} (TMDB {series['id']})"
            why = not_scripted(series, countries)
            if why is not None:
                summary.skipped.append((name, why))
                continue
            picked.append((series["id"], name))
            if len(picked) >= limit:
                break
        page += 1
    return picked


async def discover(
    store: Store, tmdb: TMDB, countries: tuple[str, ...], *, limit: int, since: int | None,
    stream: TextIO | None = None,
) -> Summary:  # fmt: skip
    """Import (or update) the most popular series; TMDBError only when discovery itself fails."""
    summary = Summary()
    picked = await discover_ids(tmdb, countries, since, limit, summary)
    progress = Progress(len(picked), stream)
    try:
        for tmdb_id, name in picked:
            outcome, label = await _one(store, tmdb, tmdb_id, name, countries, summary)
            progress.step(outcome, label)
    finally:
        progress.finish()
    return summary


async def _one(
    store: Store, tmdb: TMDB, tmdb_id: int, name: str, countries: tuple[str, ...] | None, summary: Summary
) -> tuple[str, str]:
    try:
        entry, outcome = await import_series(store, tmdb, tmdb_id, countries=countries)
    except (TMDBError, CatalogueError, NotScripted, StoreConflict) as exc:
        why = SAME_IDS if isinstance(exc, StoreConflict) else str(exc).splitlines()[0]
        summary.skipped.append((name, why))
        return "skipped", f"{name}: {why}"
    summary.count(outcome)
    return outcome, f"{entry.drama.slug} ({entry.drama.title})"


def is_quiet(drama: RefreshCandidate, today: date) -> bool:
    """Treated as ended: TMDB says so, or its last episode aired more than QUIET_AFTER ago and TMDB does
    not call it airing."""
    if drama.status == "ended":
        return True
    return drama.status != "airing" and drama.last_aired is not None and drama.last_aired < today - QUIET_AFTER


def refresh_plan(
    candidates: Iterable[RefreshCandidate], now: datetime, *, batch: int | None = REFRESH_BATCH,
    everything: bool = False,
) -> list[RefreshCandidate]:  # fmt: skip
    """The dramas one refresh run takes, in order: every followed or reminded drama not ended, then at
    most `batch` others (None: all), each group refreshed longest ago first, so a run stays bounded and
    every drama gets its turn. Ended dramas are not taken, quiet ones at most once every QUIET_EVERY.
    `everything` (`refresh-tmdb --all`): every linked drama, followed and reminded ones first."""
    never = datetime.min.replace(tzinfo=UTC)

    def oldest_first(c: RefreshCandidate) -> tuple:
        return (c.refreshed_at is not None, c.refreshed_at or never, c.drama_id)

    if everything:
        return sorted(candidates, key=lambda c: (not c.watched, *oldest_first(c)))
    today = now.astimezone(UTC).date()
    first, rest = [], []
    for c in candidates:
        if c.status == "ended":
            continue
        if c.watched:
            first.append(c)
        elif not is_quiet(c, today) or c.refreshed_at is None or now - c.refreshed_at >= QUIET_EVERY:
            rest.append(c)
    first.sort(key=oldest_first)
    rest.sort(key=oldest_first)
    return first + (rest if batch is None else rest[:batch])


async def run_refresh(
    store: Store, tmdb: TMDB, clock: Callable[[], datetime] = lambda: datetime.now(UTC), *,
    airing_only: bool = True, batch: int | None = REFRESH_BATCH, stream: TextIO | None = None,
) -> Summary:  # fmt: skip
    """Update linked dramas from TMDB in `refresh_plan`'s order (`airing_only=False`: every linked drama),
    recording when each drama and the run were done: the unit of the background job."""
    summary = Summary()
    plan = refresh_plan(await store.refreshes.candidates(), clock(), batch=batch, everything=not airing_only)
    progress = Progress(len(plan), stream if stream is not None else io.StringIO())
    for drama in plan:
        name = f"{drama.slug} (TMDB {drama.tmdb_id})"
        outcome, label = await _one(store, tmdb, drama.tmdb_id, name, None, summary)
        await store.refreshes.refreshed(drama.drama_id, clock())
        progress.step(outcome, label)
    progress.finish()
    await store.set_meta(REFRESHED_AT, clock().astimezone(UTC).isoformat())
    return summary

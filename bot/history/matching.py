"""A parsed history file matched to the catalogue (the import's plan), and the plan applied.

Matching, in this order, each step for the rows the ones before left:
1. the row's TMDB id, then its IMDb id, in the catalogue;
2. with TMDB: its IMDb and TVDB ids through TMDB's `/find`, then that TMDB id in the catalogue;
3. its title (any spelling the title index knows), the year deciding between namesakes;
4. with TMDB: a series TMDB links to its ids, or a TMDB search by title (and year): imported on Import.
Films, anime, talk and reality shows are skipped by the file's kind, and series TMDB says are not
scripted dramas from the configured countries. A file is ONE import: at most MAX_LOOKUPS TMDB requests
while planning and MAX_NEW new dramas, and each member FILES_PER_DAY files that import from TMDB a day.
Nothing is stored while planning.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from bot.errors import UserError
from bot.history.quiet import Slices
from bot.history.rows import HistoryRow, ParsedFile
from bot.store import Store
from bot.store.history import Applied, HistoryItem
from bot.tmdb.client import TMDB, TMDBError, not_scripted
from bot.tmdb.limits import MemberWindow

log = logging.getLogger(__name__)

MAX_LOOKUPS = 300  # TMDB requests (/find, /search) while planning one file
MAX_NEW = 100  # dramas one file may import from TMDB
FILES_PER_DAY = 3  # files a member may import from TMDB in any 24 hours
SKIPPED_KINDS = {"movie": "import.skip_movie", "anime": "import.skip_anime", "talk": "import.skip_talk",
                 "reality": "import.skip_reality"}  # fmt: skip
UNKNOWN = "import.skip_unknown"
NOT_DRAMA = "import.skip_not_drama"
OVER_BUDGET = "import.skip_budget"
NOT_IMPORTED = "import.skip_failed"

Progress = Callable[[str, int, int], Awaitable[None]]  # (stage, done, total)


@dataclass(frozen=True, slots=True)
class Matched:
    row: HistoryRow
    drama_id: int
    title: str
    episodes: int


@dataclass(frozen=True, slots=True)
class New:
    """A row whose drama TMDB has and the catalogue does not: imported on Import."""

    row: HistoryRow
    tmdb_id: int
    title: str


@dataclass(frozen=True, slots=True)
class Skipped:
    line: int
    title: str
    reason: str  # a catalogue key (bot/i18n)


@dataclass(frozen=True)
class Plan:
    format: str
    filename: str
    rows: int
    matched: tuple[Matched, ...]
    new: tuple[New, ...]
    skipped: tuple[Skipped, ...]
    statuses: dict[str, int] = field(default_factory=dict)  # the file's statuses (mapped), counted
    scored: int = 0  # rows with a drama score
    episode_scores: int = 0
    watched: int = 0  # episodes watched (with or without a score)

    @property
    def empty(self) -> bool:
        return not self.matched and not self.new


@dataclass
class Outcome:
    applied: Applied
    imported: int  # dramas imported from TMDB
    failed: tuple[Skipped, ...]  # new dramas TMDB could not give after all


def _year_fits(candidate: int | None, year: int | None, slack: int = 1) -> bool:
    return year is None or candidate is None or abs(candidate - year) <= slack


class Lookups:
    """The TMDB requests one plan may still make."""

    def __init__(self, tmdb: TMDB | None, countries: tuple[str, ...], budget: int = MAX_LOOKUPS) -> None:
        self.tmdb, self.countries, self.left = tmdb, countries, budget

    @property
    def open(self) -> bool:
        return self.tmdb is not None and self.left > 0

    async def find(self, external_id: str, source: str) -> dict | None:
        if not self.open:
            return None
        self.left -= 1
        try:
            found = await self.tmdb.find(external_id, source)  # type: ignore[union-attr]
        except TMDBError as exc:
            log.info("TMDB find %s %s failed: %s", source, external_id, exc)
            return None
        return found[0] if found else None

    async def search(self, title: str, year: int | None) -> dict | None:
        if not self.open or not title.strip():
            return None
        self.left -= 1
        try:
            results = await self.tmdb.search_tv(title)  # type: ignore[union-attr]
        except TMDBError as exc:
            log.info("TMDB search %r failed: %s", title, exc)
            return None
        scripted = [r for r in results if not_scripted(r, self.countries) is None]
        for r in scripted:
            first = str(r.get("first_air_date") or "")[:4]
            if _year_fits(int(first) if first.isdigit() else None, year, 0 if year else 1):
                return r
        return None


async def _in_catalogue(store, tmdb_of: dict[int, int], found: dict[int, int]) -> None:  # noqa: ANN001
    """Rows whose TMDB id the catalogue already has move from `tmdb_of` (row: TMDB id) to `found` (row:
    drama id)."""
    if not tmdb_of:
        return
    known = await store.history.ids_by("tmdb_id", tmdb_of.values())
    for i, tmdb_id in list(tmdb_of.items()):
        if tmdb_id in known:
            found[i] = known[tmdb_id][0]
            del tmdb_of[i]


async def plan_import(
    parsed: ParsedFile, filename: str, store: Store, tmdb: TMDB | None, countries: tuple[str, ...],
    progress: Progress | None = None, *, lookups: int = MAX_LOOKUPS, max_new: int = MAX_NEW,
) -> Plan:  # fmt: skip
    """The file's rows matched to the catalogue (and to TMDB when `tmdb` is given); nothing stored. The
    loops over the rows hand the event loop back every few ms (`Slices`): a 20,000-row file stays responsive."""
    slices = Slices()
    skipped = [Skipped(line, title, reason) for line, title, reason in parsed.skipped]
    todo: list[HistoryRow] = []
    for row in parsed.rows:
        await slices.tick()
        if row.kind in SKIPPED_KINDS:
            skipped.append(Skipped(row.line, row.title, SKIPPED_KINDS[row.kind]))
        else:
            todo.append(row)
    found: dict[int, int] = {}  # index in todo -> drama id
    tmdb_of: dict[int, int] = {}  # index in todo -> a TMDB id TMDB knows for it (not in the catalogue)

    by_tmdb = await store.history.ids_by("tmdb_id", (r.tmdb_id for r in todo))
    by_imdb = await store.history.ids_by("imdb_id", (r.imdb_id for r in todo))
    for i, row in enumerate(todo):
        await slices.tick()
        hit = by_tmdb.get(row.tmdb_id) or by_imdb.get(row.imdb_id)
        if hit is not None:
            found[i] = hit[0]

    tmdb_lookups = Lookups(tmdb, countries, lookups)
    not_drama: set[int] = set()
    left = [i for i in range(len(todo)) if i not in found]
    for n, i in enumerate(left):
        row = todo[i]
        for external, source in ((row.imdb_id, "imdb_id"), (row.tvdb_id, "tvdb_id")):
            if external is None or not tmdb_lookups.open:
                continue
            series = await tmdb_lookups.find(str(external), source)
            if series is not None:
                if not_scripted(series, countries) is not None:
                    not_drama.add(i)
                else:
                    tmdb_of[i] = series["id"]
                break
        if row.tmdb_id is not None and i not in tmdb_of and i not in not_drama:
            tmdb_of[i] = row.tmdb_id
        if progress is not None and n % 25 == 24:
            await progress("match", n + 1, len(left))
    await _in_catalogue(store, tmdb_of, found)

    await store.titles.refresh(max_age=1.0)
    candidates: dict[int, list[int]] = {}
    looked: dict[str, list[int]] = {}
    for i, row in enumerate(todo):
        await slices.tick()
        if i in found or i in not_drama or i in tmdb_of:
            continue
        ids = looked.get(row.title)
        if ids is None:  # a file names a drama on many rows (its episodes): one lookup each title
            ids = looked[row.title] = store.titles.lookup(row.title)
        if ids:
            candidates[i] = ids
    years = await store.history.facts({d for ids in candidates.values() for d in ids})
    for i, ids in candidates.items():
        await slices.tick()
        year = todo[i].year
        shown = [d for d in ids if d in years]
        exact = [d for d in shown if year is not None and years[d][1] == year]
        close = [d for d in shown if _year_fits(years[d][1], year)]
        pick = (exact or close or [None])[0]
        if pick is not None:
            found[i] = pick

    searched = [i for i in range(len(todo)) if i not in found and i not in not_drama and i not in tmdb_of]
    for n, i in enumerate(searched):
        if not tmdb_lookups.open:
            break
        series = await tmdb_lookups.search(todo[i].title, todo[i].year)
        if series is not None:
            tmdb_of[i] = series["id"]
        if progress is not None and n % 25 == 24:
            await progress("search", n + 1, len(searched))
    await _in_catalogue(store, tmdb_of, found)

    facts = await store.history.facts(found.values())
    matched, new = [], []
    new_ids: set[int] = set()
    for i, row in enumerate(todo):
        await slices.tick()
        drama_id = found.get(i)
        if drama_id is not None and drama_id in facts:
            title, _year, count = facts[drama_id]
            matched.append(Matched(row, drama_id, title, count))
        elif i in not_drama:
            skipped.append(Skipped(row.line, row.title, NOT_DRAMA))
        elif i in tmdb_of:
            if tmdb_of[i] in new_ids or len(new_ids) < max_new:
                new_ids.add(tmdb_of[i])
                new.append(New(row, tmdb_of[i], row.title))
            else:
                skipped.append(Skipped(row.line, row.title, OVER_BUDGET))
        else:
            skipped.append(Skipped(row.line, row.title, UNKNOWN))
    rows = [*(m.row for m in matched), *(n.row for n in new)]
    return Plan(
        format=parsed.format, filename=filename, rows=len(parsed.rows) + len(parsed.skipped),
        matched=tuple(matched), new=tuple(new), skipped=tuple(sorted(skipped, key=lambda s: s.line)),
        statuses=dict(Counter(r.status for r in rows if r.status is not None)),
        scored=sum(1 for r in rows if r.halves is not None),
        episode_scores=sum(1 for r in rows for e in r.episodes if e.halves is not None),
        watched=sum(len(r.episodes) for r in rows),
    )  # fmt: skip


def item_of(row: HistoryRow, drama_id: int) -> HistoryItem:
    """What to store for a matched row. Episodes count from the first season (dramas are one season);
    specials (season 0) and later seasons are left out."""
    episodes = tuple(
        (e.episode, e.halves, e.at) for e in row.episodes if e.season in (None, 1) and e.episode >= 1
    )
    return HistoryItem(drama_id, row.halves, row.status, row.progress, row.at, episodes)


class FileBudget:
    """Each member's files that import from TMDB: FILES_PER_DAY in any 24 hours (per process)."""

    def __init__(self, per_day: int = FILES_PER_DAY, clock: Callable[[], float] | None = None) -> None:
        self.window = MemberWindow(per_day, 86_400.0, *(() if clock is None else (clock,)))

    def check(self, member_id: int) -> None:
        wait = self.window.retry_after(member_id)
        if wait > 0:
            raise UserError.keyed(
                "import.daily_limit", limit=self.window.limit, hours=max(1, round(wait / 3600))
            )

    def spend(self, member_id: int) -> None:
        self.window.hit(member_id)


# Imports one TMDB series (or returns the drama linked to it): bot.tmdb.ondemand's OnDemandImports.fetch.
ImportOne = Callable[[int], Awaitable[int]]


async def apply_plan(
    plan: Plan, store: Store, *, user_id: int, guild_id: int | None, replace: bool,
    import_one: ImportOne | None = None, progress: Progress | None = None,
) -> Outcome:  # fmt: skip
    """Import the plan's new dramas (one by one, each its own transaction), then apply every matched row
    (bot/store/history.py: CHUNK dramas a transaction)."""
    items = []
    slices = Slices()
    for m in plan.matched:
        await slices.tick()
        items.append(item_of(m.row, m.drama_id))
    failed: list[Skipped] = []
    imported: dict[int, int] = {}
    for n, new in enumerate(plan.new):
        drama_id = imported.get(new.tmdb_id)
        if drama_id is None and import_one is not None:
            try:
                drama_id = imported[new.tmdb_id] = await import_one(new.tmdb_id)
            except UserError as exc:
                log.info("import of TMDB %s for a history file failed: %s", new.tmdb_id, exc)
        if drama_id is None:
            failed.append(Skipped(new.row.line, new.title, NOT_IMPORTED))
        else:
            items.append(item_of(new.row, drama_id))
        if progress is not None:
            await progress("import", n + 1, len(plan.new))

    async def chunk_done(done: int, total: int) -> None:
        if progress is not None:
            await progress("store", done, total)

    applied = await store.history.apply(
        user_id=user_id, guild_id=guild_id, items=items, replace=replace, progress=chunk_done
    )
    return Outcome(applied, len(imported), tuple(failed))

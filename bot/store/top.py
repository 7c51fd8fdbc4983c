"""/top's chart pages: the scope's chart kept ranked in memory (chartbook.py), filtered by sets.

As `ranking.rank(tallies, within=the filter's dramas)`: a drama keeps its scope's mean whatever the filter.
Filters (genre casefolded, country, year) are sets of drama ids, read again when `catalogue_rev` moved;
several filters are the intersection of their sets.
"""

from __future__ import annotations

from bot.community.ranking import Page, Ranked, Ranking
from bot.store.chartbook import ChartBook
from bot.store.db import Db
from bot.store.rows import genres
from bot.store.titles import CATALOGUE_REV

FILTER_SETS = 256  # intersections of filters kept (per catalogue rev)


class _Catalogue:
    """The catalogue's filter sets for one catalogue rev."""

    def __init__(self, rev: str | None, rows: list) -> None:
        self.rev = rev
        spelled: dict[str, set[int]] = {}
        countries: dict[str, set[int]] = {}
        years: dict[int, set[int]] = {}
        for r in rows:
            drama_id = r["id"]
            for g in dict.fromkeys(genres(r["genres"])):
                spelled.setdefault(g, set()).add(drama_id)
            if r["country"] is not None:
                countries.setdefault(r["country"], set()).add(drama_id)
            if r["year"] is not None:
                years.setdefault(r["year"], set()).add(drama_id)
        folded: dict[str, set[int]] = {}
        for g, ids in spelled.items():
            folded.setdefault(g.casefold(), set()).update(ids)
        self.spelled = {g: frozenset(ids) for g, ids in spelled.items()}  # genre as spelled -> its dramas
        self.folded = {g: frozenset(ids) for g, ids in folded.items()}
        self.countries = {c: frozenset(ids) for c, ids in countries.items()}
        self.years = {y: frozenset(ids) for y, ids in years.items()}
        self.visible = frozenset(r["id"] for r in rows)  # every drama shown to members
        self.combined: dict[tuple, frozenset[int]] = {}
        # One name per genre (its casefolded form): the spelling most dramas use (ties: the first in order).
        best: dict[str, tuple[int, str]] = {}
        for g, ids in self.spelled.items():
            pick = (-len(ids), g)
            best[g.casefold()] = min(best.get(g.casefold(), pick), pick)
        self.names = sorted((g for _n, g in best.values()), key=lambda g: (g.casefold(), g))

    def wanted(self, genre: str | None, country: str | None, year: int | None) -> frozenset[int]:
        """The dramas that pass every given filter (at least one is given)."""
        key = (genre.casefold() if genre is not None else None, country, year)
        found = self.combined.get(key)
        if found is None:
            sets = []
            if genre is not None:
                sets.append(self.folded.get(key[0], frozenset()))
            if country is not None:
                sets.append(self.countries.get(country, frozenset()))
            if year is not None:
                sets.append(self.years.get(year, frozenset()))
            sets.sort(key=len)
            found = sets[0].intersection(*sets[1:])
            if len(self.combined) >= FILTER_SETS:
                self.combined.clear()
            self.combined[key] = found
        return found


class TopCharts:
    def __init__(self, db: Db) -> None:
        self._db = db
        self.book = ChartBook(db)
        self._catalogue: _Catalogue | None = None  # None before the first use

    async def catalogue_rev(self) -> str | None:
        """The catalogue's rev now (every catalogue write, in any process, moves it)."""
        found = await self._db.fetch_one("SELECT value FROM meta WHERE key = ?", (CATALOGUE_REV,))
        return found["value"] if found else None

    async def _current(self) -> _Catalogue:
        rev = await self.catalogue_rev()  # read before the dramas: a write in between reloads next time
        if self._catalogue is None or self._catalogue.rev != rev:
            rows = await self._db.fetch(
                "SELECT id, genres, country, year FROM dramas WHERE hidden_at IS NULL"
            )
            self._catalogue = _Catalogue(rev, rows)
        self.book.saw_rev(rev)
        return self._catalogue

    async def has_genre(self, genre: str) -> bool:
        """Whether a drama of the catalogue has this genre (compared casefolded, as the filter compares it)."""
        return genre.casefold() in (await self._current()).folded

    async def genre_names(self) -> list[str]:
        """The catalogue's genres, one spelling each (the most used), in alphabetical order."""
        return (await self._current()).names

    async def dramas(self, genre: str | None = None, country: str | None = None) -> frozenset[int]:
        """The dramas shown to members that pass the filters given (none given: all of them); /recommend."""
        catalogue = await self._current()
        if genre is None and country is None:
            return catalogue.visible
        return catalogue.wanted(genre, country, None)

    async def page(
        self,
        scope: int,
        page: int,
        *,
        genre: str | None = None,
        country: str | None = None,
        year: int | None = None,
    ) -> tuple[Ranking, Page[Ranked]]:
        """`ranking.ranking_page` of the scope (a server id, or 0 for everyone) at `page`, filtered."""
        catalogue = await self._current()
        filtered = genre is not None or country is not None or year is not None
        wanted = catalogue.wanted(genre, country, year) if filtered else None
        return (await self.book.snapshot(scope)).page(wanted, page)

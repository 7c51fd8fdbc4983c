"""Matching a history file to the catalogue and TMDB (bot/history/matching.py) on a real store and the
TMDB stand-in: the order (TMDB id, IMDb id, TVDB id through /find, title and year, TMDB search), skips
with their reasons, the file's budget, and applying the plan with new dramas imported on the way."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.cards.history import preview_card, result_card
from bot.errors import UserError
from bot.history.matching import (
    NOT_DRAMA,
    OVER_BUDGET,
    UNKNOWN,
    FileBudget,
    apply_plan,
    item_of,
    plan_import,
)
from bot.history.rows import EpisodeEvent, HistoryRow, ParsedFile
from bot.history.sessions import Sessions
from bot.settings import DEFAULT_TMDB_COUNTRIES
from bot.tmdb.client import TMDB
from bot.tmdb.ondemand import OnDemandImports
from tests.tmdb_standin import TV_ID

AT = datetime(2024, 5, 1, tzinfo=UTC)
MEMBER = 3003


def row(line: int, title: str, year: int | None = None, kind: str = "show", **ids) -> HistoryRow:
    fields = dict(tmdb_id=None, imdb_id=None, tvdb_id=None, halves=8, status="completed", progress=None,
                  episodes=(), at=AT) | ids  # fmt: skip
    return HistoryRow(line=line, source="x.csv", title=title, year=year, kind=kind, **fields)


@pytest.fixture
async def catalogue(store, add_drama):
    ids = {
        "tmdb": await add_drama("by-tmdb", episode_count=10, tmdb_id=111),
        "imdb": await add_drama("by-imdb", episode_count=10, imdb_id="tt0000222"),
        "goblin": await add_drama("goblin-x", title="Goblin X", episode_count=16, tmdb_id=TV_ID),
        "old": await add_drama("namesake-2005", title="Namesake", episode_count=20, year=2005),
        "new": await add_drama("namesake-2019", title="Namesake", episode_count=16, year=2019),
    }
    await store.titles.load()
    return ids


FILE = ParsedFile(
    "simkl",
    (
        row(2, "Some Film", 2020, kind="movie"),
        row(3, "Whatever title", tmdb_id=111, imdb_id="tt0000222"),  # TMDB id first
        row(4, "Another", imdb_id="tt0000222"),
        row(5, "Dokkaebi", tvdb_id=320750),  # /find by TVDB id: Goblin's TMDB id, in the catalogue
        row(6, "namesake", 2019),  # the year picks one of two namesakes
        row(7, "Seoul Night Market", 2021),  # TMDB search: imported on Import
        row(8, "Cartoon", imdb_id="tt09900101"),  # /find: TMDB's animated series: not a drama
        row(9, "Nothing Like It", 2001),
    ),
    ((10, "Broken row", "history.skip.no_title"),),
)


async def test_matching_order_skips_and_applying(store, catalogue, fake):
    async with TMDB("k", fake.base, timeout=3.0) as tmdb:
        plan = await plan_import(FILE, "x.csv", store, tmdb, DEFAULT_TMDB_COUNTRIES)
        assert [(m.row.line, m.drama_id) for m in plan.matched] == [
            (3, catalogue["tmdb"]), (4, catalogue["imdb"]), (5, catalogue["goblin"]), (6, catalogue["new"]),
        ]  # fmt: skip
        assert [(n.row.line, n.tmdb_id) for n in plan.new] == [(7, 9_900_002)]
        assert [(s.line, s.reason) for s in plan.skipped] == [
            (2, "import.skip_movie"), (8, NOT_DRAMA), (9, UNKNOWN), (10, "history.skip.no_title"),
        ]  # fmt: skip
        assert (plan.rows, plan.statuses, plan.scored) == (9, {"completed": 5}, 5)
        assert fake.hits("/find/tt09900101") == 1 and fake.hits("/find/320750") == 1
        card = preview_card(plan, replace=False)
        assert "Some Film" in str(card.to_dict()) and len(card) <= 6000
        assert await store.db.fetch("SELECT * FROM ratings WHERE user_id = ?", (MEMBER,)) == []  # nothing yet

        imports = OnDemandImports(lambda: store, tmdb, DEFAULT_TMDB_COUNTRIES, per_member=0)

        async def import_one(tmdb_id: int) -> int:
            return (
                await imports.get(tmdb_id, member_id=MEMBER, member_name="m", guild_id=None, limited=False)
            ).id

        outcome = await apply_plan(
            plan, store, user_id=MEMBER, guild_id=None, replace=False, import_one=import_one
        )
        await imports.close()
    assert (outcome.imported, outcome.applied.rated, outcome.failed) == (1, 5, ())
    assert result_card(plan, outcome).description
    market = await store.catalogue.by("tmdb_id", 9_900_002)
    entry = await store.watchlists.entry(MEMBER, market.id)
    assert (entry.status, entry.progress, entry.score) == ("completed", 16, 4.0)
    again = await apply_plan(plan, store, user_id=MEMBER, guild_id=None, replace=False, import_one=import_one)
    assert (again.imported, again.applied.rated, again.applied.unchanged) == (
        1,
        0,
        5,
    )  # found, not re-imported


async def test_without_tmdb_and_over_budget(store, catalogue, fake):
    plan = await plan_import(FILE, "x.csv", store, None, DEFAULT_TMDB_COUNTRIES)
    assert [s.line for s in plan.skipped if s.reason == UNKNOWN] == [5, 7, 8, 9]  # no /find, no search
    assert len(plan.matched) == 3 and plan.new == ()
    many = ParsedFile("simkl", (row(1, "Seoul Night Market"), row(2, "The Quiet Tailor")), ())
    async with TMDB("k", fake.base, timeout=3.0) as tmdb:
        plan = await plan_import(many, "y.csv", store, tmdb, DEFAULT_TMDB_COUNTRIES, max_new=1)
        assert [n.row.line for n in plan.new] == [1] and [(s.line, s.reason) for s in plan.skipped] == [
            (2, OVER_BUDGET)
        ]
        fake.down = True  # TMDB failing while planning: the rows are unknown, nothing breaks
        plan = await plan_import(many, "y.csv", store, tmdb, DEFAULT_TMDB_COUNTRIES)
        assert {s.reason for s in plan.skipped} == {UNKNOWN}


def test_episodes_count_from_the_first_season_and_sessions_budget():
    events = (EpisodeEvent(1, 3, 8, AT), EpisodeEvent(None, 4, None, AT), EpisodeEvent(2, 1, 6, AT),
              EpisodeEvent(0, 1, 6, AT))  # fmt: skip
    assert item_of(row(1, "x", episodes=events), 7).episodes == ((3, 8, AT), (4, None, AT))
    now = [0.0]
    sessions = Sessions(ttl=10.0, clock=lambda: now[0])
    with sessions.running(1):
        with pytest.raises(UserError, match="still running"), sessions.running(1):
            pass
    plan = object()
    first = sessions.keep(1, plan, replace=False, guild_id=None)  # type: ignore[arg-type]
    second = sessions.keep(1, plan, replace=False, guild_id=None)  # type: ignore[arg-type]
    assert sessions.take(1, first.number) is None  # replaced by a newer preview
    now[0] = 11.0
    assert sessions.take(1, second.number) is None  # expired
    budget = FileBudget(per_day=1, clock=lambda: now[0])
    budget.check(1)
    budget.spend(1)
    with pytest.raises(UserError, match="a day"):
        budget.check(1)

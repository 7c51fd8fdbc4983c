"""`import-tmdb --discover` and `refresh-tmdb` (bot/tmdb/bulk.py, bot/cli/catalogue.py) against the TMDB stand-in."""

from __future__ import annotations

import argparse
import asyncio
import io

import pytest

from bot.cli import catalogue as catalogue_cli
from bot.settings import Settings
from bot.store import Store
from bot.tmdb.bulk import Progress, discover, run_refresh
from bot.tmdb.client import TMDB
from bot.tmdb.limits import TokenBucket
from tests import tmdb_standin
from tests.bot.store.readbacks import upsert
from tests.tmdb_standin import HARBOR, HARBOR_ID, SCRIPTED, TV_ID, FakeTMDB

KR = ("KR",)


def cli_args(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    catalogue_cli.add_parser(parser.add_subparsers(dest="command"))
    return parser.parse_args(["catalogue", *argv])


async def cli(store: Store, fake: FakeTMDB, *argv: str, countries: tuple[str, ...] = ("KR", "JP")) -> int:
    settings = Settings(token="", tmdb_api_key="k", tmdb_api_base=fake.base, tmdb_origin_countries=countries)
    return await catalogue_cli.run(store, cli_args(*argv), settings)


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_is_a_bar_on_a_terminal_and_lines_otherwise():
    tty, plain = Terminal(), io.StringIO()
    for stream in (tty, plain):
        bar = Progress(2, stream)
        bar.step("added", "one")
        bar.step("unchanged", "two")
        bar.finish()
    assert tty.getvalue().count("\r") == 2 and "[" + "#" * 30 + "] 2/2" in tty.getvalue()
    assert tty.getvalue().endswith("\n") and tty.getvalue().count("\n") == 1
    assert plain.getvalue().splitlines() == ["[1/2] added     one", "[2/2] unchanged two"]


async def test_discover_pages_through_the_most_popular_and_a_rerun_adds_nothing(
    store: Store, fake: FakeTMDB, capsys
):
    fake.page_size = 2
    assert (
        await cli(
            store, fake, "import-tmdb", "--discover", "--limit", "4", "--country", "KR", "--country", "jp"
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "4 added, 0 updated, 0 unchanged, 0 skipped" in out
    (discover_call, *_) = [q for p, q, _ in fake.requests if p == "/discover/tv"]
    assert discover_call["with_origin_country"] == "KR|JP" and discover_call["sort_by"] == "popularity.desc"
    assert set(discover_call["without_genres"].split(",")) == {"16", "10767", "10763", "10764"}
    imported = [await store.catalogue.by("tmdb_id", s["id"]) for s in SCRIPTED]
    assert [d is not None for d in imported] == [True, True, True, False, True, False]  # TW is not asked for
    harbor = imported[0]
    assert (harbor.status, harbor.imdb_id, str(harbor.first_air_date)) == (
        "airing",
        "tt99000010",
        "2026-10-03",
    )
    assert len(await store.catalogue.episodes(harbor.id)) == 12

    assert await cli(store, fake, "import-tmdb", "--discover", "--limit", "4", "--country", "KR,JP") == 0
    assert "0 added, 0 updated, 4 unchanged, 0 skipped" in capsys.readouterr().out


async def test_discover_since_and_country_defaults(store: Store, fake: FakeTMDB, capsys):
    assert await cli(store, fake, "import-tmdb", "--discover", "--since", "2020", countries=("KR", "TW")) == 0
    out = capsys.readouterr().out
    assert "3 added" in out  # Harbor 2026, Seoul Night Market 2021, Harbor Lights Clinic 2023
    (call,) = [q for p, q, _ in fake.requests if p == "/discover/tv"]
    assert call["first_air_date.gte"] == "2020-01-01" and call["with_origin_country"] == "KR|TW"


async def test_discover_skips_what_tmdb_should_have_filtered_and_says_why(
    store: Store, fake: FakeTMDB, monkeypatch
):
    # A TMDB that ignores without_genres: the animated series still never gets in.
    original = fake._discover
    monkeypatch.setattr(fake, "_discover", lambda q: original({**q, "without_genres": ""}))
    async with TMDB("k", fake.base) as tmdb:
        summary = await discover(store, tmdb, ("JP",), limit=5, since=None, stream=io.StringIO())
    assert (summary.added, summary.skipped) == (
        1,
        [("Harbor Heroes (animated) (TMDB 9900101)", "genre animation")],
    )


async def test_discover_honours_429_retry_after_and_stays_under_the_rate(store: Store, fake: FakeTMDB):
    fake.retry_after = "0.3"
    fake.script(f"/tv/{HARBOR_ID}", "429")
    bucket = TokenBucket(3, 20.0)
    async with TMDB("k", fake.base, limiter=bucket) as tmdb:
        summary = await discover(store, tmdb, KR, limit=2, since=None, stream=io.StringIO())
    assert summary.added == 2
    assert [p for p, _, _ in fake.requests].count(f"/tv/{HARBOR_ID}") == 2  # retried once, after Retry-After


async def test_an_interrupted_discover_leaves_nothing_half_written_and_a_rerun_resumes(
    store: Store, fake: FakeTMDB
):
    second = SCRIPTED[1]["id"]
    fake.delay = 2.0  # longer than the test waits before interrupting (the stand-in stops after it)
    fake.script(f"/tv/{second}/season", "slow")  # hangs while fetching the second series' episodes
    async with TMDB("k", fake.base, timeout=60) as tmdb:
        task = asyncio.create_task(discover(store, tmdb, KR, limit=3, since=None, stream=io.StringIO()))
        for _ in range(200):
            if fake.hits(f"/tv/{second}/season/1"):
                break
            await asyncio.sleep(0.02)
        task.cancel()  # what Ctrl-C does to asyncio.run's task
        with pytest.raises(asyncio.CancelledError):
            await task
    assert await store.catalogue.by("tmdb_id", HARBOR_ID) is not None
    assert await store.catalogue.by("tmdb_id", second) is None
    async with TMDB("k", fake.base) as tmdb:
        summary = await discover(store, tmdb, KR, limit=3, since=None, stream=io.StringIO())
    assert (summary.added, summary.unchanged) == (2, 1)


async def test_discover_reports_a_series_that_fails_and_goes_on(store: Store, fake: FakeTMDB, capsys):
    fake.script(f"/tv/{SCRIPTED[1]['id']}", "500")
    assert await cli(store, fake, "import-tmdb", "--discover", "--limit", "3", "--country", "KR") == 0
    out = capsys.readouterr().out
    assert "2 added, 0 updated, 0 unchanged, 1 skipped" in out
    assert "skipped Seoul Night Market (TMDB 9900002): TMDB answered 500" in out


async def test_discover_argument_errors(store: Store, fake: FakeTMDB, capsys):
    assert await cli(store, fake, "import-tmdb", "--discover", "--country", "Korea") == 1
    assert await cli(store, fake, "import-tmdb", "--discover", "--limit", "0") == 1
    assert await cli(store, fake, "import-tmdb", "--discover", "--since", "20") == 1
    assert await cli(store, fake, "import-tmdb") == 1
    assert "--discover" in capsys.readouterr().err
    assert fake.requests == []


async def test_refresh_adds_new_episodes_and_skips_ended_dramas_unless_all(
    store: Store, fake: FakeTMDB, monkeypatch
):
    async with TMDB("k", fake.base) as tmdb:
        await discover(store, tmdb, KR, limit=2, since=None, stream=io.StringIO())
        # Two more episodes aired for the airing one; the ended one changed too, but --airing skips it.
        monkeypatch.setitem(tmdb_standin.ALL_SERIES, HARBOR_ID, {**HARBOR, "number_of_episodes": 14})
        ended_id = SCRIPTED[1]["id"]
        monkeypatch.setitem(tmdb_standin.ALL_SERIES, ended_id, {**SCRIPTED[1], "number_of_episodes": 18})
        summary = await run_refresh(store, tmdb)
        assert (summary.updated, summary.unchanged) == (1, 0)
        harbor = await store.catalogue.by("tmdb_id", HARBOR_ID)
        assert harbor.episode_count == 14 and len(await store.catalogue.episodes(harbor.id)) == 14
        assert (await store.catalogue.by("tmdb_id", ended_id)).episode_count == 16
        summary = await run_refresh(store, tmdb, airing_only=False)
        assert (summary.updated, summary.unchanged) == (1, 1)
        assert (await store.catalogue.by("tmdb_id", ended_id)).episode_count == 18


async def test_refresh_keeps_the_curated_title_of_a_linked_drama(
    store: Store, fake: FakeTMDB, records, capsys
):
    await upsert(
        store, records.drama("goblin-2016", "Goblin", 16, tmdb_id=TV_ID, wikidata_id="Q12345")
    )
    assert await cli(store, fake, "refresh-tmdb", "--all") == 0
    assert "0 added, 1 updated" in capsys.readouterr().out
    goblin = await store.catalogue.by("tmdb_id", TV_ID)
    assert goblin.title == "Goblin" and goblin.slug == "goblin-2016" and goblin.wikidata_id == "Q12345"
    assert "Guardian: The Lonely and Great God" in goblin.aliases
    assert goblin.native_title == "쓸쓸하고 찬란하神-도깨비" and len(await store.catalogue.episodes(goblin.id)) == 16

"""The TMDB refresh's order (bot/tmdb_bulk.refresh_plan, bot/store/refreshes.py): followed and reminded
dramas first, a bounded batch of the others in turn, dramas that ended (or whose last episode aired long
ago) skipped or taken rarely; the plan's rules, the store on both backends, and runs against the TMDB
stand-in with hundreds of linked dramas."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from bot.models import Drama, Episode, RefreshCandidate
from bot.store import Store
from bot.tmdb.bulk import QUIET_AFTER, QUIET_EVERY, refresh_plan, run_refresh
from bot.tmdb.client import TMDB
from tests.bot.store.readbacks import upsert
from tests.tmdb_standin import HARBOR_ID, FakeTMDB

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
TODAY = NOW.date()


def candidate(i: int, *, status: str | None = "airing", last: date | None = TODAY, at: datetime | None = None,
              watched: bool = False) -> RefreshCandidate:  # fmt: skip
    return RefreshCandidate(i, 1000 + i, f"d{i}", status, last, at, watched)


def ids(plan: list[RefreshCandidate]) -> list[int]:
    return [c.drama_id for c in plan]


def test_followed_and_reminded_dramas_come_first_and_the_others_in_a_bounded_batch():
    others = [candidate(i, at=NOW - timedelta(hours=i)) for i in range(1, 301)]
    watched = candidate(999, watched=True, at=NOW)  # added last, refreshed a moment ago: first all the same
    plan = refresh_plan([*others, watched], NOW, batch=10)
    assert ids(plan) == [999, *range(300, 290, -1)]  # then those refreshed longest ago
    assert ids(refresh_plan([*others, watched], NOW, batch=0)) == [999]
    assert len(refresh_plan([*others, watched], NOW, batch=None)) == 301


def test_never_refreshed_dramas_go_first_among_the_others():
    plan = refresh_plan([candidate(1, at=NOW - timedelta(days=3)), candidate(2), candidate(3)], NOW, batch=2)
    assert ids(plan) == [2, 3]


def test_ended_dramas_are_skipped_and_long_quiet_ones_taken_once_a_week():
    long_ago = TODAY - QUIET_AFTER - timedelta(days=1)
    ended = candidate(1, status="ended", at=None)
    quiet = candidate(2, status=None, last=long_ago, at=NOW - QUIET_EVERY + timedelta(hours=1))
    quiet_due = candidate(3, status="upcoming", last=long_ago, at=NOW - QUIET_EVERY)
    quiet_new = candidate(4, status=None, last=long_ago, at=None)  # never refreshed: once
    returning = candidate(5, status="airing", last=long_ago, at=NOW - timedelta(hours=1))  # TMDB: returning
    recent = candidate(6, status=None, last=TODAY - QUIET_AFTER + timedelta(days=1), at=NOW)
    ended_followed = candidate(7, status="ended", watched=True)
    quiet_followed = candidate(8, status=None, last=long_ago, at=NOW, watched=True)
    everything = [ended, quiet, quiet_due, quiet_new, returning, recent, ended_followed, quiet_followed]
    assert ids(refresh_plan(everything, NOW)) == [8, 4, 3, 5, 6]
    # refresh-tmdb --all: every linked drama, followed and reminded ones first.
    assert ids(refresh_plan(everything, NOW, everything=True)) == [7, 8, 1, 4, 3, 2, 5, 6]


async def test_candidates_and_refresh_times_on_the_store(store: Store, records):
    followed, _ = await upsert(
        store, records.drama("followed", tmdb_id=11, status="airing"),
        [Episode(1, air_date=date(2026, 11, 1)), Episode(2, air_date=date(2026, 11, 8)), Episode(3)],
    )
    reminded, _ = await upsert(store, records.drama("reminded", tmdb_id=12, status="airing"))
    paused, _ = await upsert(
        store, records.drama("paused", tmdb_id=13, first_air_date=date(2020, 1, 3))
    )
    await upsert(store, records.drama("not-linked"))
    await store.airing.follow(5, followed, by=1, now=NOW)
    await store.airing.remind(7, reminded, now=NOW)
    await store.airing.remind(8, paused, now=NOW)
    await store.db.write(lambda tx: tx.execute("UPDATE reminders SET paused = 1 WHERE user_id = 8"))
    found = await store.refreshes.candidates()
    assert found == [
        RefreshCandidate(followed, 11, "followed", "airing", date(2026, 11, 8), None, True),
        RefreshCandidate(reminded, 12, "reminded", "airing", None, None, True),
        RefreshCandidate(paused, 13, "paused", None, date(2020, 1, 3), None, False),  # a paused reminder
    ]
    at = NOW - timedelta(minutes=5)
    await store.refreshes.refreshed(followed, at)
    await store.refreshes.refreshed(followed, NOW)  # again: the later time
    await store.refreshes.refreshed(reminded, at)
    await store.refreshes.refreshed(99_999, NOW)  # gone meanwhile: nothing written, nothing raised
    assert await store.refreshes.refreshed_at(followed) == NOW
    assert [c.refreshed_at for c in await store.refreshes.candidates()] == [NOW, at, None]
    await store.db.write(lambda tx: tx.execute("DELETE FROM dramas WHERE id = ?", (reminded,)))
    assert await store.refreshes.refreshed_at(reminded) is None  # the row went with its drama


async def linked_catalogue(store: Store, count: int) -> list[int]:
    """`count` linked airing dramas TMDB's stand-in does not know (each is one request: a 404), then
    HARBOR, which it knows, added last."""
    entries = [
        (Drama(0, f"linked-{i}", f"Linked {i}", 8, status="airing", tmdb_id=9_970_000 + i), (), ())
        for i in range(count)
    ]
    entries.append((Drama(0, "harbor", "Moonlit Harbor", 12, status="airing", tmdb_id=HARBOR_ID), (), ()))
    entries.append((Drama(0, "gone", "Gone Long Ago", 8, status="ended", tmdb_id=9_979_999), (), ()))
    await store.catalogue.upsert_many(entries)
    return [c.drama_id for c in await store.refreshes.candidates()]


def series_asked(fake: FakeTMDB) -> list[int]:
    """The series whose /tv/{id} was asked, in order."""
    return [int(p.split("/")[2]) for p, _, _ in fake.requests if p.count("/") == 2 and p.startswith("/tv/")]


async def test_a_followed_drama_added_last_is_refreshed_first_and_runs_stay_bounded(
    store: Store, fake: FakeTMDB
):
    await linked_catalogue(store, 300)
    harbor = await store.catalogue.by("tmdb_id", HARBOR_ID)
    await store.airing.follow(5, harbor.id, by=1, now=NOW)
    async with TMDB("k", fake.base) as tmdb:
        summary = await run_refresh(store, tmdb, lambda: NOW, batch=20)
        first = series_asked(fake)
        assert first[0] == HARBOR_ID and len(first) == 21  # the followed one, then a batch of 20
        assert 9_979_999 not in first  # ended: skipped
        assert summary.updated == 1 and len(summary.skipped) == 20  # the stand-in knows none of the others
        fake.requests.clear()
        await run_refresh(store, tmdb, lambda: NOW + timedelta(hours=3), batch=20)
        second = series_asked(fake)
        assert second[0] == HARBOR_ID and len(second) == 21
        assert not set(first[1:]) & set(second[1:])  # the next 20 in turn, none twice
        assert first[1:] == [9_970_000 + i for i in range(20)] and second[1:] == [
            9_970_020 + i for i in range(20)
        ]
        fake.requests.clear()
        await run_refresh(store, tmdb, lambda: NOW, airing_only=False, batch=20)  # --all: every one
        assert len(series_asked(fake)) == 302 and series_asked(fake)[0] == HARBOR_ID

"""The PostgreSQL backend across processes: several Store instances (each with its own pool and LISTEN
connection, as separate bot processes have) on one database.

The rest of the store suite runs on PostgreSQL through the parametrised `store` fixture; these tests are
about what only shows with more than one process: concurrent ratings, deadlocks, NOTIFY, lost LISTEN
connections, concurrent starts and newer schemas.
"""

from __future__ import annotations

import asyncio
import random

import asyncpg
import pytest

from bot.errors import SchemaTooNew
from bot.models import ScoreSummary
from bot.store import Store, open_store
from bot.store.pg_schema import migrations
from tests.bot.conftest import Records
from tests.bot.store.readbacks import community_scores, upsert

GUILDS = (None, 111, 222, 333)
WAIT = 10.0  # s: a generous bound for something that normally takes milliseconds (no timed assertion)


async def eventually(check, what: str) -> None:
    """Poll `check()` until true; fail with `what` after WAIT seconds."""
    for _ in range(int(WAIT / 0.02)):
        if check():
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"not within {WAIT} s: {what}")


@pytest.fixture
async def two_stores(pg_migrated_url: str):
    first = await open_store(pg_migrated_url, pool_max=5)
    second = await open_store(pg_migrated_url, pool_max=5)
    try:
        yield first, second
    finally:
        await first.close()
        await second.close()


async def test_a_thousand_concurrent_rates_over_two_processes_leave_exact_totals(two_stores, pg_migrated_url):
    first, second = two_stores
    drama_id, _ = await upsert(
        first, Records.drama("contested", episode_count=3), Records.episodes(3)
    )
    rng = random.Random(11)
    submitted: dict[tuple[int, int], set[tuple[int | None, int]]] = {}
    keys, jobs = [], []
    for i in range(1000):
        user = rng.randint(1, 400)  # many members rate more than once, through either process
        episode = rng.choice((None, None, 1, 2, 3))
        guild = rng.choice(GUILDS)
        halves = rng.randint(1, 10)
        store = (first, second)[i % 2]
        keys.append((user, episode or 0))
        submitted.setdefault((user, episode or 0), set()).add((guild, halves))
        jobs.append(
            store.ratings.rate(
                user_id=user, guild_id=guild, drama_id=drama_id, score=halves / 2, episode=episode
            )
        )
    results = await asyncio.gather(*jobs)

    conn = await asyncpg.connect(pg_migrated_url)
    try:
        stored = {
            (r["user_id"], r["episode"]): (r["guild_id"], r["halves"])
            for r in await conn.fetch("SELECT user_id, episode, guild_id, halves FROM ratings")
        }
        fresh = sorted(
            tuple(r)
            for r in await conn.fetch(
                "SELECT episode, 0::bigint AS scope, count(*), sum(halves) FROM ratings GROUP BY episode "
                "UNION ALL SELECT episode, guild_id, count(*), sum(halves) FROM ratings "
                "WHERE guild_id IS NOT NULL GROUP BY episode, guild_id"
            )
        )
        kept = sorted(
            tuple(r)
            for r in await conn.fetch("SELECT episode, scope, n, halves FROM rating_totals WHERE n <> 0")
        )
    finally:
        await conn.close()
    # One score per member per drama and per episode, and it is one of the scores that member gave.
    assert set(stored) == set(submitted)
    assert all(stored[key] in submitted[key] for key in stored)
    # Exactly one answer per key saw no earlier score: the first one committed, whichever process.
    firsts: dict[tuple[int, int], int] = {}
    for key, result in zip(keys, results, strict=True):
        firsts[key] = firsts.get(key, 0) + (result.previous is None)
    assert set(firsts.values()) == {1}
    assert kept == fresh  # the trigger-kept totals equal a fresh count
    whole = [h for (_, e), (_, h) in stored.items() if e == 0]
    for store in (first, second):
        scores = await community_scores(store, drama_id, None)
        assert scores.everyone == ScoreSummary(len(whole), sum(whole))
        assert scores.everyone.average == pytest.approx(sum(whole) / len(whole) / 2)
    assert (await first.catalogue.stats()).ratings == len(stored)


async def test_a_catalogue_change_in_one_process_reaches_the_others_index(two_stores):
    first, second = two_stores
    assert second.titles.search("Signal") == []
    drama_id, _ = await upsert(
        first, Records.drama("signal", title="Signal", aliases=("Sigeuneol",))
    )
    # Nothing asks the second process to look: NOTIFY (sent at commit) reaches its LISTEN connection.
    await eventually(lambda: [h.drama_id for h in second.titles.search("Signal")] == [drama_id], "NOTIFY")
    assert [h.drama_id for h in second.titles.search("sigeun")] == [drama_id]

    await first.curation.curate(
        "signal", lambda record: None, action="remove", actor_id=1, actor_name="t", guild_id=None
    )
    await eventually(lambda: second.titles.search("Signal") == [], "the removal")
    assert await second.catalogue.find("Signal") == []


async def test_after_a_lost_listen_connection_it_listens_again_and_reloads(two_stores, pg_migrated_url):
    first, second = two_stores
    listener = second.db.listener
    assert listener.listening and listener.reconnects == 0
    # A change no notification announces (written behind the stores' backs): only a reload finds it.
    conn = await asyncpg.connect(pg_migrated_url)
    try:
        async with conn.transaction():
            drama_id = await conn.fetchval(
                "INSERT INTO dramas (slug, title, episode_count) VALUES ('quiet', 'Quiet Change', 2) RETURNING id"
            )
            await conn.execute(
                "INSERT INTO drama_names (drama_id, kind, name, folded) VALUES ($1, 'title', 'Quiet Change', "
                "'quiet change')",
                drama_id,
            )
            await conn.execute(
                "INSERT INTO meta (key, value) VALUES ('catalogue_rev', '1000') "
                "ON CONFLICT (key) DO UPDATE SET value = (meta.value::bigint + 1000)::text"
            )
        assert second.titles.search("Quiet") == []
        killed = await conn.fetchval("SELECT pg_terminate_backend($1)", listener._connection.get_server_pid())
        assert killed
    finally:
        await conn.close()
    await eventually(lambda: listener.reconnects == 1 and listener.listening, "the LISTEN reconnection")
    await eventually(lambda: [h.drama_id for h in second.titles.search("Quiet")] == [drama_id], "the reload")
    # And notifications arrive on the new connection.
    await upsert(first, Records.drama("after", title="After The Storm"))
    await eventually(lambda: second.titles.search("After The Storm") != [], "NOTIFY after reconnecting")


async def test_a_deadlock_is_retried_and_never_seen(two_stores):
    first, second = two_stores
    await first.set_meta("k1", "0")
    await first.set_meta("k2", "0")
    a_locked, b_locked = asyncio.Event(), asyncio.Event()
    tries = {"a": 0, "b": 0}

    def crosswise(name: str, mine: asyncio.Event, theirs: asyncio.Event, keys: tuple[str, str]):
        async def fn(tx):
            tries[name] += 1
            await tx.execute("UPDATE meta SET value = ? WHERE key = ?", (name, keys[0]))
            mine.set()
            await theirs.wait()
            await tx.execute("UPDATE meta SET value = ? WHERE key = ?", (name, keys[1]))

        return fn

    await asyncio.gather(
        first.db.write(crosswise("a", a_locked, b_locked, ("k1", "k2"))),
        second.db.write(crosswise("b", b_locked, a_locked, ("k2", "k1"))),
    )
    assert sorted(tries.values())[1] >= 2  # PostgreSQL aborted one of them at least once; it ran again
    assert {await first.get_meta("k1"), await first.get_meta("k2")} in ({"a"}, {"b"})


async def test_processes_starting_together_migrate_once(pg_url):
    stores = await asyncio.gather(*(open_store(pg_url, pool_max=2) for _ in range(4)))
    try:
        conn = await asyncpg.connect(pg_url)
        try:
            rows = await conn.fetch("SELECT version FROM schema_version ORDER BY version")
        finally:
            await conn.close()
        assert [r["version"] for r in rows] == [n for n, _, _ in migrations()]
        drama_id, _ = await upsert(stores[0], Records.drama("shared"))
        assert (await stores[3].catalogue.get(drama_id)).slug == "shared"
    finally:
        for store in stores:
            await store.close()


async def test_a_newer_schema_is_refused_and_left_alone(pg_migrated_url):
    conn = await asyncpg.connect(pg_migrated_url)
    try:
        newer = len(migrations()) + 1
        await conn.execute("INSERT INTO schema_version (version, name) VALUES ($1, 'from the future')", newer)
        with pytest.raises(SchemaTooNew, match="schema version"):
            await Store.open(pg_migrated_url)
        assert await conn.fetchval("SELECT max(version) FROM schema_version") == newer
    finally:
        await conn.close()


def test_placeholders_are_numbered_outside_quoted_text():
    from bot.store.db import numbered

    assert numbered("SELECT ? , ?") == "SELECT $1 , $2"
    assert numbered("SELECT '?' , \"a?b\", ? FROM t WHERE x = 'it''s ?' AND y = ?") == (
        "SELECT '?' , \"a?b\", $1 FROM t WHERE x = 'it''s ?' AND y = $2"
    )
    assert numbered("SELECT 1") == "SELECT 1"


async def test_reads_go_on_after_the_pool_connections_are_killed(two_stores, pg_migrated_url):
    """After a server restart (or killed backends) the pool's dead connections are replaced: no member sees it."""
    first, _second = two_stores
    drama_id, _ = await upsert(first, Records.drama("survivor"))
    await first.set_meta("k", "v")
    conn = await asyncpg.connect(pg_migrated_url)
    try:  # every connection of every pool, as a server restart would (the LISTEN ones too)
        killed = await conn.fetchval(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
    finally:
        await conn.close()
    assert killed >= 3
    await first.set_meta("written", "after")  # a write first: its transaction begins on a fresh connection
    assert await first.get_meta("k") == "v"
    assert await first.get_meta("written") == "after"
    assert (await first.catalogue.get(drama_id)) is not None  # cached or read again: either way, an answer
    assert (await first.catalogue.stats()).dramas == 1
    await eventually(lambda: first.db.listener.listening, "the LISTEN reconnection")


async def test_rates_go_on_after_the_pool_connections_are_killed(two_stores, pg_migrated_url):
    """A batch of ratings is one statement on its own (no BEGIN that would find the connection dead
    first): a dead pooled connection under it is replaced and the batch written, once."""
    first, _second = two_stores
    drama_id, _ = await upsert(first, Records.drama("rated-after"))
    await first.ratings.rate(user_id=1, guild_id=None, drama_id=drama_id, score=2)
    conn = await asyncpg.connect(pg_migrated_url)
    try:
        killed = await conn.fetchval(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid() AND application_name = 'dramabot'"
        )
    finally:
        await conn.close()
    assert killed >= 2
    results = await asyncio.gather(
        *(first.ratings.rate(user_id=u, guild_id=111, drama_id=drama_id, score=4) for u in range(1, 6))
    )
    assert [r.previous for r in results] == [2.0, None, None, None, None]
    assert (await community_scores(first, drama_id, None)).everyone == ScoreSummary(5, 40)


async def test_an_unreachable_server_is_unavailable_not_a_crash(tmp_path):
    from bot.errors import StoreUnavailable

    with pytest.raises(StoreUnavailable):
        await open_store(f"postgresql://dramabot@/none?host={tmp_path}")  # no server on that socket


async def test_exclusive_lets_one_process_at_a_time_do_a_check_then_act(two_stores):
    """What command sync needs: processes starting together each check "synced already?" then sync;
    under `exclusive` exactly one of them acts, the others find it done."""
    first, second = two_stores
    acted: list[int] = []
    inside = 0

    async def start(n: int, store: Store) -> None:
        nonlocal inside
        async with store.exclusive("command_sync:test"):
            inside += 1
            assert inside == 1
            if await store.get_meta("command_sync:test") is None:
                await asyncio.sleep(0.05)  # the sync's HTTP round trip
                acted.append(n)
                await store.set_meta("command_sync:test", "digest")
            inside -= 1

    await asyncio.gather(*(start(n, (first, second)[n % 2]) for n in range(6)))
    assert len(acted) == 1
    async with second.exclusive("command_sync:test"):  # released: free again
        pass


async def test_a_pooled_connection_goes_back_without_a_reset_query_but_never_holding_a_lock(two_stores):
    """The pool's release runs no reset query (one round trip less per read), except on a connection that
    may hold a session advisory lock: that one is unlocked before anyone else gets it."""
    first, second = two_stores
    pool = first.db._pool
    async with pool.acquire() as conn:
        await conn.execute("SET application_name = 'left behind'")  # session state a reset query would undo
        pid = conn.get_server_pid()
    async with pool.acquire() as conn:
        assert conn.get_server_pid() == pid  # the same connection again (the pool's LIFO), not reset
        assert await conn.fetchval("SHOW application_name") == "left behind"
        await conn.execute("RESET application_name")
        first.db._may_hold_locks.add(pid)  # as exclusive() marks it: its unlock may not have run
        assert await conn.fetchval("SELECT pg_try_advisory_lock(hashtext('left'))")
    async with second.try_exclusive("left") as got:
        assert got  # released with the connection
    assert pid not in first.db._may_hold_locks


async def test_an_exclusive_wait_cancelled_leaves_no_lock_behind(two_stores):
    first, second = two_stores
    holding, release = asyncio.Event(), asyncio.Event()

    async def hold() -> None:
        async with first.exclusive("cancelled"):
            holding.set()
            await release.wait()

    holder = asyncio.create_task(hold())
    await holding.wait()
    waiter = asyncio.create_task(second.db.exclusive("cancelled").__aenter__())
    await asyncio.sleep(0.2)  # waiting on the server for the lock
    waiter.cancel()
    await asyncio.gather(waiter, return_exceptions=True)
    release.set()
    await holder
    for store in (first, second, first):
        async with store.try_exclusive("cancelled") as got:
            assert got


async def test_a_cancelled_read_does_not_spoil_the_next(two_stores):
    """A read cancelled (the member's interaction went away) leaves the pool usable: the next read works."""
    first, _second = two_stores
    slow = asyncio.create_task(first.db.fetch("SELECT pg_sleep(5)"))
    await asyncio.sleep(0.2)
    slow.cancel()
    await asyncio.gather(slow, return_exceptions=True)
    assert slow.cancelled()
    assert (await first.db.fetch_one("SELECT 41 + 1"))[0] == 42
    await first.set_meta("after", "cancel")
    assert await first.get_meta("after") == "cancel"

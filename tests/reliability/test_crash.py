"""2. Crash safety: SIGKILL at random moments while members rate; SIGTERM mid-stream."""

from __future__ import annotations

import asyncio
import random
import signal
from pathlib import Path

from tests.e2e.standin import DiscordStandIn

from . import figures
from .drive import confirmed, integrity, rate_stream, ratings, settle


async def test_sigkill_loses_no_confirmed_rating(discord_stub: DiscordStandIn, start_bot, bot_env, long_mode: bool) -> None:
    rounds = 20 if long_mode else 3
    stub = discord_stub
    db = Path(bot_env["DATABASE_URL"])
    rng = random.Random(2)
    entries: list = []
    lost_total = 0
    for _ in range(rounds):
        proc = await start_bot()
        stop = asyncio.Event()
        stream = asyncio.create_task(rate_stream(stub, stop, entries, width=4, prefix=f"k{_}-"))
        await asyncio.sleep(rng.uniform(0.2, 1.5))  # a random moment in the stream
        proc.kill()
        await proc.wait(10)
        stop.set()
        await stream
        assert integrity(db) == "ok"
        stored = ratings(db)
        lost = [(r.id, u, h) for r, u, h in confirmed(entries) if stored.get((int(u), 0)) != h]
        lost_total += len(lost)
        assert not lost, f"{len(lost)} confirmed rating(s) missing after SIGKILL: {lost[:5]}"
    proc = await start_bot()  # and it comes back on the same file
    result = await stub.invoke("rate", {"drama": "soundtrack-1-2022", "score": 4.5}, user=stub.make_user("after"))
    assert result.embeds
    await proc.stop()
    stub.take_violations()  # interactions in flight at a kill are never answered: that is the point
    figures.add("Crash safety (SIGKILL)", "kills survived", rounds)
    figures.add("Crash safety (SIGKILL)", "interactions", len(entries))
    figures.add("Crash safety (SIGKILL)", "answered", len(confirmed(entries)))
    figures.add(
        "Crash safety (SIGKILL)",
        "sent while the bot was down or dying (unanswered, as on Discord)",
        len(entries) - len(confirmed(entries)),
    )
    figures.add("Crash safety (SIGKILL)", "confirmed ratings checked after each kill", len(confirmed(entries)))
    figures.add("Crash safety (SIGKILL)", "lost", lost_total)
    figures.add("Crash safety (SIGKILL)", "integrity_check after every kill", "ok")


async def test_sigterm_answers_in_flight_and_exits_0(discord_stub: DiscordStandIn, start_bot, bot_env) -> None:
    stub = discord_stub
    proc = await start_bot()
    users = [stub.make_user(f"term{i}") for i in range(40)]
    results = await asyncio.gather(
        *(stub.dispatch_command("rate", {"drama": "soundtrack-1-2022", "score": 3.0}, user=u) for u in users)
    )
    await stub.wait_for(lambda: any(r.answered for r in results), 10)  # the bot is working on the burst
    proc.process.send_signal(signal.SIGTERM)
    code = await proc.wait(20)
    answered, failed = await settle(stub, results, timeout=5)
    assert code == 0, proc.output()
    assert failed == 0
    assert "stopped" in proc.output()
    stored = ratings(Path(bot_env["DATABASE_URL"]))
    assert all(stored.get((int(u["id"]), 0)) == 6 for u in users)
    figures.add("Crash safety (SIGTERM)", "interactions in flight at SIGTERM", len(results))
    figures.add("Crash safety (SIGTERM)", "interactions", len(results))
    figures.add("Crash safety (SIGTERM)", "answered", answered)
    figures.add("Crash safety (SIGTERM)", "exit status", code)


async def pg_ratings_and_totals(url: str) -> tuple[dict[tuple[int, int], int], list]:
    """(user_id, episode) -> halves, and every totals row that differs from a recount of the ratings."""
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        rows = await conn.fetch("SELECT user_id, episode, halves FROM ratings")
        drift = await conn.fetch(
            """
            WITH recount AS (
                SELECT drama_id, episode, 0::bigint AS scope, count(*) AS n, sum(halves) AS halves
                  FROM ratings GROUP BY drama_id, episode
                UNION ALL
                SELECT drama_id, episode, guild_id, count(*), sum(halves)
                  FROM ratings WHERE guild_id IS NOT NULL GROUP BY drama_id, episode, guild_id
            )
            SELECT * FROM recount r FULL JOIN rating_totals t USING (drama_id, episode, scope)
             WHERE coalesce(r.n, 0) <> coalesce(t.n, 0) OR coalesce(r.halves, 0) <> coalesce(t.halves, 0)
            """
        )
        return {(r["user_id"], r["episode"]): r["halves"] for r in rows}, list(drift)
    finally:
        await conn.close()


async def test_sigkill_loses_no_confirmed_rating_on_postgresql(
    discord_stub: DiscordStandIn, start_bot, pg_url: str, long_mode: bool
) -> None:
    """The same SIGKILL rounds with the bot on PostgreSQL: every confirmed rating is there after each
    kill, and the trigger-kept totals equal a recount of the ratings."""
    rounds = 10 if long_mode else 2
    stub = discord_stub
    rng = random.Random(3)
    entries: list = []
    for round_ in range(rounds):
        proc = await start_bot({"DATABASE_URL": pg_url}, ready_timeout=60)
        stop = asyncio.Event()
        stream = asyncio.create_task(rate_stream(stub, stop, entries, width=4, prefix=f"p{round_}-"))
        await asyncio.sleep(rng.uniform(0.3, 1.5))
        proc.kill()
        await proc.wait(10)
        stop.set()
        await stream
        stored, drift = await pg_ratings_and_totals(pg_url)
        lost = [(r.id, u, h) for r, u, h in confirmed(entries) if stored.get((int(u), 0)) != h]
        assert not lost, f"{len(lost)} confirmed rating(s) missing after SIGKILL on PostgreSQL: {lost[:5]}"
        assert drift == [], f"totals differ from the ratings after SIGKILL: {drift[:3]}"
    assert confirmed(entries), "no rating was confirmed: the stream never reached the bot"
    stub.take_violations()  # interactions in flight at a kill are never answered
    figures.add("Crash safety (SIGKILL, PostgreSQL)", "kills survived", rounds)
    figures.add("Crash safety (SIGKILL, PostgreSQL)", "confirmed ratings checked after each kill", len(confirmed(entries)))
    figures.add("Crash safety (SIGKILL, PostgreSQL)", "lost", 0)

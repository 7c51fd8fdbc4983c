"""Bench (issue 13): the CPU one announcement cycle costs with 200 servers each following 20 airing dramas.

`python -m bench.airing_cycle [--servers 200] [--follows 20]`: a scratch SQLite database in a temporary
folder, 400 airing dramas (8 episodes a day apart), each server following 20 of them; the clock is put
just after an episode of every drama aired, so the cycle records 200 x 20 posts. What is measured is
`run_cycle` up to the network: recording the intents, reading them back and building every card. The
dispatcher is replaced by one that only counts the intents (Discord is not involved: the network part is
the announcer's, measured end to end by its own tests). Prints process CPU seconds and wall seconds.
`--regions`: every server has a region (/server region: KR or JP) and every drama two streaming entries,
so each card carries its "Where to watch in <region>" field.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from bot.airing.scheduler import run_cycle
from bot.models import AnnounceSettings, Availability, Drama, Episode
from bot.store import Store
from tests.bot.store.readbacks import upsert
from tests.clocks import ManualClock


@dataclass
class CountingDispatcher:
    sent: list = field(default_factory=list)

    async def run(self, intents):  # noqa: ANN001, ANN201 - the Dispatcher.run shape
        self.sent.extend(intents)
        return []


async def main(servers: int, follows: int, with_regions: bool = False) -> None:
    with tempfile.TemporaryDirectory() as folder:
        store = await Store.open(Path(folder) / "bench.db")
        try:
            first = date(2026, 12, 1)
            ids = []
            for d in range(servers * follows // 10 or follows):
                drama = Drama(0, f"airing-{d}", f"Airing {d}", 8, country="KR", status="airing")
                eps = [Episode(n, air_date=first + timedelta(days=n - 1)) for n in range(1, 9)]
                where = (
                    Availability("Tving", "subscription", ("KR",)),
                    Availability("Viki", "ads", ("US", "JP")),
                )
                ids.append((await upsert(store, drama, eps, where if with_regions else ()))[0])
            clock = ManualClock(datetime(2026, 12, 1, 14, 30, tzinfo=UTC))  # 23:30 in Seoul: episode 1 aired
            for g in range(1, servers + 1):
                await store.airing.set_announce(AnnounceSettings(g, 10_000 + g), set_by=1, now=clock.now())
                for k in range(follows):
                    await store.airing.follow(g, ids[(g * 7 + k) % len(ids)], by=1, now=clock.now())
                if with_regions:
                    await store.curation.set_guild_region(
                        g, "KR" if g % 2 else "JP", actor_id=1, actor_name=None
                    )
            dispatcher = CountingDispatcher()
            cpu, wall = time.process_time(), time.perf_counter()
            report = await run_cycle(store, clock, dispatcher)  # type: ignore[arg-type]
            cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
            print(f"{servers} servers x {follows} follows: {report.recorded} recorded, {len(dispatcher.sent)} cards;"
                  f" cycle CPU {cpu:.3f} s, wall {wall:.3f} s")  # fmt: skip
            cpu, wall = time.process_time(), time.perf_counter()
            await run_cycle(store, clock, CountingDispatcher())  # type: ignore[arg-type]
            cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
            print(f"a cycle with nothing new (everything recorded): CPU {cpu:.3f} s, wall {wall:.3f} s")
        finally:
            await store.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--servers", type=int, default=200)
    parser.add_argument("--follows", type=int, default=20)
    parser.add_argument("--regions", action="store_true", help="every server has a region (/server region)")
    args = parser.parse_args()
    asyncio.run(main(args.servers, args.follows, args.regions))

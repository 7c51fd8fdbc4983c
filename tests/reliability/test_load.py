"""1. Concurrent load: many members rating at once, mixed with /review, /where and autocomplete."""

from __future__ import annotations

import asyncio
import random
from pathlib import Path

from tests.e2e.standin import DiscordStandIn

from . import figures
from .drive import DRAMA, could_ping, late, ratings, settle, tracebacks_shown


async def test_concurrent_ratings(discord_stub: DiscordStandIn, start_bot, bot_env, long_mode: bool) -> None:
    n = 1000 if long_mode else 300
    await start_bot()
    stub = discord_stub
    users = [stub.make_user(f"fan{i}") for i in range(n)]
    rng = random.Random(4)
    first = {u["id"]: rng.randint(1, 10) for u in users}
    second = {u["id"]: rng.randint(1, 10) for u in users}
    db = Path(bot_env["DATABASE_URL"])
    sent = answered_total = late_total = 0

    async def burst(scores: dict[str, int]) -> list:
        extras = []
        dispatches = [
            stub.dispatch_command("rate", {"drama": DRAMA, "score": scores[u["id"]] / 2}, user=u) for u in users
        ]
        for i in range(n // 10):  # one in ten: someone else looks at a card, a region or types a title
            kind = i % 3
            if kind == 0:  # members of their own: one member's 20 cards in a minute would meet the cooldown
                extras.append(stub.dispatch_command("review", {"drama": DRAMA}, user=stub.make_user(f"viewer{i}")))
            elif kind == 1:
                extras.append(stub.dispatch_command("where", {"drama": DRAMA, "region": "KR"}))
            else:
                extras.append(stub.dispatch_command("rate", {"drama": "sound"}, focused="drama"))
        everything = dispatches + extras
        rng.shuffle(everything)
        return await asyncio.gather(*everything)

    for scores in (first, second):
        results = await burst(scores)
        answered, failed = await settle(stub, results, timeout=30)
        sent += len(results)
        answered_total += answered
        late_total += late(results)
        assert failed == 0, [r.describe() for r in results if not r.answered][:3]
        assert late(results) == 0
        stored = ratings(db)
        assert len(stored) == n
        assert {str(u): h for (u, _), h in stored.items()} == scores  # each row holds the latest score
    card = await stub.invoke("review", {"drama": DRAMA}, user=stub.make_user("reader"))
    text = str(card.embeds)
    assert f"{n:,}" in text or str(n) in text, text
    figures.add("Concurrent load", "members rating at once", n)
    figures.add("Concurrent load", "interactions", sent)
    figures.add("Concurrent load", "answered", answered_total)
    figures.add("Concurrent load", "late", late_total)
    figures.add("Concurrent load", "rows stored (expected)", f"{len(ratings(db)):,} ({n:,})")
    figures.add("Concurrent load", "lost", n - len(ratings(db)))
    figures.add("Concurrent load", "slowest answer (s)", f"{max(r.elapsed or 0 for r in stub.interactions):.2f}")
    figures.add("Concurrent load", "tracebacks", tracebacks_shown(stub))
    figures.add("Concurrent load", "pings", could_ping(stub))

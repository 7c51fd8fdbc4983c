"""6. Security: the token stays secret, only global curators change the catalogue, nothing pings,
/rate is rate limited per member, and interactions for other applications are ignored."""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path

from cogs.rate import RATE_LIMIT
from tests.e2e.standin import ADMINISTRATOR, DiscordStandIn

from . import figures
from .drive import DRAMA, could_ping, dispatch_raw, ratings, settle

MANAGE_GUILD = 1 << 5


def _token_leaks(token: str, text: str) -> int:
    secret = token.rsplit(".", 1)[-1]  # the HMAC part: the first part is only the bot's id in base64
    return text.count(token) + text.count(secret)


async def test_token_never_printed_or_sent(discord_stub: DiscordStandIn, start_bot) -> None:
    stub = discord_stub
    proc = await start_bot({"LOG_LEVEL": "DEBUG"})
    await stub.invoke("rate", {"drama": DRAMA, "score": 5.0})
    await stub.invoke("review", {"drama": DRAMA})
    await stub.invoke("review", {"drama": "no such drama"})
    await stub.drop_gateway()
    await stub.wait_for(lambda: stub.resumes > 0 and stub.connected, 15)
    await proc.stop()
    wrong = stub.token[:-4] + "abcd"  # a rejected token must not be echoed either
    bad = await start_bot({"DISCORD_TOKEN": wrong}, wait_ready=False)
    code = await bad.wait(30)
    printed = proc.output() + bad.output()
    bodies = json.dumps([r.body for r in stub.requests], default=str)
    assert code != 0
    leaks = _token_leaks(stub.token, printed) + _token_leaks(wrong, printed) + _token_leaks(stub.token, bodies)
    assert leaks == 0
    figures.add("Security", "token occurrences in output and bodies (DEBUG logging, bad token)", leaks)


async def test_catalogue_changes_need_a_global_curator(discord_stub: DiscordStandIn, start_bot, bot_env) -> None:
    """The shared catalogue: /catalogue is offered to every member (for suggestions), so the handlers decide;
    a server's Administrator or Manage Server is refused, and the drama stays."""
    stub = discord_stub
    await start_bot()
    assert "catalogue" in stub.synced_commands()
    refused = 0
    for permissions in (str(MANAGE_GUILD), str(ADMINISTRATOR)):
        result = await dispatch_raw(
            stub, "catalogue remove", {"drama": DRAMA, "confirm": DRAMA}, {}, permissions=permissions,
        )  # fmt: skip
        await settle(stub, [result])
        assert result.answered and result.ephemeral and not result.embeds, result.describe()
        assert "global curators" in (result.content or ""), result.describe()
        refused += 1
    assert "soundtrack" in await _slugs(Path(bot_env["DATABASE_URL"]))
    figures.add("Security", "catalogue removal refused to Manage Server and Administrator", f"{refused} of 2")
    figures.add("Security", "only global curators change the shared catalogue (handler check)", "yes")


async def _slugs(db: Path) -> str:
    import sqlite3

    def read() -> str:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        try:
            return " ".join(r[0] for r in conn.execute("SELECT slug FROM dramas"))
        finally:
            conn.close()

    return await asyncio.to_thread(read)


async def test_rate_limit_per_member(discord_stub: DiscordStandIn, start_bot, bot_env) -> None:
    stub = discord_stub
    await start_bot()
    flooder, neighbour = stub.make_user("flooder"), stub.make_user("neighbour")
    answers = []
    for i in range(RATE_LIMIT + 2):
        score = 0.5 + (i % 10) / 2
        answers.append(await stub.invoke("rate", {"drama": DRAMA, "score": score}, user=flooder))
    accepted = [a for a in answers if a.embeds]
    refused = [a for a in answers if not a.embeds]
    assert len(accepted) == RATE_LIMIT and len(refused) == 2
    for a in refused:
        assert a.ephemeral and re.search(r"[Tt]ry again in \d+ s", a.content or ""), a.content
    stored = ratings(Path(bot_env["DATABASE_URL"]))
    last_accepted = accepted[-1].interaction["data"]["options"]
    score = next(o["value"] for o in last_accepted if o["name"] == "score")
    assert stored[(int(flooder["id"]), 0)] == int(score * 2)  # the refused ones stored nothing
    other = await stub.invoke("rate", {"drama": DRAMA, "score": 3.0}, user=neighbour)
    assert other.embeds  # one member's flood does not stop anyone else
    figures.add("Security", "rate limit: accepted then refused of 12 in a row", f"{len(accepted)} / {len(refused)}")
    figures.add("Security", "rate limit answer", refused[0].content or "")


async def test_foreign_application_ignored(discord_stub: DiscordStandIn, start_bot, bot_env) -> None:
    stub = discord_stub
    await start_bot()
    user = stub.make_user("spoofed")
    foreign = stub.snowflake()
    spoofed = [
        await dispatch_raw(stub, "rate", {"drama": DRAMA, "score": 1.0}, {}, user=user, application_id=foreign),
        await dispatch_raw(stub, "rate", {"drama": "sound"}, {}, user=user, focused="drama", application_id=foreign),
        await dispatch_raw(stub, "review", {"drama": DRAMA}, {}, user=user, application_id=foreign),
    ]
    ours = await stub.invoke("rate", {"drama": DRAMA, "score": 5.0}, user=stub.make_user("genuine"))
    assert ours.embeds
    await stub.invoke("review", {"drama": DRAMA})  # and once more, so the bot has surely read the spoofed ones
    assert all(not r.arrivals for r in spoofed), [r.describe() for r in spoofed]
    assert (int(user["id"]), 0) not in ratings(Path(bot_env["DATABASE_URL"]))
    assert could_ping(stub) == 0
    figures.add("Security", "interactions for another application answered", 0)
    figures.add("Security", "pings", could_ping(stub))

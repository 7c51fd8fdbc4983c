"""/pick through the real bot process and the stand-in's polls: who may start one, a poll posted with the
server's most planned dramas, a second poll refused, the bot refused Send Polls, votes, the poll's end read
through the bot's clock file, and the winner's card (with where to watch in the server's region) posted
once; then the end without votes, and a deleted poll. One test per backend."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.models import Availability, Drama
from bot.store import Store
from tests.bot.store.readbacks import upsert

from .channels import overwrite
from .polls import SEND_POLLS
from .standin import DEFAULT_MEMBER_PERMISSIONS
from .waiting import eventually

MANAGE_EVENTS = 1 << 33
ORGANISER = str(int(DEFAULT_MEMBER_PERMISSIONS) | MANAGE_EVENTS)
START = datetime.now(UTC).replace(microsecond=0)
CYCLE = {"AIRING_CYCLE_SECONDS": "0.2"}
# slug, title, members planning it, this server's scores (ties on plans go to the better score)
DRAMAS = (
    ("pick-alpha", "Alpha Nights", 3, ()),
    ("pick-beta", "Beta Days", 2, (1, 1.5, 1)),
    ("pick-gamma", "Gamma Road", 2, (5, 4.5, 5)),
    ("pick-delta", "Delta Station", 1, ()),
)


async def seed(location: str | Path, guild_id: int, planned: tuple[str, ...] | None = None) -> dict[str, int]:
    """The dramas, their plans (only those of `planned` when given) and scores, the server's region."""
    store = await Store.open(location)
    try:
        ids = {}
        for n, (slug, title, plans, scores) in enumerate(DRAMAS):
            where = (Availability("Netflix", "subscription", ("KR",)),) if slug == "pick-gamma" else ()
            ids[slug], _ = await upsert(store, Drama(0, slug, title, 8, country="KR"), (), where)
            for member in range(plans if planned is None or slug in planned else 0):
                await store.watchlists.set(user_id=100 + member + 10 * n, guild_id=guild_id,
                                           drama_id=ids[slug], status="plan")  # fmt: skip
            for member, score in enumerate(scores):
                await store.ratings.rate(
                    user_id=200 + member, guild_id=guild_id, drama_id=ids[slug], score=score
                )
        await store.curation.set_guild_region(guild_id, "KR", actor_id=1, actor_name="admin")
        return ids
    finally:
        await store.close()


async def invoke_with_roles(stub, command: str, options: dict, roles: list[str]):  # noqa: ANN001, ANN201
    """A command from a member holding `roles` (a plain member's permissions otherwise)."""
    payload = stub._application_command_payload(
        command, options, itype=2, focused=None, user=None, guild=True, permissions=None
    )
    payload["member"]["roles"] = list(roles)
    return await stub.wait_for_answer(await stub._dispatch_interaction(payload))


def said(result) -> str:  # noqa: ANN001
    """The text the member sees: the last follow-up, or the answer itself."""
    shown = result.followup_messages[-1] if result.followup_messages else result.message
    return shown["content"]


def polls_in(stub) -> list[dict]:  # noqa: ANN001
    return [m for m in stub.world.messages_in(stub.channel_id) if "poll" in m]


def results_in(stub, words: str) -> list[dict]:  # noqa: ANN001
    return [m for m in stub.world.messages_in(stub.channel_id) if m["type"] != 46
            and (words in m["content"] or any(words in (e.get("title") or "") for e in m["embeds"]))]  # fmt: skip


async def test_pick_on_sqlite_posts_a_poll_and_its_winner_once(discord_stub, start_bot, bot_env, tmp_path):
    stub = discord_stub
    await seed(bot_env["DATABASE_URL"], int(stub.guild_id))
    clock = tmp_path / "clock.txt"
    clock.write_text(START.isoformat())
    await start_bot(CYCLE, clock=clock)

    # ---- bad input: each answered privately, nothing posted or stored ----
    refused = await stub.invoke("pick", {})
    assert refused.ephemeral and "Manage Events" in refused.content
    await stub.world.set_overwrites(stub.channel_id, [overwrite(stub.guild_id, deny=SEND_POLLS)])
    no_polls = await stub.invoke("pick", {}, permissions=ORGANISER)
    assert "Create Polls" in said(no_polls) and polls_in(stub) == []
    await stub.world.set_overwrites(stub.channel_id, [])

    # ---- the poll: the three most planned dramas, ties by this server's score ----
    posted = await stub.invoke("pick", {"count": 3, "hours": 2}, permissions=ORGANISER)
    assert "Poll posted with 3 dramas" in said(posted)
    (poll_message,) = polls_in(stub)
    poll = poll_message["poll"]
    assert poll["question"]["text"] == "What do we watch next?"
    assert [a["poll_media"]["text"] for a in poll["answers"]] == ["Alpha Nights", "Gamma Road", "Beta Days"]
    # the server's curator role may start one too: here, refused only because a poll is open
    role = await stub.world.add_role("Curators", 0, give_to_bot=False)
    store = await Store.open(bot_env["DATABASE_URL"])
    try:
        await store.curation.set_curator_role(int(stub.guild_id), int(role), actor_id=1, actor_name="admin")
    finally:
        await store.close()
    busy = await invoke_with_roles(stub, "pick", {}, [role])
    assert busy.ephemeral and "already a poll in this channel" in busy.content and len(polls_in(stub)) == 1
    assert poll_message["id"] in busy.content  # a link to the open poll

    # ---- votes: Gamma and Beta tie, Gamma's better score decides; the clock passes the end ----
    await stub.vote(poll_message["id"], "501", 2)
    await stub.vote(poll_message["id"], "502", 3)
    await stub.vote(poll_message["id"], "503", 1)
    await stub.vote(poll_message["id"], "503", 2)  # changed their mind: one choice per member
    await stub.vote(poll_message["id"], "504", 3)
    clock.write_text((START + timedelta(hours=2, minutes=1)).isoformat())
    await eventually(lambda: results_in(stub, "Next up"))
    (card,) = results_in(stub, "Next up")[0]["embeds"]
    assert card["title"] == "Next up: Gamma Road"
    assert "2 of 4 votes" in card["description"] and "tie" in card["description"]
    assert "Netflix" in card["description"] and "South Korea" in card["description"]
    assert stub.polls.expired == [poll_message["id"]]  # the bot ended it: its clock said so
    assert poll_message["poll"]["results"]["is_finalized"]

    # ---- the next poll ends without a vote; the first result is never posted again ----
    again = await stub.invoke("pick", {"count": 2, "hours": 1}, permissions=ORGANISER)
    assert "Poll posted with 2 dramas" in said(again)
    second = polls_in(stub)[-1]
    await stub.end_poll(second["id"])  # its time ran out on Discord's side first
    clock.write_text((START + timedelta(hours=3, minutes=2)).isoformat())
    await eventually(lambda: results_in(stub, "without a single vote"))
    await asyncio.sleep(1.0)  # five more cycles of the job: room for a repeat (none may come)
    assert len(results_in(stub, "Next up")) == 1 and len(results_in(stub, "without a single vote")) == 1
    assert len(stub.polls.expired) == 1


async def test_pick_on_postgresql_winner_once_and_a_deleted_poll(discord_stub, start_bot, pg_url, tmp_path):
    stub = discord_stub
    await seed(pg_url, int(stub.guild_id), planned=("pick-delta",))
    clock = tmp_path / "clock.txt"
    clock.write_text(START.isoformat())
    await start_bot({**CYCLE, "DATABASE_URL": pg_url}, clock=clock)
    too_few = await stub.invoke("pick", {}, permissions=ORGANISER)
    assert too_few.ephemeral and "hold 1 drama(s): a poll needs at least two" in too_few.content
    assert polls_in(stub) == []
    await seed(pg_url, int(stub.guild_id), planned=tuple(slug for slug, *_ in DRAMAS if slug != "pick-delta"))

    posted = await stub.invoke("pick", {}, permissions=ORGANISER)  # default: 5 asked, 4 planned
    assert "Poll posted with 4 dramas" in said(posted)
    (poll_message,) = polls_in(stub)
    for member in ("601", "602"):
        await stub.vote(poll_message["id"], member, 1)
    await stub.vote(poll_message["id"], "603", 4)
    await stub.end_poll(poll_message["id"])
    clock.write_text((START + timedelta(hours=24, minutes=1)).isoformat())
    await eventually(lambda: results_in(stub, "Next up"))
    (card,) = results_in(stub, "Next up")[0]["embeds"]
    assert card["title"] == "Next up: Alpha Nights" and "2 of 3 votes" in card["description"]

    # a poll deleted before it ends: settled without a post, the channel free again
    again = await stub.invoke("pick", {"hours": 1}, permissions=ORGANISER)
    assert "Poll posted" in said(again)
    deleted = polls_in(stub)[-1]
    del stub.messages[deleted["id"]]
    clock.write_text((START + timedelta(hours=25, minutes=2)).isoformat())

    async def settled() -> bool:
        result = await stub.invoke("pick", {"hours": 1}, permissions=ORGANISER)
        return "Poll posted" in said(result)

    async with asyncio.timeout(20):
        while not await settled():  # noqa: ASYNC110 - the state of another process
            await asyncio.sleep(0.2)
    assert len(results_in(stub, "Next up")) == 1

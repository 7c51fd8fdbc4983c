"""The stand-in's polls (tests/e2e/polls.py) and the poll job (bot/pick/job.py) against them, in process: a
real discord.py client and a real SQLite store, no bot process. Bodies Discord refuses, Send Polls, votes,
expire, voters; then every way a poll can end: no votes, deleted, channel gone, Discord failing, results
not final yet, the bot no longer allowed to post."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import discord
import pytest

from bot.models import Drama
from bot.pick.job import FINALIZE_GRACE, PollJob
from bot.pick.poll import make_poll
from bot.store import Store
from tests.bot.store.readbacks import upsert
from tests.clocks import ManualClock

from .channels import SEND_MESSAGES, overwrite
from .inprocess import connected_client
from .polls import SEND_POLLS

START = datetime(2026, 12, 1, 20, 0, tzinfo=UTC)


async def call(stand_in, method: str, path: str, body: Any = None) -> tuple[int, Any]:  # noqa: ANN001
    async with aiohttp.ClientSession() as session:
        async with session.request(
            method, stand_in.api_base + path, json=body, headers={"Authorization": f"Bot {stand_in.token}"}
        ) as response:
            return response.status, await response.json(content_type=None)


NO_MENTIONS = {"allowed_mentions": {"parse": []}}


def poll_body(answers: int = 3, *, text: str = "Drama", **poll: Any) -> dict[str, Any]:
    return {**NO_MENTIONS, "poll": {"question": {"text": "What do we watch next?"},
                     "answers": [{"poll_media": {"text": f"{text} {i}"}} for i in range(answers)], **poll}}  # fmt: skip


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (poll_body(1), "1 answers"),
        (poll_body(11), "11 (answers|items)"),
        (poll_body(2, text="x" * 60), "more than 55"),
        (poll_body(2, duration=769), "duration.*(768|769)"),
        (poll_body(2, layout_type=2), "layout_type"),
        (
            {
                **NO_MENTIONS,
                "poll": {"question": {"text": "q" * 301}, "answers": poll_body(2)["poll"]["answers"]},
            },
            "question.*(more than|exceeds maximum) 300",
        ),
    ],
)
async def test_polls_discord_refuses_are_violations(discord_stub, body, problem):
    status, answer = await call(discord_stub, "POST", f"/channels/{discord_stub.channel_id}/messages", body)
    assert status == 400 and answer["code"] == 50035
    violations = discord_stub.take_violations()
    assert violations and any(re.search(problem, v) for v in violations), violations
    assert discord_stub.world.messages_in(discord_stub.channel_id) == []


async def test_a_poll_with_votes_voters_the_end_and_send_polls(discord_stub):
    stub, cid = discord_stub, discord_stub.channel_id
    status, message = await call(stub, "POST", f"/channels/{cid}/messages", poll_body(3, duration=2))
    assert status == 200
    poll = message["poll"]
    assert [a["answer_id"] for a in poll["answers"]] == [1, 2, 3] and not poll["results"]["is_finalized"]
    await stub.vote(message["id"], "11", 2)
    await stub.vote(message["id"], "12", 2)
    await stub.vote(message["id"], "13", 3)
    status, voters = await call(stub, "GET", f"/channels/{cid}/polls/{message['id']}/answers/2?limit=1")
    assert status == 200 and [u["id"] for u in voters["users"]] == ["11"]
    status, ended = await call(stub, "POST", f"/channels/{cid}/polls/{message['id']}/expire")
    assert status == 200 and ended["poll"]["results"]["is_finalized"]
    assert [c["count"] for c in ended["poll"]["results"]["answer_counts"]] == [0, 2, 1]
    (result,) = [m for m in stub.world.messages_in(cid) if m["type"] == 46]
    fields = {f["name"]: f["value"] for f in result["embeds"][0]["fields"]}
    assert fields["victor_answer_id"] == "2" and fields["total_votes"] == "3"
    assert result["message_reference"]["message_id"] == message["id"]
    status, again = await call(stub, "POST", f"/channels/{cid}/polls/{message['id']}/expire")
    assert (status, again["code"]) == (400, 520001)
    with pytest.raises(ValueError):
        await stub.vote(message["id"], "14", 1)
    status, fetched = await call(stub, "GET", f"/channels/{cid}/messages/{message['id']}")
    assert fetched["poll"]["results"]["is_finalized"]
    status, plain = await call(stub, "POST", f"/channels/{cid}/messages", {"content": "hello", **NO_MENTIONS})
    status, refused = await call(stub, "POST", f"/channels/{cid}/polls/{plain['id']}/expire")
    assert (status, refused["code"]) == (400, 520006)
    await stub.world.set_overwrites(cid, [overwrite(stub.guild_id, deny=SEND_POLLS)])
    status, denied = await call(stub, "POST", f"/channels/{cid}/messages", poll_body(2))
    assert (status, denied["code"]) == (403, 50013)


# ---------------------------------------------------------------- the poll job against the stand-in


@pytest.fixture
async def store(tmp_path):
    opened = await Store.open(tmp_path / "polls.sqlite3")
    try:
        yield opened
    finally:
        await opened.close()


async def post_poll(client: discord.Client, store: Store, stub, ids: list[int], now: datetime):  # noqa: ANN001
    cid, hours = int(stub.channel_id), 1
    assert await store.polls.open(channel_id=cid, guild_id=int(stub.guild_id), drama_ids=ids,
                                  ends_at=now + timedelta(hours=hours), now=now)  # fmt: skip
    channel = client.get_channel(cid)
    message = await channel.send(poll=make_poll("What do we watch next?", [f"D{i}" for i in ids], hours))
    await store.polls.posted(cid, message.id)
    return message


def posted(stub, words: str) -> list[dict]:  # noqa: ANN001
    return [m for m in stub.world.messages_in(stub.channel_id) if m["type"] != 46 and (
        words in m["content"] or any(words in (e.get("title") or "") for e in m["embeds"]))]  # fmt: skip


@pytest.mark.standin(route_limits=False)  # many posts in one channel within seconds: not what is tested
async def test_the_job_settles_each_ending_once(discord_stub, store):
    stub = discord_stub
    a, _ = await upsert(store, Drama(0, "job-a", "Job A", 4))
    b, _ = await upsert(store, Drama(0, "job-b", "Job B", 4))
    clock = ManualClock(START)
    async with connected_client(stub) as client:
        job = PollJob(client, lambda: store, clock, timedelta(seconds=1))
        # no votes: said so, in reply to the poll; a second cycle does nothing
        first = await post_poll(client, store, stub, [a, b], clock.now())
        assert await job.run_once(store) == []  # not ended yet
        clock.advance(timedelta(hours=1))
        assert await job.run_once(store) == ["no_votes"]
        (said,) = posted(stub, "without a single vote")
        assert said["type"] == 19  # a reply: to the poll, as the request says
        (sent,) = [
            r
            for r in stub.requests
            if r.method == "POST" and (r.body or {}).get("content") == said["content"]
        ]
        assert sent.body["message_reference"]["message_id"] in (first.id, str(first.id))
        assert await job.run_once(store) == []
        # Discord failing: the lease is given back and the next cycle settles it
        clock.advance(timedelta(hours=1))
        second = await post_poll(client, store, stub, [a, b], clock.now())
        # a client with the poll intents (this one's defaults; not the bot's) hears votes and the end
        heard = asyncio.create_task(client.wait_for("raw_poll_vote_add", timeout=5))
        await stub.vote(str(second.id), "21", 2)
        vote = await heard
        assert (vote.message_id, vote.user_id, vote.answer_id) == (second.id, 21, 2)
        result_message = asyncio.create_task(
            client.wait_for("message", check=lambda m: m.type == discord.MessageType.poll_result, timeout=5)
        )
        clock.advance(timedelta(hours=1))
        stub.fail_requests(
            lambda method, path: method == "GET" and path.endswith(str(second.id)), 503, n=1
        )  # not one discord.py retries itself
        assert await job.run_once(store) == ["retry"]
        assert await job.run_once(store) == ["winner"]
        assert (await result_message).reference.message_id == second.id
        assert [e["title"] for m in posted(stub, "Next up") for e in m["embeds"]] == ["Next up: Job B"]
        assert (await store.polls.outcome(int(stub.channel_id)))[:2] == ("winner", b)
        # results not final and the expire refused: waited for, then the counts shown are used
        third = await post_poll(client, store, stub, [a, b], clock.now())
        await stub.vote(str(third.id), "31", 1)
        clock.advance(timedelta(hours=1))
        refusing = stub.fail_requests(lambda method, path: path.endswith("/expire"), 503, n=10)
        assert await job.run_once(store) == ["retry"]
        clock.advance(FINALIZE_GRACE)
        assert await job.run_once(store) == ["winner"]
        assert len(posted(stub, "Next up")) == 2
        refusing.remaining = 0
        # deleted before it ended: settled, nothing posted
        fourth = await post_poll(client, store, stub, [a, b], clock.now())
        await fourth.delete()
        clock.advance(timedelta(hours=1))
        assert await job.run_once(store) == ["deleted"]
        # the bot may no longer post there: settled without a post
        fifth = await post_poll(client, store, stub, [a, b], clock.now())
        await stub.vote(str(fifth.id), "51", 1)
        await stub.world.set_overwrites(stub.channel_id, [overwrite(stub.guild_id, deny=SEND_MESSAGES)])
        clock.advance(timedelta(hours=1))
        assert await job.run_once(store) == ["gone"]
        assert len(posted(stub, "Next up")) == 2
        # the channel itself gone
        await store.polls.open(channel_id=424242, guild_id=int(stub.guild_id), drama_ids=[a, b],
                               ends_at=clock.now() + timedelta(hours=1), now=clock.now())  # fmt: skip
        await store.polls.posted(424242, 99)
        clock.advance(timedelta(hours=1))
        assert await job.run_once(store) == ["gone"]
    stub.take_violations()  # the refused post above is Discord's answer, not the bot's mistake

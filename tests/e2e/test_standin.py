"""Tests of the Discord stand-in itself, driven by the tiny real discord.py bot in ``minibot.py``.

They prove that an unmodified discord.py client logs in, syncs, connects, answers interactions and
resumes against the stand-in, and that the stand-in rejects and records what Discord would reject.
"""

from __future__ import annotations

import json
import time
from typing import Any

import aiohttp
import pytest

from . import spec
from .standin import CommandNotSynced, ComponentNotFound, DiscordStandIn, InteractionFailed

MINIBOT_COMMANDS = {"ping", "slowpoke", "secret", "pick", "counter", "snooze", "chatty", "catalogue"}


def big_embed_callback(chars: int = 7000) -> dict[str, Any]:
    """A type 4 callback body whose embeds hold ``chars`` characters of text (each field within its own limit)."""
    embeds = [{"title": "t", "description": "d" * 4000}, {"description": "e" * (chars - 4001)}]
    return {"type": 4, "data": {"embeds": embeds, "allowed_mentions": {"parse": []}}}


async def sync_directly(
    stand_in: DiscordStandIn, session: aiohttp.ClientSession, commands: list[dict[str, Any]]
):
    """PUT guild commands the way discord.py does (no bot process needed)."""
    url = f"{stand_in.api_base}/applications/{stand_in.application_id}/guilds/{stand_in.guild_id}/commands"
    return await session.put(url, json=commands, headers={"Authorization": f"Bot {stand_in.token}"})


PING_DEFINITION = {"name": "ping", "description": "Answer at once", "type": 1, "options": []}


# ----------------------------------------------------------------------------- with the real minibot


async def test_login_sync_and_gateway_handshake(discord_stub: DiscordStandIn, start_minibot) -> None:
    await start_minibot()

    scope, body = discord_stub.sync_calls[-1]
    assert scope == f"guild:{discord_stub.guild_id}"
    assert {c["name"] for c in body} == MINIBOT_COMMANDS
    assert spec.validate("command_sync", body) == []
    synced = discord_stub.synced_commands()
    assert synced["pick"]["options"][0] == {
        "type": 3,
        "name": "title",
        "description": "The drama",
        "required": True,
        "autocomplete": True,
    }
    assert all(c["application_id"] == discord_stub.application_id and c["id"] for c in synced.values())

    paths = [(r.method, r.path, r.status) for r in discord_stub.requests]
    assert paths[:2] == [("GET", "/users/@me", 200), ("GET", "/oauth2/applications/@me", 200)]
    assert (discord_stub.connections, discord_stub.identifies, discord_stub.resumes) == (1, 1, 0)
    assert discord_stub.identify_payloads[0]["token"] == discord_stub.token
    assert discord_stub.heartbeats >= 1  # discord.py beats right after HELLO
    assert discord_stub.unknown_routes == []


async def test_immediate_embed_answer(discord_stub: DiscordStandIn, start_minibot) -> None:
    await start_minibot()
    result = await discord_stub.invoke("ping")

    assert result.callback_type == 4
    assert result.elapsed is not None and result.elapsed < 1.0
    assert [e["title"] for e in result.embeds] == ["pong"]
    assert result.embeds[0]["fields"][0] == {"name": "latency", "value": "fast", "inline": True}
    assert not result.ephemeral
    assert result.message_id == result.message["id"]
    assert result.callback["data"]["allowed_mentions"] == {"parse": []}
    # The INTERACTION_CREATE was built from the synced definition.
    data = result.interaction["data"]
    assert data["id"] == discord_stub.synced_commands()["ping"]["id"]
    assert data["guild_id"] == discord_stub.guild_id
    assert result.interaction["member"]["user"] == discord_stub.default_user


async def test_deferred_then_edited_answer(discord_stub: DiscordStandIn, start_minibot) -> None:
    await start_minibot()
    result = await discord_stub.invoke("slowpoke")

    assert result.callback_type == 5
    assert [a.kind for a in result.arrivals] == ["callback", "edit"]
    assert result.arrivals[1].at >= 0.2 > result.arrivals[0].at
    assert result.content == "done thinking"
    assert result.edits == [{"content": "done thinking", "tts": False, "allowed_mentions": {"parse": []}}]
    assert result.message["flags"] & 128 == 0  # no longer "thinking"


async def test_ephemeral_answer_and_subcommand_group(discord_stub: DiscordStandIn, start_minibot) -> None:
    await start_minibot()
    secret = await discord_stub.invoke("secret")
    assert secret.ephemeral and secret.content == "for your eyes only"

    added = await discord_stub.invoke("catalogue admin add", {"name": "Signal", "year": 2016})
    assert added.content == "added Signal (2016)" and added.ephemeral
    group = added.interaction["data"]["options"][0]
    assert (group["type"], group["name"], group["options"][0]["name"]) == (2, "admin", "add")
    assert group["options"][0]["options"] == [
        {"name": "name", "type": 3, "value": "Signal"},
        {"name": "year", "type": 4, "value": 2016},
    ]


async def test_autocomplete_choices(discord_stub: DiscordStandIn, start_minibot) -> None:
    await start_minibot()
    choices = await discord_stub.autocomplete("pick", {"title": "re"}, focused="title")

    assert choices == [{"name": "Reply 1988", "value": "Reply 1988"}]
    sent = discord_stub.interactions[-1].interaction
    assert sent["type"] == 4
    assert sent["data"]["options"] == [{"name": "title", "type": 3, "value": "re", "focused": True}]
    assert await discord_stub.autocomplete("pick", {}, focused="title") != []  # nothing typed yet


async def test_button_click_updates_message(discord_stub: DiscordStandIn, start_minibot) -> None:
    await start_minibot()
    result = await discord_stub.invoke("counter")
    assert result.content == "count: 0" and result.custom_ids() == ["counter:inc"]

    first = await discord_stub.click(result, "counter:inc")
    assert first.callback_type == 7
    assert first.message_id == result.message_id
    assert first.content == "count: 1"
    clicked = first.interaction
    assert clicked["data"] == {"custom_id": "counter:inc", "component_type": 2}
    assert clicked["message"]["id"] == result.message_id
    assert clicked["message"]["interaction_metadata"]["name"] == "counter"

    second = await discord_stub.click(first, "counter:inc")
    assert second.content == "count: 2" and result.content == "count: 2"  # results are live views

    with pytest.raises(ComponentNotFound, match="counter:inc"):
        await discord_stub.click(result, "counter:dec")


async def test_too_slow_callback_gets_10062(discord_stub: DiscordStandIn, start_minibot) -> None:
    """(d) the 3.5 s command: 404 Unknown interaction, recorded as a violation, bot sees NotFound."""
    bot = await start_minibot()
    with pytest.raises(InteractionFailed) as failed:
        await discord_stub.invoke("snooze")

    result = failed.value.result
    assert not result.acknowledged and result.expired_callback
    [late] = result.rejections
    assert late.status == 404 and late.at > 3.0
    assert [r.status for r in discord_stub.requests if r.path.endswith("/callback")] == [404]
    await bot.wait_for_output("snooze answered too late: 404 Not Found (error code: 10062)", timeout=5)
    violations = discord_stub.take_violations()
    assert len(violations) == 1 and "after the interaction was sent (limit 3.0s)" in violations[0]


async def test_renamed_or_unknown_options_break_the_test(discord_stub: DiscordStandIn, start_minibot) -> None:
    """(c) options/commands the bot did not sync raise clearly, before anything is sent."""
    await start_minibot()
    with pytest.raises(CommandNotSynced, match=r"/pick has no option\(s\) \['drama'\].*\['title'\]"):
        await discord_stub.invoke("pick", {"drama": "Goblin"})
    with pytest.raises(CommandNotSynced, match=r"required option\(s\) \['title'\] not given"):
        await discord_stub.invoke("pick")
    with pytest.raises(CommandNotSynced, match="/review was not synced"):
        await discord_stub.invoke("review", {"drama": "Goblin"})
    with pytest.raises(CommandNotSynced, match="only global"):
        await discord_stub.invoke("ping", guild=False)  # synced to the guild only: not in DMs
    with pytest.raises(CommandNotSynced, match="not synced with autocomplete"):
        await discord_stub.autocomplete("catalogue admin add", {}, focused="name")
    with pytest.raises(ValueError, match="not an integer"):
        await discord_stub.invoke("catalogue admin add", {"name": "x", "year": 20.5})
    assert discord_stub.interactions == []


async def test_global_sync_and_dm_invoke(discord_stub: DiscordStandIn, start_minibot) -> None:
    await start_minibot(env_overrides={"DEV_GUILD_ID": None})
    assert [scope for scope, _ in discord_stub.sync_calls] == ["global"]

    result = await discord_stub.invoke("secret", guild=False, user=discord_stub.make_user("dm-user"))
    sent = result.interaction
    assert "member" not in sent and sent["user"]["username"] == "dm-user"
    assert sent["context"] == 1 and "guild_id" not in sent["data"]
    assert result.content == "for your eyes only"


async def test_gateway_resume_replays_missed_events(discord_stub: DiscordStandIn, start_minibot) -> None:
    bot = await start_minibot()
    await discord_stub.drop_gateway()  # abrupt: no close frame
    # Sent while the bot is away: buffered and replayed on RESUME, like Discord does.
    result = await discord_stub.invoke("ping")
    assert result.callback_type == 4
    assert (discord_stub.identifies, discord_stub.resumes, discord_stub.connections) == (1, 1, 2)

    await discord_stub.drop_gateway(code=4000)
    await discord_stub.wait_for(lambda: discord_stub.resumes == 2, timeout=10)
    await discord_stub.send_invalid_session(resumable=False)
    await discord_stub.wait_for(lambda: discord_stub.identifies == 2 and discord_stub.connected, timeout=10)
    assert (await discord_stub.invoke("secret")).ephemeral
    assert "successfully RESUMED" in bot.output()


async def test_rate_limited_callback_is_retried(discord_stub: DiscordStandIn, start_minibot) -> None:
    await start_minibot()
    fault = discord_stub.fail_next_callbacks(429, retry_after=0.3)
    result = await discord_stub.invoke("ping")

    assert fault.served == 1 and result.callback_type == 4
    assert [a.kind for a in result.arrivals] == ["fault", "callback"]
    assert result.elapsed >= 0.3


async def test_wrong_token_is_refused(discord_stub: DiscordStandIn, start_minibot) -> None:
    """(f) GET /users/@me with a wrong token: 401, and the bot exits non-zero."""
    bot = await start_minibot(env_overrides={"DISCORD_TOKEN": "not-the-token"}, wait_ready=False)
    assert await bot.wait(timeout=20) != 0
    assert "Improper token has been passed" in bot.output()
    assert [(r.method, r.path, r.status) for r in discord_stub.requests] == [("GET", "/users/@me", 401)]
    assert discord_stub.connections == 0


async def test_bot_stops_cleanly_on_sigterm(discord_stub: DiscordStandIn, start_minibot) -> None:
    bot = await start_minibot()
    assert await bot.stop() == 0
    await discord_stub.wait_for(lambda: not discord_stub.connected, timeout=5)


# ----------------------------------------------------------------------------- the stand-in alone


async def test_direct_callback_answers_like_discord(discord_stub: DiscordStandIn) -> None:
    """(a) an oversized embed is rejected (50035) and recorded; a valid callback gets the with_response body;
    a second one is 40060."""
    async with aiohttp.ClientSession() as session:
        assert (await sync_directly(discord_stub, session, [PING_DEFINITION])).status == 200
        result = await discord_stub.dispatch_command("ping")  # nobody is connected: buffered, that's fine
        url = f"{discord_stub.api_base}/interactions/{result.id}/{result.token}/callback?with_response=true"

        async with session.post(url, json=big_embed_callback(7000)) as resp:
            assert resp.status == 400 and resp.headers["Content-Type"] == "application/json"
            body = await resp.json()
        assert body["code"] == 50035 and body["message"] == "Invalid Form Body"
        assert body["errors"]["data"]["embeds"]["_errors"][0]["code"] == "MAX_EMBED_SIZE_EXCEEDED"
        [violation] = discord_stub.take_violations()
        assert "embeds hold 7000 characters" in violation and "/callback" in violation

        ok = {"type": 4, "data": {"content": "hi", "allowed_mentions": {"parse": []}}}
        async with session.post(url, json=ok) as resp:
            assert resp.status == 200
            answer = await resp.json()
        assert answer["interaction"]["id"] == result.id
        assert answer["interaction"]["response_message_id"] == result.message_id
        assert answer["resource"]["type"] == 4 and answer["resource"]["message"]["content"] == "hi"

        async with session.post(url, json=ok) as resp:
            assert resp.status == 400 and (await resp.json())["code"] == 40060
        [violation] = discord_stub.take_violations()
        assert "already acknowledged" in violation


@pytest.mark.expected_violations(r"APPLICATION_COMMAND|must be lower case|has 33 characters|length 33")
async def test_bad_command_names_are_rejected(discord_stub: DiscordStandIn) -> None:
    """(b) upper-case / 33-character option names in a sync body: 400 50035 and nothing stored."""
    bad = {
        "name": "review",
        "description": "Review a drama",
        "options": [
            {"type": 3, "name": "Drama", "description": "title", "required": True},
            {"type": 4, "name": "x" * 33, "description": "too long"},
        ],
    }
    async with aiohttp.ClientSession() as session:
        async with await sync_directly(discord_stub, session, [bad]) as resp:
            assert resp.status == 400
            body = await resp.json()
    assert body["code"] == 50035
    assert set(body["errors"]["0"]["options"]) == {"0", "1"}
    assert discord_stub.commands == {}
    assert any("must be lower case" in v for v in discord_stub.violations)
    assert any("length 33 exceeds maximum 32" in v for v in discord_stub.violations)


def test_name_rule_accepts_what_discord_accepts() -> None:
    ok = ["review", "where-to-watch", "don't", "épisode", "평점", "हिन्दी", "ไทย", "x" * 32, "s2"]
    for name in ok:
        assert spec.validate("command_sync", [{"name": name, "description": "d"}]) == [], name
    bad = {"Review": "lower case", "two words": "not allowed", "": "length 0", "rate!": "not allowed"}
    for name, why in bad.items():
        [problem] = spec.validate("command_sync", [{"name": name, "description": "d"}])
        assert why in problem, (name, problem)
    # Context menu commands (type 3) may use capitals and spaces.
    assert spec.validate("command_sync", [{"name": "Add To List", "type": 3}]) == []


async def test_unknown_routes_get_404(discord_stub: DiscordStandIn) -> None:
    """(e)"""
    async with aiohttp.ClientSession() as session:
        url = f"{discord_stub.api_base}/guilds/{discord_stub.guild_id}/bans"
        headers = {"Authorization": f"Bot {discord_stub.token}"}
        async with session.get(url, headers=headers) as resp:
            assert resp.status == 404 and resp.headers["Content-Type"] == "application/json"
            assert await resp.json() == {"message": "404: Not Found", "code": 0}
    assert discord_stub.unknown_routes == [f"GET /api/v10/guilds/{discord_stub.guild_id}/bans"]
    discord_stub.unknown_routes.clear()


async def test_wrong_token_gets_401(discord_stub: DiscordStandIn) -> None:
    """(f) the REST side on its own."""
    async with aiohttp.ClientSession() as session:
        for auth in ("Bot nope", None, f"Bearer {discord_stub.token}"):
            headers = {"Authorization": auth} if auth else {}
            async with session.get(f"{discord_stub.api_base}/users/@me", headers=headers) as resp:
                assert resp.status == 401
                assert await resp.json() == {"message": "401: Unauthorized", "code": 0}
        async with session.get(
            f"{discord_stub.api_base}/users/@me", headers={"Authorization": f"Bot {discord_stub.token}"}
        ) as resp:
            assert resp.status == 200 and (await resp.json())["id"] == discord_stub.bot_user_id


async def test_allowed_mentions_must_be_none(discord_stub: DiscordStandIn) -> None:
    """(g) message bodies without allowed_mentions, or with a non-empty parse, are violations."""
    url = f"{discord_stub.api_base}/channels/{discord_stub.channel_id}/messages"
    headers = {"Authorization": f"Bot {discord_stub.token}"}
    async with aiohttp.ClientSession() as session:
        for body in (
            {"content": "@everyone hi"},
            {"content": "hi", "allowed_mentions": {"parse": ["everyone"]}},
        ):
            async with session.post(url, json=body, headers=headers) as resp:
                assert resp.status == 400
                errors = (await resp.json())["errors"]
            assert "allowed_mentions" in errors
        async with session.post(
            url, json={"content": "hi", "allowed_mentions": {"parse": []}}, headers=headers
        ) as r:
            assert r.status == 200 and (await r.json())["content"] == "hi"
    missing, everyone = discord_stub.take_violations()
    assert "allowed_mentions is missing" in missing
    assert "must be empty" in everyone
    assert [m["content"] for m in discord_stub.channel_messages] == ["hi"]
    # The same rule for interaction callbacks (spec level).
    [problem] = spec.validate("interaction_callback", {"type": 4, "data": {"content": "x"}})
    assert problem.startswith("data.allowed_mentions:")


def test_spec_reports_schema_problems_readably() -> None:
    long_title = {"type": 4, "data": {"embeds": [{"title": "t" * 300}], "allowed_mentions": {"parse": []}}}
    assert spec.validate("interaction_callback", long_title) == [
        "data.embeds[0].title: length 300 exceeds maximum 256"
    ]
    choices = {"type": 8, "data": {"choices": [{"name": "n" * 101, "value": "v" * 101}]}}
    assert spec.validate("interaction_callback", choices) == [
        "data.choices[0].name: length 101 exceeds maximum 100",
        "data.choices[0].value: string choice value has 101 characters, at most 100",
    ]
    assert spec.validate("webhook_edit", {"content": "x" * 2001, "allowed_mentions": {"parse": []}}) == [
        "content: length 2001 exceeds maximum 2000"
    ]
    started = time.perf_counter()
    for _ in range(50):
        spec.validate("channel_message", {"content": "hi", "allowed_mentions": {"parse": []}})
    assert time.perf_counter() - started < 1.0  # the validator is built once and cached


async def test_webhook_routes_and_multipart_bodies(discord_stub: DiscordStandIn) -> None:
    """Files come as multipart with a payload_json part; follow-ups, edits, fetches and deletes of the
    interaction webhook behave like Discord's."""
    async with aiohttp.ClientSession() as session:
        await sync_directly(discord_stub, session, [PING_DEFINITION])
        result = await discord_stub.dispatch_command("ping")
        base = f"{discord_stub.api_base}/interactions/{result.id}/{result.token}/callback?with_response=true"
        form = aiohttp.FormData(quote_fields=False)
        payload = {
            "type": 4,
            "data": {
                "content": "see file",
                "attachments": [{"id": 0, "filename": "review.txt"}],
                "allowed_mentions": {"parse": []},
            },
        }
        form.add_field("payload_json", json.dumps(payload), content_type="application/json")
        form.add_field("files[0]", b"5 stars", filename="review.txt", content_type="text/plain")
        async with session.post(base, data=form) as resp:
            assert resp.status == 200
        [attachment] = result.message["attachments"]
        assert (attachment["filename"], attachment["size"]) == ("review.txt", 7)
        assert discord_stub.requests[-1].files == [
            {"field": "files[0]", "filename": "review.txt", "size": 7, "data": b"5 stars"}
        ]
        assert discord_stub.uploads[attachment["id"]] == b"5 stars"

        hook = f"{discord_stub.api_base}/webhooks/{discord_stub.application_id}/{result.token}"
        none = {"parse": []}
        async with session.post(f"{hook}?wait=1", json={"content": "more", "allowed_mentions": none}) as resp:
            followup = await resp.json()
        assert resp.status == 200 and result.followup_ids == [followup["id"]]
        async with session.patch(
            f"{hook}/messages/@original", json={"content": "edited", "allowed_mentions": none}
        ) as r:
            assert r.status == 200 and (await r.json())["edited_timestamp"]
        async with session.get(f"{hook}/messages/@original") as resp:
            assert (await resp.json())["content"] == "edited" == result.content
        async with session.delete(f"{hook}/messages/{followup['id']}") as resp:
            assert resp.status == 204 and resp.headers.get("Content-Type") != "application/json"
        async with session.patch(f"{hook}/messages/@original", json={"content": "no mentions field"}) as resp:
            assert resp.status == 400
        discord_stub.token_ttl = 0.0  # pretend 15 minutes passed
        async with session.post(hook, json={"content": "late", "allowed_mentions": none}) as resp:
            assert resp.status == 401 and (await resp.json())["code"] == 50027
    assert [a.kind for a in result.arrivals] == ["callback", "followup", "edit", "delete", "rejected"]
    missing, expired = discord_stub.take_violations()
    assert "allowed_mentions is missing" in missing and "token used after" in expired


async def test_a_malformed_multipart_callback_is_refused_and_leaves_the_interaction_open(
    discord_stub: DiscordStandIn,
) -> None:
    """A multipart body without its closing boundary: 400 like invalid JSON, a violation, no message; the
    interaction can still be answered. A good upload's arrival time is when its body arrived, not after
    the stand-in parsed it."""
    async with aiohttp.ClientSession() as session:
        await sync_directly(discord_stub, session, [PING_DEFINITION])
        result = await discord_stub.dispatch_command("ping")
        base = f"{discord_stub.api_base}/interactions/{result.id}/{result.token}/callback"
        payload = json.dumps({"type": 4, "data": {"content": "x", "allowed_mentions": {"parse": []}}})
        cut = f'--b1\r\nContent-Disposition: form-data; name="payload_json"\r\n\r\n{payload}\r\n'
        headers = {"Content-Type": "multipart/form-data; boundary=b1"}
        async with session.post(base, data=cut.encode(), headers=headers) as resp:
            assert resp.status == 400 and (await resp.json())["code"] == 50109
        assert result.callback is None and result.message is None
        [violation] = discord_stub.take_violations()
        assert "without its closing boundary" in violation

        async with session.post(base, data=(cut + "--b1--\r\n").encode(), headers=headers) as resp:
            assert resp.status == 200
        assert result.content == "x"
        rec = discord_stub.requests[-1]
        assert result.elapsed == pytest.approx(rec.received - result.dispatched_at)
        assert 0 < result.elapsed < 5


async def test_gateway_protocol_directly(discord_stub: DiscordStandIn) -> None:
    """HELLO, IDENTIFY (a wrong token closes with 4004), READY/GUILD_CREATE with sequence numbers, heartbeats."""
    async with aiohttp.ClientSession() as session:
        async with session.ws_connect(
            f"{discord_stub.gateway_url}?v=10&encoding=json&compress=zlib-stream"
        ) as ws:
            hello = await ws.receive_json()
            assert hello["op"] == 10 and hello["d"]["heartbeat_interval"] == 41250
            await ws.send_json({"op": 2, "d": {"token": "wrong", "properties": {}, "intents": 513}})
            closing = await ws.receive()
            assert closing.type == aiohttp.WSMsgType.CLOSE and closing.data == 4004

        async with session.ws_connect(discord_stub.gateway_url) as ws:
            await ws.receive_json()
            await ws.send_json({"op": 2, "d": {"token": discord_stub.token, "intents": 513, "shard": [0, 1]}})
            ready, guild = await ws.receive_json(), await ws.receive_json()
            await ws.send_json({"op": 1, "d": 2})
            ack = await ws.receive_json()
    assert (ready["t"], ready["s"], guild["t"], guild["s"], ack["op"]) == ("READY", 1, "GUILD_CREATE", 2, 11)
    d = ready["d"]
    assert d["resume_gateway_url"] == discord_stub.gateway_url and d["shard"] == [0, 1]
    assert d["guilds"] == [{"id": discord_stub.guild_id, "unavailable": True}]
    assert d["application"]["id"] == discord_stub.application_id
    everyone = guild["d"]["roles"][0]
    assert everyone["id"] == discord_stub.guild_id and everyone["name"] == "@everyone"
    assert discord_stub.channel_id in [c["id"] for c in guild["d"]["channels"]]
    assert (discord_stub.connections, discord_stub.identifies) == (2, 1)


# ----------------------------------------------------------------------------- sharding (no bot process)


async def identify(session: aiohttp.ClientSession, stand_in: DiscordStandIn, shard: Any) -> Any:
    """Open a gateway connection and IDENTIFY with ``shard`` (omitted when None); the open websocket."""
    ws = await session.ws_connect(stand_in.gateway_url)
    assert (await ws.receive_json())["op"] == 10
    data: dict[str, Any] = {"token": stand_in.token, "intents": 513, "properties": {}}
    if shard is not None:
        data["shard"] = shard
    await ws.send_json({"op": 2, "d": data})
    return ws


async def test_gateway_bot_reports_the_shard_count_and_identify_concurrency() -> None:
    async with (
        DiscordStandIn(shard_count=3, max_concurrency=2) as stand_in,
        aiohttp.ClientSession() as session,
    ):
        headers = {"Authorization": f"Bot {stand_in.token}"}
        async with session.get(f"{stand_in.api_base}/gateway/bot", headers=headers) as resp:
            body = await resp.json()
    assert resp.status == 200 and body["shards"] == 3 and body["url"] == stand_in.gateway_url
    assert body["session_start_limit"]["max_concurrency"] == 2
    assert body["session_start_limit"]["remaining"] <= body["session_start_limit"]["total"]


@pytest.mark.parametrize(
    ("shard", "code"),
    [(None, 4011), ([2, 2], 4010), ([0, 3], 4010), ([-1, 2], 4010), ("0,2", 4010), ([0, True], 4010)],
)
async def test_identify_with_a_missing_or_wrong_shard_is_closed_like_discord_does(
    shard: Any, code: int
) -> None:
    async with DiscordStandIn(shard_count=2) as stand_in, aiohttp.ClientSession() as session:
        ws = await identify(session, stand_in, shard)
        closing = await ws.receive()
        await ws.close()
    assert closing.type == aiohttp.WSMsgType.CLOSE and closing.data == code
    assert stand_in.identifies == 0 and not stand_in.shard_connected(0)


async def test_each_shard_gets_its_own_guilds_interactions_and_dms_go_to_shard_0() -> None:
    async with DiscordStandIn(shard_count=2) as stand_in, aiohttp.ClientSession() as session:
        on = {shard: [stand_in.add_guild(shard=shard) for _ in range(2)] for shard in (0, 1)}
        for shard, guilds in on.items():
            assert all((int(g) >> 22) % 2 == shard == stand_in.shard_of(g) for g in guilds)
        url = f"{stand_in.api_base}/applications/{stand_in.application_id}/commands"
        async with session.put(
            url, json=[PING_DEFINITION], headers={"Authorization": f"Bot {stand_in.token}"}
        ) as r:
            assert r.status == 200
        ws0, ws1 = await identify(session, stand_in, [0, 2]), await identify(session, stand_in, [1, 2])
        await stand_in.wait_for_connection(shard=None)
        received: dict[int, list[dict[str, Any]]] = {0: [], 1: []}
        for shard, ws in ((0, ws0), (1, ws1)):
            ready = await ws.receive_json()
            assert ready["t"] == "READY" and ready["d"]["shard"] == [shard, 2]
            guilds = [g["id"] for g in ready["d"]["guilds"]]
            assert guilds == stand_in.guilds_on_shard(shard) and set(on[shard]) <= set(guilds)
            for expected in guilds:
                created = await ws.receive_json()
                assert (created["t"], created["d"]["id"]) == ("GUILD_CREATE", expected)
                channel_ids = [c["id"] for c in created["d"]["channels"]]
                if expected != stand_in.guild_id:
                    assert stand_in.extra_guilds[expected].channel_id in channel_ids
                    assert stand_in.channel_id not in channel_ids

        sent = [await stand_in.dispatch_command("ping", guild_id=g) for g in on[0] + on[1]]
        sent.append(await stand_in.dispatch_command("ping", guild=False))  # a DM
        for shard, ws in ((0, ws0), (1, ws1)):
            expect = 3 if shard == 0 else 2
            for _ in range(expect):
                event = await ws.receive_json()
                assert event["t"] == "INTERACTION_CREATE"
                received[shard].append(event)
        for ws in (ws0, ws1):
            await ws.close()
    by_id = {r.id: r for r in sent}
    got0 = [e["d"] for e in received[0]]
    got1 = [e["d"] for e in received[1]]
    assert [d.get("guild_id") for d in got0] == [*on[0], None]
    assert [d["guild_id"] for d in got1] == on[1]
    for d in got0[:2] + got1:  # a guild's interaction speaks of that guild and its own channel
        extra = stand_in.extra_guilds[d["guild_id"]]
        assert (
            d["channel_id"] == extra.channel_id == d["channel"]["id"] and d["channel"]["guild_id"] == extra.id
        )
        assert by_id[d["id"]].interaction is not None
    # each shard's session numbers its own events: READY, one GUILD_CREATE per guild, then the interactions
    assert [e["s"] for e in received[1]] == [2 + len(stand_in.guilds_on_shard(1)) + i for i in range(2)]


async def test_a_shard_resumes_its_own_session_and_gets_what_it_missed() -> None:
    async with DiscordStandIn(shard_count=2) as stand_in, aiohttp.ClientSession() as session:
        guild = stand_in.add_guild(shard=1)
        url = f"{stand_in.api_base}/applications/{stand_in.application_id}/commands"
        async with session.put(
            url, json=[PING_DEFINITION], headers={"Authorization": f"Bot {stand_in.token}"}
        ) as r:
            assert r.status == 200
        ws1 = await identify(session, stand_in, [1, 2])
        ready = await ws1.receive_json()
        seq = ready["s"]
        for _ in stand_in.guilds_on_shard(1):
            seq = (await ws1.receive_json())["s"]
        await stand_in.drop_gateway(1000, shard=1)
        await ws1.close()
        assert not stand_in.shard_connected(1)
        missed = await stand_in.dispatch_command("ping", guild_id=guild)  # buffered for shard 1
        ws = await session.ws_connect(stand_in.gateway_url)
        await ws.receive_json()
        resume = {"token": stand_in.token, "session_id": ready["d"]["session_id"], "seq": seq}
        await ws.send_json({"op": 6, "d": resume})
        replayed, resumed = await ws.receive_json(), await ws.receive_json()
        await ws.close()
    assert (replayed["t"], replayed["d"]["id"], resumed["t"]) == ("INTERACTION_CREATE", missed.id, "RESUMED")
    assert stand_in.resumes == 1

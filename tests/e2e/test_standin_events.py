"""The stand-in's guild scheduled events (tests/e2e/events.py): Discord's rules for creating them, reading,
cancelling and deleting them, and the gateway events, driven by a real discord.py client in the test process
and by raw HTTP where a body must be one discord.py would never send."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import discord
import pytest

from .events import CREATE_EVENTS, EXTERNAL, MANAGE_EVENTS, UNKNOWN_EVENT
from .inprocess import connected_client, until
from .standin import DEFAULT_MEMBER_PERMISSIONS
from .test_standin_channels import raw

NO_EVENTS = int(DEFAULT_MEMBER_PERMISSIONS) & ~(CREATE_EVENTS | MANAGE_EVENTS)


def soon(hours: float = 2) -> str:
    return (datetime.now(UTC) + timedelta(hours=hours)).isoformat()


def external(**changes: Any) -> dict[str, Any]:
    body = {"name": "Goblin · episode 3 watch party", "privacy_level": 2, "entity_type": EXTERNAL,
            "scheduled_start_time": soon(2), "scheduled_end_time": soon(3.5),
            "entity_metadata": {"location": "Netflix (subscription)"}, "description": "Watching together"}  # fmt: skip
    body.update(changes)
    return {k: v for k, v in body.items() if v is not ...}


async def create(stand_in, body: dict[str, Any]) -> tuple[int, Any]:  # noqa: ANN001
    return await raw(stand_in, "POST", f"/guilds/{stand_in.guild_id}/scheduled-events", body)


async def test_a_real_client_creates_reads_cancels_and_deletes_events(discord_stub):
    seen: list[str] = []
    async with connected_client(discord_stub) as client:  # default intents: scheduled events included
        client.event(_recorder(seen))
        guild = client.get_guild(int(discord_stub.guild_id))
        voice = guild.get_channel(int(discord_stub.voice_channel_id))
        start = discord.utils.utcnow() + timedelta(hours=1)
        event = await guild.create_scheduled_event(
            name="Goblin · episode 1 watch party", start_time=start, channel=voice,
            privacy_level=discord.PrivacyLevel.guild_only, description="Episode 1 of 16",
        )  # fmt: skip
        assert event.entity_type is discord.EntityType.voice and event.channel_id == voice.id
        assert event.status is discord.EventStatus.scheduled and event.creator_id == client.user.id
        outside = await guild.create_scheduled_event(
            name="Goblin · watch party", start_time=start, end_time=start + timedelta(minutes=90),
            entity_type=discord.EntityType.external, location="Netflix", privacy_level=discord.PrivacyLevel.guild_only,
        )  # fmt: skip
        assert outside.location == "Netflix" and outside.end_time == start + timedelta(minutes=90)
        await until(lambda: seen.count("create") == 2)
        assert {e.id for e in await guild.fetch_scheduled_events()} == {event.id, outside.id}
        fetched = await guild.fetch_scheduled_event(event.id)
        assert fetched.name == event.name
        cancelled = await fetched.cancel()
        assert cancelled.status is discord.EventStatus.cancelled
        await until(lambda: "update" in seen)
        path = f"/guilds/{guild.id}/scheduled-events/{event.id}"
        status, _ = await raw(discord_stub, "PATCH", path, {"status": 2})
        assert status == 400  # a cancelled event cannot start
        await outside.delete()
        await until(lambda: "delete" in seen)
        with pytest.raises(discord.NotFound) as gone:
            await guild.fetch_scheduled_event(outside.id)
        assert gone.value.code == UNKNOWN_EVENT["code"]
    discord_stub.take_violations()  # a client's own default bodies (none expected, but not this test's point)


def _recorder(seen: list[str]):  # noqa: ANN202
    async def on_socket_event_type(name: str) -> None:
        if name.startswith("GUILD_SCHEDULED_EVENT_"):
            seen.append(name.removeprefix("GUILD_SCHEDULED_EVENT_").lower())

    return on_socket_event_type


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"scheduled_end_time": ...}, "scheduled_end_time"),  # external: an end is required
        ({"entity_metadata": {"location": ""}}, "entity_metadata"),
        ({"name": ""}, "name"),
        ({"scheduled_start_time": "2020-01-01T10:00:00+00:00", "scheduled_end_time": "2020-01-01T12:00:00+00:00"},
         "scheduled_start_time"),
        ({"scheduled_end_time": soon(1)}, "scheduled_end_time"),  # before the start
    ],
)  # fmt: skip
async def test_discords_rules_beyond_the_schema(discord_stub, changes, field):
    status, body = await create(discord_stub, external(**changes))
    assert status == 400 and body["code"] == 50035 and field in body["errors"], body
    assert discord_stub.events.events == {}


async def test_channel_rules(discord_stub):
    text = discord_stub.channel_id
    voice = {"entity_type": 2, "entity_metadata": None, "scheduled_end_time": ...}
    status, body = await create(discord_stub, external(**voice, channel_id=text))
    assert status == 400 and "channel_id" in body["errors"]  # not a voice channel
    status, body = await create(discord_stub, external(**voice))
    assert status == 400 and "channel_id" in body["errors"]  # none given
    status, body = await create(discord_stub, external(channel_id=discord_stub.voice_channel_id))
    assert status == 400 and "channel_id" in body["errors"]  # an external event has none
    stage = await discord_stub.world.add_stage_channel("Premiere")
    status, body = await create(discord_stub, external(entity_type=1, entity_metadata=None, channel_id=stage))
    assert status == 403 and body["code"] == 50013  # the bot cannot moderate a stage
    await discord_stub.world.add_role("stage host", 1 << 3)  # Administrator, given to the bot
    status, body = await create(discord_stub, external(entity_type=1, entity_metadata=None, channel_id=stage))
    assert status == 200 and body["channel_id"] == stage and body["entity_metadata"] is None
    status, body = await create(
        discord_stub, external(entity_type=2, entity_metadata=None, channel_id=discord_stub.voice_channel_id)
    )
    assert status == 200 and body["entity_type"] == 2


async def test_the_bot_needs_create_or_manage_events(discord_stub):
    world = discord_stub.world
    await world.set_role_permissions(discord_stub.guild_id, NO_EVENTS)
    status, body = await create(discord_stub, external())
    assert (status, body["code"]) == (403, 50013)
    assert world.bot_permissions(discord_stub.channel_id) & (CREATE_EVENTS | MANAGE_EVENTS) == 0
    await world.add_role("events", MANAGE_EVENTS)
    status, body = await create(discord_stub, external())
    assert (
        status == 200
        and body["status"] == 1
        and body["entity_metadata"] == {"location": "Netflix (subscription)"}
    )
    assert [e["id"] for e in discord_stub.events.in_guild()] == [body["id"]]


async def test_bodies_discord_would_reject_are_violations(discord_stub):
    status, _ = await create(discord_stub, external(privacy_level=1))
    assert status == 400
    status, _ = await create(discord_stub, external(description="x" * 1001))
    assert status == 400
    assert len(discord_stub.take_violations()) >= 2 and discord_stub.events.events == {}


async def test_moves_between_statuses_and_unknown_events(discord_stub):
    _, made = await create(discord_stub, external())
    path = f"/guilds/{discord_stub.guild_id}/scheduled-events/{made['id']}"
    assert (await raw(discord_stub, "PATCH", path, {"status": 3}))[0] == 400  # not active yet
    assert (await raw(discord_stub, "PATCH", path, {"status": 2}))[1]["status"] == 2
    assert (await raw(discord_stub, "PATCH", path, {"status": 3}))[1]["status"] == 3
    assert (await raw(discord_stub, "DELETE", path))[0] == 204
    assert await raw(discord_stub, "GET", path) == (404, UNKNOWN_EVENT)
    unknown_guild = await raw(discord_stub, "GET", "/guilds/1/scheduled-events")
    assert unknown_guild[0] == 404


async def test_the_future_is_discords_clock(discord_stub):
    discord_stub.events.clock = lambda: time.time() + 3 * 3600  # Discord's "now" is 3 hours on
    status, body = await create(discord_stub, external())
    assert status == 400 and "scheduled_start_time" in body["errors"]

"""The stand-in's text channels, permissions, threads, DMs and faults (tests/e2e/channels.py).

Driven by a real discord.py client in the test process (tests/e2e/inprocess.py) and by raw HTTP where a
body must be one discord.py would never send.
"""

from __future__ import annotations

from typing import Any

import aiohttp
import discord
import pytest

from . import spec
from .channels import (
    ADMINISTRATOR,
    CREATE_PUBLIC_THREADS,
    EMBED_LINKS,
    READ_MESSAGE_HISTORY,
    SEND_MESSAGES,
    VIEW_CHANNEL,
    compute_permissions,
    overwrite,
)
from .inprocess import connected_client, until
from .standin import DiscordStandIn

POSTING = VIEW_CHANNEL | SEND_MESSAGES | EMBED_LINKS | READ_MESSAGE_HISTORY
#: The bits that mean something in a text channel. discord.py leaves voice bits out of a text channel's
#: permissions and keeps guild-wide ones when View Channel is denied; Discord (and the stand-in) does not.
TEXT_BITS = discord.Permissions.all_channel().value & ~discord.Permissions.voice().value


async def raw(stand_in: DiscordStandIn, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    async with aiohttp.ClientSession() as session:
        async with session.request(
            method, stand_in.api_base + path, json=body, headers={"Authorization": f"Bot {stand_in.token}"}
        ) as response:
            return response.status, (await response.json() if response.status != 204 else None)


def card(title: str = "Lovely Runner · Episode 5") -> discord.Embed:
    return discord.Embed(title=title, description="out now")


# ---- Discord's permission arithmetic ---------------------------------------------------------------------

GUILD = "1"
BOT = {"user": {"id": "9"}, "roles": ["20", "21"]}


def guild(everyone: int, **roles: int) -> dict[str, Any]:
    listed = [{"id": GUILD, "permissions": str(everyone)}]
    listed += [{"id": rid.lstrip("r"), "permissions": str(p)} for rid, p in roles.items()]
    return {"id": GUILD, "owner_id": "7", "roles": listed}


def channel(*overwrites: dict[str, Any]) -> dict[str, Any]:
    return {"id": "100", "type": 0, "permission_overwrites": list(overwrites)}


def test_base_permissions_are_everyone_or_the_members_roles():
    assert (
        compute_permissions(guild(VIEW_CHANNEL, r20=SEND_MESSAGES, r21=0), channel(), BOT)
        == VIEW_CHANNEL | SEND_MESSAGES
    )


def test_overwrites_apply_everyone_then_roles_together_then_the_member():
    g = guild(POSTING, r20=0, r21=0)
    deny_view_everyone = overwrite(GUILD, deny=VIEW_CHANNEL)
    allow_view_role = overwrite("20", allow=VIEW_CHANNEL)
    deny_embed_role = overwrite("21", deny=EMBED_LINKS)
    assert compute_permissions(g, channel(deny_view_everyone), BOT) == 0
    assert compute_permissions(g, channel(deny_view_everyone, allow_view_role), BOT) == POSTING
    # one role allows what another denies: the allow wins (role overwrites are combined, then applied)
    both = channel(overwrite("20", allow=EMBED_LINKS), deny_embed_role)
    assert compute_permissions(g, both, BOT) == POSTING
    assert compute_permissions(g, channel(deny_embed_role), BOT) == POSTING & ~EMBED_LINKS
    # the member's own overwrite comes last
    member_deny = overwrite("9", deny=SEND_MESSAGES, member=True)
    assert (
        compute_permissions(g, channel(allow_view_role, member_deny), BOT)
        == VIEW_CHANNEL | READ_MESSAGE_HISTORY
    )


def test_no_send_messages_means_no_embeds_and_admin_or_owner_means_everything():
    g = guild(POSTING, r20=0, r21=0)
    assert not compute_permissions(g, channel(overwrite(GUILD, deny=SEND_MESSAGES)), BOT) & EMBED_LINKS
    admin = guild(0, r20=ADMINISTRATOR)
    assert (
        compute_permissions(admin, channel(overwrite(GUILD, deny=VIEW_CHANNEL)), BOT) & CREATE_PUBLIC_THREADS
    )
    owner = {**g, "owner_id": "9"}
    assert compute_permissions(owner, channel(overwrite(GUILD, deny=VIEW_CHANNEL)), BOT) & VIEW_CHANNEL


# ---- the world as discord.py sees it ----------------------------------------------------------------------


async def test_discord_py_resolves_the_same_permissions_and_follows_changes(discord_stub: DiscordStandIn):
    world = discord_stub.world
    open_id = await world.add_text_channel("announcements")
    hidden_id = await world.add_text_channel(
        "staff", overwrites=[overwrite(discord_stub.guild_id, deny=VIEW_CHANNEL)]
    )
    async with connected_client(discord_stub) as client:
        guild_ = client.get_guild(int(discord_stub.guild_id))
        assert guild_ is not None and guild_.me is not None

        def agree() -> bool:
            seen = {
                cid: guild_.get_channel(int(cid)).permissions_for(guild_.me).value & TEXT_BITS for cid in ids
            }
            expected = {cid: world.bot_permissions(cid) & TEXT_BITS for cid in ids}
            assert seen == expected
            return True

        ids = (open_id, hidden_id, discord_stub.channel_id)

        assert agree()
        assert not guild_.get_channel(int(hidden_id)).permissions_for(guild_.me).view_channel
        assert guild_.get_channel(int(open_id)).permissions_for(guild_.me).create_public_threads

        # CHANNEL_UPDATE: the bot's role is let into the hidden channel, but without embeds
        await world.set_overwrites(
            hidden_id,
            [
                overwrite(discord_stub.guild_id, deny=VIEW_CHANNEL),
                overwrite(discord_stub.bot_role_id, allow=VIEW_CHANNEL, deny=EMBED_LINKS),
            ],
        )
        await until(lambda: guild_.get_channel(int(hidden_id)).permissions_for(guild_.me).view_channel)
        assert agree() and not guild_.get_channel(int(hidden_id)).permissions_for(guild_.me).embed_links

        # GUILD_ROLE_UPDATE: @everyone loses Create Public Threads everywhere
        everyone = int(guild_.default_role.permissions.value)
        await world.set_role_permissions(discord_stub.guild_id, everyone & ~CREATE_PUBLIC_THREADS)
        await until(lambda: not guild_.default_role.permissions.create_public_threads)
        assert (
            agree() and not guild_.get_channel(int(open_id)).permissions_for(guild_.me).create_public_threads
        )

        # GUILD_ROLE_CREATE + GUILD_MEMBER_UPDATE: an admin role for the bot opens everything
        await world.add_role("bot admin", ADMINISTRATOR)
        await until(lambda: guild_.me.guild_permissions.administrator)
        assert agree() and guild_.get_channel(int(hidden_id)).permissions_for(guild_.me).embed_links


async def test_messages_are_stored_and_missing_permissions_answer_50001_and_50013(
    discord_stub: DiscordStandIn,
):
    world = discord_stub.world
    gid = discord_stub.guild_id
    no_view = await world.add_text_channel("hidden", overwrites=[overwrite(gid, deny=VIEW_CHANNEL)])
    no_send = await world.add_text_channel("read-only", overwrites=[overwrite(gid, deny=SEND_MESSAGES)])
    no_embed = await world.add_text_channel("plain", overwrites=[overwrite(gid, deny=EMBED_LINKS)])
    open_id = await world.add_text_channel("announcements")
    async with connected_client(discord_stub) as client:
        sent = await client.get_channel(int(open_id)).send(embed=card())
        stored = world.messages_in(open_id)
        assert [m["id"] for m in stored] == [str(sent.id)]
        assert stored[0]["embeds"][0]["title"] == "Lovely Runner · Episode 5"
        assert stored[0]["guild_id"] == gid
        for cid, code in ((no_view, 50001), (no_send, 50013), (no_embed, 50013)):
            with pytest.raises(discord.Forbidden) as refused:
                await client.get_channel(int(cid)).send(embed=card())
            assert refused.value.code == code
            assert world.messages_in(cid) == []
        # without embeds, Embed Links is not needed
        await client.get_channel(int(no_embed)).send("plain text")
        assert len(world.messages_in(no_embed)) == 1


async def test_channels_of_an_added_guild(discord_stub: DiscordStandIn):
    other = discord_stub.add_guild("Second Club")
    world = discord_stub.world
    cid = await world.add_text_channel("announcements", guild_id=other)
    extra_channel = discord_stub.extra_guilds[other].channel_id
    await world.set_overwrites(extra_channel, [overwrite(other, deny=SEND_MESSAGES)])
    async with connected_client(discord_stub) as client:
        guild_ = client.get_guild(int(other))
        assert guild_.get_channel(int(cid)).guild.id == int(other)
        assert not guild_.get_channel(int(extra_channel)).permissions_for(guild_.me).send_messages
        await guild_.get_channel(int(cid)).send(embed=card())
        with pytest.raises(discord.Forbidden):
            await guild_.get_channel(int(extra_channel)).send(embed=card())
    (message,) = world.messages_in(cid)
    assert message["guild_id"] == other
    assert (
        discord_stub.world.bot_permissions(discord_stub.channel_id) & SEND_MESSAGES
    )  # the main guild is untouched


async def test_a_public_thread_from_a_message(discord_stub: DiscordStandIn):
    world = discord_stub.world
    open_id = await world.add_text_channel("announcements")
    no_threads = await world.add_text_channel(
        "no-threads", overwrites=[overwrite(discord_stub.guild_id, deny=CREATE_PUBLIC_THREADS)]
    )
    async with connected_client(discord_stub) as client:
        message = await client.get_channel(int(open_id)).send(embed=card())
        thread = await message.create_thread(name="Episode 5 discussion")
        assert (
            thread.id == message.id
            and thread.parent_id == int(open_id)
            and thread.name == "Episode 5 discussion"
        )
        assert world.threads[str(message.id)]["type"] == 11
        await until(lambda: client.get_channel(message.id) is not None)  # THREAD_CREATE arrived
        await thread.send("spoilers go here")
        assert [m["content"] for m in world.messages_in(str(thread.id))] == ["spoilers go here"]
        with pytest.raises(discord.HTTPException) as again:
            await message.create_thread(name="Episode 5 discussion")
        assert again.value.code == 160004
        other = await client.get_channel(int(no_threads)).send(embed=card())
        with pytest.raises(discord.Forbidden) as refused:
            await other.create_thread(name="Episode 5 discussion")
        assert refused.value.code == 50013


async def test_dms_and_closed_dms(discord_stub: DiscordStandIn):
    world = discord_stub.world
    fan = world.add_user("fan")
    shy = world.add_user("shy", dms_open=False)
    async with connected_client(discord_stub) as client:
        limited = world.rate_limit(1, retry_after=0.1, kinds=("dm",))
        dm = await client.create_dm(discord.Object(int(fan["id"])))  # after discord.py waited out the 429
        assert limited.served == 1
        await dm.send(embed=card())
        assert [m["embeds"][0]["title"] for m in world.messages_in(str(dm.id))] == [
            "Lovely Runner · Episode 5"
        ]
        assert world.dm_channel_of(fan["id"])["id"] == str(dm.id)
        closed = await client.create_dm(discord.Object(int(shy["id"])))
        with pytest.raises(discord.Forbidden) as refused:
            await closed.send(embed=card())
        assert refused.value.code == 50007
        world.close_dms(shy["id"], closed=False)
        await closed.send(embed=card())
        assert len(world.messages_in(str(closed.id))) == 1
    status, body = await raw(discord_stub, "POST", "/users/@me/channels", {"recipient_id": "123"})
    assert (status, body["code"]) == (400, 50033)


async def test_a_429_is_waited_out_by_discord_py_and_posts_once(discord_stub: DiscordStandIn):
    world = discord_stub.world
    open_id = await world.add_text_channel("announcements")
    async with connected_client(discord_stub) as client:
        fault = world.rate_limit(2, retry_after=0.2)
        await client.get_channel(int(open_id)).send(embed=card())
    assert fault.served == 2
    posts = [
        r.status
        for r in discord_stub.requests
        if r.method == "POST" and r.path == f"/channels/{open_id}/messages"
    ]
    assert posts == [429, 429, 200]
    assert len(world.messages_in(open_id)) == 1


async def test_enforce_nonce_returns_the_first_message(discord_stub: DiscordStandIn):
    cid = discord_stub.channel_id
    body = {
        "embeds": [{"title": "x"}],
        "allowed_mentions": {"parse": []},
        "nonce": "ann-1",
        "enforce_nonce": True,
    }
    first = await raw(discord_stub, "POST", f"/channels/{cid}/messages", body)
    second = await raw(discord_stub, "POST", f"/channels/{cid}/messages", body)
    assert first[0] == second[0] == 200 and first[1]["id"] == second[1]["id"] and first[1]["nonce"] == "ann-1"
    assert len(discord_stub.world.messages_in(cid)) == 1
    # without enforce_nonce Discord does not deduplicate
    loose = {**body, "enforce_nonce": False}
    await raw(discord_stub, "POST", f"/channels/{cid}/messages", loose)
    assert len(discord_stub.world.messages_in(cid)) == 2
    # history does not carry the nonce
    status, history = await raw(discord_stub, "GET", f"/channels/{cid}/messages?limit=10")
    assert status == 200 and all("nonce" not in m for m in history)
    # a nonce whose message was deleted: 404
    await raw(discord_stub, "DELETE", f"/channels/{cid}/messages/{first[1]['id']}")
    status, gone = await raw(discord_stub, "POST", f"/channels/{cid}/messages", body)
    assert (status, gone["code"]) == (404, 10008)


async def test_a_lost_answer_retried_by_discord_py_is_deduplicated_by_the_nonce(discord_stub: DiscordStandIn):
    open_id = await discord_stub.world.add_text_channel("announcements")
    async with connected_client(discord_stub) as client:
        discord_stub.world.lose_responses(1, status=502)
        sent = await client.get_channel(int(open_id)).send(embed=card())  # discord.py retries the 502 itself
        assert [m["id"] for m in discord_stub.world.messages_in(open_id)] == [str(sent.id)]
        discord_stub.world.lose_responses(1, status=None)  # the connection drops: the bot cannot know
        with pytest.raises((aiohttp.ClientError, OSError)):
            await client.get_channel(int(open_id)).send(embed=card("Episode 6"))
        assert len(discord_stub.world.messages_in(open_id)) == 2  # ... but the message was made


async def test_history_newest_first_with_before_after_and_limit(discord_stub: DiscordStandIn):
    cid = discord_stub.channel_id
    ids = []
    for n in range(5):
        status, m = await raw(
            discord_stub,
            "POST",
            f"/channels/{cid}/messages",
            {"content": str(n), "allowed_mentions": {"parse": []}},
        )
        ids.append(m["id"])
    _, newest = await raw(discord_stub, "GET", f"/channels/{cid}/messages?limit=2")
    assert [m["id"] for m in newest] == [ids[4], ids[3]]
    _, after = await raw(discord_stub, "GET", f"/channels/{cid}/messages?after={ids[0]}&limit=2")
    assert [m["id"] for m in after] == [ids[2], ids[1]]
    _, before = await raw(discord_stub, "GET", f"/channels/{cid}/messages?before={ids[2]}")
    assert [m["id"] for m in before] == [ids[1], ids[0]]
    await discord_stub.world.set_overwrites(
        cid, [overwrite(discord_stub.guild_id, deny=READ_MESSAGE_HISTORY)]
    )
    assert await raw(discord_stub, "GET", f"/channels/{cid}/messages") == (200, [])


# ---- bodies checked against the OpenAPI description --------------------------------------------------------


def test_the_new_kinds_come_from_the_spec():
    assert spec.KINDS["thread_from_message"] == (
        "/channels/{channel_id}/messages/{message_id}/threads",
        "post",
    )
    assert spec.KINDS["dm_create"] == ("/users/@me/channels", "post")
    assert spec.validate("thread_from_message", {"name": "Episode 5 discussion"}) == []
    assert spec.validate("dm_create", {"recipient_id": "123456789012345678"}) == []
    assert spec.validate("thread_from_message", {}) != []


@pytest.mark.parametrize(
    ("path", "body", "where"),
    [
        ("/channels/{cid}/messages/{mid}/threads", {"name": "x" * 101}, "name"),
        (
            "/channels/{cid}/messages/{mid}/threads",
            {"name": "ok", "auto_archive_duration": 5},
            "auto_archive_duration",
        ),
        ("/users/@me/channels", {"recipient_id": "not-a-snowflake"}, "recipient_id"),
        (
            "/channels/{cid}/messages",
            {"content": "hi", "allowed_mentions": {"parse": []}, "nonce": "n" * 26},
            "nonce",
        ),
        (
            "/channels/{cid}/messages",
            {"content": "hi", "allowed_mentions": {"parse": []}, "enforce_nonce": "yes"},
            "enforce_nonce",
        ),
        (
            "/channels/{cid}/messages",
            {"embeds": [{"title": "t" * 257}], "allowed_mentions": {"parse": []}},
            "embeds",
        ),
        ("/channels/{cid}/messages", {"content": "@everyone"}, "allowed_mentions"),
    ],
)
async def test_bodies_violating_the_spec_are_rejected(discord_stub: DiscordStandIn, path, body, where):
    cid = discord_stub.channel_id
    _, message = await raw(
        discord_stub, "POST", f"/channels/{cid}/messages", {"content": "m", "allowed_mentions": {"parse": []}}
    )
    before = len(discord_stub.world.messages_in(cid))
    status, answer = await raw(discord_stub, "POST", path.format(cid=cid, mid=message["id"]), body)
    assert (status, answer["code"]) == (400, 50035)
    assert where in str(answer["errors"])
    assert discord_stub.take_violations()
    assert len(discord_stub.world.messages_in(cid)) == before and discord_stub.world.threads == {}


async def test_an_empty_message_is_refused(discord_stub: DiscordStandIn):
    status, answer = await raw(
        discord_stub,
        "POST",
        f"/channels/{discord_stub.channel_id}/messages",
        {"allowed_mentions": {"parse": []}},
    )
    assert (status, answer["code"]) == (400, 50006)


async def test_unknown_channels_answer_10003(discord_stub: DiscordStandIn):
    status, answer = await raw(
        discord_stub, "POST", "/channels/1/messages", {"content": "x", "allowed_mentions": {"parse": []}}
    )
    assert (status, answer["code"]) == (404, 10003)

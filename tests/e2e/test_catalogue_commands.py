"""/catalogue through the real bot process: only global curators change the shared catalogue (a server's
admins do not), members suggest corrections that a curator accepts, and every change is audited."""

from __future__ import annotations

import asyncio
import copy
import os
import sqlite3
import sys
from pathlib import Path

from .standin import ADMINISTRATOR, DEFAULT_MEMBER_PERMISSIONS, MESSAGE_COMPONENT

MANAGE_GUILD = 1 << 5
ADMIN = str(ADMINISTRATOR)
MANAGER = str(int(DEFAULT_MEMBER_PERMISSIONS) | MANAGE_GUILD)  # Manage Server: still no curator
ROOT = Path(__file__).resolve().parents[2]
REFUSED = "Only the bot's global curators"


def audit_rows(bot_env) -> list[tuple]:
    conn = sqlite3.connect(bot_env["DATABASE_URL"])
    try:
        return conn.execute(
            "SELECT actor_id, action, subject, before, after FROM catalogue_audit ORDER BY id"
        ).fetchall()
    finally:
        conn.close()


async def query(database: str, sql: str, *params) -> list[tuple]:
    """Rows of the bot's database, SQLite file or PostgreSQL URL, through a connection of our own."""
    if not database.startswith("postgresql://"):
        conn = sqlite3.connect(database)
        try:
            return conn.execute(sql, params).fetchall()
        finally:
            conn.close()
    import asyncpg

    from bot.store.db import numbered

    conn = await asyncpg.connect(database)
    try:
        return [tuple(r) for r in await conn.fetch(numbered(sql), *params)]
    finally:
        await conn.close()


async def run_cli(database: str, *args: str) -> tuple[int, str]:
    env = {**os.environ, "DATABASE_URL": database, "DISCORD_TOKEN": ""}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "catalogue", *args, cwd=ROOT, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    out, _ = await asyncio.wait_for(proc.communicate(), 120)
    return proc.returncode, out.decode()


async def invoke_as(stub, command: str, options: dict, *, user=None, roles=(), permissions=None, guild_id=None,
                    edit=None):  # fmt: skip
    """A command from a member holding `roles` (ids of the guild it is sent from); `edit(payload)` may
    change the interaction as a forged client would."""
    payload = stub._application_command_payload(
        command, options, itype=2, focused=None, user=user, guild=True, permissions=permissions, guild_id=guild_id
    )
    payload["member"]["roles"] = list(roles)
    if edit is not None:
        edit(payload)
    return await stub.wait_for_answer(await stub._dispatch_interaction(payload))


async def press_forged(stub, result, custom_id: str, forged: str, *, user=None):
    """Press a button whose custom_id the client changed to `forged` (Discord passes it on as sent)."""
    message = copy.deepcopy(stub._message_for_click(result, custom_id))
    for row in message["components"]:
        for component in row.get("components", []):
            if component.get("custom_id") == custom_id:
                component["custom_id"] = forged
    payload = stub._base_payload(
        MESSAGE_COMPONENT, {"custom_id": forged, "component_type": 2}, user=user or stub.default_user, guild=True,
        permissions=DEFAULT_MEMBER_PERMISSIONS,
    )  # fmt: skip
    payload["message"] = message
    return await stub.wait_for_answer(await stub._dispatch_interaction(payload))


async def test_catalogue_is_offered_to_members_for_suggestions_and_synced_guild_only(discord_stub, start_bot):
    await start_bot()
    synced = discord_stub.synced_commands()["catalogue"]
    assert synced.get("default_member_permissions") is None  # everyone may suggest; handlers check the rest
    assert synced.get("contexts") == [0] or synced.get("dm_permission") is False
    assert {o["name"] for o in synced["options"]} >= {
        "add", "edit", "text", "episode", "where-add", "where-remove", "remove", "curators", "suggest",
        "suggestions",
    }  # fmt: skip


async def test_a_member_a_server_manager_and_an_administrator_are_no_curators(discord_stub, start_bot, bot_env):
    await start_bot()
    for permissions in (None, MANAGER, ADMIN):
        result = await discord_stub.invoke("catalogue add", {"title": "Goblin", "episodes": 16}, permissions=permissions)
        assert result.ephemeral and REFUSED in result.content and "/catalogue suggest" in result.content
    queue = await discord_stub.invoke("catalogue suggestions", {}, permissions=ADMIN)
    assert queue.ephemeral and REFUSED in queue.content
    assert audit_rows(bot_env) == []
    assert await discord_stub.autocomplete("review", {}, "drama")  # the catalogue is still there


async def test_the_owner_adds_and_edits_and_every_change_is_audited(discord_stub, start_bot, bot_env):
    await start_bot()
    owner = discord_stub.owner  # the application's owner (the stand-in's application info)
    added = await discord_stub.invoke(
        "catalogue add",
        {"title": "Goblin", "episodes": 16, "year": 2016, "country": "KR", "native_title": "도깨비 신부",
         "genres": "Fantasy, Romance"},
        user=owner,
    )  # fmt: skip
    assert added.ephemeral and "Added *Goblin* (`goblin-2016`)" in added.content

    edited = await discord_stub.invoke(
        "catalogue edit", {"drama": "goblin-2016", "field": "critic_score", "value": "4.5"}, user=owner
    )
    assert edited.ephemeral and "Saved" in edited.content
    bad = await discord_stub.invoke(
        "catalogue edit", {"drama": "goblin-2016", "field": "year", "value": "1800"}, user=owner
    )
    assert bad.ephemeral and "field 'year'" in bad.content
    await discord_stub.invoke(
        "catalogue episode", {"drama": "goblin-2016", "number": 1, "score": 4.0}, user=owner
    )
    await discord_stub.invoke(
        "catalogue where-add",
        {"drama": "goblin-2016", "service": "Netflix", "kind": "subscription", "regions": "KR, Japan"},
        user=owner,
    )
    # "Goblin" is also what members call the bundled 도깨비: typed by name it is ambiguous, so the curator picks
    ambiguous = await discord_stub.invoke("catalogue text", {"drama": "Goblin", "field": "verdict"}, user=owner)
    assert ambiguous.ephemeral and "More than one drama is called 'Goblin'" in ambiguous.content
    modal = await discord_stub.invoke("catalogue text", {"drama": "goblin-2016", "field": "verdict"}, user=owner)
    assert modal.modal is not None and modal.modal["title"].startswith("Critic's verdict"), modal.content

    review = await discord_stub.invoke("review", {"drama": "도깨비 신부"})  # not the bundled 도깨비
    (embed,) = review.embeds
    assert embed["title"].startswith("Goblin")
    critic = next(f for f in embed["fields"] if f["name"] == "Critic")
    assert "4.5/5" in critic["value"]
    assert "Netflix" in next(f for f in embed["fields"] if f["name"] == "Where to watch")["value"]

    rows = audit_rows(bot_env)
    assert [(r[1], r[2]) for r in rows] == [
        ("add", "goblin-2016"), ("edit critic_score", "goblin-2016"), ("episode 1", "goblin-2016"),
        ("where-add", "goblin-2016"),
    ]  # fmt: skip
    assert rows[0][3] is None and '"title": "Goblin"' in rows[0][4]
    assert '"critic_score": null' in rows[1][3] and '"critic_score": 4.5' in rows[1][4]
    assert {r[0] for r in rows} == {int(owner["id"])}

    removed = await discord_stub.invoke(
        "catalogue remove", {"drama": "goblin-2016", "confirm": "goblin-2016"}, user=owner
    )
    assert removed.ephemeral and "Removed" in removed.content
    assert audit_rows(bot_env)[-1][1:3] == ("remove", "goblin-2016") and audit_rows(bot_env)[-1][4] is None

    env = {**os.environ, "DATABASE_URL": bot_env["DATABASE_URL"], "DISCORD_TOKEN": ""}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "catalogue", "audit", cwd=ROOT, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, _ = await proc.communicate()
    assert proc.returncode == 0
    assert "add  goblin-2016" in out.decode() and "remove  goblin-2016" in out.decode()


async def test_global_curators_are_named_in_settings_and_a_servers_own_role_is_not_one(discord_stub, start_bot, bot_env):
    other_guild = discord_stub.add_guild("elsewhere")
    listed = discord_stub.make_user("listed")
    home_role = discord_stub.bot_role_id  # a role of the home server (any role of it would do)
    await start_bot({"CURATOR_USER_IDS": listed["id"], "CURATOR_GUILD_ID": discord_stub.guild_id,
                     "CURATOR_ROLE_ID": home_role, "DEV_GUILD_ID": None})  # fmt: skip  (global: both servers)
    owner = await discord_stub.invoke(
        "catalogue add", {"title": "Move to Heaven Again", "episodes": 10, "year": 2021}, user=discord_stub.owner,
    )  # fmt: skip
    assert "Added" in owner.content
    slug = "move-to-heaven-again-2021"

    def edit(value: str) -> dict:
        return {"drama": slug, "field": "network", "value": value}

    by_id = await invoke_as(discord_stub, "catalogue edit", edit("Netflix"), user=listed, guild_id=other_guild)
    assert by_id.ephemeral and "Saved" in by_id.content  # CURATOR_USER_IDS: in any server
    by_role = await invoke_as(discord_stub, "catalogue edit", edit("tvN"), roles=[home_role])
    assert by_role.ephemeral and "Saved" in by_role.content  # CURATOR_ROLE_ID inside CURATOR_GUILD_ID
    # The same managed role in another server is another role: no right there.
    elsewhere = discord_stub.extra_guilds[other_guild].bot_role_id
    refused = await invoke_as(discord_stub, "catalogue edit", edit("KBS"), roles=[elsewhere], permissions=ADMIN,
                              guild_id=other_guild)  # fmt: skip
    assert refused.ephemeral and REFUSED in refused.content
    # A server manager names this server's own role: it chooses the server's follows, not the catalogue.
    named = await discord_stub.invoke("catalogue curators", {"role": discord_stub.bot_role_id}, permissions=MANAGER)
    assert named.ephemeral and "choose the dramas this server follows" in named.content
    plain = await discord_stub.invoke("catalogue curators", {"role": discord_stub.bot_role_id})
    assert plain.ephemeral and "Only server admins" in plain.content
    assert [r[1] for r in audit_rows(bot_env)] == ["add", "edit network", "edit network", "curators"]


async def test_a_curator_role_without_its_home_server_stops_the_start_with_one_line(discord_stub, start_bot):
    """CURATOR_ROLE_ID alone used to mean the role in every server: never taken silently now."""
    proc = await start_bot({"CURATOR_ROLE_ID": discord_stub.bot_role_id}, wait_ready=False)
    assert await proc.wait(30) == 2
    lines = [line for line in proc.output().splitlines() if line.strip()]
    assert len(lines) == 1 and "CURATOR_ROLE_ID now needs CURATOR_GUILD_ID" in lines[0]

"""/catalogue through the real bot process: hidden from members, re-checked, audited."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import sys
from pathlib import Path

import pytest

from .standin import ADMINISTRATOR, DEFAULT_MEMBER_PERMISSIONS, CommandNotSynced

MANAGE_GUILD = 1 << 5
ADMIN = str(ADMINISTRATOR)
MANAGER = str(int(DEFAULT_MEMBER_PERMISSIONS) | MANAGE_GUILD)  # sees the command, but is no curator
ROOT = Path(__file__).resolve().parents[2]


def audit_rows(bot_env) -> list[tuple]:
    conn = sqlite3.connect(bot_env["DATABASE_URL"])
    try:
        return conn.execute(
            "SELECT actor_id, action, subject, before, after FROM catalogue_audit ORDER BY id"
        ).fetchall()
    finally:
        conn.close()


async def test_catalogue_is_hidden_from_members_and_synced_guild_only(discord_stub, start_bot):
    await start_bot()
    synced = discord_stub.synced_commands()["catalogue"]
    assert synced["default_member_permissions"] == str(MANAGE_GUILD)
    assert {o["name"] for o in synced["options"]} >= {
        "add", "edit", "text", "episode", "where-add", "where-remove", "remove", "curators",
    }  # fmt: skip
    with pytest.raises(CommandNotSynced):
        await discord_stub.invoke("catalogue add", {"title": "Goblin", "episodes": 16})


async def test_a_member_who_is_no_curator_is_refused_and_nothing_is_written(discord_stub, start_bot, bot_env):
    await start_bot()
    result = await discord_stub.invoke(
        "catalogue add", {"title": "Goblin", "episodes": 16}, permissions=MANAGER
    )
    assert result.ephemeral
    assert "Only curators" in result.content
    assert audit_rows(bot_env) == []
    assert await discord_stub.autocomplete("review", {}, "drama")  # the catalogue is still there


async def test_an_admin_adds_and_edits_and_every_change_is_audited(discord_stub, start_bot, bot_env):
    await start_bot()
    added = await discord_stub.invoke(
        "catalogue add",
        {"title": "Goblin", "episodes": 16, "year": 2016, "country": "KR", "native_title": "도깨비 신부",
         "genres": "Fantasy, Romance"},
        permissions=ADMIN,
    )  # fmt: skip
    assert added.ephemeral and "Added *Goblin* (`goblin-2016`)" in added.content

    edited = await discord_stub.invoke(
        "catalogue edit", {"drama": "goblin-2016", "field": "critic_score", "value": "4.5"}, permissions=ADMIN
    )
    assert edited.ephemeral and "Saved" in edited.content
    bad = await discord_stub.invoke(
        "catalogue edit", {"drama": "goblin-2016", "field": "year", "value": "1800"}, permissions=ADMIN
    )
    assert bad.ephemeral and "field 'year'" in bad.content
    await discord_stub.invoke(
        "catalogue episode", {"drama": "goblin-2016", "number": 1, "score": 4.0}, permissions=ADMIN
    )
    await discord_stub.invoke(
        "catalogue where-add",
        {"drama": "goblin-2016", "service": "Netflix", "kind": "subscription", "regions": "KR, Japan"},
        permissions=ADMIN,
    )
    # "Goblin" is also what members call the bundled 도깨비: typed by name it is ambiguous, so the curator picks
    ambiguous = await discord_stub.invoke("catalogue text", {"drama": "Goblin", "field": "verdict"}, permissions=ADMIN)
    assert ambiguous.ephemeral and "More than one drama is called 'Goblin'" in ambiguous.content
    modal = await discord_stub.invoke("catalogue text", {"drama": "goblin-2016", "field": "verdict"}, permissions=ADMIN)
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
    assert {r[0] for r in rows} == {int(discord_stub.default_user["id"])}

    removed = await discord_stub.invoke(
        "catalogue remove", {"drama": "goblin-2016", "confirm": "goblin-2016"}, permissions=ADMIN
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


async def test_the_owner_and_the_curator_role_may_curate(discord_stub, start_bot, bot_env):
    await start_bot()
    owner = await discord_stub.invoke(
        "catalogue add", {"title": "Move to Heaven Again", "episodes": 10, "year": 2021}, user=discord_stub.owner,
        permissions=MANAGER,
    )  # fmt: skip
    assert "Added" in owner.content
    # A server manager names the curator role; a member holding it may then curate.
    named = await discord_stub.invoke("catalogue curators", {"role": discord_stub.bot_role_id}, permissions=MANAGER)
    assert named.ephemeral and "can now curate" in named.content
    payload = discord_stub._application_command_payload(
        "catalogue edit", {"drama": "move-to-heaven-again-2021", "field": "network", "value": "Netflix"},
        itype=2, focused=None, user=None, guild=True, permissions=MANAGER,
    )  # fmt: skip
    payload["member"]["roles"] = [discord_stub.bot_role_id]
    result = await discord_stub.wait_for_answer(await discord_stub._dispatch_interaction(payload))
    assert result.ephemeral and "Saved" in result.content
    assert [r[1] for r in audit_rows(bot_env)] == ["add", "curators", "edit network"]

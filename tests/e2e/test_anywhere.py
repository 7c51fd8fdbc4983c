"""Dramabot installed to a member's own account (a "user install"), end to end through the stand-in: the
personal commands in a server without the bot, the bot's DM and a group DM; the server commands refused
there; no "this server" figures and no server stored where the bot is not installed (SQLite, and the rating
path on PostgreSQL). The guild install is what every other e2e test uses."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import asyncpg
import pytest

from bot.history import parse_upload
from tests.e2e.installs import USE_EXTERNAL_APPS
from tests.e2e.standin import DEFAULT_MEMBER_PERMISSIONS, CommandNotSynced
from tests.e2e.waiting import db_rows

TITLE = "Crash Landing on You"
PERSONAL = ("review", "where", "rate", "watchlist", "profile", "export", "import", "recommend", "privacy")
SERVER_ONLY = ("top", "announce", "follow", "server", "catalogue", "pick", "watchparty")
NO_EXTERNAL_APPS = int(DEFAULT_MEMBER_PERMISSIONS) & ~USE_EXTERNAL_APPS


def exported(discord_stub, result) -> tuple[dict, list[tuple]]:
    """The /export answer's JSON document, and its Simkl CSV read back by parse_upload as
    (title, halves, status, progress) rows."""
    files = {
        a["filename"].rsplit(".", 1)[1]: discord_stub.uploads[a["id"]] for a in result.message["attachments"]
    }
    parsed = parse_upload(files["csv"], "export.csv", now=datetime.now(UTC))
    assert parsed.format == "simkl" and parsed.skipped == ()
    rows = sorted((r.title, r.halves, r.status, r.progress or 0) for r in parsed.rows)
    return json.loads(files["json"]), rows


def field_names(embed: dict) -> list[str]:
    return [f["name"] for f in embed.get("fields", [])]


async def test_user_install_everywhere_on_sqlite(discord_stub, start_bot, bot_env):
    await start_bot({"DEV_GUILD_ID": None})  # user installs need global commands
    synced = discord_stub.synced_commands("global")
    for name in PERSONAL:
        assert synced[name]["integration_types"] == [0, 1], name
        assert synced[name]["contexts"] == [0, 1, 2], name
    for name in SERVER_ONLY:
        assert synced[name]["integration_types"] == [0], name
        assert synced[name]["contexts"] == [0], name

    minji = discord_stub.make_user("minji")
    # The guild install, in the server that installed the bot: "this server" figures, rating stored there.
    await discord_stub.invoke("rate", {"drama": TITLE, "score": 4}, user=minji)
    here = (await discord_stub.invoke("review", {"drama": TITLE}, user=minji)).embeds[0]
    assert "This server" in field_names(here)

    # A server without the bot, through her own install: everyone's figures only; the rating has no server.
    outside = await discord_stub.invoke("review", {"drama": TITLE}, user=minji, install="user", context=0)
    assert not outside.ephemeral and "This server" not in field_names(outside.embeds[0])
    assert "Everyone" in field_names(outside.embeds[0])
    # 16 episodes, 12 to a page: the guide's next page comes through her install too
    paged = await discord_stub.click(outside, outside.custom_ids()[-1], user=minji)
    assert paged.interaction["authorizing_integration_owners"] == {"1": minji["id"]}
    assert paged.callback_type == 7 and "This server" not in field_names(paged.message["embeds"][0])
    rated = await discord_stub.invoke(
        "rate", {"drama": "Goblin", "score": 5}, user=minji, install="user", context=0
    )
    assert rated.ephemeral and "This server" not in rated.embeds[0]["description"]
    rows = db_rows(bot_env["DATABASE_URL"], "SELECT d.title, r.guild_id FROM ratings r JOIN dramas d "
                   "ON d.id = r.drama_id WHERE r.user_id = ? ORDER BY d.title", (int(minji["id"]),))  # fmt: skip
    assert rows == [(TITLE, int(discord_stub.guild_id)), ("Guardian: The Lonely and Great God", None)]
    # A member who may not use external apps there: the bot answers privately (as Discord would show it).
    private = await discord_stub.invoke(
        "where", {"drama": TITLE}, user=minji, install="user", context=0, permissions=NO_EXTERNAL_APPS
    )
    assert private.ephemeral and private.embeds
    assert discord_stub.installs.forced_ephemeral == []  # the bot asked for it; Discord did not have to

    # A group DM and the bot's DM, through her install: her list, stored with no server.
    listed = await discord_stub.invoke(
        "watchlist set", {"drama": "Goblin", "status": "watching", "episode": 3}, user=minji,
        install="user", context=2,
    )  # fmt: skip
    assert listed.ephemeral
    shown = await discord_stub.invoke("watchlist show", {}, user=minji, install="user", context=2)
    assert shown.embeds[0]["title"] == "Minji's watch list"
    assert db_rows(bot_env["DATABASE_URL"], "SELECT guild_id FROM watchlist WHERE user_id = ?",
                   (int(minji["id"]),)) == [(None,)]  # fmt: skip
    profile = await discord_stub.invoke("profile", {}, user=minji, install="user", context=1)
    assert profile.embeds[0]["title"] == "Minji's profile"

    # /export in her DM, through her install: everything, privately; the CSV reads back to her list and scores.
    export = await discord_stub.invoke("export", {}, user=minji, install="user", context=1)
    assert export.ephemeral and "2 ratings and 1 drama" in export.content
    doc, rows = exported(discord_stub, export)
    assert rows == [(TITLE, 8, None, 0), ("Guardian: The Lonely and Great God", 10, "watching", 3)]
    assert {(r["drama"]["title"], r["score"], r["server_id"]) for r in doc["ratings"]} == {
        (TITLE, 4.0, discord_stub.guild_id),
        ("Guardian: The Lonely and Great God", 5.0, None),
    }
    stored = {(t["table"], t["column"]): t["rows"] for t in doc["stored"]}
    assert len(stored[("ratings", "user_id")]) == 2 and len(stored[("watchlist", "user_id")]) == 1
    nobody = await discord_stub.invoke("export", {}, install="user", context=2)
    assert nobody.ephemeral and nobody.content.startswith("dramabot stores nothing about you")
    assert not nobody.message["attachments"]

    # Server commands are not offered through a user install, anywhere.
    for context in (0, 1, 2):
        with pytest.raises(CommandNotSynced, match="not installable to a user"):
            await discord_stub.dispatch_command(
                "top", {"scope": "everyone"}, user=minji, install="user", context=context
            )
    # ... nor in a DM of the guild install (server context only).
    with pytest.raises(CommandNotSynced, match="not available in DMs"):
        await discord_stub.dispatch_command("top", {"scope": "everyone"}, user=minji, guild=False)


async def test_user_install_rating_stores_no_server_on_postgresql(discord_stub, start_bot, pg_url):
    await start_bot({"DEV_GUILD_ID": None, "DATABASE_URL": pg_url})
    jisoo = discord_stub.make_user("jisoo")
    await discord_stub.invoke("rate", {"drama": TITLE, "score": 3}, user=jisoo)
    outside = await discord_stub.invoke("rate", {"drama": "Goblin", "score": 4.5}, user=jisoo, install="user")
    assert "This server" not in outside.embeds[0]["description"]
    review = await discord_stub.invoke("review", {"drama": TITLE}, user=jisoo, install="user", context=2)
    assert "This server" not in field_names(review.embeds[0])
    conn = await asyncpg.connect(pg_url)
    try:
        rows = await conn.fetch(
            "SELECT d.title, r.guild_id FROM ratings r JOIN dramas d ON d.id = r.drama_id "
            "WHERE r.user_id = $1 ORDER BY d.title", int(jisoo["id"]),
        )  # fmt: skip
    finally:
        await conn.close()
    export = await discord_stub.invoke("export", {}, user=jisoo)  # the guild install, in the server
    assert export.ephemeral
    _, listed = exported(discord_stub, export)
    assert listed == [(TITLE, 6, None, 0), ("Guardian: The Lonely and Great God", 9, None, 0)]
    assert [tuple(r) for r in rows] == [
        (TITLE, int(discord_stub.guild_id)),
        ("Guardian: The Lonely and Great God", None),
    ]

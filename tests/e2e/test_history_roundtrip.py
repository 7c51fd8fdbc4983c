"""Take your history with you: what /export gives re-imports into a fresh database with the same list and
scores. One bot on SQLite exports in the server; a second bot on a new, empty PostgreSQL database (its
first start) gets the Simkl CSV through /import in the member's DM, through her own install of the app,
and exports the same list and scores again."""

from __future__ import annotations

from tests.e2e.attachments import Attachment
from tests.e2e.test_anywhere import exported

SCORES = {"Goblin": 4.5, "Signal": 5, "Crash Landing on You": 3.5}
LIST = {"Signal": ("watching", 7), "My Mister": ("plan", 0), "Goblin": ("completed", 16)}


def kept(doc: dict) -> tuple[set, set]:
    """The export's drama scores and list entries, by the dramas' TMDB ids (the two databases' own ids
    may differ)."""
    scores = {
        (r["drama"]["tmdb_id"], r["drama"]["title"], r["halves"]) for r in doc["ratings"] if not r["episode"]
    }
    listed = {(e["drama"]["tmdb_id"], e["status"], e["progress"]) for e in doc["watchlist"]}
    return scores, listed


async def test_an_export_reimports_into_a_fresh_database_with_the_same_list_and_scores(
    discord_stub, start_bot, pg_url
):
    first = await start_bot()
    member = discord_stub.make_user("minji")
    for drama, score in SCORES.items():
        await discord_stub.invoke("rate", {"drama": drama, "score": score}, user=member)
    for drama, (status, episode) in LIST.items():
        await discord_stub.invoke(
            "watchlist set", {"drama": drama, "status": status, "episode": episode}, user=member
        )
    before = await discord_stub.invoke("export", {}, user=member)
    doc, rows = exported(discord_stub, before)
    assert len(rows) == 4 and kept(doc)[0] and len(kept(doc)[1]) == 3
    (csv_name,) = [a["filename"] for a in before.message["attachments"] if a["filename"].endswith(".csv")]
    (csv_id,) = [a["id"] for a in before.message["attachments"] if a["filename"].endswith(".csv")]
    await first.stop()

    # a new, empty database (the bot's first start); global commands, as user installs need
    await start_bot({"DATABASE_URL": pg_url, "DEV_GUILD_ID": None})
    dm = {"install": "user", "context": 1}
    asked = await discord_stub.invoke(
        "import", {"file": Attachment(csv_name, discord_stub.uploads[csv_id])}, user=member, timeout=30, **dm
    )
    asked = await asked.wait_until(lambda r: bool(r.embeds), timeout=30)
    assert asked.ephemeral and "Matched the catalogue: **4**" in asked.embeds[0]["description"], asked.embeds
    go, _cancel = asked.custom_ids()
    done = await discord_stub.click(asked, go, user=member)
    await done.wait_until(lambda r: bool(r.embeds) and r.embeds[0]["title"].startswith("Imported"), 30)

    after = await discord_stub.invoke("export", {}, user=member, **dm)
    doc_after, rows_after = exported(discord_stub, after)
    assert rows_after == rows  # (title, score, status, progress) of every drama
    assert kept(doc_after) == kept(doc)
    assert {r["server_id"] for r in doc_after["ratings"]} == {None}  # imported in a DM: no server

"""/import through the real bot, the Discord stand-in (attachments on its CDN) and the TMDB stand-in:
every sample file of docs/import/ imports end to end on SQLite and on PostgreSQL (one bot each); bad
files get a clear private answer; a second import while one runs is refused; Cancel stores nothing;
only the member who asked can press the buttons, and a replaced preview says it expired."""

from __future__ import annotations

from pathlib import Path

from bot.store import Store
from tests.e2e.attachments import Attachment
from tests.tmdb_standin import FakeTMDB

REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / "docs" / "import"
FILES = ("dramabot.csv", "mydramalist.tsv", "simkl.csv", "trakt-export.zip", "tvtime-export.zip")
PROGRESS = ("Reading ", "Matching ", "Searching ", "Storing ", "Importing ")
GOBLIN_TMDB = 67915


def tmdb_env(fake: FakeTMDB) -> dict[str, str]:
    return {"TMDB_API_KEY": "test-key", "TMDB_API_BASE": fake.base, "TMDB_REFRESH_HOURS": "0"}


def settled(result) -> bool:  # noqa: ANN001 - a stand-in Result
    return bool(result.embeds) or not (result.content or "").startswith(PROGRESS)


async def preview(stub, name: str, data: bytes, user, **options):  # noqa: ANN001, ANN201
    asked = await stub.invoke("import", {"file": Attachment(name, data), **options}, user=user, timeout=30)
    return await asked.wait_until(settled, timeout=30)


async def member_state(url: str, user_id: int) -> tuple[int, int, tuple | None]:
    """(ratings, watch-list entries, Goblin's (status, progress, halves)) of one member."""
    store = await Store.open(url)
    try:
        (n,) = await store.db.fetch("SELECT count(*) AS n FROM ratings WHERE user_id = ?", (user_id,))
        (w,) = await store.db.fetch("SELECT count(*) AS n FROM watchlist WHERE user_id = ?", (user_id,))
        goblin = await store.catalogue.by("tmdb_id", GOBLIN_TMDB)
        entry = await store.watchlists.entry(user_id, goblin.id)
        return n["n"], w["n"], (entry.status, entry.progress, entry.score) if entry else None
    finally:
        await store.close()


async def import_every_sample(stub, url: str) -> None:  # noqa: ANN001
    """Each sample by its own member: preview, Import, stored; the same file again changes nothing."""
    for name in FILES:
        data = (SAMPLES / name).read_bytes()
        member = stub.make_user(name.split(".")[0].replace("-", "")[:20])
        asked = await preview(stub, name, data, member)
        assert asked.ephemeral and asked.embeds, (name, asked.content)
        card = asked.embeds[0]
        assert card["title"] == f"Import preview: {name}", card
        assert "Matched the catalogue: **0**" not in card["description"], (name, card)
        go, _cancel = asked.custom_ids()
        done = await stub.click(asked, go, user=member)
        done = await done.wait_until(
            lambda r: bool(r.embeds) and r.embeds[0]["title"].startswith("Imported"), 30
        )
        assert done.components == []
        ratings, listed, goblin = await member_state(url, int(member["id"]))
        assert listed > 0 and goblin is not None and goblin[1] == 16, (name, goblin)  # Goblin: all 16 seen
        assert ratings > 0 or name.startswith("tvtime"), name  # TV Time's export has no scores
        again = await preview(stub, name, data, member)
        go, _cancel = again.custom_ids()
        twice = await (await stub.click(again, go, user=member)).wait_until(
            lambda r: bool(r.embeds) and r.embeds[0]["title"].startswith("Imported"), 30
        )
        assert "Scores stored: 0 (episodes: 0)" in twice.embeds[0]["description"], (name, twice.embeds)
        assert await member_state(url, int(member["id"])) == (ratings, listed, goblin)


async def test_every_format_imports_and_bad_inputs_store_nothing_sqlite(
    discord_stub, start_bot, bot_env, fake_tmdb
):
    await start_bot(tmdb_env(fake_tmdb))
    url = bot_env["DATABASE_URL"]
    member, other = discord_stub.make_user("minji"), discord_stub.make_user("jisoo")
    uid = int(member["id"])
    simkl = (SAMPLES / "simkl.csv").read_bytes()

    picture = await discord_stub.invoke(
        "import", {"file": Attachment("poster.png", b"\x89PNG\r\n", content_type="image/png")}, user=member
    )
    assert picture.ephemeral and picture.content.startswith("poster.png is not a history file")
    big = await discord_stub.invoke(
        "import", {"file": Attachment("big.csv", b"a,b\n", size=9 << 20)}, user=member
    )
    assert big.ephemeral and big.content == "big.csv is too big: history files can be up to 8 MB."
    broken = await preview(discord_stub, "broken.csv", b"foo,bar\n1,2\n", member)
    assert broken.ephemeral and "broken.csv" in broken.content and not broken.components
    assert discord_stub.attachments.downloads and all(
        "poster" not in p for p in discord_stub.attachments.downloads
    )

    fake_tmdb.latency = 1.0  # the first import is still matching (TMDB) when the second arrives
    first = await discord_stub.dispatch_command(
        "import", {"file": Attachment("simkl.csv", simkl)}, user=member
    )
    await first.wait_until(lambda r: r.acknowledged, timeout=10)
    second = await discord_stub.invoke("import", {"file": Attachment("simkl.csv", simkl)}, user=member)
    assert second.ephemeral and second.content.startswith("Your other import is still running.")
    fake_tmdb.latency = 0.0
    first = await first.wait_until(settled, timeout=30)
    (description,) = [first.embeds[0]["description"]]
    assert "Skipped: **" in description
    fields = {f["name"]: f["value"] for f in first.embeds[0]["fields"]}
    assert any(name.startswith("Films") and "Parasite" in value for name, value in fields.items()), fields
    assert any(name.startswith("Anime") and "Frieren" in value for name, value in fields.items()), fields
    go, cancel = first.custom_ids()
    stolen = await discord_stub.click(first.message, go, user=other)
    assert stolen.ephemeral and stolen.content.startswith("This preview belongs to someone else.")
    cancelled = await discord_stub.click(first, cancel, user=member)
    assert cancelled.content == "Import cancelled: nothing was stored." and cancelled.components == []
    assert (await member_state(url, uid))[:2] == (0, 0)

    old = await preview(discord_stub, "simkl.csv", simkl, member)
    new = await preview(discord_stub, "simkl.csv", simkl, member)
    expired = await discord_stub.click(old, old.custom_ids()[0], user=member)
    assert expired.content == "This preview expired, so nothing was stored. Run /import again."
    assert (await member_state(url, uid))[:2] == (0, 0)
    done = await discord_stub.click(new, new.custom_ids()[0], user=member)
    await done.wait_until(lambda r: bool(r.embeds) and r.embeds[0]["title"].startswith("Imported"), 30)
    assert (await member_state(url, uid))[2] == ("completed", 16, 4.5)

    await import_every_sample(discord_stub, url)


async def test_every_format_imports_on_postgresql(discord_stub, start_bot, pg_url, fake_tmdb):
    await start_bot({"DATABASE_URL": pg_url} | tmdb_env(fake_tmdb))
    await import_every_sample(discord_stub, pg_url)

"""TMDB on demand and bulk import through the real bot process and CLI, against local stand-ins.

The TMDB stand-in knows `HARBOR`, a drama that is not in the bundled catalogue: autocomplete
offers it, /review imports it once and then serves it locally; with TMDB down or slow,
autocomplete still answers and a TMDB pick gets a clear private answer with nothing stored.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest

from bot.store import Store
from tests.tmdb_standin import HARBOR, HARBOR_ID, SCRIPTED, FakeTMDB

REPO = Path(__file__).resolve().parents[2]
HARBOR_VALUE = f"tmdb:{HARBOR_ID}"


def tmdb_env(fake: FakeTMDB) -> dict[str, str]:
    return {"TMDB_API_KEY": "test-key", "TMDB_API_BASE": fake.base, "TMDB_REFRESH_HOURS": "0"}


async def stored(bot_env, tmdb_id: int):
    store = await Store.open(bot_env["DATABASE_URL"])
    try:
        drama = await store.catalogue.by("tmdb_id", tmdb_id)
        episodes = await store.catalogue.episodes(drama.id) if drama else ()
        audit = await store.curation.audit_log(subject=drama.slug) if drama else []
        return drama, episodes, audit
    finally:
        await store.close()


async def test_autocomplete_offers_a_tmdb_only_series_and_review_imports_it_once(
    discord_stub, start_bot, bot_env, fake_tmdb
):
    await start_bot(tmdb_env(fake_tmdb))
    choices = await discord_stub.autocomplete("review", {"drama": "moonlit"}, "drama")
    tmdb_choices = [c for c in choices if c["value"].startswith("tmdb:")]
    assert [c["value"] for c in tmdb_choices] == [HARBOR_VALUE]
    assert tmdb_choices[0]["name"] == "Moonlit Harbor (2026) · 달빛 항구 · TMDB"
    # Unscripted or foreign namesakes are never offered.
    offered = {c["value"] for c in await discord_stub.autocomplete("review", {"drama": "harbor"}, "drama")}
    assert HARBOR_VALUE in offered and "tmdb:9900101" not in offered and "tmdb:9900102" not in offered
    assert "tmdb:9900103" not in offered and "tmdb:9900104" not in offered

    first = await discord_stub.invoke("review", {"drama": HARBOR_VALUE}, timeout=15)
    assert first.callback_type == 5 and not first.ephemeral  # deferred, then the card in the channel
    (card,) = first.embeds
    assert card["title"].startswith("Moonlit Harbor")
    guide = next(f for f in card["fields"] if f["name"].startswith("Episode guide"))
    assert "Episode 1" in guide["value"] and "Episode 10" in guide["value"]
    assert fake_tmdb.hits(f"/tv/{HARBOR_ID}") == 1 and fake_tmdb.hits(f"/tv/{HARBOR_ID}/season/1") == 1

    drama, episodes, audit = await stored(bot_env, HARBOR_ID)
    assert (drama.title, drama.native_title, drama.episode_count) == ("Moonlit Harbor", "달빛 항구", 12)
    assert drama.aliases == ("Dalbit Hanggu",) and drama.status == "airing" and drama.imdb_id == "tt99000010"
    assert str(drama.first_air_date) == "2026-10-03" and drama.poster_url.endswith("/harbor.jpg")
    assert [e.title for e in episodes][:2] == ["Moonlit Harbor 1", "Moonlit Harbor 2"] and len(episodes) == 12
    assert [(a.action, a.actor_id) for a in audit] == [("tmdb-import", int(discord_stub.default_user["id"]))]

    # Served locally from now on: by the TMDB pick, by its title, and autocomplete offers it once.
    second = await discord_stub.invoke("review", {"drama": HARBOR_VALUE})
    assert second.callback_type == 4 and second.embeds[0]["title"] == card["title"]
    by_title = await discord_stub.invoke("review", {"drama": "Moonlit Harbor"})
    assert by_title.embeds[0]["title"] == card["title"]
    again = await discord_stub.autocomplete("review", {"drama": "moonlit"}, "drama")
    assert [c["value"] for c in again if "Moonlit" in c["name"]] == [drama.slug]
    assert fake_tmdb.hits(f"/tv/{HARBOR_ID}") == 1


async def test_rate_and_where_import_too_and_a_member_may_import_only_a_few(
    discord_stub, start_bot, bot_env, fake_tmdb
):
    await start_bot(tmdb_env(fake_tmdb))
    rated = await discord_stub.invoke(
        "rate", {"drama": f"tmdb:{SCRIPTED[1]['id']}", "score": 4.5}, timeout=15
    )
    assert rated.ephemeral and "4.5" in str(rated.embeds)
    where = await discord_stub.invoke("where", {"drama": f"tmdb:{SCRIPTED[2]['id']}"}, timeout=15)
    assert where.embeds and "The Quiet Tailor" in where.embeds[0]["title"]
    await discord_stub.invoke("review", {"drama": f"tmdb:{SCRIPTED[3]['id']}"}, timeout=15)
    over = await discord_stub.invoke("review", {"drama": f"tmdb:{SCRIPTED[4]['id']}"})
    assert over.ephemeral and "Try again in about" in over.content
    assert (await stored(bot_env, SCRIPTED[4]["id"]))[0] is None
    # Another member is not held back by the first one's imports.
    other = {**discord_stub.default_user, "id": "424242424242424242", "username": "other"}
    ok = await discord_stub.invoke("review", {"drama": f"tmdb:{SCRIPTED[4]['id']}"}, user=other, timeout=15)
    assert ok.embeds[0]["title"].startswith("Second Chorus")


async def test_two_members_asking_for_the_same_series_at_once_cause_one_import(
    discord_stub, start_bot, fake_tmdb
):
    await start_bot(tmdb_env(fake_tmdb))
    fake_tmdb.latency = 0.5  # both requests arrive while the import is running
    other = {**discord_stub.default_user, "id": "424242424242424242", "username": "other"}
    first, second = await asyncio.gather(
        discord_stub.invoke("review", {"drama": HARBOR_VALUE}, timeout=20),
        discord_stub.invoke("review", {"drama": HARBOR_VALUE}, user=other, timeout=20),
    )
    assert first.embeds[0]["title"] == second.embeds[0]["title"]
    assert fake_tmdb.hits(f"/tv/{HARBOR_ID}") == 1


@pytest.mark.parametrize("mode", ["down", "slow"])
async def test_with_tmdb_down_or_slow_autocomplete_answers_and_a_pick_stores_nothing(
    discord_stub, start_bot, bot_env, fake_tmdb, mode
):
    await start_bot(tmdb_env(fake_tmdb))
    if mode == "down":
        fake_tmdb.down = True
    else:
        fake_tmdb.latency = 8.0  # longer than the client's 5 s timeout
    # The stand-in fails an autocomplete answered after Discord's 3 s window: an answer is in time.
    choices = await discord_stub.autocomplete("review", {"drama": "soundtrack"}, "drama")
    assert choices and not any(c["value"].startswith("tmdb:") for c in choices)
    assert await discord_stub.autocomplete("review", {"drama": "moonlit"}, "drama") == []

    picked = await discord_stub.invoke("review", {"drama": HARBOR_VALUE}, timeout=30)
    await picked.wait_until(lambda r: any(m.get("content") for m in r.followup_messages), timeout=10)
    (message,) = [m for m in picked.followup_messages if m.get("content")]
    assert "TMDB could not be reached" in message["content"] and "nothing was added" in message["content"]
    assert message["flags"] & 64  # ephemeral
    assert not any(e for e in (picked.message or {}).get("embeds", []))
    assert (await stored(bot_env, HARBOR_ID))[0] is None


async def run_cli(bot_env, fake: FakeTMDB, *args: str) -> tuple[int, str, str]:
    env = {k: v for k, v in bot_env.items() if k != "DISCORD_TOKEN"}
    env.update(TMDB_API_KEY="test-key", TMDB_API_BASE=fake.base, PYTHONPATH=str(REPO))
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "catalogue", *args, env=env, cwd=Path(bot_env["DATABASE_URL"]).parent,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(proc.communicate(), 120)
    return proc.returncode, out.decode(), err.decode()


async def test_discover_imports_with_progress_and_a_rerun_adds_nothing(bot_env, fake_tmdb):
    fake_tmdb.page_size = 2  # several discover pages
    code, out, err = await run_cli(
        bot_env, fake_tmdb, "import-tmdb", "--discover", "--limit", "3", "--country", "KR"
    )
    assert code == 0, err
    assert [line.split()[0] for line in out.splitlines() if line.startswith("[")] == [
        "[1/3]",
        "[2/3]",
        "[3/3]",
    ]
    assert out.splitlines()[-1] == "3 added, 0 updated, 0 unchanged, 0 skipped"
    for series in (SCRIPTED[0], SCRIPTED[1], SCRIPTED[4]):  # the KR ones, most popular first
        assert (await stored(bot_env, series["id"]))[0] is not None
    code, out, err = await run_cli(
        bot_env, fake_tmdb, "import-tmdb", "--discover", "--limit", "3", "--country", "KR"
    )
    assert code == 0, err
    assert "0 added, 0 updated, 3 unchanged" in out
    assert HARBOR["name"] in out


async def test_typing_a_title_only_tmdb_knows_imports_it(discord_stub, start_bot, bot_env, fake_tmdb):
    await start_bot(tmdb_env(fake_tmdb))
    typed = await discord_stub.invoke("review", {"drama": "moonlit harbor"}, timeout=15)
    assert typed.embeds[0]["title"].startswith("Moonlit Harbor")
    assert (await stored(bot_env, HARBOR_ID))[0] is not None
    # A title that matches nothing exactly is still the usual "not in the catalogue" answer.
    unknown = await discord_stub.invoke("review", {"drama": "harbor"})
    assert unknown.ephemeral and "No drama called 'harbor'" in unknown.content
    assert await stored(bot_env, SCRIPTED[5]["id"]) == (None, (), [])

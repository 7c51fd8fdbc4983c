"""A server's region (/server region) in guild_settings, on both backends: set, read, clear, audited."""

from __future__ import annotations

import json

import pytest

from bot.models import GuildSettings
from bot.store import Store


async def test_region_set_read_clear_and_audit(store: Store):
    assert await store.curation.guild_region(5) is None
    assert await store.curation.guild_settings(5) == GuildSettings(5)
    assert await store.curation.set_guild_region(5, "kr", actor_id=7, actor_name="admin") is None
    assert await store.curation.guild_region(5) == "KR"
    assert await store.curation.set_guild_region(5, "JP", actor_id=7, actor_name="admin") == "KR"
    assert await store.curation.guild_region(5) == "JP"
    assert await store.curation.guild_region(6) is None  # per server
    assert await store.curation.set_guild_region(5, None, actor_id=7, actor_name="admin") == "JP"
    assert await store.curation.guild_region(5) is None
    log = await store.curation.audit_log(subject="guild:5")
    assert [(e.action, e.actor_id, e.guild_id) for e in log] == [("region", 7, 5)] * 3
    changes = [(json.loads(e.before)["region"], json.loads(e.after)["region"]) for e in reversed(log)]
    assert changes == [(None, "KR"), ("KR", "JP"), ("JP", None)]
    # setting the same region again changes nothing and is not audited
    await store.curation.set_guild_region(5, "TW", actor_id=7, actor_name="admin")
    await store.curation.set_guild_region(5, "TW", actor_id=7, actor_name="admin")
    assert len(await store.curation.audit_log(subject="guild:5")) == 4


async def test_region_and_curator_role_share_the_row_without_clobbering(store: Store):
    await store.curation.set_curator_role(9, 444, actor_id=1, actor_name=None)
    await store.curation.set_guild_region(9, "TH", actor_id=1, actor_name=None)
    assert await store.curation.guild_settings(9) == GuildSettings(9, 444, "TH")
    await store.curation.set_curator_role(9, 555, actor_id=1, actor_name=None)
    assert await store.curation.guild_settings(9) == GuildSettings(9, 555, "TH")
    await store.curation.set_guild_region(9, None, actor_id=1, actor_name=None)
    assert await store.curation.guild_settings(9) == GuildSettings(9, 555, None)
    assert await store.curation.curator_role(9) == 555


@pytest.mark.parametrize("bad", ["", "K", "KOR", "K1", "한국", "1 "])
async def test_a_bad_code_is_refused_and_nothing_is_stored(store: Store, bad: str):
    with pytest.raises(ValueError):
        await store.curation.set_guild_region(5, bad, actor_id=1, actor_name=None)
    assert await store.curation.guild_settings(5) == GuildSettings(5)
    assert await store.curation.audit_log(subject="guild:5") == []


async def test_the_database_refuses_a_malformed_region_too(store: Store):
    """The CHECK in 0007 holds even for a write that goes around set_guild_region."""

    async def write(tx):
        await tx.execute("INSERT INTO guild_settings (guild_id, region) VALUES (?, ?)", (5, "kor"))

    with pytest.raises(Exception):  # noqa: B017, PT011 - sqlite3.IntegrityError / asyncpg CheckViolationError
        await store.db.write(write)
    assert await store.curation.guild_region(5) is None


async def test_guild_regions_reads_many_servers_at_once(store: Store):
    for guild, code in ((1, "KR"), (2, "JP"), (3, None), (4, "US")):
        await store.curation.set_guild_region(guild, code, actor_id=1, actor_name=None)
    assert await store.curation.guild_regions([1, 2, 3, 5]) == {1: "KR", 2: "JP"}
    assert await store.curation.guild_regions([]) == {}
    many = await store.curation.guild_regions(range(1, 1200))  # several IN lists
    assert many == {1: "KR", 2: "JP", 4: "US"}


async def test_migrate_db_carries_the_region_both_ways(tmp_path, pg_url: str):
    """`migrate-db` (bot/store/transfer.py) copies guild_settings.region: SQLite -> PostgreSQL -> SQLite."""
    from bot.store import open_store
    from bot.store.transfer import transfer

    first, last = tmp_path / "first.db", tmp_path / "last.db"
    store = await Store.open(first)
    try:
        await store.curation.set_curator_role(2222, 777, actor_id=1, actor_name=None)
        await store.curation.set_guild_region(2222, "KR", actor_id=1, actor_name=None)
        await store.curation.set_guild_region(3333, "JP", actor_id=1, actor_name=None)
    finally:
        await store.close()
    there = await transfer(str(first), pg_url)
    back = await transfer(pg_url, f"sqlite:///{last}")
    assert there.counts["guild_settings"] == back.counts["guild_settings"] == 2
    for location in (pg_url, last):
        copy = await open_store(location) if isinstance(location, str) else await Store.open(location)
        try:
            assert await copy.curation.guild_settings(2222) == GuildSettings(2222, 777, "KR")
            assert await copy.curation.guild_settings(3333) == GuildSettings(3333, None, "JP")
            assert await copy.curation.guild_regions([2222, 3333, 4444]) == {2222: "KR", 3333: "JP"}
        finally:
            await copy.close()


async def test_clearing_no_region_stores_nothing(store: Store):
    assert await store.curation.set_guild_region(8, None, actor_id=1, actor_name=None) is None
    rows = await store.db.fetch("SELECT guild_id FROM guild_settings WHERE guild_id = ?", (8,))
    assert rows == [] and await store.curation.audit_log(subject="guild:8") == []

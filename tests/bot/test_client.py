"""The Bot's error table and sync digest (no network: the e2e suite runs the real thing)."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

import pytest
from discord import app_commands

from bot.client import command_digest, describe, unwrap
from bot.errors import StoreUnavailable, UserError
from bot.i18n.translator import t


def test_unwrap_reaches_the_user_error_inside_discord_wrappers():
    inner = UserError("No drama called 'x'.")
    try:
        try:
            raise inner
        except UserError as exc:
            raise app_commands.TransformerError("x", 3, app_commands.Transformer()) from exc
    except app_commands.TransformerError as wrapped:
        assert unwrap(wrapped) is inner


def test_expected_errors_have_member_messages():
    assert describe(UserError("Pick one.")) == "Pick one."
    assert describe(StoreUnavailable("locked")) == t("error.unavailable")
    cooldown = app_commands.CommandOnCooldown(app_commands.Cooldown(10, 30), 12.4)
    assert "again in 13 s" in describe(cooldown)  # rounded up: never "try again in 0 s"
    assert "permission" in describe(app_commands.MissingPermissions(["manage_guild"]))


@pytest.mark.parametrize("error", [RuntimeError("boom"), KeyError("k"), sqlite3.IntegrityError("constraint")])
def test_unexpected_errors_have_no_member_message(error):
    assert describe(error) is None  # logged with a traceback and an error code instead


def test_digest_changes_with_commands_scope_and_application():
    payload = [{"name": "review", "options": [{"name": "drama", "type": 3}]}]
    base = command_digest(1, "global", payload)
    assert base == command_digest(1, "global", [dict(payload[0])])
    assert base != command_digest(2, "global", payload)
    assert base != command_digest(1, "guild:5", payload)
    renamed = [{"name": "review", "options": [{"name": "title", "type": 3}]}]
    assert base != command_digest(1, "global", renamed)


@pytest.mark.parametrize(
    ("env", "sharded", "count", "ids"),
    [
        ({}, False, None, None),
        ({"SHARD_COUNT": "2", "SHARD_IDS": "1"}, True, 2, [1]),
        ({"SHARD_COUNT": "6", "CLUSTER_INDEX": "0", "CLUSTER_COUNT": "3"}, True, 6, [0, 3]),
        ({"SHARD_COUNT": "3"}, True, 3, None),  # every shard here; discord.py launches range(3)
    ],
)
async def test_the_bot_is_sharded_exactly_when_settings_say_so(env, sharded, count, ids):
    import discord

    from bot.client import DramaBot, ShardedDramaBot
    from bot.settings import load_settings
    from bot.store import UnavailableStore

    settings = load_settings({"DISCORD_TOKEN": "x", **env}, dotenv=False)
    async with DramaBot.for_settings(UnavailableStore("not needed"), settings) as bot:  # closed at the end
        assert isinstance(bot, ShardedDramaBot) is sharded
        assert isinstance(bot, discord.AutoShardedClient) is sharded
        assert (bot.shard_count, getattr(bot, "shard_ids", None)) == (count, ids)
        assert bot.settings is settings and bot.tree.__class__.__name__ == "DramaTree"


async def test_the_bot_reads_the_system_clock_unless_given_one():
    from bot.airing.times import SystemClock
    from bot.client import DramaBot
    from bot.settings import load_settings
    from bot.store import UnavailableStore
    from tests.clocks import ManualClock

    settings = load_settings({"DISCORD_TOKEN": "x"}, dotenv=False)
    async with DramaBot.for_settings(UnavailableStore("not needed"), settings) as bot:
        assert isinstance(bot.clock, SystemClock)
    clock = ManualClock(datetime(2026, 12, 1, tzinfo=UTC))
    async with DramaBot.for_settings(UnavailableStore("not needed"), settings, clock=clock) as bot:
        assert bot.clock is clock


async def test_the_first_ready_freezes_the_start_up_heap_and_no_later_one():
    import gc

    from bot.client import DramaBot
    from bot.settings import load_settings
    from bot.store import UnavailableStore

    settings = load_settings({"DISCORD_TOKEN": "x"}, dotenv=False)
    gc.unfreeze()
    try:
        async with DramaBot.for_settings(UnavailableStore("not needed"), settings) as bot:
            assert gc.get_freeze_count() == 0
            await bot.on_ready()
            frozen = gc.get_freeze_count()
            assert frozen > 0  # the bot's objects, built before, are out of the collector's generations
            later = [[n] for n in range(1000)]  # built after the first ready
            await bot.on_ready()  # a reconnect's ready
            # not frozen again: the 1,000 lists would be added (frozen objects freed since only lower it)
            assert gc.get_freeze_count() <= frozen and len(later) == 1000
    finally:
        gc.unfreeze()

"""The collector over plain objects shaped like the bot's parts: what each attribute becomes at scrape time,
and zeros (not a failed scrape) for a part that is off or not built yet."""

from __future__ import annotations

import math
from collections import Counter
from types import SimpleNamespace

from prometheus_client import CollectorRegistry, generate_latest

from bot.metrics.collector import BotCollector, GatewayState
from bot.tmdb.limits import TokenBucket


def scraped(bot: object, gateway: GatewayState | None = None) -> dict[tuple[str, tuple], float]:
    registry = CollectorRegistry()
    registry.register(BotCollector(bot, gateway))
    generate_latest(registry)  # the text format takes every value: no NaN label or bad name on the way
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in registry.collect()
        for s in family.samples
    }


def a_bot(**parts: object) -> SimpleNamespace:
    defaults = dict(
        store=SimpleNamespace(pool_use=lambda: (3, 10)),
        guilds=[object()] * 7,
        is_ready=lambda: True,
        latency=0.042,
    )
    return SimpleNamespace(**(defaults | parts))


def test_rate_limits_come_from_the_pacers_stats():
    stats = SimpleNamespace(waited_seconds=12.5, paced=40, throttled={"global": 2, "user": 5}, invalid=9)
    got = scraped(a_bot(pacer=SimpleNamespace(stats=stats)))
    assert got[("dramabot_discord_rate_limit_wait_seconds_total", ())] == 12.5
    assert got[("dramabot_discord_paced_requests_total", ())] == 40
    assert got[("dramabot_discord_429_total", (("scope", "global"),))] == 2
    assert got[("dramabot_discord_429_total", (("scope", "user"),))] == 5
    assert got[("dramabot_discord_429_total", (("scope", "shared"),))] == 0  # every scope shown, from 0
    assert got[("dramabot_discord_invalid_requests_total", ())] == 9


def test_announcement_backlog_and_outcomes_paused_destinations_included():
    totals = Counter({"posted": 900, "dms_closed": 4, "missing_permissions": 2, "gone": 1})
    got = scraped(a_bot(airing_job=SimpleNamespace(backlog=120, totals=totals)))
    assert got[("dramabot_announcement_backlog", ())] == 120
    outcomes = {dict(labels)["outcome"]: value for (name, labels), value in got.items()
                if name == "dramabot_announcement_deliveries_total"}  # fmt: skip
    assert outcomes["posted"] == 900
    assert (outcomes["dms_closed"], outcomes["missing_permissions"], outcomes["gone"]) == (4, 2, 1)
    assert outcomes["retry"] == outcomes["found"] == 0  # the outcomes not seen yet are there, at 0


def test_tmdb_budgets_show_each_buckets_tokens():
    now = [100.0]
    imports = TokenBucket(20, 2.0, clock=lambda: now[0])
    for _ in range(5):
        imports.try_take()
    search = TokenBucket(10, 1.0, clock=lambda: now[0])
    search.pause(3.0)  # a 429's Retry-After
    ondemand = SimpleNamespace(budgets=lambda: {"imports": imports, "search": search},
                               search=SimpleNamespace(turned_away=6))  # fmt: skip
    got = scraped(a_bot(ondemand=ondemand))
    assert got[("dramabot_tmdb_tokens", (("budget", "imports"),))] == 15
    assert got[("dramabot_tmdb_tokens", (("budget", "search"),))] == -3
    assert got[("dramabot_tmdb_token_capacity", (("budget", "imports"),))] == 20
    assert got[("dramabot_tmdb_token_rate", (("budget", "search"),))] == 1
    assert got[("dramabot_tmdb_searches_turned_away_total", ())] == 6


def test_pool_guilds_ready_and_latency():
    gateway = GatewayState((0,))
    gateway.up(0)
    got = scraped(a_bot(), gateway)
    assert got[("dramabot_database_connections_in_use", ())] == 3
    assert got[("dramabot_database_connections_max", ())] == 10
    assert got[("dramabot_guilds", ())] == 7
    assert got[("dramabot_ready", ())] == 1
    assert got[("dramabot_gateway_shards", ())] == got[("dramabot_gateway_shards_connected", ())] == 1
    assert got[("dramabot_gateway_latency_seconds", (("shard", "0"),))] == 0.042


def test_a_sharded_bot_shows_each_shards_latency_and_which_are_connected():
    gateway = GatewayState((0, 2, 4), sharded=True)
    gateway.up(0)
    gateway.up(4)
    bot = a_bot(latencies=[(0, 0.05), (2, math.nan), (4, 0.07)])
    got = scraped(bot, gateway)
    assert got[("dramabot_gateway_shards", ())] == 3
    assert got[("dramabot_gateway_shards_connected", ())] == 2
    assert gateway.missing == [2]
    shards = {dict(labels)["shard"] for (name, labels) in got if name == "dramabot_gateway_latency_seconds"}
    assert shards == {"0", "4"}  # no heartbeat acknowledged yet on shard 2: no number rather than NaN


def test_a_bot_without_its_parts_scrapes_as_zeros():
    bare = SimpleNamespace(is_ready=lambda: False, latency=math.nan)
    got = scraped(bare)
    assert got[("dramabot_ready", ())] == 0
    assert got[("dramabot_discord_rate_limit_wait_seconds_total", ())] == 0
    assert got[("dramabot_announcement_backlog", ())] == 0
    assert got[("dramabot_database_connections_max", ())] == 0
    assert not [name for (name, _) in got if name == "dramabot_tmdb_tokens"]
    odd = SimpleNamespace(stats=SimpleNamespace(waited_seconds="many", throttled={"global": None}))
    assert scraped(SimpleNamespace(pacer=odd))[("dramabot_discord_429_total", (("scope", "global"),))] == 0


def test_the_gateway_state_follows_connect_and_disconnect():
    gateway = GatewayState((0,))
    assert gateway.missing == [0]
    gateway.up(0)
    assert gateway.missing == []
    gateway.down(0)
    assert gateway.missing == [0]

"""What the bot's parts know, read at scrape time: Discord's rate limits (`bot.pacer.stats`), announcements
(`bot.airing_job`), the TMDB budgets (`bot.ondemand`), the database pool (`bot.store`) and the gateway.

Every attribute is read with a default: a part that is off (no TMDB key, announcements off) or not built
yet shows zeros instead of failing the scrape.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from typing import Any

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from bot.airing.announcer import Status

RATE_LIMIT_SCOPES = ("global", "user", "shared")  # Discord's X-RateLimit-Scope values


class GatewayState:
    """Which of this process's shards hold a gateway connection, kept from discord.py's public events
    (connect, resumed and disconnect; their shard_ forms on a sharded bot). `attach` before the bot starts."""

    def __init__(self, shard_ids: Iterable[int] = (0,), *, sharded: bool = False) -> None:
        self.expected: tuple[int, ...] = tuple(sorted(shard_ids))
        self.sharded = sharded
        self.connected: set[int] = set()

    @classmethod
    def for_bot(cls, bot: Any) -> GatewayState:
        """The shards the bot's settings give this process (SHARD_COUNT unset: one plain connection)."""
        settings = getattr(bot, "settings", None)
        count, ids = getattr(settings, "shard_count", None), getattr(settings, "shard_ids", None)
        if count is None:
            return cls((0,))
        return cls(ids if ids is not None else range(count), sharded=True)

    def attach(self, bot: Any) -> None:
        """Listen to the bot's connection events (a sharded bot's per shard)."""
        if not self.sharded:
            bot.add_listener(self._on_up, "on_connect")
            bot.add_listener(self._on_up, "on_resumed")
            bot.add_listener(self._on_down, "on_disconnect")
        else:
            bot.add_listener(self._on_up, "on_shard_connect")
            bot.add_listener(self._on_up, "on_shard_resumed")
            bot.add_listener(self._on_down, "on_shard_disconnect")

    async def _on_up(self, shard_id: int | None = None) -> None:
        self.up(shard_id or 0)

    async def _on_down(self, shard_id: int | None = None) -> None:
        self.down(shard_id or 0)

    def up(self, shard_id: int) -> None:
        self.connected.add(shard_id)

    def down(self, shard_id: int) -> None:
        self.connected.discard(shard_id)

    @property
    def missing(self) -> list[int]:
        """This process's shards without a connection now."""
        return [shard for shard in self.expected if shard not in self.connected]


def _number(value: Any, default: float = 0.0) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return default
    return number if math.isfinite(number) else default


class BotCollector(Collector):
    """A Prometheus collector over a running bot (or any object with the same attributes)."""

    def __init__(self, bot: Any, gateway: GatewayState | None = None) -> None:
        self.bot = bot
        self.gateway = gateway

    def describe(self) -> list[Metric]:
        return []  # registering does not collect: nothing is read before the bot exists

    def collect(self) -> Iterator[Metric]:
        yield from self.rate_limits()
        yield from self.announcements()
        yield from self.tmdb()
        yield from self.database()
        yield from self.discord()

    # ---- Discord's rate limits (bot.pacer.stats) ------------------------------------------------------
    def rate_limits(self) -> Iterator[Metric]:
        stats = getattr(getattr(self.bot, "pacer", None), "stats", None)
        yield CounterMetricFamily(
            "dramabot_discord_rate_limit_wait_seconds",
            "Seconds requests to Discord waited on rate limits (the pacer's waits and 429s' retry-after).",
            value=_number(getattr(stats, "waited_seconds", 0.0)),
        )
        yield CounterMetricFamily(
            "dramabot_discord_paced_requests", "Requests to Discord the pacer made wait.",
            value=_number(getattr(stats, "paced", 0)),
        )  # fmt: skip
        throttled = CounterMetricFamily(
            "dramabot_discord_429",
            "Answers 429 from Discord, by scope (global, user, shared).",
            labels=["scope"],
        )
        seen = dict.fromkeys(RATE_LIMIT_SCOPES, 0.0)
        for scope, count in (getattr(stats, "throttled", None) or {}).items():
            seen[str(scope)] = _number(count)
        for scope, count in seen.items():
            throttled.add_metric([scope], count)
        yield throttled
        yield CounterMetricFamily(
            "dramabot_discord_invalid_requests",
            "Answers 401, 403 and 429 from Discord (10,000 in 10 minutes get the IP address blocked).",
            value=_number(getattr(stats, "invalid", 0)),
        )

    # ---- announcements (bot.airing_job) ----------------------------------------------------------------
    def announcements(self) -> Iterator[Metric]:
        job = getattr(self.bot, "airing_job", None)
        yield GaugeMetricFamily(
            "dramabot_announcement_backlog",
            "Announcement posts and reminder DMs of running batches not settled yet.",
            value=_number(getattr(job, "backlog", 0)),
        )
        deliveries = CounterMetricFamily(
            "dramabot_announcement_deliveries",
            "Announcement posts and reminder DMs by outcome; dms_closed, missing_permissions and gone "
            "pause the destination.",
            labels=["outcome"],
        )
        seen = {status.value: 0.0 for status in Status}
        for outcome, count in (getattr(job, "totals", None) or {}).items():
            seen[str(getattr(outcome, "value", outcome))] = _number(count)
        for outcome, count in seen.items():
            deliveries.add_metric([outcome], count)
        yield deliveries

    # ---- TMDB (bot.ondemand) ---------------------------------------------------------------------------
    def tmdb(self) -> Iterator[Metric]:
        ondemand = getattr(self.bot, "ondemand", None)
        budgets = ondemand.budgets() if hasattr(ondemand, "budgets") else {}
        tokens = GaugeMetricFamily(
            "dramabot_tmdb_tokens", "Requests to TMDB each budget may make now (negative: paused by a 429).",
            labels=["budget"],
        )  # fmt: skip
        capacity = GaugeMetricFamily("dramabot_tmdb_token_capacity", "The most tokens a TMDB budget holds.",
                                     labels=["budget"])  # fmt: skip
        rate = GaugeMetricFamily("dramabot_tmdb_token_rate", "Tokens per second a TMDB budget regains.",
                                 labels=["budget"])  # fmt: skip
        for name, bucket in budgets.items():
            tokens.add_metric([name], _number(getattr(bucket, "level", 0.0)))
            capacity.add_metric([name], _number(getattr(bucket, "capacity", 0)))
            rate.add_metric([name], _number(getattr(bucket, "rate", 0.0)))
        yield from (tokens, capacity, rate)
        yield CounterMetricFamily(
            "dramabot_tmdb_searches_turned_away",
            "Autocomplete searches of TMDB not started: no token free, or too many in flight.",
            value=_number(getattr(getattr(ondemand, "search", None), "turned_away", 0)),
        )

    # ---- the database (bot.store) ----------------------------------------------------------------------
    def database(self) -> Iterator[Metric]:
        store = getattr(self.bot, "store", None)
        in_use, size = 0, 0
        pool_use = getattr(store, "pool_use", None)
        if callable(pool_use):
            in_use, size = pool_use()
        yield GaugeMetricFamily("dramabot_database_connections_in_use",
                                "Database connections running a statement now.", value=in_use)  # fmt: skip
        yield GaugeMetricFamily("dramabot_database_connections_max",
                                "Database connections this process may hold at most.", value=size)  # fmt: skip

    # ---- Discord's gateway --------------------------------------------------------------------------------
    def discord(self) -> Iterator[Metric]:
        bot = self.bot
        is_ready = getattr(bot, "is_ready", None)
        yield GaugeMetricFamily("dramabot_ready", "1 once the bot is ready (every shard's servers received).",
                                value=1.0 if callable(is_ready) and is_ready() else 0.0)  # fmt: skip
        yield GaugeMetricFamily("dramabot_guilds", "Servers this process serves.",
                                value=len(getattr(bot, "guilds", ()) or ()))  # fmt: skip
        if self.gateway is not None:
            yield GaugeMetricFamily("dramabot_gateway_shards", "Gateway shards this process runs.",
                                    value=len(self.gateway.expected))  # fmt: skip
            yield GaugeMetricFamily("dramabot_gateway_shards_connected",
                                    "Gateway shards of this process connected now.",
                                    value=len(set(self.gateway.expected) & self.gateway.connected))  # fmt: skip
        latency = GaugeMetricFamily(
            "dramabot_gateway_latency_seconds", "Seconds between a gateway heartbeat and its acknowledgement.",
            labels=["shard"],
        )  # fmt: skip
        latencies = getattr(bot, "latencies", None)
        if not isinstance(latencies, list):
            latencies = [(0, getattr(bot, "latency", math.nan))]
        for shard, seconds in latencies:
            if math.isfinite(_number(seconds, math.nan)):
                latency.add_metric([str(shard)], float(seconds))
        yield latency

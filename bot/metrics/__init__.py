"""Metrics for operators: a Prometheus endpoint (`/metrics`) and a health check (`/healthz`), off unless
METRICS_PORT is set. `main()` builds them for the bot and owns the server's lifetime (docs/deploy.md)."""

from __future__ import annotations

from bot.metrics.collector import BotCollector, GatewayState
from bot.metrics.interactions import LATENCY_BUCKETS, InteractionMetrics, outcome_of
from bot.metrics.server import MetricsServer, OperatorMetrics, health

__all__ = [
    "LATENCY_BUCKETS",
    "BotCollector",
    "GatewayState",
    "InteractionMetrics",
    "MetricsServer",
    "OperatorMetrics",
    "health",
    "outcome_of",
]

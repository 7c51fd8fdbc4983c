"""The operators' endpoint: `/metrics` (Prometheus' text format) and `/healthz` (for orchestrators), served
with aiohttp on METRICS_HOST:METRICS_PORT. `OperatorMetrics.for_bot` builds the registry for one bot;
`main()` starts it with the bot and stops it on exit."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, ProcessCollector, generate_latest

from bot.metrics.collector import BotCollector, GatewayState
from bot.metrics.interactions import InteractionMetrics
from bot.safety.redact import redact

log = logging.getLogger(__name__)

DATABASE_TIMEOUT = 2.0  # seconds /healthz waits for the database's answer to one trivial read


async def health(bot: Any, gateway: GatewayState, *, timeout: float = DATABASE_TIMEOUT,  # noqa: ASYNC109
                 secrets: list[str] | None = None) -> tuple[bool, dict[str, Any]]:  # fmt: skip
    """(healthy, body): ready, the database answered `SELECT 1` within `timeout`, every shard of this
    process connected. `problems` says what is wrong, one sentence each (secrets blanked)."""
    problems: list[str] = []
    ready = bool(bot.is_ready())
    if not ready:
        problems.append("not ready yet: connecting to Discord or receiving the servers")
    database = True
    try:
        await asyncio.wait_for(bot.store.ping(), timeout)
    except TimeoutError:
        database = False
        problems.append(f"the database did not answer within {timeout:g} s")
    except Exception as exc:  # noqa: BLE001 - any failure of the read is the answer
        database = False
        problems.append(redact(f"the database does not answer: {exc}", secrets or []))
    missing = gateway.missing
    if missing:
        problems.append(f"gateway not connected (shard {', '.join(map(str, missing))})")
    body = {"ready": ready, "database": database, "gateway": not missing, "problems": problems}
    return not problems, body


class MetricsServer:
    """aiohttp serving `/metrics` from `registry` and `/healthz` from `health` on host:port."""

    def __init__(self, registry: CollectorRegistry, healthz: Any, host: str, port: int) -> None:
        self.registry, self.healthz, self.host, self.port = registry, healthz, host, port
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/metrics", self._metrics)
        app.router.add_get("/healthz", self._health)
        runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await runner.setup()
        try:
            await web.TCPSite(runner, self.host, self.port).start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        log.info("metrics on http://%s:%d/metrics, health on /healthz", self.host, self.port)

    async def stop(self) -> None:
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()

    async def _metrics(self, request: web.Request) -> web.Response:
        return web.Response(
            body=generate_latest(self.registry), headers={"Content-Type": CONTENT_TYPE_LATEST}
        )

    async def _health(self, request: web.Request) -> web.Response:
        healthy, body = await self.healthz()
        return web.json_response(body, status=200 if healthy else 503)


class OperatorMetrics:
    """Everything the endpoint needs for one bot: its own registry (nothing global), the interaction
    metrics the bot feeds, the collector over its parts, the gateway's state and the server. The process's
    CPU, memory and open files come too (`process_*`, on Linux)."""

    def __init__(self, bot: Any, host: str, port: int, *, secrets: list[str] | None = None) -> None:
        self.registry = CollectorRegistry()
        ProcessCollector(registry=self.registry)
        self.interactions = InteractionMetrics(self.registry)
        self.gateway = GatewayState.for_bot(bot)
        self.registry.register(BotCollector(bot, self.gateway))
        self.server = MetricsServer(self.registry, self._health, host, port)
        self.bot, self.secrets = bot, secrets or []

    @classmethod
    def for_bot(cls, bot: Any) -> OperatorMetrics:
        """Built from the bot's settings (METRICS_HOST, METRICS_PORT) and wired in: the bot reports its
        interactions, the gateway's events keep the state."""
        settings = bot.settings
        metrics = cls(bot, settings.metrics_host, settings.metrics_port, secrets=settings.secrets)
        bot.interaction_metrics = metrics.interactions
        metrics.gateway.attach(bot)
        return metrics

    async def _health(self) -> tuple[bool, dict[str, Any]]:
        return await health(self.bot, self.gateway, secrets=self.secrets)

    async def start(self) -> None:
        await self.server.start()

    async def stop(self) -> None:
        await self.server.stop()

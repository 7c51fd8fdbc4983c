"""The pacer: every REST request the bot makes to Discord waits for a slot under the global rate limit.

Discord lets a bot token make about DISCORD_RATE_LIMIT (50) requests per second, counted over all its
processes; interaction callbacks and interaction webhooks do not count. The pacer spaces the counted
requests 1/rate apart (rate a little under the limit), so an announcement wave never trips the global
limit and its 429s. It hooks discord.py through the public `http_trace` option: aiohttp awaits
`on_request_start` before sending, where a counted request waits for its slot; `on_request_end` counts
429s by scope and 401/403/429 answers (Discord bans an IP after 10,000 of them in 10 minutes).
discord.py still handles every 429 itself (it waits Retry-After and tries again, through a new slot).

Slots come from a budget (bot/pacing/budget.py), n at a time for the requests waiting (at most BATCH),
so a busy process asks PostgreSQL once per batch, not once per request. A request whose slot passed while
the event loop was busy does not go out together with the others late with it: requests leave at least
1/limit apart (slots are 1/rate apart, a little more), so a stall is caught up at the limit's pace.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any, Protocol

import aiohttp

from bot.pacing.budget import Grant

log = logging.getLogger(__name__)

BATCH = 8  # slots claimed at once at most (the requests waiting in this process)
MARGIN = 0.04  # the rate is this share under the limit (at least 1 request/s): room for network jitter
#: Not counted by Discord (relative to the API base): interaction callbacks and interaction webhooks.
EXEMPT = (re.compile(r"^/interactions/\d+/[^/]+/callback$"), re.compile(r"^/webhooks/(\d+)/[^/]+"))
SCOPES = ("global", "user", "shared")


def paced_rate(limit: float) -> float:
    """The requests per second the pacer allows for Discord's `limit`: a small margin under it."""
    return max(limit - max(1.0, limit * MARGIN), limit / 2)


def _retry_after(headers: Any, body: Any) -> float:
    """A 429's wait in seconds: the body's `retry_after` (what discord.py reads), else the header."""
    raw = body.get("retry_after") if isinstance(body, dict) else None
    if raw is None:
        raw = headers.get("Retry-After")
    try:
        value = float(raw)
    except (TypeError, ValueError):
        return 0.0
    return value if 0.0 <= value < 86_400.0 else 0.0


class Budget(Protocol):
    async def claim(self, n: int, interval: float) -> Grant: ...


@dataclass
class PacerStats:
    """What the pacer saw, cumulative (read by the metrics)."""

    waited_seconds: float = 0.0  # the requests' waits for their slots, plus each 429's Retry-After
    paced: int = 0  # requests that went through a slot
    exempt: int = 0  # interaction callbacks and webhooks: sent at once
    throttled: dict[str, int] = field(default_factory=dict)  # 429s seen, by scope: global, user, shared
    invalid: int = 0  # 401, 403 and 429 answers seen


class Pacer:
    """Spaces the bot's counted REST requests under Discord's global limit; see the module's docstring.

    `base`: the REST API's base URL (read per request: `discord.http.Route.BASE` may be pointed elsewhere);
    requests elsewhere (the gateway, the CDN) are not paced. `application_id`: the bot's application, whose
    interaction webhooks are exempt (None while unknown: any /webhooks/{id}/{token})."""

    def __init__(
        self,
        budget: Budget,
        rate: float,
        *,
        base: Callable[[], str],
        application_id: Callable[[], int | None] = lambda: None,
        clock: Callable[[], float] = time.monotonic,
        batch: int = BATCH,
        limit: float | None = None,
    ) -> None:
        if rate <= 0 or batch < 1 or (limit is not None and limit < rate):
            raise ValueError("rate must be above 0 (and at most limit), batch at least 1")
        self.budget, self.rate, self.interval = budget, rate, 1.0 / rate
        # Requests leave this process at least 1/limit apart, whatever their slots: after a stall of the
        # event loop, the requests whose slots passed meanwhile go out at the limit's pace, not at once.
        self.spacing = 1.0 / (limit if limit is not None else rate)
        self._next_send = float("-inf")
        self.base, self.application_id, self.clock, self.batch = base, application_id, clock, batch
        self.stats = PacerStats()
        self._waiting: deque[asyncio.Future[float]] = deque()
        self._granter: asyncio.Task[None] | None = None
        self._closed = False

    # ---- the requests ------------------------------------------------------------------------------------
    def counted(self, url: str) -> bool:
        """Whether Discord counts a request to `url` against the global limit (a REST call, not exempt)."""
        base = self.base().rstrip("/")
        if not url.startswith(base + "/"):
            return False
        path = url[len(base) :].partition("?")[0]
        if EXEMPT[0].match(path):
            return False
        webhook = EXEMPT[1].match(path)
        if webhook is not None:
            ours = self.application_id()
            return ours is not None and int(webhook.group(1)) != ours
        return True

    async def wait(self) -> None:
        """Wait for this request's slot (in the order asked)."""
        if self._closed:
            return
        asked = self.clock()
        future: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self._waiting.append(future)
        if self._granter is None or self._granter.done():
            self._granter = asyncio.get_running_loop().create_task(self._grant(), name="dramabot-pacer")
        start = await future
        delay = start - self.clock()
        if delay > 0:
            await asyncio.sleep(delay)
        await self.space()
        self.stats.paced += 1
        self.stats.waited_seconds += max(0.0, self.clock() - asked)

    async def space(self) -> None:
        """Leave at least 1/limit after the last request sent, whatever the slots said: after a stall of the
        event loop, or a wait for a free connection, late requests go out at the limit's pace, not at once."""
        now = self.clock()
        mine = max(now, self._next_send)
        self._next_send = mine + self.spacing
        if mine > now:
            await asyncio.sleep(mine - now)

    async def _grant(self) -> None:
        """Give the waiting requests their slots, a batch per claim; the next claim when a batch starts."""
        while self._waiting:
            n = min(len(self._waiting), self.batch)
            try:
                grant = await self.budget.claim(n, self.interval)
            except asyncio.CancelledError:
                raise
            except Exception:  # a bug in a budget must not hold every request back
                log.exception("the pacer could not claim slots; sending %d request(s) unpaced", n)
                grant = Grant(self.clock(), 0.0, n, 0.0)
            for i in range(n):
                future = self._waiting.popleft()
                if not future.done():  # a request cancelled while waiting leaves its slot unused
                    future.set_result(grant.start(i))
            # Claim again once this batch starts: at most about a batch ahead, so processes interleave.
            delay = grant.start(0) - self.clock()
            if delay > 0:
                await asyncio.sleep(delay)

    def seen(self, status: int, headers: Any, body: Any = None) -> None:
        """Count an answer from Discord: 429s by scope, and 401/403/429 as invalid requests."""
        if status in (401, 403, 429):
            self.stats.invalid += 1
        if status != 429:
            return
        scope = (headers.get("X-RateLimit-Scope") or "").lower()
        if scope not in SCOPES:
            is_global = (headers.get("X-RateLimit-Global") or "").lower() == "true"
            is_global = is_global or (isinstance(body, dict) and body.get("global") is True)
            scope = "global" if is_global else "user"
        self.stats.throttled[scope] = self.stats.throttled.get(scope, 0) + 1
        self.stats.waited_seconds += _retry_after(headers, body)  # discord.py waits it out, then retries

    # ---- the aiohttp hook ----------------------------------------------------------------------------------
    def trace_config(self) -> aiohttp.TraceConfig:
        """The hook for `discord.Client(http_trace=...)`."""
        trace = aiohttp.TraceConfig()
        trace.on_request_start.append(self._on_request_start)
        trace.on_connection_queued_end.append(self._on_connection_queued_end)
        trace.on_request_end.append(self._on_request_end)
        return trace

    async def _on_connection_queued_end(self, session: Any, context: SimpleNamespace, params: Any) -> None:
        """A request that waited for a free connection after its slot is spaced again before it goes."""
        if getattr(context, "paced", False):
            await self.space()

    async def _on_request_start(self, session: Any, context: SimpleNamespace, params: Any) -> None:
        if self.counted(str(params.url)):
            context.paced = True
            await self.wait()
        elif str(params.url).startswith(self.base().rstrip("/") + "/"):
            self.stats.exempt += 1

    async def _on_request_end(self, session: Any, context: SimpleNamespace, params: Any) -> None:
        response = params.response
        if not str(params.url).startswith(self.base().rstrip("/") + "/"):
            return
        body = None
        if response.status == 429:
            try:  # read once: aiohttp keeps it for discord.py, which reads it next
                body = await response.json(content_type=None)
            except Exception:  # noqa: BLE001 - not JSON (a proxy's page): counted without a scope hint
                body = None
        self.seen(response.status, response.headers, body)

    async def close(self) -> None:
        """Let every waiting request go (the bot is closing) and stop granting."""
        self._closed = True
        task, self._granter = self._granter, None
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        while self._waiting:
            future = self._waiting.popleft()
            if not future.done():
                future.set_result(self.clock())

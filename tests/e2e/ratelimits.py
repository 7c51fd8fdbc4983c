"""Discord's rate limits for the stand-in (``stand_in.limits``; see :class:`RateLimits`).

What Discord does, as the stand-in models it:

* **The global limit**: a bot token may make ``global_limit`` requests per second (50 by default), over all
  its connections and processes, counted here in fixed windows of one second. Interaction callbacks
  (``POST /interactions/{id}/{token}/callback``) and interaction webhooks
  (``/webhooks/{application_id}/{token}...``) do not count. A request over it gets 429 with
  ``{"message": "You are being rate limited.", "retry_after": s, "global": true}`` and the headers
  ``Retry-After``, ``X-RateLimit-Global: true``, ``X-RateLimit-Scope: global`` and ``Via`` (discord.py
  only retries a 429 that has ``Via``; without it, it assumes a Cloudflare ban). Requests without the bot's
  token are counted per client address instead. A request refused by the global limit does not count.
* **Per-route buckets**: every answer of a bucketed route carries ``X-RateLimit-Limit``, ``-Remaining``,
  ``-Reset`` (epoch seconds), ``-Reset-After`` (seconds) and ``-Bucket`` (an opaque hash per route
  template). A bucket is a route template plus its major parameter (channel, guild, or webhook id and
  token); its window starts with its first request. Over it: 429 with ``"global": false`` and
  ``X-RateLimit-Scope: user`` (``shared`` for a route marked so: a limit of the resource, not of the bot).
  Discord documents the mechanism but few numbers; the values are those its headers usually show:

  ========================================================  ======  ======  =====================
  route                                                     limit   per     bucket per
  ========================================================  ======  ======  =====================
  ``POST /channels/{channel_id}/messages`` (DMs too)        5       5 s     channel
  ``PATCH /channels/{channel_id}/messages/{message_id}``    5       5 s     channel
  ``DELETE /channels/{channel_id}/messages/{message_id}``   5       5 s     channel
  ``GET /channels/{channel_id}/messages``                   5       1 s     channel
  ``GET /channels/{channel_id}/messages/{message_id}``      5       1 s     channel
  ``POST /channels/{channel_id}/messages/{id}/threads``     5       5 s     channel
  ``GET /channels/{channel_id}``                            5       1 s     channel
  ``GET /guilds/{guild_id}``                                5       1 s     guild
  ``POST /users/@me/channels`` (open a DM)                  50      1 s     the bot (a DM wave is
                                                                            bounded by the global limit)
  ``/webhooks/{application_id}/{token}...`` (each method)   5       2 s     webhook id + token
  ========================================================  ======  ======  =====================

  Other routes (login, command sync, the gateway URL, interaction callbacks) have no bucket here.
* **Invalid requests**: answers 401, 403 and 429 (except 429s of scope ``shared``) are counted; after
  ``invalid_limit`` (10,000) of them in 10 minutes Discord's Cloudflare bans the address: every request
  then gets 429 with a text body and no ``Via`` (discord.py raises at once) for ``ban_seconds`` (an hour),
  and :attr:`RateLimits.banned` is True.
"""

from __future__ import annotations

import bisect
import collections
import hashlib
import json
import math
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

from aiohttp import web

__all__ = ["ROUTE_LIMITS", "Admission", "RateLimits", "RouteLimit"]

GLOBAL_WINDOW = 1.0
INVALID_WINDOW = 600.0
INVALID_LIMIT = 10_000
BAN_SECONDS = 3600.0
VIA = "1.1 google"  # what Discord's answers carry (its edge is Google's load balancer)
RATE_LIMITED = "You are being rate limited."
CLOUDFLARE_BAN = "error code: 1015"

CALLBACK = re.compile(r"^/interactions/\d+/[^/]+/callback$")
WEBHOOK = re.compile(r"^/webhooks/(\d+)/[^/]+")


@dataclass(frozen=True)
class RouteLimit:
    """One bucketed route: ``method`` and ``template`` (Discord's placeholder names), ``limit`` requests per
    ``per`` seconds for each major parameter, and the scope of its 429s (``user`` or ``shared``)."""

    method: str
    template: str
    limit: int
    per: float
    scope: str = "user"

    @property
    def name(self) -> str:
        return f"{self.method} {self.template}"

    @property
    def bucket(self) -> str:
        """The opaque ``X-RateLimit-Bucket`` hash (32 hex digits, like Discord's)."""
        return hashlib.md5(self.name.encode(), usedforsecurity=False).hexdigest()

    @property
    def pattern(self) -> re.Pattern[str]:
        """The template as a regex; the major parameter (if any) is its first group(s)."""
        return _compiled(self.template)


_PLACEHOLDER = re.compile(r"\{(\w+)\}")
MAJOR = {"channel_id", "guild_id", "webhook_id", "webhook_token"}
_patterns: dict[str, re.Pattern[str]] = {}


def _compiled(template: str) -> re.Pattern[str]:
    found = _patterns.get(template)
    if found is None:

        def group(m: re.Match[str]) -> str:
            name = m.group(1)
            return rf"(?P<{name}>[^/]+)" if name in MAJOR else r"[^/]+"

        regex = _PLACEHOLDER.sub(group, re.escape(template).replace(r"\{", "{").replace(r"\}", "}"))
        found = _patterns[template] = re.compile(f"^{regex}$")
    return found


ROUTE_LIMITS: tuple[RouteLimit, ...] = (
    RouteLimit("POST", "/channels/{channel_id}/messages", 5, 5.0),
    RouteLimit("PATCH", "/channels/{channel_id}/messages/{message_id}", 5, 5.0),
    RouteLimit("DELETE", "/channels/{channel_id}/messages/{message_id}", 5, 5.0),
    RouteLimit("GET", "/channels/{channel_id}/messages", 5, 1.0),
    RouteLimit("GET", "/channels/{channel_id}/messages/{message_id}", 5, 1.0),
    RouteLimit("POST", "/channels/{channel_id}/messages/{message_id}/threads", 5, 5.0),
    RouteLimit("GET", "/channels/{channel_id}", 5, 1.0),
    RouteLimit("GET", "/guilds/{guild_id}", 5, 1.0),
    RouteLimit("POST", "/users/@me/channels", 50, 1.0),
    RouteLimit("POST", "/webhooks/{webhook_id}/{webhook_token}", 5, 2.0),
    RouteLimit("GET", "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}", 5, 2.0),
    RouteLimit("PATCH", "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}", 5, 2.0),
    RouteLimit("DELETE", "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}", 5, 2.0),
)


@dataclass
class _Bucket:
    remaining: int
    resets_at: float  # monotonic


@dataclass
class Admission:
    """What the limiter says about one request: ``refusal`` (a 429 to answer instead) or the rate-limit
    ``headers`` to put on the answer (empty for a route without a bucket)."""

    refusal: web.Response | None = None
    headers: dict[str, str] | None = None


def _json(status: int, data: object, headers: dict[str, str]) -> web.Response:
    body = json.dumps(data).encode()
    return web.Response(status=status, body=body, headers={"Content-Type": "application/json", **headers})


class RateLimits:
    """The global limit, the route buckets and the invalid-request count of one stand-in.

    Records for tests and the benchmark: :attr:`counted` and :attr:`times` (requests that counted against
    the global limit, and their monotonic arrival times), :attr:`global_429s` and :attr:`route_429s`
    (monotonic times of the 429s given), :attr:`route_429s_by_route` (by ``"METHOD template"``),
    :meth:`peak`, :meth:`invalid_requests` and :attr:`banned`.
    """

    def __init__(
        self,
        *,
        global_limit: float | None = 50.0,
        route_limits: bool = True,
        application_id: str | None = None,
        invalid_limit: int = INVALID_LIMIT,
        ban_seconds: float = BAN_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        wall: Callable[[], float] = time.time,
    ) -> None:
        if global_limit is not None and global_limit <= 0:
            raise ValueError("global_limit must be positive (or None for no global limit)")
        self.global_limit = global_limit
        self.route_limits = route_limits
        self.application_id = application_id
        self.invalid_limit = invalid_limit
        self.ban_seconds = ban_seconds
        self.routes: list[RouteLimit] = list(ROUTE_LIMITS)
        self.clock, self.wall = clock, wall  # monotonic and epoch time (a test may freeze them)

        self.counted = 0
        self.times: list[float] = []
        self.global_429s: list[float] = []
        self.route_429s: list[float] = []
        self.route_429s_by_route: collections.Counter[str] = collections.Counter()
        self.banned = False
        self.bans = 0
        self._ban_ends = 0.0
        self._invalid: list[float] = []  # monotonic times of invalid answers, increasing
        self._windows: dict[str, tuple[int, int]] = {}  # client key -> (window index, requests in it)
        self._buckets: dict[tuple[str, str], _Bucket] = {}

    # ------------------------------------------------------------------ configuration

    def set_route(self, method: str, template: str, *, limit: int, per: float, scope: str = "user") -> None:
        """Give the route ``method template`` (e.g. ``"POST", "/channels/{channel_id}/messages"``) another
        limit (a test's tiny bucket); a route not bucketed yet gets one. Its buckets start afresh."""
        limit_for = RouteLimit(method, template, limit, per, scope)
        for i, known in enumerate(self.routes):
            if known.name == limit_for.name:
                self.routes[i] = replace(known, limit=limit, per=per, scope=scope)
                break
        else:
            self.routes.append(limit_for)
        self._buckets = {k: b for k, b in self._buckets.items() if k[0] != limit_for.name}

    # ------------------------------------------------------------------ reading

    def invalid_requests(self, window: float = INVALID_WINDOW) -> int:
        """Answers 401, 403 and 429 (429s of scope ``shared`` excluded) in the last ``window`` seconds."""
        return len(self._invalid) - bisect.bisect_left(self._invalid, self.clock() - window)

    def peak(self, window: float = GLOBAL_WINDOW) -> int:
        """The most requests counted against the global limit in any ``window`` seconds (a sliding
        window: two fixed windows' worth may fall in one, as on Discord)."""
        most, start = 0, 0
        for end, at in enumerate(self.times):
            while at - self.times[start] >= window:
                start += 1
            most = max(most, end - start + 1)
        return most

    def exempt(self, path: str) -> bool:
        """Whether a request to ``path`` (relative to /api/v10) is outside the global limit: interaction
        callbacks and the application's interaction webhooks."""
        if CALLBACK.match(path):
            return True
        webhook = WEBHOOK.match(path)
        return webhook is not None and webhook.group(1) == self.application_id

    def route_of(self, method: str, path: str) -> tuple[RouteLimit, str] | None:
        """The bucketed route a request belongs to and its major parameter, or None."""
        if not self.route_limits:
            return None
        for limit in self.routes:
            if limit.method == method:
                match = limit.pattern.match(path)
                if match is not None:
                    return limit, "/".join(match.groups())
        return None

    # ------------------------------------------------------------------ admitting requests

    def admit(self, method: str, path: str, authorization: str | None, remote: str | None) -> Admission:
        """Decide on one request arriving now: a 429 (ban, global, route) or the headers for its answer."""
        now = self.clock()
        if self.banned and now >= self._ban_ends:
            self.banned = False
        if self.banned:
            return Admission(
                web.Response(
                    status=429,
                    text=CLOUDFLARE_BAN,
                    headers={"Retry-After": str(int(self._ban_ends - now) + 1)},
                )
            )
        if not self.exempt(path):
            refusal = self._admit_global(now, authorization, remote)
            if refusal is not None:
                return Admission(refusal)
        route = self.route_of(method, path)
        if route is None:
            return Admission(None, {})
        return self._admit_route(now, *route)

    def _admit_global(self, now: float, authorization: str | None, remote: str | None) -> web.Response | None:
        key = authorization if authorization else f"address {remote}"
        window = math.floor(now / GLOBAL_WINDOW)
        index, used = self._windows.get(key, (window, 0))
        if index != window:
            used = 0
        if self.global_limit is not None and used >= self.global_limit:
            self.global_429s.append(now)
            retry = round((window + 1) * GLOBAL_WINDOW - now, 3) or 0.001
            headers = {
                "Retry-After": str(math.ceil(retry)),
                "X-RateLimit-Global": "true",
                "X-RateLimit-Scope": "global",
                "Via": VIA,
            }
            return _json(429, {"message": RATE_LIMITED, "retry_after": retry, "global": True}, headers)
        self._windows[key] = (window, used + 1)
        self.counted += 1
        self.times.append(now)
        return None

    def _admit_route(self, now: float, limit: RouteLimit, major: str) -> Admission:
        key = (limit.name, major)
        bucket = self._buckets.get(key)
        if bucket is None or now >= bucket.resets_at:
            bucket = self._buckets[key] = _Bucket(limit.limit, now + limit.per)
        reset_after = max(0.001, bucket.resets_at - now)
        if bucket.remaining <= 0:
            self.route_429s.append(now)
            self.route_429s_by_route[limit.name] += 1
            headers = self._headers(limit, 0, reset_after)
            headers.update(
                {"Retry-After": str(math.ceil(reset_after)), "X-RateLimit-Scope": limit.scope, "Via": VIA}
            )
            body = {"message": RATE_LIMITED, "retry_after": round(reset_after, 3), "global": False}
            return Admission(_json(429, body, headers))
        bucket.remaining -= 1
        return Admission(None, self._headers(limit, bucket.remaining, reset_after))

    def _headers(self, limit: RouteLimit, remaining: int, reset_after: float) -> dict[str, str]:
        return {
            "X-RateLimit-Limit": str(limit.limit),
            "X-RateLimit-Remaining": str(remaining),
            "X-RateLimit-Reset": f"{self.wall() + reset_after:.3f}",
            "X-RateLimit-Reset-After": f"{reset_after:.3f}",
            "X-RateLimit-Bucket": limit.bucket,
        }

    # ------------------------------------------------------------------ answers

    def note_answer(self, status: int, scope: str | None) -> None:
        """Count an answer given: 401, 403 and 429 (not of scope ``shared``) are invalid requests; too many
        of them in 10 minutes and the address is banned."""
        if self.banned or status not in (401, 403, 429) or (status == 429 and scope == "shared"):
            return  # the ban's own answers are not counted: the address is blocked already
        now = self.clock()
        self._invalid.append(now)
        if not self.banned and self.invalid_requests(INVALID_WINDOW) >= self.invalid_limit:
            self.banned, self._ban_ends = True, now + self.ban_seconds
            self.bans += 1

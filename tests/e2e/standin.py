"""A loopback stand-in for Discord's REST API and gateway, for end-to-end tests of a real discord.py bot.

:class:`DiscordStandIn` is an aiohttp server on 127.0.0.1 (random port) that speaks enough of Discord's
protocol for an unmodified discord.py 2.x client: login (``GET /users/@me``), application info, command
sync, the gateway websocket (HELLO / IDENTIFY / READY / GUILD_CREATE / heartbeats / RESUME), interaction
callbacks, follow-ups and edits through the interaction webhook, and channel messages.

Tests drive it like a Discord user would: :meth:`DiscordStandIn.invoke` sends a slash command built from
the definitions the bot *actually synced*, :meth:`DiscordStandIn.autocomplete` asks for choices and
:meth:`DiscordStandIn.click` presses a button on a message the bot sent.  Each returns once the user
would see the answer and gives a :class:`Result` describing it.

Everything the bot sends is recorded (:attr:`DiscordStandIn.requests`) and every body is checked against
Discord's OpenAPI description plus the rules in :mod:`tests.e2e.spec`; problems are appended to
:attr:`DiscordStandIn.violations` and the request is answered like Discord would (400 ``50035``, 404
``10062`` for a late callback, 400 ``40060`` for a second one, ...).  Fault controls
(:meth:`~DiscordStandIn.drop_gateway`, :meth:`~DiscordStandIn.send_invalid_session`,
:meth:`~DiscordStandIn.fail_next_callbacks`, :meth:`~DiscordStandIn.fail_requests`) let reliability tests
make Discord misbehave.  Discord's limits (the global rate limit, route buckets with their headers, the
invalid-request ban) are in :mod:`tests.e2e.ratelimits` (:attr:`DiscordStandIn.limits`); sharding and the
2,500-guilds-per-session rule in :mod:`tests.e2e.shards`.

discord.py quirks this server honours (learnt from its source):

* REST answers must carry ``Content-Type: application/json`` exactly: discord.py compares the header
  literally and otherwise treats the body as text.  Empty answers (204) carry no content type, since
  discord.py would try to parse an empty JSON body.
* a 429 is only retried when the answer has a ``Via`` header (else discord.py assumes a Cloudflare ban).
* ``POST /interactions/{id}/{token}/callback?with_response=1`` must answer 200 with an
  ``InteractionCallbackResponse`` (``{"interaction": {...}, "resource": {...}}``); the
  ``response_message_id`` in it is how discord.py keys the views (buttons) it attached to the message.
* INTERACTION_CREATE needs ``attachment_size_limit``; members need ``flags``; READY needs
  ``resume_gateway_url`` (discord.py reconnects there to RESUME).
"""

from __future__ import annotations

import asyncio
import base64
import copy
import datetime
import itertools
import json
import math
import re
import secrets
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from . import multipart, spec
from .attachments import Attachment, Attachments
from .channels import ChannelWorld
from .events import ScheduledEvents
from .installs import UserInstalls
from .polls import SEND_POLLS, Polls
from .ratelimits import Admission, RateLimits
from .shards import (
    GUILDS_PER_SHARD,
    ExtraGuild,
    Session,
    check_identify_shard,
    check_shard_size,
    remap,
    shard_for,
    snowflake_on_shard,
)

__all__ = [
    "Arrival",
    "CommandNotSynced",
    "ComponentNotFound",
    "DiscordStandIn",
    "Fault",
    "InteractionFailed",
    "InteractionTimeout",
    "RecordedRequest",
    "Result",
    "StandInError",
]

API_PREFIX = "/api/v10"
DISCORD_EPOCH_MS = 1_420_070_400_000

# Interaction types (Discord's numbering).
APPLICATION_COMMAND = 2
MESSAGE_COMPONENT = 3
AUTOCOMPLETE = 4

# Interaction callback types.
CHANNEL_MESSAGE = 4
DEFERRED_CHANNEL_MESSAGE = 5
DEFERRED_UPDATE_MESSAGE = 6
UPDATE_MESSAGE = 7
AUTOCOMPLETE_RESULT = 8
MODAL = 9
#: Callback types a user sees at once (no further message needed).
VISIBLE_AT_ONCE = frozenset({CHANNEL_MESSAGE, UPDATE_MESSAGE, AUTOCOMPLETE_RESULT, MODAL})
#: Which callback types are allowed for which interaction type.
ALLOWED_CALLBACKS = {
    APPLICATION_COMMAND: {CHANNEL_MESSAGE, DEFERRED_CHANNEL_MESSAGE, MODAL},
    MESSAGE_COMPONENT: {
        CHANNEL_MESSAGE,
        DEFERRED_CHANNEL_MESSAGE,
        DEFERRED_UPDATE_MESSAGE,
        UPDATE_MESSAGE,
        MODAL,
    },
    AUTOCOMPLETE: {AUTOCOMPLETE_RESULT},
}

# Message flags.
EPHEMERAL = 1 << 6
LOADING = 1 << 7

# Application command option types.
SUB_COMMAND, SUB_COMMAND_GROUP = 1, 2
STRING, INTEGER, BOOLEAN, USER, CHANNEL, ROLE, MENTIONABLE, NUMBER, ATTACHMENT = 3, 4, 5, 6, 7, 8, 9, 10, 11

ADMINISTRATOR = 1 << 3
#: A normal member's permissions (view/send/embed/read history/reactions/slash commands...; no ADMINISTRATOR).
DEFAULT_MEMBER_PERMISSIONS = "2248473465835073"
#: The permissions of the bot's managed role (its app_permissions in the test channel add @everyone's).
BOT_PERMISSIONS = str(
    (1 << 6) | (1 << 10) | (1 << 11) | (1 << 14) | (1 << 15) | (1 << 16) | (1 << 18) | (1 << 31) | (1 << 38)
    | SEND_POLLS
)

CALLBACK_PATH = re.compile(r"^/interactions/(\d+)/([^/]+)/callback$")

_ERRORS = {
    400: {"message": "400: Bad Request", "code": 0},
    401: {"message": "401: Unauthorized", "code": 0},
    403: {"message": "Missing Access", "code": 50001},
    404: {"message": "404: Not Found", "code": 0},
    405: {"message": "405: Method Not Allowed", "code": 0},
    500: {"message": "500: Internal Server Error", "code": 0},
    502: {"message": "502: Bad Gateway", "code": 0},
    503: {"message": "503: Service Unavailable", "code": 0},
}
UNKNOWN_INTERACTION = {"message": "Unknown interaction", "code": 10062}
ALREADY_ACKNOWLEDGED = {"message": "Interaction has already been acknowledged.", "code": 40060}
UNKNOWN_WEBHOOK = {"message": "Unknown Webhook", "code": 10015}
INVALID_WEBHOOK_TOKEN = {"message": "Invalid Webhook Token", "code": 50027}
UNKNOWN_MESSAGE = {"message": "Unknown Message", "code": 10008}
UNKNOWN_CHANNEL = {"message": "Unknown Channel", "code": 10003}


# =========================================================================== errors raised to tests


class StandInError(AssertionError):
    """Base of the errors the stand-in raises into a test (an AssertionError, so pytest reports it as a failure)."""


class CommandNotSynced(StandInError):
    """The test asked for a command, subcommand or option the bot did not sync (or cannot be used like that)."""


class ComponentNotFound(StandInError):
    """The test clicked a custom_id that is not (or not clickable) on the message."""


class InteractionFailed(StandInError):
    """The interaction ended without a user-visible answer ("This interaction failed"); see ``.result``."""

    def __init__(self, message: str, result: Result):
        super().__init__(message)
        self.result = result


class InteractionTimeout(StandInError):
    """No user-visible answer arrived in time; see ``.result`` for what did arrive."""

    def __init__(self, message: str, result: Result):
        super().__init__(message)
        self.result = result


# =========================================================================== records


@dataclass
class RecordedRequest:
    """One HTTP request the bot made: ``at`` is seconds since the stand-in started."""

    method: str
    path: str  # without the /api/v10 prefix and without the query
    query: dict[str, str]
    body: Any
    files: list[dict[str, Any]]
    at: float
    headers: dict[str, str]
    status: int | None = None
    violations: list[str] = field(default_factory=list)
    received: float = 0.0  # time.monotonic() when the body's last byte arrived (before it is parsed)


@dataclass
class Arrival:
    """Something the bot sent about one interaction, ``at`` seconds after the interaction was dispatched.

    ``kind`` is one of ``callback`` (accepted), ``rejected`` (a callback/edit/follow-up answered with an
    error), ``fault`` (answered with an injected failure), ``followup``, ``edit``, ``delete``.
    """

    kind: str
    at: float
    status: int
    body: Any
    message_id: str | None = None
    detail: str | None = None


@dataclass
class Fault:
    """An injected failure: the next ``remaining`` requests matching ``predicate(method, path)`` get ``status``."""

    predicate: Callable[[str, str], bool]
    status: int
    remaining: int
    retry_after: float | None = None
    body: Any = None
    is_global: bool = False
    served: int = 0


# =========================================================================== interaction results


class Result:
    """What happened to one interaction the stand-in sent (live: later arrivals keep updating it).

    Attributes: ``interaction`` (the INTERACTION_CREATE payload sent), ``callback_type``, ``callback``
    (accepted callback body), ``callback_status``, ``elapsed`` (seconds from dispatch to the accepted
    callback), ``followups`` (bodies), ``edits`` (bodies of edits of ``@original``), ``arrivals``
    (everything, with times), ``deleted`` (whether ``@original`` was deleted).
    """

    def __init__(self, stand_in: DiscordStandIn, payload: dict[str, Any], dispatched_at: float):
        self._stand_in = stand_in
        self.interaction: dict[str, Any] = payload
        self.id: str = payload["id"]
        self.token: str = payload["token"]
        self.type: int = payload["type"]
        self.dispatched_at = dispatched_at
        self.user: dict[str, Any] = (payload.get("member") or {}).get("user") or payload.get("user") or {}
        self.callback_type: int | None = None
        self.callback: dict[str, Any] | None = None
        self.callback_status: int | None = None
        self.elapsed: float | None = None
        self.followups: list[dict[str, Any]] = []
        self.followup_ids: list[str] = []
        self.edits: list[dict[str, Any]] = []
        self.arrivals: list[Arrival] = []
        self.deleted = False
        self.expired_callback = False  # a callback came after the 3 s deadline
        # For a component interaction @original is the clicked message until a type 4/5 answer creates one.
        self.source_message_id: str | None = (payload.get("message") or {}).get("id")
        self.original_message_id: str | None = self.source_message_id

    # ----------------------------------------------------------------- state

    @property
    def acknowledged(self) -> bool:
        """Whether a callback was accepted."""
        return self.callback_type is not None

    @property
    def rejections(self) -> list[Arrival]:
        """Requests about this interaction that were answered with an error (not injected faults)."""
        return [a for a in self.arrivals if a.kind == "rejected"]

    @property
    def answered(self) -> bool:
        """Whether the user sees an answer: a visible callback, or after a defer an edit / follow-up / delete."""
        if self.callback_type in VISIBLE_AT_ONCE:
            return True
        if self.callback_type in (DEFERRED_CHANNEL_MESSAGE, DEFERRED_UPDATE_MESSAGE):
            return bool(self.edits or self.followups or self.deleted)
        return False

    # ----------------------------------------------------------------- what the user sees

    @property
    def message_id(self) -> str | None:
        """Id of the visible message (see :attr:`message`)."""
        if self.callback_type in (CHANNEL_MESSAGE, UPDATE_MESSAGE, DEFERRED_CHANNEL_MESSAGE):
            return self.original_message_id
        if self.callback_type == DEFERRED_UPDATE_MESSAGE:
            if self.edits:
                return self.original_message_id
            return self.followup_ids[-1] if self.followup_ids else self.original_message_id
        return None

    @property
    def message(self) -> dict[str, Any] | None:
        """The visible message as it stands now (Discord's message object).

        The callback's message for type 4, the updated message for 7, the ``@original`` message (with
        all edits applied) after a defer; after a deferred update with no edit, the last follow-up.
        """
        mid = self.message_id
        return None if mid is None else self._stand_in.messages.get(mid)

    @property
    def content(self) -> str | None:
        """Content of the visible message."""
        return None if self.message is None else self.message.get("content")

    @property
    def embeds(self) -> list[dict[str, Any]]:
        """Embeds of the visible message."""
        return [] if self.message is None else list(self.message.get("embeds") or [])

    @property
    def components(self) -> list[dict[str, Any]]:
        """Components (action rows ...) of the visible message."""
        return [] if self.message is None else list(self.message.get("components") or [])

    @property
    def ephemeral(self) -> bool:
        """Whether the visible message is only shown to the user (flags & 64)."""
        return bool(self.message and (self.message.get("flags") or 0) & EPHEMERAL)

    @property
    def choices(self) -> list[dict[str, Any]] | None:
        """Autocomplete choices (callback type 8)."""
        if self.callback_type != AUTOCOMPLETE_RESULT or not self.callback:
            return None
        return list((self.callback.get("data") or {}).get("choices") or [])

    @property
    def modal(self) -> dict[str, Any] | None:
        """The modal the bot opened (callback type 9)."""
        return self.callback.get("data") if self.callback_type == MODAL and self.callback else None

    @property
    def followup_messages(self) -> list[dict[str, Any]]:
        """Follow-up messages as they stand now."""
        return [self._stand_in.messages[m] for m in self.followup_ids if m in self._stand_in.messages]

    def custom_ids(self) -> list[str]:
        """custom_ids of all components on the visible message."""
        return [c["custom_id"] for c in _walk_components(self.components) if "custom_id" in c]

    async def wait_until(self, predicate: Callable[[Result], bool], timeout: float = 5.0) -> Result:  # noqa: ASYNC109
        """Wait until ``predicate(self)`` holds (re-checked on every arrival); raise InteractionTimeout."""
        try:
            await self._stand_in.wait_for(lambda: predicate(self), timeout=timeout)
        except TimeoutError:
            raise InteractionTimeout(
                f"condition not met within {timeout}s\n{self.describe()}", self
            ) from None
        return self

    def describe(self) -> str:
        """A multi-line summary for failure messages."""
        data = self.interaction.get("data") or {}
        name = data.get("name") or data.get("custom_id")
        lines = [f"interaction {self.id} (type {self.type}, {name!r}), callback type {self.callback_type}"]
        for a in self.arrivals:
            extra = f" - {a.detail}" if a.detail else ""
            lines.append(f"  +{a.at:.3f}s {a.kind} {a.status}{extra}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<Result id={self.id} type={self.type} callback_type={self.callback_type} message_id={self.message_id}>"


def _walk_components(components: Any):
    """Every component in a (nested) component list: action rows, containers, sections' accessories."""
    for comp in components or []:
        if not isinstance(comp, dict):
            continue
        yield comp
        yield from _walk_components(comp.get("components"))
        if isinstance(comp.get("accessory"), dict):
            yield from _walk_components([comp["accessory"]])


# =========================================================================== the server


def _json(status: int, data: Any, headers: dict[str, str] | None = None) -> web.Response:
    """A JSON answer with ``Content-Type: application/json`` exactly (no charset: discord.py compares literally)."""
    body = json.dumps(data).encode()
    return web.Response(
        status=status, body=body, headers={"Content-Type": "application/json", **(headers or {})}
    )


def _route_label(method: str, path: str) -> str:
    """``METHOD path`` with interaction tokens shortened to ``<token>`` (they are 70+ characters)."""
    path = re.sub(r"^/(interactions/\d+|webhooks/\d+)/[^/]+", r"/\1/<token>", path)
    return f"{method} {path}"


def _no_content() -> web.Response:
    return web.Response(status=204)


def _iso(ts: float | None = None) -> str:
    return datetime.datetime.fromtimestamp(ts if ts is not None else time.time(), datetime.UTC).isoformat()


@dataclass
class _Connection:
    ws: web.WebSocketResponse
    request: web.Request
    query: dict[str, str]
    identified: bool = False
    session_id: str | None = None
    shard: int = 0


class DiscordStandIn:
    """Discord's REST API and gateway on 127.0.0.1, for one test.

    Use ``await start()`` / ``await stop()`` (or ``async with``).  Endpoints for the bot: :attr:`api_base`,
    :attr:`gateway_url`, :attr:`token`.  The test world: one guild (:attr:`guild_id`) with a text channel
    (:attr:`channel_id`), the application :attr:`application_id` whose bot user is :attr:`bot_user_id`.
    """

    def __init__(
        self,
        *,
        heartbeat_interval: int = 41250,
        callback_deadline: float = 3.0,
        token_ttl: float = 15 * 60.0,
        guild_name: str = "Drama Club",
        channel_name: str = "general",
        bot_name: str = "dramabot",
        shard_count: int | None = None,
        max_concurrency: int = 1,
        global_limit: float | None = 50.0,
        route_limits: bool = True,
    ):
        if (shard_count is not None and shard_count < 1) or max_concurrency < 1:
            raise ValueError("shard_count and max_concurrency must be at least 1")
        #: Gateway sharding (see tests/e2e/shards.py): how many shards the application has (None: as many
        #: as the bot's sessions identify with, Discord's recommendation until then; see :attr:`shard_count`),
        #: and how many may IDENTIFY together (``session_start_limit.max_concurrency``).
        self.fixed_shard_count = shard_count
        self._adopted_shards: int | None = None
        self.max_concurrency = max_concurrency
        self.heartbeat_interval = heartbeat_interval
        self.callback_deadline = callback_deadline
        self.token_ttl = token_ttl
        self._snowflakes = itertools.count()
        self.application_id = self.snowflake()
        self.bot_user_id = self.application_id  # as for every modern Discord application
        self.guild_id = self.snowflake()
        self.channel_id = self.snowflake()
        self.category_id = self.snowflake()
        self.bot_role_id = self.snowflake()
        self.voice_channel_id = self.snowflake()
        self.token = ".".join(
            (
                base64.b64encode(self.bot_user_id.encode()).decode().rstrip("="),
                secrets.token_urlsafe(5),
                secrets.token_urlsafe(27),
            )
        )
        self.guild_name, self.channel_name = guild_name, channel_name
        self.bot_user: dict[str, Any] = {
            "id": self.bot_user_id,
            "username": bot_name,
            "global_name": None,
            "discriminator": "0000",
            "avatar": None,
            "bot": True,
            "verified": True,
            "mfa_enabled": False,
            "flags": 0,
            "public_flags": 0,
            "locale": "en-US",
            "email": None,
        }
        self.user_locales: dict[str, str] = {}  # user id -> the client's locale in their interactions (default en-US)
        self.owner = self.make_user("owner")
        self.default_user = self.make_user("viewer")
        self.started_at = time.monotonic()

        # Records for tests.
        self.requests: list[RecordedRequest] = []
        self.violations: list[str] = []
        self.unknown_routes: list[str] = []
        self.sync_calls: list[tuple[str, Any]] = []
        self.commands: dict[str, list[dict[str, Any]]] = {}  # scope ("global" / "guild:<id>") -> definitions
        self.messages: dict[str, dict[str, Any]] = {}  # every message the bot made, by id, current state
        self.uploads: dict[str, bytes] = {}  # the bytes of every attachment the bot uploaded, by attachment id
        self.channel_messages: list[
            dict[str, Any]
        ] = []  # messages posted through POST /channels/{id}/messages
        self.interactions: list[Result] = []
        self.faults: list[Fault] = []
        self.gateway_log: list[dict[str, Any]] = []  # every frame the bot sent over the gateway, with "at"
        self.identify_payloads: list[dict[str, Any]] = []
        self.connections = 0
        self.identifies = 0
        self.resumes = 0
        self.heartbeats = 0

        self._expected_violations: list[re.Pattern[str]] = []
        self._results_by_id: dict[str, Result] = {}
        self._results_by_token: dict[str, Result] = {}
        self._dm_channels: dict[str, dict[str, Any]] = {}
        self._command_ids: dict[tuple[str, int, str], str] = {}
        self._conns: list[_Connection] = []
        # One gateway session per shard: id, sequence, dispatched events (for RESUME), live connection.
        self._sessions: list[Session] = []
        self.extra_guilds: dict[str, ExtraGuild] = {}  # guilds added with add_guild(), by id
        self._channel_guilds: dict[str, str] = {}  # the added guilds' channel ids -> guild id
        self._send_lock = asyncio.Lock()
        self._changed = asyncio.Condition()
        self._tasks: set[asyncio.Task[Any]] = set()
        self._runner: web.AppRunner | None = None
        self.port: int = 0
        #: Text channels, roles, permissions, threads and DMs (tests/e2e/channels.py).
        self.world = ChannelWorld(self)
        #: Guild scheduled events (tests/e2e/events.py).
        self.events = ScheduledEvents(self)
        #: Polls in messages: votes, endings, their routes (tests/e2e/polls.py).
        self.polls = Polls(self)
        #: Discord's rate limits: the global limit, route buckets, invalid requests (tests/e2e/ratelimits.py).
        self.limits = RateLimits(
            global_limit=global_limit, route_limits=route_limits, application_id=self.application_id
        )
        #: Interactions through a member's own install (tests/e2e/installs.py).
        self.installs = UserInstalls(self)
        self._routes = self._route_table()
        #: Files attached to slash commands, served on the stand-in's CDN path (tests/e2e/attachments.py).
        self.attachments = Attachments()

    # ------------------------------------------------------------------ lifecycle

    @property
    def api_base(self) -> str:
        """Value for discord.py's ``Route.BASE`` (``DISCORD_API_BASE``)."""
        return f"http://127.0.0.1:{self.port}{API_PREFIX}"

    @property
    def gateway_url(self) -> str:
        """Value for ``DiscordWebSocket.DEFAULT_GATEWAY`` (``DISCORD_GATEWAY_URL``)."""
        return f"ws://127.0.0.1:{self.port}/gateway"

    async def start(self) -> DiscordStandIn:
        """Listen on 127.0.0.1 on a free port (see :attr:`port`)."""
        spec.check("interaction_callback", {"type": 1})  # load the OpenAPI description now, not mid-test
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_get("/gateway", self._gateway)
        app.router.add_route("*", "/{tail:.*}", self._http)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server  # the asyncio.Server: the only way to learn the port picked for port 0
        assert server is not None and server.sockets
        self.port = server.sockets[0].getsockname()[1]
        self.started_at = time.monotonic()
        return self

    async def stop(self) -> None:
        """Close gateway connections and the server; cancel helper tasks."""
        for task in list(self._tasks):
            task.cancel()
        for conn in list(self._conns):
            if not conn.ws.closed:
                await conn.ws.close(code=1001, message=b"stand-in stopping")
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> DiscordStandIn:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # ------------------------------------------------------------------ ids, users, world

    def snowflake(self) -> str:
        """A fresh, increasing Discord snowflake (as a string, like Discord sends them)."""
        ms = int(time.time() * 1000) - DISCORD_EPOCH_MS
        return str((ms << 22) | (next(self._snowflakes) & 0x3FFFFF))

    def make_user(self, name: str, *, bot: bool = False) -> dict[str, Any]:
        """A user payload with a fresh id (username ``name``, ``global_name`` capitalised, no avatar)."""
        return {
            "id": self.snowflake(),
            "username": name,
            "global_name": name.capitalize(),
            "discriminator": "0",
            "avatar": None,
            "avatar_decoration_data": None,
            "bot": bot,
            "system": False,
            "public_flags": 0,
            "flags": 0,
            "banner": None,
            "accent_color": None,
            "primary_guild": None,
            "collectibles": None,
        }

    def set_locale(self, user: dict[str, Any], locale: str) -> None:
        """From now on ``user``'s interactions carry ``locale`` (their Discord client's language, e.g. "ko")."""
        self.user_locales[user["id"]] = locale

    def make_member(self, user: dict[str, Any], *, permissions: str | int | None = None) -> dict[str, Any]:
        """A guild member payload for ``user`` as interactions carry it (with ``permissions``)."""
        return {
            "user": user,
            "nick": None,
            "avatar": None,
            "banner": None,
            "roles": [],
            "premium_since": None,
            "pending": False,
            "permissions": str(DEFAULT_MEMBER_PERMISSIONS if permissions is None else permissions),
            "joined_at": "2024-01-02T03:04:05.000000+00:00",
            "communication_disabled_until": None,
            "unusual_dm_activity_until": None,
            "flags": 0,
            "deaf": False,
            "mute": False,
        }

    def channel_payload(self) -> dict[str, Any]:
        """The test text channel."""
        return {
            "id": self.channel_id,
            "type": 0,
            "guild_id": self.guild_id,
            "name": self.channel_name,
            "position": 0,
            "parent_id": self.category_id,
            "topic": "talk about dramas",
            "nsfw": False,
            "last_message_id": None,
            "rate_limit_per_user": 0,
            "permission_overwrites": [],
            "flags": 0,
        }

    def guild_payload(self, guild_id: str | None = None) -> dict[str, Any]:
        """The GUILD_CREATE payload of the test guild (roles, channels, the bot as member, counts ...), or of
        the guild ``guild_id`` added with :meth:`add_guild`; with the channels and roles of :attr:`world`."""
        return self.world.extend_guild(self._guild_payload(guild_id))

    def _guild_payload(self, guild_id: str | None = None) -> dict[str, Any]:
        if guild_id is not None and guild_id != self.guild_id:
            return {
                **self._in_guild(self._guild_payload(), guild_id),
                "name": self.extra_guilds[guild_id].name,
            }
        return {
            "id": self.guild_id,
            "name": self.guild_name,
            "icon": None,
            "splash": None,
            "discovery_splash": None,
            "banner": None,
            "description": None,
            "owner_id": self.owner["id"],
            "region": "deprecated",
            "afk_channel_id": None,
            "afk_timeout": 300,
            "verification_level": 1,
            "default_message_notifications": 1,
            "explicit_content_filter": 2,
            "mfa_level": 0,
            "nsfw_level": 0,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "premium_progress_bar_enabled": False,
            "preferred_locale": "en-US",
            "system_channel_id": self.channel_id,
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "public_updates_channel_id": None,
            "safety_alerts_channel_id": None,
            "vanity_url_code": None,
            "max_members": 500000,
            "max_video_channel_users": 25,
            "max_stage_video_channel_users": 50,
            "features": [],
            "application_id": None,
            "joined_at": "2024-01-01T00:00:00.000000+00:00",
            "large": False,
            "unavailable": False,
            "member_count": 3,
            "lazy": True,
            "nsfw": False,
            "roles": [
                {
                    "id": self.guild_id,  # @everyone has the guild's id
                    "name": "@everyone",
                    "color": 0,
                    "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
                    "hoist": False,
                    "icon": None,
                    "unicode_emoji": None,
                    "position": 0,
                    "permissions": DEFAULT_MEMBER_PERMISSIONS,
                    "managed": False,
                    "mentionable": False,
                    "flags": 0,
                },
                {
                    "id": self.bot_role_id,  # the managed role Discord gives an application's bot
                    "name": self.bot_user["username"],
                    "color": 0,
                    "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
                    "hoist": False,
                    "icon": None,
                    "unicode_emoji": None,
                    "position": 1,
                    "permissions": BOT_PERMISSIONS,
                    "managed": True,
                    "mentionable": False,
                    "tags": {"bot_id": self.bot_user_id},
                    "flags": 0,
                },
            ],
            "emojis": [],
            "stickers": [],
            "channels": [
                {
                    "id": self.category_id,
                    "type": 4,
                    "name": "Text Channels",
                    "position": 0,
                    "parent_id": None,
                    "permission_overwrites": [],
                    "flags": 0,
                },
                {k: v for k, v in self.channel_payload().items() if k != "guild_id"},
                {
                    "id": self.voice_channel_id,
                    "type": 2,
                    "name": "Watch Party",
                    "position": 1,
                    "parent_id": self.category_id,
                    "bitrate": 64000,
                    "user_limit": 0,
                    "rtc_region": None,
                    "nsfw": False,
                    "rate_limit_per_user": 0,
                    "permission_overwrites": [],
                    "flags": 0,
                },
            ],
            "threads": [],
            "members": [
                {**self.make_member(self.bot_user, permissions=BOT_PERMISSIONS), "roles": [self.bot_role_id]}
            ],
            "voice_states": [],
            "presences": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
            "embedded_activities": [],
            "incidents_data": None,
        }

    def application_payload(self) -> dict[str, Any]:
        """``GET /oauth2/applications/@me``."""
        return {
            "id": self.application_id,
            "name": self.bot_user["username"],
            "icon": None,
            "description": "dramabot test application",
            "summary": "",
            "type": None,
            "hook": True,
            "bot_public": True,
            "bot_require_code_grant": False,
            "verify_key": secrets.token_hex(32),
            "owner": self.owner,
            "team": None,
            "flags": 1 << 23,  # APPLICATION_COMMAND_BADGE
            "interactions_endpoint_url": None,
            "redirect_uris": [],
            "tags": [],
            "install_params": {"scopes": ["bot", "applications.commands"], "permissions": BOT_PERMISSIONS},
            "integration_types_config": {"0": {}},
            "approximate_guild_count": 1,
            "bot": self.bot_user,
        }

    # ------------------------------------------------------------------ waiting & violations

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    async def wait_for(self, predicate: Callable[[], bool], timeout: float = 5.0) -> None:  # noqa: ASYNC109
        """Wait until ``predicate()`` holds; it is re-checked whenever anything arrives (TimeoutError after ``timeout``)."""
        async with asyncio.timeout(timeout):
            async with self._changed:
                await self._changed.wait_for(predicate)

    async def wait_for_connection(self, timeout: float = 10.0, shard: int | None = None) -> None:  # noqa: ASYNC109
        """Wait until a bot session is established on the gateway (identified or resumed): on ``shard``, or
        on every shard when None."""
        shards = range(self.shard_count) if shard is None else [shard]
        sessions = [self._session(s) for s in shards]
        await self.wait_for(
            lambda: all(s.active is not None and s.active.identified for s in sessions), timeout
        )

    async def wait_for_channel_message(
        self,
        predicate: Callable[[dict[str, Any]], bool] | None = None,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> dict[str, Any]:
        """Wait for a message the bot posts with ``POST /channels/{id}/messages`` (matching ``predicate``)."""
        seen = len(self.channel_messages)
        found: list[dict[str, Any]] = []

        def ready() -> bool:
            found[:] = [m for m in self.channel_messages[seen:] if predicate is None or predicate(m)]
            return bool(found)

        await self.wait_for(ready, timeout)
        return found[0]

    def _violation(self, route: str, detail: str) -> str:
        text = f"{route}: {detail}"
        self.violations.append(text)
        return text

    def expect_violation(self, pattern: str) -> None:
        """Declare violations matching the regex ``pattern`` expected: :meth:`unexpected_violations` skips them."""
        self._expected_violations.append(re.compile(pattern))

    def unexpected_violations(self) -> list[str]:
        """Violations not declared expected with :meth:`expect_violation`."""
        return [v for v in self.violations if not any(p.search(v) for p in self._expected_violations)]

    def take_violations(self) -> list[str]:
        """Return the violations so far and clear them (a test that provoked them on purpose calls this)."""
        taken, self.violations[:] = list(self.violations), []
        return taken

    def _spawn(self, coro: Awaitable[Any]) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # ------------------------------------------------------------------ faults

    def fail_requests(
        self,
        predicate: Callable[[str, str], bool],
        status: int,
        n: int = 1,
        *,
        retry_after: float | None = None,
        body: Any = None,
        is_global: bool = False,
    ) -> Fault:
        """Answer the next ``n`` requests for which ``predicate(method, path)`` holds with ``status``.

        ``path`` is relative to ``/api/v10`` without the query (e.g. ``/channels/1/messages``).  A 429 gets
        Discord's rate-limit body (``retry_after``, ``global``) and headers (``Retry-After``,
        ``X-RateLimit-*``, ``Via``); other statuses get Discord's usual error body unless ``body`` is given.
        """
        fault = Fault(predicate, status, n, retry_after, body, is_global)
        self.faults.append(fault)
        return fault

    def fail_next_callbacks(self, status: int, n: int = 1, retry_after: float | None = None) -> Fault:
        """Answer the next ``n`` interaction callback POSTs with ``status`` (see :meth:`fail_requests`)."""
        return self.fail_requests(
            lambda method, path: method == "POST" and CALLBACK_PATH.match(path) is not None,
            status,
            n,
            retry_after=retry_after,
        )

    def _fault_response(self, fault: Fault) -> web.Response:
        if fault.status == 429:
            retry = 1.0 if fault.retry_after is None else fault.retry_after
            body = fault.body or {
                "message": "You are being rate limited.",
                "retry_after": retry,
                "global": fault.is_global,
            }
            headers = {
                "Retry-After": str(max(1, int(-(-retry // 1)))),
                "X-RateLimit-Limit": "5",
                "X-RateLimit-Remaining": "0",
                "X-RateLimit-Reset": f"{time.time() + retry:.3f}",
                "X-RateLimit-Reset-After": f"{retry:.3f}",
                "X-RateLimit-Bucket": "standin-fault-bucket",
                "X-RateLimit-Scope": "shared" if not fault.is_global else "global",
                "Via": "1.1 google",
            }
            if fault.is_global:
                headers["X-RateLimit-Global"] = "true"
            return _json(429, body, headers)
        body = fault.body or _ERRORS.get(fault.status, {"message": f"{fault.status}: Error", "code": 0})
        return _json(fault.status, body)

    # ------------------------------------------------------------------ HTTP plumbing

    def _route_table(self) -> list[tuple[str, re.Pattern[str], Callable[..., Awaitable[web.Response]], bool]]:
        """(method, path regex, handler, needs bot auth); paths are relative to /api/v10."""
        r = re.compile
        return [
            *self.world.routes(),
            *self.events.routes(),
            *self.polls.routes(),
            ("GET", r(r"^/users/@me$"), self._get_me, True),
            ("GET", r(r"^/oauth2/applications/@me$"), self._get_application, True),
            ("GET", r(r"^/applications/@me$"), self._get_application, True),
            ("GET", r(r"^/gateway$"), self._get_gateway, False),
            ("GET", r(r"^/gateway/bot$"), self._get_gateway_bot, True),
            ("GET", r(r"^/applications/(?P<app>\d+)/commands$"), self._get_commands, True),
            ("PUT", r(r"^/applications/(?P<app>\d+)/commands$"), self._put_commands, True),
            (
                "GET",
                r(r"^/applications/(?P<app>\d+)/guilds/(?P<guild>\d+)/commands$"),
                self._get_commands,
                True,
            ),
            (
                "PUT",
                r(r"^/applications/(?P<app>\d+)/guilds/(?P<guild>\d+)/commands$"),
                self._put_commands,
                True,
            ),
            (
                "POST",
                r(r"^/interactions/(?P<iid>\d+)/(?P<token>[^/]+)/callback$"),
                self._post_callback,
                False,
            ),
            ("POST", r(r"^/webhooks/(?P<app>\d+)/(?P<token>[^/]+)$"), self._post_followup, False),
            (
                "GET",
                r(r"^/webhooks/(?P<app>\d+)/(?P<token>[^/]+)/messages/(?P<mid>@original|\d+)$"),
                self._get_webhook_message,
                False,
            ),
            (
                "PATCH",
                r(r"^/webhooks/(?P<app>\d+)/(?P<token>[^/]+)/messages/(?P<mid>@original|\d+)$"),
                self._patch_webhook_message,
                False,
            ),
            (
                "DELETE",
                r(r"^/webhooks/(?P<app>\d+)/(?P<token>[^/]+)/messages/(?P<mid>@original|\d+)$"),
                self._delete_webhook_message,
                False,
            ),
            ("POST", r(r"^/channels/(?P<cid>\d+)/messages$"), self._post_channel_message, True),
            ("GET", r(r"^/channels/(?P<cid>\d+)/messages/(?P<mid>\d+)$"), self._get_channel_message, True),
            (
                "PATCH",
                r(r"^/channels/(?P<cid>\d+)/messages/(?P<mid>\d+)$"),
                self._patch_channel_message,
                True,
            ),
            (
                "DELETE",
                r(r"^/channels/(?P<cid>\d+)/messages/(?P<mid>\d+)$"),
                self._delete_channel_message,
                True,
            ),
            ("GET", r(r"^/channels/(?P<cid>\d+)$"), self._get_channel, True),
            ("GET", r(r"^/guilds/(?P<guild>\d+)$"), self._get_guild, True),
        ]

    async def _read_body(
        self, request: web.Request, rec: RecordedRequest
    ) -> tuple[Any, list[dict[str, Any]]]:
        """The JSON body (from JSON or from a multipart ``payload_json`` part) and the uploaded files.

        The whole body is read before it is parsed: ``rec.received`` is when its last byte arrived, so the
        stand-in's own parsing is not counted in a latency (see :mod:`tests.e2e.multipart`)."""
        raw = await request.read()
        rec.received = time.monotonic()
        ctype = request.headers.get("Content-Type", "")
        files: list[dict[str, Any]] = []
        if ctype.startswith("multipart/"):
            body: Any = None
            for part in multipart.parse(raw, ctype):
                if part.name == "payload_json":
                    body = json.loads(part.data)
                else:
                    size = len(part.data)
                    files.append({"field": part.name, "filename": part.filename, "size": size, "data": part.data})
            return body, files
        if not raw:
            return None, files
        return json.loads(raw), files

    async def _http(self, request: web.Request) -> web.Response:
        """Every REST request: record, rate-limit, parse, route, inject faults, check auth, handle."""
        if self.attachments.serves(request):  # the CDN: attachments handed out in interactions
            return await self.attachments.serve(request)
        full_path = request.path
        path = full_path[len(API_PREFIX) :] if full_path.startswith(API_PREFIX + "/") else full_path
        rec = RecordedRequest(
            method=request.method,
            path=path,
            query=dict(request.query),
            body=None,
            files=[],
            at=time.monotonic() - self.started_at,
            headers={k: v for k, v in request.headers.items() if k.lower() != "authorization"},
        )
        self.requests.append(rec)
        admission = (
            self.limits.admit(request.method, path, request.headers.get("Authorization"), request.remote)
            if full_path.startswith(API_PREFIX + "/")
            else Admission()
        )
        if admission.refusal is not None:  # rate limited: recorded with its body, not handled
            try:
                rec.body, rec.files = await self._read_body(request, rec)
            except (ValueError, UnicodeDecodeError):
                pass
            response = admission.refusal
        else:
            response = await self._handle(request, rec, full_path, path)
            if admission.headers and "X-RateLimit-Bucket" not in response.headers:
                response.headers.update(admission.headers)
        rec.status = response.status
        self.limits.note_answer(response.status, response.headers.get("X-RateLimit-Scope"))
        await self._notify()
        return response

    async def _handle(
        self, request: web.Request, rec: RecordedRequest, full_path: str, path: str
    ) -> web.Response:
        try:
            rec.body, rec.files = await self._read_body(request, rec)
        except (ValueError, UnicodeDecodeError) as exc:
            self._violation(f"{request.method} {path}", f"body is not valid JSON or multipart: {exc}")
            return _json(400, {"message": "The request body contains invalid JSON.", "code": 50109})

        route = None
        if full_path.startswith(API_PREFIX + "/"):
            for method, pattern, handler, needs_auth in self._routes:
                match = pattern.match(path)
                if match and method == request.method:
                    route = (handler, match.groupdict(), needs_auth)
                    break
        if route is None:
            self.unknown_routes.append(f"{request.method} {full_path}")
            return _json(404, _ERRORS[404])

        for fault in self.faults:
            if fault.remaining > 0 and fault.predicate(request.method, path):
                fault.remaining -= 1
                fault.served += 1
                self._note_fault(path, fault, rec.received)
                return self._fault_response(fault)

        handler, params, needs_auth = route
        if needs_auth and request.headers.get("Authorization") != f"Bot {self.token}":
            return _json(401, {"message": "401: Unauthorized", "code": 0})
        hidden = self.installs.refuse_channel(request.method, path)  # a channel the bot cannot see
        if hidden is not None:
            return hidden
        return await handler(request, rec, **params)

    def _note_fault(self, path: str, fault: Fault, received: float) -> None:
        """Log an injected failure on the interaction it concerns, if any."""
        match = CALLBACK_PATH.match(path)
        token_match = re.match(r"^/webhooks/\d+/([^/]+)", path)
        result = None
        if match:
            result = self._results_by_id.get(match.group(1))
        elif token_match:
            result = self._results_by_token.get(token_match.group(1))
        if result is not None:
            result.arrivals.append(
                Arrival("fault", received - result.dispatched_at, fault.status, None)
            )

    def _reject_invalid(self, rec: RecordedRequest, kind: str, body: Any) -> web.Response | None:
        """Validate ``body`` as ``kind``; on problems record violations and return the 400 answer."""
        problems = spec.check(kind, body)
        if not problems:
            return None
        route = _route_label(rec.method, rec.path)
        for problem in problems:
            rec.violations.append(self._violation(route, f"[{kind}] {problem}"))
        return _json(
            400, {"code": 50035, "message": "Invalid Form Body", "errors": spec.errors_object(problems)}
        )

    # ------------------------------------------------------------------ simple REST routes

    async def _get_me(self, request: web.Request, rec: RecordedRequest) -> web.Response:
        return _json(200, self.bot_user)

    async def _get_application(self, request: web.Request, rec: RecordedRequest) -> web.Response:
        return _json(200, self.application_payload())

    async def _get_gateway(self, request: web.Request, rec: RecordedRequest) -> web.Response:
        return _json(200, {"url": self.gateway_url})

    async def _get_gateway_bot(self, request: web.Request, rec: RecordedRequest) -> web.Response:
        limit = {
            "total": 1000,
            "remaining": max(0, 1000 - self.identifies),
            "reset_after": 14_400_000,
            "max_concurrency": self.max_concurrency,
        }
        shards = self.fixed_shard_count or self.recommended_shards
        return _json(200, {"url": self.gateway_url, "shards": shards, "session_start_limit": limit})

    async def _get_channel(self, request: web.Request, rec: RecordedRequest, cid: str) -> web.Response:
        channel = self.world.channel(cid)  # guild channels (with the world's overwrites), threads, DMs
        return _json(200, channel) if channel is not None else _json(404, UNKNOWN_CHANNEL)

    async def _get_guild(self, request: web.Request, rec: RecordedRequest, guild: str) -> web.Response:
        if guild != self.guild_id and guild not in self.extra_guilds:
            return _json(403, _ERRORS[403])
        data = {
            k: v
            for k, v in self.guild_payload(guild).items()
            if k not in ("channels", "members", "threads", "presences", "voice_states")
        }
        return _json(200, data)

    # ------------------------------------------------------------------ application commands

    @staticmethod
    def _scope(guild: str | None) -> str:
        return "global" if guild is None else f"guild:{guild}"

    async def _get_commands(
        self, request: web.Request, rec: RecordedRequest, app: str, guild: str | None = None
    ) -> web.Response:
        if app != self.application_id or (guild is not None and not self._known_guild(guild)):
            return _json(403, _ERRORS[403])
        return _json(200, self.commands.get(self._scope(guild), []))

    async def _put_commands(
        self, request: web.Request, rec: RecordedRequest, app: str, guild: str | None = None
    ) -> web.Response:
        """Bulk overwrite: validate, store the definitions with ids, answer with Discord's command objects."""
        scope = self._scope(guild)
        self.sync_calls.append((scope, copy.deepcopy(rec.body)))
        if app != self.application_id or (guild is not None and not self._known_guild(guild)):
            self._violation(
                f"PUT {rec.path}", f"sync to {scope} of application {app}, which the bot cannot reach"
            )
            return _json(403, _ERRORS[403])
        rejected = self._reject_invalid(rec, "guild_command_sync" if guild else "command_sync", rec.body)
        if rejected is not None:
            return rejected
        seen: set[tuple[int, str]] = set()
        for i, cmd in enumerate(rec.body or []):
            key = (cmd.get("type", 1), cmd.get("name"))
            if key in seen:
                problem = spec.Violation(
                    (i, "name"),
                    f"duplicate command name {cmd.get('name')!r}",
                    "APPLICATION_COMMANDS_DUPLICATE_NAME",
                )
                self._violation(f"PUT {rec.path}", str(problem))
                return _json(
                    400,
                    {"code": 50035, "message": "Invalid Form Body", "errors": spec.errors_object([problem])},
                )
            seen.add(key)
        stored = [self._command_object(cmd, scope, guild) for cmd in rec.body or []]
        self.commands[scope] = stored
        return _json(200, stored)

    def _command_object(self, body: dict[str, Any], scope: str, guild: str | None) -> dict[str, Any]:
        ctype = body.get("type", 1)
        key = (scope, ctype, body["name"])
        cid = self._command_ids.setdefault(key, self.snowflake())
        perms = body.get("default_member_permissions")
        obj = {
            "id": cid,
            "application_id": self.application_id,
            "version": self.snowflake(),
            "default_member_permissions": None if perms is None else str(perms),
            "type": ctype,
            "name": body["name"],
            "name_localizations": body.get("name_localizations"),
            "description": body.get("description") or "",
            "description_localizations": body.get("description_localizations"),
            "nsfw": bool(body.get("nsfw", False)),
            "contexts": body.get("contexts"),
            "integration_types": body.get("integration_types") or [0],
        }
        if guild is None:
            obj["dm_permission"] = body.get("dm_permission", True) is not False
        else:
            obj["guild_id"] = guild
        if body.get("options"):
            obj["options"] = copy.deepcopy(body["options"])
        return obj

    def synced_commands(self, scope: str = "guild") -> dict[str, dict[str, Any]]:
        """The synced definitions by name: ``scope`` "guild" (the test guild), "global", or "guild:<id>"."""
        key = f"guild:{self.guild_id}" if scope == "guild" else scope
        return {c["name"]: c for c in self.commands.get(key, [])}

    # ------------------------------------------------------------------ gateway

    async def _gateway(self, request: web.Request) -> web.StreamResponse:
        """The gateway websocket: HELLO, then IDENTIFY / RESUME / heartbeats / member requests."""
        ws = web.WebSocketResponse(autoping=True, max_msg_size=16 * 1024 * 1024)
        await ws.prepare(request)
        conn = _Connection(ws=ws, request=request, query=dict(request.query))
        self._conns.append(conn)
        self.connections += 1
        try:
            await ws.send_str(
                json.dumps(
                    {
                        "op": 10,
                        "d": {"heartbeat_interval": self.heartbeat_interval, "_trace": ["standin"]},
                        "s": None,
                        "t": None,
                    }
                )
            )
            async for msg in ws:
                if msg.type == WSMsgType.TEXT:
                    frame = json.loads(msg.data)
                    self.gateway_log.append({**frame, "at": time.monotonic() - self.started_at})
                    await self._gateway_frame(conn, frame)
                elif msg.type == WSMsgType.ERROR:
                    break
        except (ConnectionResetError, asyncio.CancelledError):
            pass
        finally:
            session = self._session(conn.shard)
            if session.active is conn:
                session.active = None
            if conn in self._conns:
                self._conns.remove(conn)
            await self._notify()
        return ws

    async def _gateway_frame(self, conn: _Connection, frame: dict[str, Any]) -> None:
        op, data = frame.get("op"), frame.get("d")
        if op == 1:  # HEARTBEAT
            self.heartbeats += 1
            await conn.ws.send_str(json.dumps({"op": 11, "d": None, "s": None, "t": None}))
        elif op == 2:  # IDENTIFY
            await self._identify(conn, data or {})
        elif op == 6:  # RESUME
            await self._resume(conn, data or {})
        elif op == 8:  # REQUEST_GUILD_MEMBERS
            await self._member_chunk(data or {})
        # op 3 (presence), 4 (voice) and others are just logged.

    async def _identify(self, conn: _Connection, data: dict[str, Any]) -> None:
        if data.get("token") != self.token:
            await conn.ws.close(code=4004, message=b"Authentication failed.")
            return
        if conn.identified:
            await conn.ws.close(code=4005, message=b"Already authenticated.")
            return
        count = self._identify_shard_count(conn, data.get("shard"))
        shard, refusal = check_identify_shard(data.get("shard"), count)
        if refusal is None:
            refusal = check_shard_size(sum(1 for g in self.all_guilds() if shard_for(g, count) == shard))
        self.identify_payloads.append(data)
        if refusal is not None:
            await conn.ws.close(code=refusal[0], message=refusal[1].encode())
            return
        if self.fixed_shard_count is None and count != self._adopted_shards:
            self._adopted_shards, self._sessions = count, []  # the application is sharded anew
        session = self._session(shard)
        async with self._send_lock:
            self.identifies += 1
            session.session_id = uuid.uuid4().hex
            session.seq = 0
            session.buffer = []
            conn.identified, conn.session_id, conn.shard = True, session.session_id, shard
            await self._replace_active(session, conn)
        guilds = self.guilds_on_shard(shard)
        ready = {
            "v": 10,
            "user": self.bot_user,
            "user_settings": {},
            "guilds": [{"id": g, "unavailable": True} for g in guilds],
            "session_id": session.session_id,
            "session_type": "normal",
            "resume_gateway_url": self.gateway_url,
            "relationships": [],
            "private_channels": [],
            "presences": [],
            "guild_join_requests": [],
            "geo_ordered_rtc_regions": ["us-east"],
            "application": {"id": self.application_id, "flags": self.application_payload()["flags"]},
            "_trace": ["standin"],
        }
        if data.get("shard") is not None:
            ready["shard"] = data["shard"]
        await self.dispatch_event("READY", ready, shard=shard)
        for guild_id in guilds:
            await self.dispatch_event("GUILD_CREATE", self.guild_payload(guild_id), shard=shard)

    async def _resume(self, conn: _Connection, data: dict[str, Any]) -> None:
        if data.get("token") != self.token:
            await conn.ws.close(code=4004, message=b"Authentication failed.")
            return
        session = next(
            (
                s
                for s in self._sessions
                if s.session_id is not None and s.session_id == data.get("session_id")
            ),
            None,
        )
        if session is None:
            await conn.ws.send_str(json.dumps({"op": 9, "d": False, "s": None, "t": None}))
            return
        seq = data.get("seq") or 0
        async with self._send_lock:
            conn.identified, conn.session_id, conn.shard = True, session.session_id, session.shard
            for event_seq, frame in session.buffer:  # replay what the bot missed, then RESUMED
                if event_seq > seq:
                    await conn.ws.send_str(frame)
            self.resumes += 1
            await self._replace_active(session, conn)
        await self.dispatch_event("RESUMED", {"_trace": ["standin"]}, shard=session.shard)

    async def _replace_active(self, session: Session, conn: _Connection) -> None:
        """Make ``conn`` the session's connection; an older one is closed like Discord does (4009 would be rude)."""
        old, session.active = session.active, conn
        if old is not None and old is not conn and not old.ws.closed:
            await old.ws.close(code=4000, message=b"session moved")
        await self._notify()

    async def _member_chunk(self, data: dict[str, Any]) -> None:
        users = [self.bot_user, self.owner, self.default_user]
        chunk = {
            "guild_id": self.guild_id,
            "members": [
                {**self.make_member(u), "roles": [self.bot_role_id] if u is self.bot_user else []}
                for u in users
            ],
            "chunk_index": 0,
            "chunk_count": 1,
            "not_found": [],
        }
        if data.get("nonce"):
            chunk["nonce"] = data["nonce"]
        await self.dispatch_event("GUILD_MEMBERS_CHUNK", chunk, shard=self.shard_of(self.guild_id))

    async def vote(self, message_id: str, user_id: str, answer_id: int) -> None:
        """A member votes in a poll (tests/e2e/polls.py)."""
        await self.polls.vote(message_id, user_id, answer_id)

    async def end_poll(self, message_id: str) -> dict[str, Any]:
        """A poll's time runs out: results final, the poll result message posted (tests/e2e/polls.py)."""
        return await self.polls.end_poll(message_id)

    async def dispatch_event(self, name: str, data: dict[str, Any], *, shard: int = 0) -> int:
        """Send a DISPATCH (op 0) event in ``shard``'s current session; buffered for RESUME if nobody is
        connected.

        Returns the sequence number given to it.
        """
        return await self.dispatch_json(name, json.dumps(data), shard=shard)

    async def dispatch_json(self, name: str, data: str, *, shard: int = 0) -> int:
        """:meth:`dispatch_event` with the event's data already serialised (the frame is built around it)."""
        session = self._session(shard)
        async with self._send_lock:
            session.seq += 1
            frame = f'{{"op":0,"t":"{name}","s":{session.seq},"d":{data}}}'
            session.buffer.append((session.seq, frame))
            conn = session.active
            if conn is not None and not conn.ws.closed:
                try:
                    await conn.ws.send_str(frame)
                except ConnectionResetError:
                    pass  # replayed on RESUME
            return session.seq

    @property
    def connected(self) -> bool:
        """Whether a bot session is live on the gateway right now (on every shard)."""
        return all(self._session(s).connected for s in range(self.shard_count))

    def shard_connected(self, shard: int) -> bool:
        """Whether ``shard``'s session is live on the gateway right now."""
        return self._session(shard).connected

    # ------------------------------------------------------------------ guilds and shards

    @property
    def shard_count(self) -> int:
        """How many shards the application has: the ``shard_count`` given; else as many as the bot's
        sessions identified with (Discord lets a bot pick), or, before that, :attr:`recommended_shards`."""
        return self.fixed_shard_count or self._adopted_shards or self.recommended_shards

    @property
    def recommended_shards(self) -> int:
        """Discord's recommendation in ``GET /gateway/bot``: one shard per 1,000 guilds."""
        return max(1, math.ceil((1 + len(self.extra_guilds)) / GUILDS_PER_SHARD))

    def _session(self, shard: int) -> Session:
        while len(self._sessions) <= shard:
            self._sessions.append(Session(len(self._sessions)))
        return self._sessions[shard]

    def _identify_shard_count(self, conn: _Connection, value: Any) -> int:
        """The shard count an IDENTIFY is checked against: the fixed one; else the one it asks for (none:
        one shard) unless other sessions are live with another count."""
        if self.fixed_shard_count is not None:
            return self.fixed_shard_count
        others = [x for x in self._sessions if x.connected and x.active is not conn]
        if others:
            return self.shard_count
        if value is None:
            return 1
        if isinstance(value, list) and len(value) == 2 and isinstance(value[1], int) and value[1] >= 1:
            return value[1]
        return self.shard_count

    def shard_of(self, guild_id: str | None) -> int:
        """The shard a guild's events go to: ``(guild_id >> 22) % shard_count``; DMs (None) go to shard 0."""
        return shard_for(guild_id, self.shard_count)

    def all_guilds(self) -> list[str]:
        """The ids of every guild the bot is in: the main one, then those added."""
        return [self.guild_id, *self.extra_guilds]

    def guilds_on_shard(self, shard: int) -> list[str]:
        """The ids of the guilds (the main one and those added) whose events go to ``shard``."""
        count = self.shard_count
        return [g for g in self.all_guilds() if shard_for(g, count) == shard]

    def add_guild(self, name: str | None = None, *, shard: int | None = None) -> str:
        """Add a guild (the bot is a member, with the same channels and roles as the main one under new ids);
        with ``shard``, its id is picked so that its events go to that shard. Returns its id. Add guilds
        before the bot connects: a shard's READY lists its guilds."""
        guild_id = self.snowflake()
        if shard is not None:
            if not 0 <= shard < self.shard_count:
                raise ValueError(f"shard {shard} is not one of 0..{self.shard_count - 1}")
            guild_id = snowflake_on_shard(guild_id, shard, self.shard_count)
        extra = ExtraGuild(
            id=guild_id,
            name=name or f"Drama Club {len(self.extra_guilds) + 2}",
            channel_id=self.snowflake(),
            category_id=self.snowflake(),
            bot_role_id=self.snowflake(),
            voice_channel_id=self.snowflake(),
        )
        self.extra_guilds[guild_id] = extra
        for channel in (extra.channel_id, extra.category_id, extra.voice_channel_id):
            self._channel_guilds[channel] = guild_id
        return guild_id

    def add_guilds(self, n: int, name: str = "Drama Club {i}") -> list[str]:
        """Add ``n`` guilds at once (see :meth:`add_guild`; ``name`` is formatted with ``i``, counted from
        1); their ids spread over the shards like real ones. Cheap: 10,000 take a fraction of a second."""
        return [self.add_guild(name.format(i=i)) for i in range(1, n + 1)]

    def _known_guild(self, guild_id: str) -> bool:
        return guild_id == self.guild_id or guild_id in self.extra_guilds

    def _guild_of_channel(self, channel_id: str) -> str | None:
        if channel_id == self.channel_id:
            return self.guild_id
        return self._channel_guilds.get(channel_id) or self.world.guild_of(channel_id)

    def _in_guild(self, payload: Any, guild_id: str) -> Any:
        """A payload about the main guild turned into the same about the added guild ``guild_id``."""
        extra = self.extra_guilds[guild_id]
        mapping = {
            self.guild_id: extra.id,
            self.channel_id: extra.channel_id,
            self.category_id: extra.category_id,
            self.bot_role_id: extra.bot_role_id,
            self.voice_channel_id: extra.voice_channel_id,
        }
        return remap(payload, mapping)

    async def drop_gateway(self, code: int | None = None, *, shard: int = 0) -> None:
        """Cut the bot's gateway connection: abruptly (TCP reset) when ``code`` is None, else a close frame.

        The session stays resumable, so discord.py should reconnect and RESUME.
        """
        session = self._session(shard)
        conn = session.active
        if conn is None:
            raise RuntimeError("no gateway connection to drop")
        session.active = None
        if code is None:
            transport = conn.request.transport
            if transport is not None:
                transport.abort()
        else:
            await conn.ws.close(code=code, message=b"dropped by test")
        await self._notify()

    async def send_invalid_session(self, resumable: bool = False, *, shard: int = 0) -> None:
        """Send op 9 INVALID_SESSION; unless ``resumable`` the session is forgotten (a RESUME will fail)."""
        session = self._session(shard)
        conn = session.active
        if conn is None:
            raise RuntimeError("no gateway connection")
        if not resumable:
            session.session_id = None
        await conn.ws.send_str(json.dumps({"op": 9, "d": resumable, "s": None, "t": None}))

    async def send_reconnect(self, *, shard: int = 0) -> None:
        """Send op 7 RECONNECT (discord.py closes and RESUMEs)."""
        conn = self._session(shard).active
        if conn is None:
            raise RuntimeError("no gateway connection")
        await conn.ws.send_str(json.dumps({"op": 7, "d": None, "s": None, "t": None}))

    # ------------------------------------------------------------------ building interactions

    def _find_command(
        self, command: str, guild: bool, guild_id: str | None = None
    ) -> tuple[dict[str, Any], list[str], bool]:
        """The synced definition for ``command`` ("name" or "group sub ..."), the sub path, and if guild-scoped
        (in ``guild_id``, default the test guild)."""
        top, *subs = command.split()
        candidates: list[tuple[dict[str, Any], bool]] = []
        if guild:
            candidates += [(c, True) for c in self.commands.get(f"guild:{guild_id or self.guild_id}", [])]
        candidates += [(c, False) for c in self.commands.get("global", [])]
        for definition, guild_scoped in candidates:
            if definition["name"] == top and definition.get("type", 1) == 1:
                return definition, subs, guild_scoped
        where = "the test guild or globally" if guild else "globally (DMs see only global commands)"
        synced = sorted({c["name"] for c, _ in candidates})
        raise CommandNotSynced(f"/{top} was not synced {where}; the bot synced: {synced}")

    def _check_usable(self, definition: dict[str, Any], guild: bool, permissions: str) -> None:
        if 0 not in (definition.get("integration_types") or [0]):  # user installs: tests/e2e/installs.py
            raise CommandNotSynced(f"/{definition['name']} is not installable to a server")
        contexts = definition.get("contexts")
        if not guild and (
            definition.get("dm_permission") is False or (contexts is not None and 1 not in contexts)
        ):
            raise CommandNotSynced(f"/{definition['name']} is not available in DMs")
        if guild and contexts is not None and 0 not in contexts:
            raise CommandNotSynced(f"/{definition['name']} is not available in guilds")
        required = definition.get("default_member_permissions")
        if guild and required is not None:
            have, need = int(permissions), int(required)
            if not have & ADMINISTRATOR and have & need != need:
                raise CommandNotSynced(
                    f"/{definition['name']} needs permissions {need}; the member has {have}"
                )

    def _leaf(
        self, definition: dict[str, Any], subs: list[str]
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """Walk "group sub" names: the leaf's option definitions, and the chain of (sub)command option nodes."""
        options_def = definition.get("options") or []
        chain: list[dict[str, Any]] = []
        name = f"/{definition['name']}"
        for sub in subs:
            match = next(
                (
                    o
                    for o in options_def
                    if o["name"] == sub and o["type"] in (SUB_COMMAND, SUB_COMMAND_GROUP)
                ),
                None,
            )
            if match is None:
                have = [o["name"] for o in options_def if o["type"] in (SUB_COMMAND, SUB_COMMAND_GROUP)]
                raise CommandNotSynced(f"{name} has no subcommand {sub!r}; synced subcommands: {have}")
            chain.append(match)
            name += f" {sub}"
            options_def = match.get("options") or []
        if any(o["type"] in (SUB_COMMAND, SUB_COMMAND_GROUP) for o in options_def):
            have = [o["name"] for o in options_def]
            raise CommandNotSynced(f"{name} needs a subcommand, one of {have}")
        return options_def, chain

    def _convert(self, opt: dict[str, Any], value: Any, resolved: dict[str, Any], where: str) -> Any:
        """A value as Discord sends it for an option of this type, checked like Discord's client checks it."""
        otype = opt["type"]
        if otype == STRING:
            value = str(value)
            if "min_length" in opt and opt["min_length"] is not None and len(value) < opt["min_length"]:
                raise ValueError(f"{where}: {value!r} is shorter than min_length {opt['min_length']}")
            if "max_length" in opt and opt["max_length"] is not None and len(value) > opt["max_length"]:
                raise ValueError(f"{where}: {value!r} is longer than max_length {opt['max_length']}")
        elif otype == INTEGER:
            if isinstance(value, bool) or int(value) != value:
                raise ValueError(f"{where}: {value!r} is not an integer")
            value = int(value)
        elif otype == NUMBER:
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ValueError(f"{where}: {value!r} is not a number")
        elif otype == BOOLEAN:
            if not isinstance(value, bool):
                raise ValueError(f"{where}: {value!r} is not a boolean")
        elif otype in (USER, MENTIONABLE) and isinstance(value, dict):
            resolved.setdefault("users", {})[value["id"]] = value
            resolved.setdefault("members", {})[value["id"]] = {
                k: v for k, v in self.make_member(value).items() if k not in ("user", "deaf", "mute")
            }
            value = value["id"]
        elif otype == ATTACHMENT:
            if not isinstance(value, Attachment):
                raise ValueError(f"{where}: {value!r} is not an Attachment (tests/e2e/attachments.py)")
            value = self.attachments.resolve(
                value, resolved, base=f"http://127.0.0.1:{self.port}", snowflake=self.snowflake(),
                app_id=str(self.application_id),
            )  # fmt: skip
        elif otype in (USER, CHANNEL, ROLE, MENTIONABLE):
            value = str(value)
            if otype == CHANNEL and value == self.channel_id:
                ch = self.channel_payload()
                resolved.setdefault("channels", {})[value] = {**ch, "permissions": DEFAULT_MEMBER_PERMISSIONS}
            elif otype == CHANNEL and (ch := self.world.channel(value)) is not None:  # the world's channels
                resolved.setdefault("channels", {})[value] = {**ch, "permissions": DEFAULT_MEMBER_PERMISSIONS}
        else:
            raise ValueError(f"{where}: option type {otype} is not supported by the stand-in")
        if otype in (INTEGER, NUMBER):
            if opt.get("min_value") is not None and value < opt["min_value"]:
                raise ValueError(f"{where}: {value} is below min_value {opt['min_value']}")
            if opt.get("max_value") is not None and value > opt["max_value"]:
                raise ValueError(f"{where}: {value} is above max_value {opt['max_value']}")
        if opt.get("choices") and value not in [c["value"] for c in opt["choices"]]:
            raise ValueError(
                f"{where}: {value!r} is not one of the choices {[c['value'] for c in opt['choices']]}"
            )
        return value

    def _build_options(
        self, command: str, options_def: list[dict[str, Any]], given: dict[str, Any], focused: str | None
    ) -> tuple[list[dict[str, Any]], dict[str, Any]]:
        by_name = {o["name"]: o for o in options_def}
        unknown = [name for name in given if name not in by_name]
        if focused is not None and focused not in by_name:
            unknown.append(focused)
        if unknown:
            raise CommandNotSynced(
                f"/{command} has no option(s) {unknown}; the bot synced options {list(by_name)}"
            )
        if focused is None:
            missing = [o["name"] for o in options_def if o.get("required") and o["name"] not in given]
            if missing:
                raise CommandNotSynced(f"/{command}: required option(s) {missing} not given")
        elif not by_name[focused].get("autocomplete"):
            raise CommandNotSynced(f"/{command}: option {focused!r} was not synced with autocomplete")
        resolved: dict[str, Any] = {}
        out = []
        for opt in options_def:  # in definition order, like the client sends them
            name = opt["name"]
            if name == focused:
                out.append(
                    {"name": name, "type": opt["type"], "value": str(given.get(name, "")), "focused": True}
                )
            elif name in given:
                value = self._convert(opt, given[name], resolved, f"/{command} {name}")
                out.append({"name": name, "type": opt["type"], "value": value})
        return out, resolved

    def _base_payload(
        self, itype: int, data: dict[str, Any], *, user: dict[str, Any], guild: bool, permissions: str
    ) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "id": self.snowflake(),
            "application_id": self.application_id,
            "type": itype,
            "data": data,
            "token": "aW50ZXJhY3Rpb246" + secrets.token_urlsafe(48),
            "version": 1,
            "app_permissions": BOT_PERMISSIONS,
            "locale": self.user_locales.get(user["id"], "en-US"),
            "entitlements": [],
            "entitlement_sku_ids": [],
            "attachment_size_limit": 10 * 1024 * 1024,
        }
        if guild:
            payload.update(
                # what the bot may do in the test channel, computed from the world's roles (a test may
                # change them: world.set_role_permissions)
                app_permissions=str(self.world.bot_permissions(self.channel_id)),
                guild_id=self.guild_id,
                guild={"id": self.guild_id, "locale": "en-US", "features": []},
                guild_locale="en-US",
                channel_id=self.channel_id,
                channel=self.channel_payload(),
                member=self.make_member(user, permissions=permissions),
                authorizing_integration_owners={"0": self.guild_id},
                context=0,
            )
        else:
            channel = self._dm_channels.setdefault(
                user["id"],
                {
                    "id": self.snowflake(),
                    "type": 1,
                    "last_message_id": None,
                    "flags": 0,
                    "recipients": [user],
                },
            )
            payload.update(
                channel_id=channel["id"],
                channel=channel,
                user=user,
                authorizing_integration_owners={"0": "0"},
                context=1,
            )
        return payload

    def _application_command_payload(
        self,
        command: str,
        options: dict[str, Any],
        *,
        itype: int,
        focused: str | None,
        user: dict[str, Any] | None,
        guild: bool,
        permissions: str | int | None,
        guild_id: str | None = None,
        install: str = "guild",
        context: int | None = None,
    ) -> dict[str, Any]:
        user = user or self.default_user
        perms = str(DEFAULT_MEMBER_PERMISSIONS if permissions is None else permissions)
        if guild_id is not None and not self._known_guild(guild_id):
            raise ValueError(f"guild {guild_id} is neither the test guild nor one added with add_guild()")
        if install not in ("guild", "user"):
            raise ValueError(f"install must be 'guild' or 'user', not {install!r}")
        by_user = install == "user"  # through the member's own install (tests/e2e/installs.py)
        if by_user:
            guild = False  # built as a DM with the bot, then moved to its context
        definition, subs, guild_scoped = self._find_command(command, guild, guild_id)
        if by_user:
            self.installs.check_usable(definition, 0 if context is None else context, guild_scoped)
        else:
            self._check_usable(definition, guild, perms)
        options_def, chain = self._leaf(definition, subs)
        leaf_options, resolved = self._build_options(command, options_def, dict(options), focused)
        # Nest the leaf options inside the (group/)subcommand nodes.
        nested = leaf_options
        for node in reversed(chain):
            nested = [{"name": node["name"], "type": node["type"], "options": nested}]
        data: dict[str, Any] = {"id": definition["id"], "name": definition["name"], "type": 1}
        if nested:
            data["options"] = nested
        if not guild:  # a DM has no members: Discord resolves a user option to the user alone
            resolved.pop("members", None)
        if resolved:
            data["resolved"] = resolved
        if guild_scoped:
            data["guild_id"] = self.guild_id
        payload = self._base_payload(itype, data, user=user, guild=guild, permissions=perms)
        if guild and guild_id is not None and guild_id != self.guild_id:
            payload = self._in_guild(payload, guild_id)  # the same, sent from the added guild
        if by_user:
            payload = self.installs.as_user_install(payload, user, 0 if context is None else context, perms)
        return payload

    async def _dispatch_interaction(self, payload: dict[str, Any]) -> Result:
        """Send INTERACTION_CREATE (buffered for RESUME while the bot is disconnected) and track it."""
        result = Result(self, payload, time.monotonic())
        self.interactions.append(result)
        self._results_by_id[result.id] = result
        self._results_by_token[result.token] = result
        result.dispatched_at = time.monotonic()
        await self.dispatch_event("INTERACTION_CREATE", payload, shard=self.shard_of(payload.get("guild_id")))

        async def deadline_tick() -> None:  # re-evaluate waiters when the 3 s window closes
            await asyncio.sleep(self.callback_deadline + 0.01)
            await self._notify()

        self._spawn(deadline_tick())
        return result

    async def wait_for_answer(self, result: Result, timeout: float = 10.0) -> Result:  # noqa: ASYNC109
        """Wait until the user sees ``result``'s answer; raise InteractionFailed / InteractionTimeout otherwise.

        The interaction has failed when a callback came too late (404 10062), or when the 3 s window closed
        with callbacks rejected (e.g. an invalid body) and none accepted.
        """

        def dead() -> bool:
            if result.expired_callback:
                return True
            past_deadline = time.monotonic() - result.dispatched_at > self.callback_deadline
            return past_deadline and not result.acknowledged and bool(result.rejections)

        try:
            await self.wait_for(lambda: result.answered or dead(), timeout)
        except TimeoutError:
            raise InteractionTimeout(
                f"no user-visible answer within {timeout}s\n{result.describe()}\nviolations: {self.violations}",
                result,
            ) from None
        if not result.answered:
            raise InteractionFailed(
                f"the interaction failed (the user sees 'This interaction failed')\n{result.describe()}",
                result,
            )
        return result

    # ------------------------------------------------------------------ the public interaction API

    async def dispatch_command(
        self,
        command: str,
        options: dict[str, Any] | None = None,
        *,
        user: dict[str, Any] | None = None,
        guild: bool = True,
        permissions: str | int | None = None,
        focused: str | None = None,
        guild_id: str | None = None,
        install: str = "guild",
        context: int | None = None,
    ) -> Result:
        """Send a slash command (or, with ``focused``, an autocomplete) interaction and return at once.

        The INTERACTION_CREATE is built from the definitions the bot synced (guild ones first, then global;
        only global with ``guild=False``, which sends it from a DM with the bot): unknown commands or
        options, missing required options, values outside choices / min / max raise
        :class:`CommandNotSynced` / ValueError, as Discord's client would not let a user send them.
        ``guild_id`` sends it from a guild added with :meth:`add_guild` instead of the test guild; it goes
        to that guild's shard (DMs: shard 0). ``install="user"`` sends it through the member's own install,
        ``context`` 0 (a server without the bot, the default), 1 (the bot's DM) or 2 (a group DM): see
        tests/e2e/installs.py.
        Use :meth:`wait_for_answer` (or :meth:`invoke`, which does both).
        """
        payload = self._application_command_payload(
            command,
            options or {},
            itype=APPLICATION_COMMAND if focused is None else AUTOCOMPLETE,
            focused=focused,
            user=user,
            guild=guild,
            permissions=permissions,
            guild_id=guild_id,
            install=install,
            context=context,
        )
        return await self._dispatch_interaction(payload)

    async def _wait_for_shard_of(self, guild: bool, guild_id: str | None, timeout: float) -> None:  # noqa: ASYNC109
        """Before the first interaction: wait until the shard it goes to has connected once."""
        shard = self.shard_of((guild_id or self.guild_id) if guild else None)
        if self._session(shard).session_id is None:  # the bot has not connected that shard yet
            await self.wait_for_connection(timeout, shard=shard)

    async def invoke(
        self,
        command: str,
        options: dict[str, Any] | None = None,
        *,
        user: dict[str, Any] | None = None,
        guild: bool = True,
        permissions: str | int | None = None,
        timeout: float = 10.0,  # noqa: ASYNC109
        guild_id: str | None = None,
        install: str = "guild",
        context: int | None = None,
    ) -> Result:
        """Run slash command ``command`` ("review", or "group sub ...") with ``options`` as a user would.

        See :meth:`dispatch_command` for how the interaction is built.  Returns once the answer is visible:
        at once for a message (4) or modal (9); after a defer (5) when ``@original`` is edited or a
        follow-up arrives.  Raises :class:`InteractionFailed` if the interaction fails ("This interaction
        failed"), :class:`InteractionTimeout` after ``timeout`` seconds.  ``permissions`` is the member's
        permission bit set (default: a normal member, no ADMINISTRATOR).
        """
        await self._wait_for_shard_of(guild and install == "guild", guild_id, timeout)
        result = await self.dispatch_command(
            command, options, user=user, guild=guild, permissions=permissions, guild_id=guild_id,
            install=install, context=context,
        )  # fmt: skip
        return await self.wait_for_answer(result, timeout)

    async def autocomplete(
        self,
        command: str,
        options: dict[str, Any] | None,
        focused: str,
        *,
        user: dict[str, Any] | None = None,
        guild: bool = True,
        timeout: float = 10.0,  # noqa: ASYNC109
        guild_id: str | None = None,
        permissions: str | int | None = None,
        install: str = "guild",
        context: int | None = None,
    ) -> list[dict[str, Any]]:
        """The choices (callback type 8) offered while the user types ``options[focused]``.

        The focused option is sent with ``focused: true`` and its value as typed (a string; "" if absent);
        the option must have been synced with ``autocomplete: true``. ``permissions`` as for :meth:`invoke`.
        """
        await self._wait_for_shard_of(guild and install == "guild", guild_id, timeout)
        result = await self.dispatch_command(
            command, options, user=user, guild=guild, focused=focused, guild_id=guild_id,
            permissions=permissions, install=install, context=context,
        )  # fmt: skip
        await self.wait_for_answer(result, timeout)
        return result.choices or []

    async def click(
        self,
        result: Result | dict[str, Any] | str,
        custom_id: str,
        *,
        user: dict[str, Any] | None = None,
        values: list[str] | None = None,
        timeout: float = 10.0,  # noqa: ASYNC109
    ) -> Result:
        """Press the component ``custom_id`` on a message: ``result`` is a Result (its visible message, then
        its follow-ups), a message dict or a message id.  ``values`` selects options of a select menu.

        Returns a Result like :meth:`invoke`: type 7 updates the message, 4 sends a new one, 6 / 5 wait for
        the edit / follow-up.
        """
        message = self._message_for_click(result, custom_id)
        component = next(
            c for c in _walk_components(message.get("components")) if c.get("custom_id") == custom_id
        )
        if component.get("disabled"):
            raise ComponentNotFound(f"component {custom_id!r} is disabled; a user cannot use it")
        if user is None:
            user = result.user if isinstance(result, Result) and result.user else self.default_user
        message_guild = message.get("guild_id") or self._guild_of_channel(message.get("channel_id", ""))
        guild = message_guild is not None
        data: dict[str, Any] = {"custom_id": custom_id, "component_type": component["type"]}
        if component["type"] != 2:
            data["values"] = list(values or [])
        payload = self._base_payload(
            MESSAGE_COMPONENT, data, user=user, guild=guild, permissions=DEFAULT_MEMBER_PERMISSIONS
        )
        if guild and message_guild != self.guild_id:
            payload = self._in_guild(payload, message_guild)
        if not guild:  # a click in a DM happens in the message's DM channel
            payload["channel_id"] = message["channel_id"]
            payload["channel"]["id"] = message["channel_id"]
        payload = self.installs.click_payload(payload, message, user)  # as the install that answered
        payload["message"] = copy.deepcopy(message)
        clicked = await self._dispatch_interaction(payload)
        return await self.wait_for_answer(clicked, timeout)

    def _message_for_click(self, result: Result | dict[str, Any] | str, custom_id: str) -> dict[str, Any]:
        if isinstance(result, Result):
            candidates = [m for m in [result.message, *result.followup_messages] if m]
        else:
            mid = result if isinstance(result, str) else result["id"]
            candidates = [self.messages[mid]] if mid in self.messages else []
        for message in candidates:
            if any(c.get("custom_id") == custom_id for c in _walk_components(message.get("components"))):
                return message
        have = [
            c.get("custom_id")
            for m in candidates
            for c in _walk_components(m.get("components"))
            if c.get("custom_id")
        ]
        raise ComponentNotFound(f"no component with custom_id {custom_id!r} on the message; present: {have}")

    # ------------------------------------------------------------------ messages

    def _new_message(
        self,
        body: dict[str, Any],
        *,
        channel_id: str,
        files: list[dict[str, Any]],
        result: Result | None = None,
        mtype: int = 0,
        flags: int | None = None,
    ) -> dict[str, Any]:
        """Store and return Discord's message object for a message the bot created from ``body``."""
        mid = self.snowflake()
        message: dict[str, Any] = {
            "id": mid,
            "type": mtype,
            "channel_id": channel_id,
            "content": "",
            "author": self.bot_user,
            "attachments": [],
            "embeds": [],
            "mentions": [],
            "mention_roles": [],
            "mention_everyone": False,
            "pinned": False,
            "tts": bool(body.get("tts")),
            "timestamp": _iso(),
            "edited_timestamp": None,
            "flags": (body.get("flags") or 0) if flags is None else flags,
            "components": [],
            "position": 0,
        }
        guild_id = self._guild_of_channel(channel_id)
        if guild_id is not None:
            message["guild_id"] = guild_id
        if result is not None:
            message["webhook_id"] = self.application_id
            message["application_id"] = self.application_id
            message["interaction_metadata"] = self._interaction_metadata(result)
        self._apply_content(message, body, files)
        self.messages[mid] = message
        return message

    def _interaction_metadata(self, result: Result) -> dict[str, Any]:
        payload = result.interaction
        meta: dict[str, Any] = {
            "id": result.id,
            "type": result.type,
            "user": result.user,
            "authorizing_integration_owners": payload.get("authorizing_integration_owners", {}),
        }
        if result.type == APPLICATION_COMMAND:
            meta["name"] = payload["data"]["name"]
            meta["command_type"] = 1
        elif result.source_message_id:
            meta["interacted_message_id"] = result.source_message_id
        return meta

    def _apply_content(
        self, message: dict[str, Any], body: dict[str, Any], files: list[dict[str, Any]]
    ) -> None:
        """Copy content, embeds, components and attachments of a create/edit body (absent fields stay)."""
        if "content" in body:
            message["content"] = body["content"] or ""
        if "embeds" in body:
            message["embeds"] = [
                {"type": "rich", **{k: v for k, v in e.items() if v is not None}}
                for e in body["embeds"] or []
            ]
        if "components" in body:
            message["components"] = copy.deepcopy(body["components"] or [])
            for n, comp in enumerate(_walk_components(message["components"]), start=1):
                comp.setdefault("id", n)
        if "attachments" in body or files:
            listed = body.get("attachments") or [
                {"id": i, "filename": f["filename"]} for i, f in enumerate(files)
            ]
            attachments = []
            for i, att in enumerate(listed):
                if "filename" not in att and att.get("id") is not None:  # an attachment kept from before
                    kept = next(
                        (a for a in message.get("attachments", []) if a["id"] == str(att["id"])), None
                    )
                    if kept is not None:
                        attachments.append(kept)
                    continue
                upload = next((f for f in files if f["field"] == f"files[{att.get('id', i)}]"), None)
                size = upload["size"] if upload else 0
                aid = self.snowflake()
                self.uploads[aid] = upload["data"] if upload else b""
                name = att.get("filename") or f"file{i}"
                url = f"http://127.0.0.1:{self.port}/attachments/{message['channel_id']}/{aid}/{name}"
                attachments.append({"id": aid, "filename": name, "size": size, "url": url, "proxy_url": url})
                if att.get("description"):  # alt text
                    attachments[-1]["description"] = att["description"]
            message["attachments"] = attachments

    def _apply(self, message: dict[str, Any], body: dict[str, Any], files: list[dict[str, Any]]) -> None:
        """Apply an edit body to a stored message (PATCH semantics); any edit ends the "thinking" state."""
        self._apply_content(message, body, files)
        flags = message.get("flags", 0)
        if body.get("flags") is not None:  # ephemerality cannot be changed by an edit
            flags = (body["flags"] & ~(EPHEMERAL | LOADING)) | (flags & EPHEMERAL)
        message["flags"] = flags & ~LOADING
        message["edited_timestamp"] = _iso()

    # ------------------------------------------------------------------ interaction callbacks

    async def _post_callback(
        self, request: web.Request, rec: RecordedRequest, iid: str, token: str
    ) -> web.Response:
        route = _route_label("POST", rec.path)
        result = self._results_by_id.get(iid)
        now = rec.received
        if result is None or result.token != token:
            self._violation(
                route, "callback for an interaction the stand-in never sent (or with the wrong token)"
            )
            return _json(404, UNKNOWN_INTERACTION)
        at = now - result.dispatched_at
        body = rec.body
        if at > self.callback_deadline:
            result.expired_callback = True
            detail = (
                f"callback arrived {at:.2f}s after the interaction was sent (limit {self.callback_deadline}s)"
            )
            rec.violations.append(self._violation(route, detail))
            result.arrivals.append(Arrival("rejected", at, 404, body, detail=detail))
            return _json(404, UNKNOWN_INTERACTION)
        if result.acknowledged:
            detail = "second callback for an interaction that was already acknowledged"
            rec.violations.append(self._violation(route, detail))
            result.arrivals.append(Arrival("rejected", at, 400, body, detail=detail))
            return _json(400, ALREADY_ACKNOWLEDGED)
        rejected = self._reject_invalid(rec, "interaction_callback", body)
        if rejected is None and body.get("type") not in ALLOWED_CALLBACKS.get(result.type, set()):
            problem = spec.Violation(
                ("type",),
                f"callback type {body.get('type')} is not allowed for interaction type {result.type}",
            )
            rec.violations.append(self._violation(route, str(problem)))
            rejected = _json(
                400, {"code": 50035, "message": "Invalid Form Body", "errors": spec.errors_object([problem])}
            )
        if rejected is not None:
            result.arrivals.append(Arrival("rejected", at, 400, body, detail="; ".join(rec.violations)))
            return rejected

        ctype = body["type"]
        data = body.get("data") or {}
        result.callback, result.callback_type, result.callback_status, result.elapsed = body, ctype, 200, at
        message: dict[str, Any] | None = None
        channel_id = result.interaction["channel_id"]
        if ctype == CHANNEL_MESSAGE:
            mtype = 20 if result.type == APPLICATION_COMMAND else 0
            flags = self.installs.answer_flags(result, data.get("flags") or 0)  # Discord may make it private
            message = self._new_message(
                data, channel_id=channel_id, files=rec.files, result=result, mtype=mtype, flags=flags
            )
            result.original_message_id = message["id"]
        elif ctype == DEFERRED_CHANNEL_MESSAGE:
            mtype = 20 if result.type == APPLICATION_COMMAND else 0
            flags = LOADING | (self.installs.answer_flags(result, data.get("flags") or 0) & EPHEMERAL)
            message = self._new_message(
                {}, channel_id=channel_id, files=[], result=result, mtype=mtype, flags=flags
            )
            result.original_message_id = message["id"]
        elif ctype == UPDATE_MESSAGE:
            message = self.messages.get(result.source_message_id or "")
            if message is None:  # the bot deleted the message the button was on
                result.callback = result.callback_type = result.callback_status = result.elapsed = None
                result.arrivals.append(Arrival("rejected", at, 404, body, detail="message to update is gone"))
                return _json(404, UNKNOWN_MESSAGE)
            self._apply(message, data, rec.files)
        elif ctype == DEFERRED_UPDATE_MESSAGE:
            message = self.messages.get(result.source_message_id or "")
        result.arrivals.append(
            Arrival("callback", at, 200, body, message_id=message["id"] if message else None)
        )

        answer: dict[str, Any] = {
            "interaction": {
                "id": result.id,
                "type": result.type,
                "activity_instance_id": None,
                "response_message_id": message["id"] if message else None,
                "response_message_loading": ctype == DEFERRED_CHANNEL_MESSAGE,
                "response_message_ephemeral": bool(message and message.get("flags", 0) & EPHEMERAL),
            }
        }
        if ctype in (CHANNEL_MESSAGE, DEFERRED_CHANNEL_MESSAGE, UPDATE_MESSAGE) and message is not None:
            answer["resource"] = {"type": ctype, "message": message}
        else:
            answer["resource"] = {"type": ctype}
        return _json(200, answer)

    # ------------------------------------------------------------------ interaction webhook

    def _webhook_result(self, app: str, token: str, route: str) -> tuple[Result | None, web.Response | None]:
        """The interaction behind a webhook token, or the error answer (recorded as a violation)."""
        result = self._results_by_token.get(token)
        if app != self.application_id or result is None:
            self._violation(route, "webhook request for an unknown application/interaction token")
            return None, _json(404, UNKNOWN_WEBHOOK)
        if time.monotonic() - result.dispatched_at > self.token_ttl:
            self._violation(route, f"interaction token used after {self.token_ttl:.0f}s")
            return None, _json(401, INVALID_WEBHOOK_TOKEN)
        if not result.acknowledged:
            self._violation(route, "webhook request before the interaction was acknowledged with a callback")
            return None, _json(404, UNKNOWN_WEBHOOK)
        return result, None

    def _resolve_mid(self, result: Result, mid: str) -> str | None:
        if mid == "@original":
            return result.original_message_id
        known = {result.original_message_id, *result.followup_ids}
        return mid if mid in known else None

    async def _post_followup(
        self, request: web.Request, rec: RecordedRequest, app: str, token: str
    ) -> web.Response:
        route = _route_label("POST", rec.path)
        result, error = self._webhook_result(app, token, route)
        if error is not None or result is None:
            return error or _json(404, UNKNOWN_WEBHOOK)
        at = rec.received - result.dispatched_at
        body = rec.body or {}
        rejected = self._reject_invalid(rec, "webhook_create", body)
        if rejected is None:
            rejected = self.installs.refuse_followup(result, route)  # 5 at most through a user install
        if rejected is not None:
            result.arrivals.append(Arrival("rejected", at, 400, body, detail="; ".join(rec.violations)))
            return rejected
        original = self.messages.get(result.original_message_id or "")
        if (
            result.callback_type == DEFERRED_CHANNEL_MESSAGE
            and original is not None
            and original.get("flags", 0) & LOADING
        ):
            # Discord turns the first follow-up after a "thinking" defer into the deferred message itself.
            self._apply(original, body, rec.files)
            original["edited_timestamp"] = None
            message = original
        else:
            message = self._new_message(
                body, channel_id=result.interaction["channel_id"], files=rec.files, result=result
            )
        result.followups.append(body)
        result.followup_ids.append(message["id"])
        result.arrivals.append(Arrival("followup", at, 200, body, message_id=message["id"]))
        if rec.query.get("wait", "").lower() in ("1", "true"):
            return _json(200, message)
        return _no_content()

    async def _get_webhook_message(
        self, request: web.Request, rec: RecordedRequest, app: str, token: str, mid: str
    ) -> web.Response:
        result, error = self._webhook_result(app, token, _route_label("GET", rec.path))
        if error is not None or result is None:
            return error or _json(404, UNKNOWN_WEBHOOK)
        target = self._resolve_mid(result, mid)
        if target is None or target not in self.messages:
            return _json(404, UNKNOWN_MESSAGE)
        return _json(200, self.messages[target])

    async def _patch_webhook_message(
        self, request: web.Request, rec: RecordedRequest, app: str, token: str, mid: str
    ) -> web.Response:
        route = _route_label("PATCH", rec.path)
        result, error = self._webhook_result(app, token, route)
        if error is not None or result is None:
            return error or _json(404, UNKNOWN_WEBHOOK)
        at = rec.received - result.dispatched_at
        body = rec.body or {}
        target = self._resolve_mid(result, mid)
        if target is None or target not in self.messages:
            rec.violations.append(self._violation(route, "edit of a message this interaction does not own"))
            result.arrivals.append(Arrival("rejected", at, 404, body, detail="unknown message"))
            return _json(404, UNKNOWN_MESSAGE)
        rejected = self._reject_invalid(rec, "webhook_edit", body)
        if rejected is not None:
            result.arrivals.append(Arrival("rejected", at, 400, body, detail="; ".join(rec.violations)))
            return rejected
        message = self.messages[target]
        self._apply(message, body, rec.files)
        if target == result.original_message_id:
            result.edits.append(body)
            result.arrivals.append(Arrival("edit", at, 200, body, message_id=target))
        else:
            result.arrivals.append(Arrival("edit-followup", at, 200, body, message_id=target))
        return _json(200, message)

    async def _delete_webhook_message(
        self, request: web.Request, rec: RecordedRequest, app: str, token: str, mid: str
    ) -> web.Response:
        result, error = self._webhook_result(app, token, _route_label("DELETE", rec.path))
        if error is not None or result is None:
            return error or _json(404, UNKNOWN_WEBHOOK)
        target = self._resolve_mid(result, mid)
        if target is None or self.messages.pop(target, None) is None:
            return _json(404, UNKNOWN_MESSAGE)
        if target == result.original_message_id:
            result.deleted = True
        result.arrivals.append(
            Arrival("delete", rec.received - result.dispatched_at, 204, None, message_id=target)
        )
        return _no_content()

    # ------------------------------------------------------------------ channel messages

    async def _post_channel_message(
        self, request: web.Request, rec: RecordedRequest, cid: str
    ) -> web.Response:
        # Permissions, closed DMs, nonces, lost answers: tests/e2e/channels.py.
        return await self.world.post_message(request, rec, cid)

    async def _get_channel_message(
        self, request: web.Request, rec: RecordedRequest, cid: str, mid: str
    ) -> web.Response:
        if self.world.channel(cid) is None:  # a channel deleted (or never made): Discord says so first
            return _json(404, UNKNOWN_CHANNEL)
        message = self.messages.get(mid)
        if message is None or message["channel_id"] != cid:
            return _json(404, UNKNOWN_MESSAGE)
        return _json(200, message)

    async def _patch_channel_message(
        self, request: web.Request, rec: RecordedRequest, cid: str, mid: str
    ) -> web.Response:
        message = self.messages.get(mid)
        if message is None or message["channel_id"] != cid or message.get("flags", 0) & EPHEMERAL:
            # Ephemeral messages exist only through the interaction webhook, not the channel.
            return _json(404, UNKNOWN_MESSAGE)
        rejected = self._reject_invalid(rec, "channel_message_edit", rec.body or {})
        if rejected is not None:
            return rejected
        self._apply(message, rec.body or {}, rec.files)
        return _json(200, message)

    async def _delete_channel_message(
        self, request: web.Request, rec: RecordedRequest, cid: str, mid: str
    ) -> web.Response:
        message = self.messages.get(mid)
        if message is None or message["channel_id"] != cid:
            return _json(404, UNKNOWN_MESSAGE)
        del self.messages[mid]
        return _no_content()

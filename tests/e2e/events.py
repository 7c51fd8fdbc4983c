"""Guild scheduled events for the Discord stand-in (issue 27, /watchparty): ``stand_in.events``.

Routes, each body checked against Discord's OpenAPI description (``spec.py`` kinds
``scheduled_event_create`` / ``scheduled_event_update``) and then against the rules Discord applies
that the schema does not say:

* ``POST /guilds/{g}/scheduled-events``: the bot needs Create Events or Manage Events in the guild
  (403 ``50013`` otherwise); ``name`` 1-100 characters, ``description`` at most 1000, ``privacy_level`` 2
  (GUILD_ONLY); ``entity_type`` 1 (stage) / 2 (voice) needs ``channel_id`` of a stage / voice channel of
  that guild and no ``entity_metadata`` location, and the bot's channel permissions there (voice: View
  Channel and Connect; stage: Manage Channels, Mute Members, Move Members; else 403 ``50013``);
  ``entity_type`` 3 (external) needs ``entity_metadata.location`` (1-100) and ``scheduled_end_time``, and no
  ``channel_id``; the start must be in the future (on :attr:`ScheduledEvents.clock`) and the end after it.
  A refusal is 400 ``50035`` with the field's error. The event is made (status 1 SCHEDULED) and
  GUILD_SCHEDULED_EVENT_CREATE is dispatched when the bot identified with the GUILD_SCHEDULED_EVENTS intent
  (as Discord does).
* ``GET /guilds/{g}/scheduled-events`` (``with_user_count``), ``GET .../{id}``: 404 ``10070`` for an
  unknown event.
* ``PATCH .../{id}``: status 1 -> 2 (ACTIVE) or 4 (CANCELED), 2 -> 3 (COMPLETED); other fields replaced;
  GUILD_SCHEDULED_EVENT_UPDATE. ``DELETE .../{id}``: 204, GUILD_SCHEDULED_EVENT_DELETE.

Tests act as members through :meth:`ScheduledEvents.cancel` and :meth:`ScheduledEvents.delete`, add voice
and stage channels with ``world.add_voice_channel`` / ``world.add_stage_channel``, and change the bot's
permissions with ``world.set_role_permissions(stand_in.bot_role_id, ...)`` (and the @everyone role, the
guild's id).
"""

from __future__ import annotations

import datetime
import json
import re
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from aiohttp import web

from .channels import ADMINISTRATOR, VIEW_CHANNEL, compute_permissions

if TYPE_CHECKING:
    from .standin import DiscordStandIn, RecordedRequest

MANAGE_CHANNELS = 1 << 4
CONNECT = 1 << 20
MUTE_MEMBERS = 1 << 22
MOVE_MEMBERS = 1 << 24
MANAGE_EVENTS = 1 << 33
CREATE_EVENTS = 1 << 44
GUILD_SCHEDULED_EVENTS_INTENT = 1 << 16

GUILD_VOICE, GUILD_STAGE_VOICE = 2, 13
STAGE, VOICE, EXTERNAL = 1, 2, 3
SCHEDULED, ACTIVE, COMPLETED, CANCELED = 1, 2, 3, 4
GUILD_ONLY = 2
#: Which statuses an event may move to from each (Discord's rules).
MOVES = {SCHEDULED: {ACTIVE, CANCELED}, ACTIVE: {COMPLETED}}
#: The bot's channel permissions Discord asks for an event in a channel of each kind.
CHANNEL_NEEDS = {VOICE: VIEW_CHANNEL | CONNECT, STAGE: MANAGE_CHANNELS | MUTE_MEMBERS | MOVE_MEMBERS}

MISSING_PERMISSIONS = {"message": "Missing Permissions", "code": 50013}
UNKNOWN_GUILD = {"message": "Unknown Guild", "code": 10004}
UNKNOWN_EVENT = {"message": "Unknown Guild Scheduled Event", "code": 10070}


def _json(status: int, data: Any) -> web.Response:
    return web.Response(
        status=status, body=json.dumps(data).encode(), headers={"Content-Type": "application/json"}
    )


def _invalid(field: str, message: str, code: str = "BASE_TYPE_BAD_VALUE") -> web.Response:
    errors = {field: {"_errors": [{"code": code, "message": message}]}}
    return _json(400, {"code": 50035, "message": "Invalid Form Body", "errors": errors})


def _instant(text: Any) -> float | None:
    try:
        at = datetime.datetime.fromisoformat(str(text))
    except ValueError:
        return None
    return at.timestamp() if at.tzinfo is not None else None


class ScheduledEvents:
    """The stand-in's scheduled events, by id; ``refusals`` records every refused create (status, body)."""

    def __init__(self, stand_in: DiscordStandIn) -> None:
        self.s = stand_in
        self.events: dict[str, dict[str, Any]] = {}
        self.refusals: list[tuple[int, dict[str, Any]]] = []
        #: Discord's clock for "the start must be in the future" (a test may replace it).
        self.clock: Callable[[], float] = time.time

    # ------------------------------------------------------------------ for tests

    def in_guild(self, guild_id: str | None = None) -> list[dict[str, Any]]:
        gid = guild_id or self.s.guild_id
        return [e for e in self.events.values() if e["guild_id"] == gid]

    async def cancel(self, event_id: str) -> None:
        """A member cancels the event in Discord's client (GUILD_SCHEDULED_EVENT_UPDATE)."""
        event = self.events[event_id]
        event["status"] = CANCELED
        await self._dispatch("GUILD_SCHEDULED_EVENT_UPDATE", event)

    async def delete(self, event_id: str) -> None:
        """A member deletes the event (GUILD_SCHEDULED_EVENT_DELETE)."""
        event = self.events.pop(event_id)
        await self._dispatch("GUILD_SCHEDULED_EVENT_DELETE", event)

    # ------------------------------------------------------------------ routes

    def routes(self) -> list[tuple[str, re.Pattern[str], Any, bool]]:
        r = re.compile
        many = r"^/guilds/(?P<guild>\d+)/scheduled-events$"
        one = r"^/guilds/(?P<guild>\d+)/scheduled-events/(?P<eid>\d+)$"
        return [
            ("POST", r(many), self._create, True),
            ("GET", r(many), self._list, True),
            ("GET", r(one), self._get, True),
            ("PATCH", r(one), self._patch, True),
            ("DELETE", r(one), self._delete, True),
        ]

    def _known(self, guild: str) -> bool:
        return guild == self.s.guild_id or guild in self.s.extra_guilds

    def _guild_permissions(self, guild: str) -> int:
        """The bot's guild-level permissions: @everyone's and its roles' (the guild owner is a user)."""
        payload = self.s.guild_payload(guild)
        bot = next(m for m in payload["members"] if m["user"]["id"] == self.s.bot_user_id)
        roles = {r["id"]: int(r["permissions"]) for r in payload["roles"]}
        perms = roles.get(payload["id"], 0)
        for rid in bot.get("roles", []):
            perms |= roles.get(rid, 0)
        return (1 << 53) - 1 if perms & ADMINISTRATOR else perms

    def _refuse(self, response: web.Response, body: Any) -> web.Response:
        self.refusals.append((response.status, body if isinstance(body, dict) else {}))
        return response

    async def _create(self, request: web.Request, rec: RecordedRequest, guild: str) -> web.Response:
        body = rec.body
        if not self._known(guild):
            return _json(404, UNKNOWN_GUILD)
        rejected = self.s._reject_invalid(rec, "scheduled_event_create", body)
        if rejected is not None:
            return self._refuse(rejected, body)
        perms = self._guild_permissions(guild)
        if not perms & (CREATE_EVENTS | MANAGE_EVENTS):
            return self._refuse(_json(403, MISSING_PERMISSIONS), body)
        problem = self._rules(guild, body)
        if problem is not None:
            return self._refuse(problem, body)
        event = {
            "id": self.s.snowflake(), "guild_id": guild, "channel_id": body.get("channel_id"),
            "creator_id": self.s.bot_user_id, "creator": self.s.bot_user, "name": body["name"],
            "description": body.get("description"), "image": None,
            "scheduled_start_time": body["scheduled_start_time"],
            "scheduled_end_time": body.get("scheduled_end_time"), "status": SCHEDULED,
            "entity_type": body["entity_type"], "entity_id": None,
            "entity_metadata": body.get("entity_metadata") if body["entity_type"] == EXTERNAL else None,
            "privacy_level": body["privacy_level"], "user_count": 0, "recurrence_rule": None,
        }  # fmt: skip
        if event["channel_id"] is not None:
            event["channel_id"] = str(event["channel_id"])
        self.events[event["id"]] = event
        await self._dispatch("GUILD_SCHEDULED_EVENT_CREATE", event)
        return _json(200, event)

    def _rules(self, guild: str, body: dict[str, Any]) -> web.Response | None:
        """The first rule of Discord's the create breaks, as its answer; None when it is fine."""
        name = body.get("name")
        if not isinstance(name, str) or not 1 <= len(name) <= 100:
            return _invalid("name", "Must be between 1 and 100 in length.", "BASE_TYPE_BAD_LENGTH")
        if body.get("description") is not None and len(body["description"]) > 1000:
            return _invalid("description", "Must be 1000 or fewer in length.", "BASE_TYPE_MAX_LENGTH")
        if body.get("privacy_level") != GUILD_ONLY:
            return _invalid("privacy_level", "Value must be one of {2}.", "BASE_TYPE_CHOICES")
        start = _instant(body.get("scheduled_start_time"))
        end = _instant(body["scheduled_end_time"]) if body.get("scheduled_end_time") is not None else None
        if start is None:
            return _invalid("scheduled_start_time", "Could not parse the time.", "DATE_TIME_TYPE_PARSE")
        if start <= self.clock():
            return _invalid(
                "scheduled_start_time",
                "Cannot schedule event in the past.",
                "GUILD_SCHEDULED_EVENT_SCHEDULE_PAST",
            )
        if body.get("scheduled_end_time") is not None and (end is None or end <= start):
            return _invalid(
                "scheduled_end_time",
                "The end must be after the start.",
                "GUILD_SCHEDULED_EVENT_END_BEFORE_START",
            )
        kind = body.get("entity_type")
        metadata = body.get("entity_metadata")
        if kind == EXTERNAL:
            location = (metadata or {}).get("location")
            if not isinstance(location, str) or not 1 <= len(location) <= 100:
                return _invalid(
                    "entity_metadata", "A location of 1-100 characters is required.", "BASE_TYPE_REQUIRED"
                )
            if end is None:
                return _invalid("scheduled_end_time", "Required for an external event.", "BASE_TYPE_REQUIRED")
            if body.get("channel_id") is not None:
                return _invalid("channel_id", "Must be null for an external event.", "BASE_TYPE_BAD_VALUE")
            return None
        if metadata and metadata.get("location"):
            return _invalid("entity_metadata", "A channel event has no location.", "BASE_TYPE_BAD_VALUE")
        channel_id = body.get("channel_id")
        channel = self.s.world.channel(str(channel_id)) if channel_id is not None else None
        wanted = GUILD_STAGE_VOICE if kind == STAGE else GUILD_VOICE
        if channel is None or channel.get("guild_id") != guild or channel["type"] != wanted:
            return _invalid("channel_id", "Must be a voice or stage channel of this guild, as entity_type says.",
                            "GUILD_SCHEDULED_EVENT_CHANNEL_TYPE")  # fmt: skip
        bot = next(m for m in self.s.guild_payload(guild)["members"] if m["user"]["id"] == self.s.bot_user_id)
        have = compute_permissions(self.s.guild_payload(guild), channel, bot)
        if have & CHANNEL_NEEDS[kind] != CHANNEL_NEEDS[kind]:
            return _json(403, MISSING_PERMISSIONS)
        return None

    async def _list(self, request: web.Request, rec: RecordedRequest, guild: str) -> web.Response:
        if not self._known(guild):
            return _json(404, UNKNOWN_GUILD)
        return _json(200, self.in_guild(guild))

    async def _get(self, request: web.Request, rec: RecordedRequest, guild: str, eid: str) -> web.Response:
        event = self.events.get(eid)
        if event is None or event["guild_id"] != guild:
            return _json(404, UNKNOWN_EVENT)
        return _json(200, event)

    async def _patch(self, request: web.Request, rec: RecordedRequest, guild: str, eid: str) -> web.Response:
        event = self.events.get(eid)
        if event is None or event["guild_id"] != guild:
            return _json(404, UNKNOWN_EVENT)
        body = rec.body or {}
        rejected = self.s._reject_invalid(rec, "scheduled_event_update", body)
        if rejected is not None:
            return rejected
        status = body.get("status")
        if status is not None and status not in MOVES.get(event["status"], set()):
            return _invalid("status", "Cannot move the event to this status.", "GUILD_SCHEDULED_EVENT_STATUS")
        event.update({k: v for k, v in body.items() if k in event})
        await self._dispatch("GUILD_SCHEDULED_EVENT_UPDATE", event)
        return _json(200, event)

    async def _delete(self, request: web.Request, rec: RecordedRequest, guild: str, eid: str) -> web.Response:
        event = self.events.get(eid)
        if event is None or event["guild_id"] != guild:
            return _json(404, UNKNOWN_EVENT)
        await self.delete(eid)
        return web.Response(status=204)

    async def _dispatch(self, name: str, event: dict[str, Any]) -> None:
        """As Discord: only to a bot that asked for the GUILD_SCHEDULED_EVENTS intent."""
        asked = self.s.identify_payloads and int(self.s.identify_payloads[-1].get("intents", 0)) & (
            GUILD_SCHEDULED_EVENTS_INTENT
        )
        if asked:
            await self.s.dispatch_event(name, event, shard=self.s.shard_of(event["guild_id"]))

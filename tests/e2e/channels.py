"""Guild text channels, roles, permissions, threads and DMs for the Discord stand-in (issue 13).

:class:`ChannelWorld` is the part of :class:`~tests.e2e.standin.DiscordStandIn` that announcements need
(``stand_in.world``). Discord's rules, as it follows them:

* **Permissions** are computed the Discord way (:func:`compute_permissions`): the guild owner has all;
  else the @everyone role's permissions OR the member's roles'; ADMINISTRATOR means all; then the
  channel's @everyone overwrite, the member's role overwrites together, the member's own overwrite; no
  View Channel means nothing, no Send Messages means no Embed Links / Attach Files / Mention Everyone.
  A thread takes its parent channel's permissions.
* ``POST /channels/{id}/messages``: 404 ``10003`` for an unknown channel; 403 ``50001`` Missing Access
  without View Channel; 403 ``50013`` Missing Permissions without Send Messages (Send Messages in
  Threads in a thread) or, when the body has embeds, without Embed Links (Discord would post the
  message with its embeds silently dropped; the stand-in refuses it so a test notices); 403 ``50007``
  to a user whose DMs are closed (:meth:`ChannelWorld.close_dms`); 400 ``50006`` for an empty message;
  the body checked against ``MessageCreateRequest``. ``nonce`` with ``enforce_nonce``: a second create
  with the same nonce in the same channel within :attr:`ChannelWorld.nonce_window` seconds returns the
  first message and creates nothing (404 ``10008`` if that message was deleted). The nonce is echoed in
  the create answer only, as Discord does: history does not carry it.
* ``GET /channels/{id}/messages`` (``limit``, ``before``, ``after``): newest first; [] without Read
  Message History.
* ``POST /channels/{id}/messages/{mid}/threads`` (``CreateTextThreadWithMessageRequest``): needs Create
  Public Threads; a public thread (type 11) whose id is the message's; 400 ``160004`` if the message
  already has one; THREAD_CREATE is dispatched to the bot.
* ``POST /users/@me/channels`` (``CreatePrivateChannelRequest``): the DM channel with a known user
  (the stand-in's users or :meth:`ChannelWorld.add_user`); 400 ``50033`` for anyone else.

Tests move the world with :meth:`~ChannelWorld.add_text_channel`, :meth:`~ChannelWorld.set_overwrites`
(CHANNEL_UPDATE), :meth:`~ChannelWorld.add_role` (GUILD_ROLE_CREATE + GUILD_MEMBER_UPDATE) and
:meth:`~ChannelWorld.set_role_permissions` (GUILD_ROLE_UPDATE), and make Discord misbehave with
:meth:`~ChannelWorld.rate_limit` (429 with ``retry_after``) and :meth:`~ChannelWorld.lose_responses`
(the message is created but the answer is a 5xx or a dropped connection: an unknown outcome).
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aiohttp import web

if TYPE_CHECKING:
    from .standin import DiscordStandIn, Fault, RecordedRequest

ADMINISTRATOR = 1 << 3
VIEW_CHANNEL = 1 << 10
SEND_MESSAGES = 1 << 11
SEND_TTS_MESSAGES = 1 << 12
EMBED_LINKS = 1 << 14
ATTACH_FILES = 1 << 15
READ_MESSAGE_HISTORY = 1 << 16
MENTION_EVERYONE = 1 << 17
CREATE_PUBLIC_THREADS = 1 << 35
SEND_MESSAGES_IN_THREADS = 1 << 38
SEND_POLLS = 1 << 49
ALL_PERMISSIONS = (1 << 53) - 1  # every bit Discord has defined so far

GUILD_TEXT, DM, GUILD_VOICE, PUBLIC_THREAD, GUILD_STAGE_VOICE = 0, 1, 2, 11, 13
HAS_THREAD = 1 << 5  # message flag

MISSING_ACCESS = {"message": "Missing Access", "code": 50001}
MISSING_PERMISSIONS = {"message": "Missing Permissions", "code": 50013}
CANNOT_DM = {"message": "Cannot send messages to this user", "code": 50007}
EMPTY_MESSAGE = {"message": "Cannot send an empty message", "code": 50006}
INVALID_RECIPIENT = {"message": "Invalid Recipient(s)", "code": 50033}
THREAD_EXISTS = {"message": "A thread has already been created for this message", "code": 160004}
UNKNOWN_CHANNEL = {"message": "Unknown Channel", "code": 10003}
UNKNOWN_MESSAGE = {"message": "Unknown Message", "code": 10008}

MESSAGES = re.compile(r"^/channels/\d+/messages$")
THREADS = re.compile(r"^/channels/\d+/messages/\d+/threads$")
DMS = re.compile(r"^/users/@me/channels$")
#: Which requests each kind of :meth:`ChannelWorld.rate_limit` matches.
ROUTE_KINDS = {"message": MESSAGES, "thread": THREADS, "dm": DMS}


def _json(status: int, data: Any) -> web.Response:
    return web.Response(
        status=status, body=json.dumps(data).encode(), headers={"Content-Type": "application/json"}
    )


def compute_permissions(guild: dict[str, Any], channel: dict[str, Any], member: dict[str, Any]) -> int:
    """The member's permissions in the channel, as Discord computes them (payload dicts in, an int out)."""
    user_id = member["user"]["id"]
    if guild.get("owner_id") == user_id:
        return ALL_PERMISSIONS
    roles = {r["id"]: r for r in guild["roles"]}
    member_roles = [rid for rid in member.get("roles", []) if rid in roles and rid != guild["id"]]
    perms = int(roles[guild["id"]]["permissions"])
    for rid in member_roles:
        perms |= int(roles[rid]["permissions"])
    if perms & ADMINISTRATOR:
        return ALL_PERMISSIONS
    overwrites = {o["id"]: o for o in channel.get("permission_overwrites") or []}
    everyone = overwrites.get(guild["id"])
    if everyone:
        perms = (perms & ~int(everyone["deny"])) | int(everyone["allow"])
    allow = deny = 0
    for rid in member_roles:
        o = overwrites.get(rid)
        if o and int(o.get("type", 0)) == 0:
            allow, deny = allow | int(o["allow"]), deny | int(o["deny"])
    perms = (perms & ~deny) | allow
    own = overwrites.get(user_id)
    if own and int(own.get("type", 1)) == 1:
        perms = (perms & ~int(own["deny"])) | int(own["allow"])
    if not perms & VIEW_CHANNEL:
        return 0
    if not perms & SEND_MESSAGES:
        perms &= ~(SEND_TTS_MESSAGES | MENTION_EVERYONE | EMBED_LINKS | ATTACH_FILES)
    return perms


def overwrite(target_id: str, *, allow: int = 0, deny: int = 0, member: bool = False) -> dict[str, Any]:
    """A permission overwrite payload (type 0 role, 1 member)."""
    return {"id": target_id, "type": 1 if member else 0, "allow": str(allow), "deny": str(deny)}


@dataclass
class LostResponse:
    """The next ``remaining`` message creates in matching channels are done, but answered with ``status``
    (None: the connection is dropped without an answer)."""

    channel_id: str | None
    status: int | None
    remaining: int


class ChannelWorld:
    """Channels, roles, threads and DMs of the stand-in's guilds, and the routes that use them."""

    def __init__(self, stand_in: DiscordStandIn, *, nonce_window: float = 300.0) -> None:
        self.s = stand_in
        self.nonce_window = nonce_window
        self.channels: dict[str, dict[str, Any]] = {}  # channels added by tests, by id (with guild_id)
        self.roles: dict[str, dict[str, Any]] = {}  # roles added by tests, by id (with guild_id)
        self.threads: dict[str, dict[str, Any]] = {}  # threads the bot opened, by id
        self.dms_closed: set[str] = set()
        self.users: dict[str, dict[str, Any]] = {}
        self._role_perms: dict[str, str] = {}  # permission changes of the stand-in's own roles
        self._overwrites: dict[str, list[dict[str, Any]]] = {}  # overwrite changes of its own channels
        self._bot_roles: dict[str, list[str]] = {}  # roles added to the bot, per guild
        self._nonces: dict[tuple[str, str], tuple[str, float]] = {}
        self._lost: list[LostResponse] = []
        self._dms_by_id: dict[str, dict[str, Any]] = {}  # DM channels by channel id
        # When set: a message create is made, then its answer waits for this event (a test kills the bot
        # process meanwhile: a crash between the post and the bot's bookkeeping).
        self.hold_answers: asyncio.Event | None = None

    # ------------------------------------------------------------------ the world as payloads

    def extend_guild(self, payload: dict[str, Any]) -> dict[str, Any]:
        """The stand-in's GUILD_CREATE payload for a guild with the world's changes applied."""
        gid = payload["id"]
        for role in payload["roles"]:
            if role["id"] in self._role_perms:
                role["permissions"] = self._role_perms[role["id"]]
        payload["roles"] += [self._role_payload(r) for r in self.roles.values() if r["guild_id"] == gid]
        for channel in payload["channels"]:
            if channel["id"] in self._overwrites:
                channel["permission_overwrites"] = self._overwrites[channel["id"]]
        payload["channels"] += [
            {k: v for k, v in c.items() if k != "guild_id"}
            for c in self.channels.values()
            if c["guild_id"] == gid
        ]
        payload["threads"] += [t for t in self.threads.values() if t["guild_id"] == gid]
        for member in payload["members"]:
            if member["user"]["id"] == self.s.bot_user_id:
                member["roles"] = [*member["roles"], *self._bot_roles.get(gid, [])]
        return payload

    def _role_payload(self, role: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in role.items() if k != "guild_id"}

    def channel(self, channel_id: str) -> dict[str, Any] | None:
        """A channel's payload (with ``guild_id`` for a guild channel), a thread's, a DM's, or None."""
        if channel_id in self.threads:
            return self.threads[channel_id]
        dms = self.s._dm_channels
        if len(self._dms_by_id) != len(dms):  # DM channels are only ever added
            self._dms_by_id = {dm["id"]: dm for dm in dms.values()}
        if channel_id in self._dms_by_id:
            return self._dms_by_id[channel_id]
        gid = self._guild_holding(channel_id)
        if gid is None:
            return None
        found = next(c for c in self.s.guild_payload(gid)["channels"] if c["id"] == channel_id)
        return {**found, "guild_id": gid}

    def _guild_holding(self, channel_id: str) -> str | None:
        """Which guild has the channel (one payload is built per lookup, not one per guild)."""
        if channel_id in self.channels:
            return self.channels[channel_id]["guild_id"]
        s = self.s
        if channel_id in (s.channel_id, s.category_id, s.voice_channel_id):
            return s.guild_id
        return s._channel_guilds.get(channel_id)  # the channels of the guilds added with add_guild()

    def guild_of(self, channel_id: str) -> str | None:
        found = self.channel(channel_id)
        return found.get("guild_id") if found else None

    def bot_permissions(self, channel_id: str) -> int:
        """The bot's permissions in a guild channel or thread (a thread's are its parent's)."""
        channel = self.channel(channel_id)
        if channel is None or "guild_id" not in channel:
            raise KeyError(f"{channel_id} is not a guild channel of the stand-in")
        if channel["type"] == PUBLIC_THREAD:
            return self.bot_permissions(channel["parent_id"])
        guild = self.s.guild_payload(channel["guild_id"])
        bot = next(m for m in guild["members"] if m["user"]["id"] == self.s.bot_user_id)
        return compute_permissions(guild, channel, bot)

    def messages_in(self, channel_id: str) -> list[dict[str, Any]]:
        """The messages in a channel now (deleted ones gone), oldest first."""
        found = [m for m in self.s.messages.values() if m["channel_id"] == channel_id]
        return sorted(found, key=lambda m: int(m["id"]))

    def dm_channel_of(self, user_id: str) -> dict[str, Any] | None:
        return self.s._dm_channels.get(user_id)

    # ------------------------------------------------------------------ moving the world (tests)

    def add_user(self, name: str, *, dms_open: bool = True) -> dict[str, Any]:
        """A user the bot may DM; with ``dms_open=False`` their DMs are closed (50007)."""
        user = self.s.make_user(name)
        self.users[user["id"]] = user
        if not dms_open:
            self.dms_closed.add(user["id"])
        return user

    def close_dms(self, user_id: str, closed: bool = True) -> None:
        (self.dms_closed.add if closed else self.dms_closed.discard)(user_id)

    async def add_text_channel(
        self, name: str, *, guild_id: str | None = None, overwrites: list[dict[str, Any]] | tuple = ()
    ) -> str:
        """A new text channel (CHANNEL_CREATE); returns its id."""
        gid = guild_id or self.s.guild_id
        cid = self.s.snowflake()
        self.channels[cid] = {
            "id": cid, "type": GUILD_TEXT, "guild_id": gid, "name": name, "position": len(self.channels) + 2,
            "parent_id": None, "topic": None, "nsfw": False, "last_message_id": None, "rate_limit_per_user": 0,
            "permission_overwrites": list(overwrites), "flags": 0,
        }  # fmt: skip
        await self._dispatch("CHANNEL_CREATE", self.channels[cid], gid)
        return cid

    async def add_voice_channel(
        self, name: str, *, guild_id: str | None = None, overwrites: list[dict[str, Any]] | tuple = (),
        stage: bool = False,
    ) -> str:  # fmt: skip
        """A new voice channel (or, with ``stage``, a stage channel) (CHANNEL_CREATE); returns its id."""
        gid = guild_id or self.s.guild_id
        cid = self.s.snowflake()
        self.channels[cid] = {
            "id": cid, "type": GUILD_STAGE_VOICE if stage else GUILD_VOICE, "guild_id": gid, "name": name,
            "position": len(self.channels) + 2, "parent_id": None, "bitrate": 64000, "user_limit": 0,
            "rtc_region": None, "nsfw": False, "rate_limit_per_user": 0, "permission_overwrites": list(overwrites),
            "flags": 0,
        }  # fmt: skip
        await self._dispatch("CHANNEL_CREATE", self.channels[cid], gid)
        return cid

    async def add_stage_channel(
        self, name: str, *, guild_id: str | None = None, overwrites: list[dict[str, Any]] | tuple = ()
    ) -> str:
        """A new stage channel (CHANNEL_CREATE); returns its id."""
        return await self.add_voice_channel(name, guild_id=guild_id, overwrites=overwrites, stage=True)

    async def set_overwrites(self, channel_id: str, overwrites: list[dict[str, Any]]) -> None:
        """Replace a channel's permission overwrites (CHANNEL_UPDATE)."""
        if channel_id in self.channels:
            self.channels[channel_id]["permission_overwrites"] = list(overwrites)
        else:
            self._overwrites[channel_id] = list(overwrites)
        channel = self.channel(channel_id)
        if channel is None:
            raise KeyError(channel_id)
        await self._dispatch("CHANNEL_UPDATE", channel, channel["guild_id"])

    async def add_role(
        self, name: str, permissions: int, *, guild_id: str | None = None, give_to_bot: bool = True
    ) -> str:
        """A new role (GUILD_ROLE_CREATE), given to the bot member unless ``give_to_bot`` is False."""
        gid = guild_id or self.s.guild_id
        rid = self.s.snowflake()
        self.roles[rid] = {
            "id": rid, "guild_id": gid, "name": name, "color": 0,
            "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
            "hoist": False, "icon": None, "unicode_emoji": None, "position": 2 + len(self.roles),
            "permissions": str(permissions), "managed": False, "mentionable": False, "flags": 0,
        }  # fmt: skip
        await self._dispatch(
            "GUILD_ROLE_CREATE", {"guild_id": gid, "role": self._role_payload(self.roles[rid])}, gid
        )
        if give_to_bot:
            self._bot_roles.setdefault(gid, []).append(rid)
            bot = next(
                m for m in self.s.guild_payload(gid)["members"] if m["user"]["id"] == self.s.bot_user_id
            )
            await self._dispatch("GUILD_MEMBER_UPDATE", {**bot, "guild_id": gid}, gid)
        return rid

    async def set_role_permissions(
        self, role_id: str, permissions: int, *, guild_id: str | None = None
    ) -> None:
        """Change a role's permissions (GUILD_ROLE_UPDATE): an added role, @everyone (the guild's id) or
        the bot's managed role."""
        gid = guild_id or (self.roles[role_id]["guild_id"] if role_id in self.roles else self.s.guild_id)
        if role_id in self.roles:
            self.roles[role_id]["permissions"] = str(permissions)
        else:
            self._role_perms[role_id] = str(permissions)
        role = next(r for r in self.s.guild_payload(gid)["roles"] if r["id"] == role_id)
        await self._dispatch("GUILD_ROLE_UPDATE", {"guild_id": gid, "role": role}, gid)

    async def _dispatch(self, name: str, data: dict[str, Any], guild_id: str) -> None:
        await self.s.dispatch_event(name, data, shard=self.s.shard_of(guild_id))

    # ------------------------------------------------------------------ faults

    def rate_limit(
        self,
        n: int = 1,
        *,
        retry_after: float = 0.2,
        kinds: tuple[str, ...] = ("message",),
        is_global: bool = False,
    ) -> Fault:
        """Answer the next ``n`` requests of ``kinds`` ('message', 'thread', 'dm') with 429 and ``retry_after``."""
        patterns = [ROUTE_KINDS[k] for k in kinds]
        return self.s.fail_requests(
            lambda method, path: method == "POST" and any(p.match(path) for p in patterns),
            429,
            n,
            retry_after=retry_after,
            is_global=is_global,
        )

    def lose_responses(
        self, n: int = 1, *, status: int | None = 502, channel_id: str | None = None
    ) -> LostResponse:
        """The next ``n`` message creates (in ``channel_id``, or anywhere) happen, but the bot gets ``status``
        instead of the message, or (``status=None``) a dropped connection."""
        lost = LostResponse(channel_id, status, n)
        self._lost.append(lost)
        return lost

    def _take_lost(self, channel_id: str) -> LostResponse | None:
        for lost in self._lost:
            if lost.remaining > 0 and lost.channel_id in (None, channel_id):
                lost.remaining -= 1
                return lost
        return None

    # ------------------------------------------------------------------ routes

    def routes(self) -> list[tuple[str, re.Pattern[str], Any, bool]]:
        r = re.compile
        return [
            ("GET", r(r"^/channels/(?P<cid>\d+)/messages$"), self._get_messages, True),
            ("POST", r(r"^/channels/(?P<cid>\d+)/messages/(?P<mid>\d+)/threads$"), self._post_thread, True),
            ("POST", r(r"^/users/@me/channels$"), self._post_dm, True),
        ]

    def _refusal(self, channel: dict[str, Any], body: dict[str, Any]) -> web.Response | None:
        """The 403 Discord answers a message create in ``channel`` with, or None when it may post."""
        if channel["type"] == DM:
            recipient = channel["recipients"][0]["id"]
            return _json(403, CANNOT_DM) if recipient in self.dms_closed else None
        perms = self.bot_permissions(channel["id"])
        if not perms & VIEW_CHANNEL:
            return _json(403, MISSING_ACCESS)
        send = SEND_MESSAGES_IN_THREADS if channel["type"] == PUBLIC_THREAD else SEND_MESSAGES
        if not perms & send or (body.get("embeds") and not perms & EMBED_LINKS):
            return _json(403, MISSING_PERMISSIONS)
        if body.get("poll") and not perms & SEND_POLLS:
            return _json(403, MISSING_PERMISSIONS)
        return None

    async def post_message(self, request: web.Request, rec: RecordedRequest, cid: str) -> web.Response:
        """``POST /channels/{cid}/messages`` in any channel the stand-in knows."""
        channel = self.channel(cid)
        if channel is None:
            return _json(404, UNKNOWN_CHANNEL)
        body = rec.body or {}
        rejected = self.s._reject_invalid(rec, "channel_message", body)
        if rejected is not None:
            return rejected
        rejected = self.s.polls.reject(rec, body)  # a poll's rules (tests/e2e/polls.py)
        if rejected is not None:
            return rejected
        refusal = self._refusal(channel, body)
        if refusal is not None:
            return refusal
        if (
            not any(body.get(k) for k in ("content", "embeds", "sticker_ids", "components", "poll"))
            and not rec.files
        ):
            return _json(400, EMPTY_MESSAGE)
        nonce = body.get("nonce")
        key = (cid, str(nonce))
        if nonce is not None and body.get("enforce_nonce"):
            earlier = self._nonces.get(key)
            if earlier is not None and time.monotonic() - earlier[1] <= self.nonce_window:
                message = self.s.messages.get(earlier[0])
                if message is None:
                    return _json(404, UNKNOWN_MESSAGE)
                return _json(200, {**message, "nonce": nonce})
        mtype = 19 if body.get("message_reference") else 0
        message = self.s._new_message(body, channel_id=cid, files=rec.files, mtype=mtype)
        self.s.polls.attach(message, body)
        self.s.channel_messages.append(message)
        earlier = self._nonces.get(key)
        if nonce is not None and (earlier is None or time.monotonic() - earlier[1] > self.nonce_window):
            self._nonces[key] = (message["id"], time.monotonic())  # the first message with it is the one
        if self.hold_answers is not None:
            await self.hold_answers.wait()
        lost = self._take_lost(cid)
        if lost is not None:
            if lost.status is None:
                assert request.transport is not None
                request.transport.close()
            return _json(lost.status or 502, {"message": f"{lost.status}: Bad Gateway", "code": 0})
        return _json(200, {**message, "nonce": nonce} if nonce is not None else message)

    async def _get_messages(self, request: web.Request, rec: RecordedRequest, cid: str) -> web.Response:
        channel = self.channel(cid)
        if channel is None:
            return _json(404, UNKNOWN_CHANNEL)
        if channel["type"] != DM:
            perms = self.bot_permissions(cid)
            if not perms & VIEW_CHANNEL:
                return _json(403, MISSING_ACCESS)
            if not perms & READ_MESSAGE_HISTORY:
                return _json(200, [])
        limit = max(1, min(100, int(rec.query.get("limit", 50))))
        found = [m for m in self.messages_in(cid) if not m.get("flags", 0) & (1 << 6)]
        if "after" in rec.query:
            found = [m for m in found if int(m["id"]) > int(rec.query["after"])][:limit]
        else:
            if "before" in rec.query:
                found = [m for m in found if int(m["id"]) < int(rec.query["before"])]
            found = found[-limit:]
        return _json(200, list(reversed(found)))

    async def _post_thread(
        self, request: web.Request, rec: RecordedRequest, cid: str, mid: str
    ) -> web.Response:
        channel = self.channel(cid)
        if channel is None or channel["type"] != GUILD_TEXT:
            return _json(404, UNKNOWN_CHANNEL)
        body = rec.body or {}
        rejected = self.s._reject_invalid(rec, "thread_from_message", body)
        if rejected is not None:
            return rejected
        perms = self.bot_permissions(cid)
        if not perms & VIEW_CHANNEL:
            return _json(403, MISSING_ACCESS)
        if not perms & CREATE_PUBLIC_THREADS:
            return _json(403, MISSING_PERMISSIONS)
        message = self.s.messages.get(mid)
        if message is None or message["channel_id"] != cid:
            return _json(404, UNKNOWN_MESSAGE)
        if mid in self.threads:
            return _json(400, THREAD_EXISTS)
        thread = {
            "id": mid, "type": PUBLIC_THREAD, "guild_id": channel["guild_id"], "parent_id": cid,
            "owner_id": self.s.bot_user_id, "name": body["name"], "last_message_id": None,
            "rate_limit_per_user": body.get("rate_limit_per_user") or 0, "message_count": 0, "member_count": 1,
            "total_message_sent": 0, "flags": 0, "applied_tags": [],
            "thread_metadata": {
                "archived": False, "locked": False, "auto_archive_duration": body.get("auto_archive_duration") or 1440,
                "archive_timestamp": message["timestamp"],
            },
        }  # fmt: skip
        self.threads[mid] = thread
        message["thread"] = thread
        message["flags"] = message.get("flags", 0) | HAS_THREAD
        await self._dispatch("THREAD_CREATE", {**thread, "newly_created": True}, channel["guild_id"])
        return _json(201, thread)

    async def _post_dm(self, request: web.Request, rec: RecordedRequest) -> web.Response:
        body = rec.body or {}
        rejected = self.s._reject_invalid(rec, "dm_create", body)
        if rejected is not None:
            return rejected
        known = {u["id"]: u for u in (self.s.owner, self.s.default_user, *self.users.values())}
        user = known.get(str(body.get("recipient_id")))
        if user is None:
            return _json(400, INVALID_RECIPIENT)
        channel = self.s._dm_channels.setdefault(
            user["id"],
            {"id": self.s.snowflake(), "type": DM, "last_message_id": None, "flags": 0, "recipients": [user]},
        )
        return _json(200, channel)

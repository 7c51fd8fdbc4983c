"""Interactions through a member's own install of the app (a "user install"), as Discord sends them.

`invoke(..., install="user", context=0|1|2)` on the stand-in builds them here:

* context 0, a server where the bot is NOT installed (:attr:`UserInstalls.outside_guild_id`): `guild_id`, a
  partial `guild`, the member with their permissions, a channel the bot cannot see, and `app_permissions`
  limited to what a user-installed app gets there (:data:`USER_APP_PERMISSIONS`);
* context 1, the member's DM with the bot;
* context 2, a group DM (a private channel, channel type 3) of the member and a friend.

Every one carries `authorizing_integration_owners` {"1": <the member's id>} and `context`. Discord's rules,
enforced here:

* a command is offered only when its synced `integration_types` hold 1 and its `contexts` hold the context
  (`CommandNotSynced` otherwise, as Discord's client would not offer it); guild-scoped commands never are;
* the bot cannot use channel endpoints for a channel it cannot see (the outside server's, a group DM):
  403 Missing Access and a violation;
* an app used through a user install may send at most 5 follow-ups per interaction (Discord's change log,
  "User-Installed Apps General Availability", June 2024); the 6th is refused (400) and is a violation;
* in a server without the bot, a member without Use External Apps sees the app's answers alone: Discord
  turns a public answer ephemeral (the stand-in does the same, and records it in :attr:`forced_ephemeral`).
"""

from __future__ import annotations

import copy
import re
from typing import TYPE_CHECKING, Any

from aiohttp import web

if TYPE_CHECKING:
    from .standin import DiscordStandIn, Result

USER_INSTALL = 1
GUILD_INSTALL = 0
CONTEXTS = (0, 1, 2)  # GUILD, BOT_DM, PRIVATE_CHANNEL
EPHEMERAL = 1 << 6
USE_EXTERNAL_APPS = 1 << 50
#: What a user-installed app may do in a server that did not install it (app_permissions): embed links,
#: attach files, mention everyone, use external emojis; no view or send of the channel.
USER_APP_PERMISSIONS = str((1 << 14) | (1 << 15) | (1 << 17) | (1 << 18))
MAX_FOLLOWUPS = 5
_CHANNEL_PATH = re.compile(r"^/channels/(?P<cid>\d+)(?:/|$)")
_MISSING_ACCESS = {"message": "Missing Access", "code": 50001}
_TOO_MANY_FOLLOWUPS = {"message": "Maximum number of follow-up messages reached (5)", "code": 0}


class UserInstalls:
    """The user-install side of the stand-in (one per :class:`DiscordStandIn`)."""

    def __init__(self, stand_in: DiscordStandIn) -> None:
        self.stand_in = stand_in
        self.outside_guild_id = stand_in.snowflake()  # a server the bot is not in
        self.outside_channel_id = stand_in.snowflake()
        self.friend = stand_in.make_user("friend")  # the other member of group DMs
        self._group_dms: dict[str, dict[str, Any]] = {}  # user id -> their group DM with the friend
        self.hidden_channels: set[str] = {self.outside_channel_id}  # channels the bot cannot see
        self.refused_followups = 0
        self.forced_ephemeral: list[str] = []  # ids of interactions whose public answer Discord made private

    # ------------------------------------------------------------------ building interactions

    @staticmethod
    def is_user_install(payload: dict[str, Any]) -> bool:
        """Through a user install only: no guild install authorizes it (Discord's follow-up limit applies)."""
        owners = payload.get("authorizing_integration_owners") or {}
        return str(USER_INSTALL) in owners and str(GUILD_INSTALL) not in owners

    def check_usable(self, definition: dict[str, Any], context: int, guild_scoped: bool) -> None:
        """Raise CommandNotSynced when Discord's client would not offer the command through a user install
        in `context`."""
        from .standin import CommandNotSynced

        name = definition["name"]
        if context not in CONTEXTS:
            raise ValueError(f"context must be one of {CONTEXTS}, not {context!r}")
        if guild_scoped:
            raise CommandNotSynced(f"/{name} is a guild command: a user install offers only global commands")
        if USER_INSTALL not in (definition.get("integration_types") or [GUILD_INSTALL]):
            raise CommandNotSynced(
                f"/{name} is not installable to a user (integration_types {definition.get('integration_types')})"
            )
        contexts = definition.get("contexts")
        if contexts is not None and context not in contexts:
            raise CommandNotSynced(f"/{name} is not available in context {context} (contexts {contexts})")

    def group_dm(self, user: dict[str, Any]) -> dict[str, Any]:
        """The member's group DM with the friend (a private channel, type 3), the bot not in it."""
        channel = self._group_dms.get(user["id"])
        if channel is None:
            channel = {
                "id": self.stand_in.snowflake(), "type": 3, "name": None, "icon": None, "owner_id": user["id"],
                "last_message_id": None, "flags": 0, "recipients": [user, self.friend],
            }  # fmt: skip
            self._group_dms[user["id"]] = channel
            self.hidden_channels.add(channel["id"])
        return channel

    def outside_channel(self) -> dict[str, Any]:
        return {
            "id": self.outside_channel_id, "type": 0, "guild_id": self.outside_guild_id, "name": "chat",
            "position": 0, "parent_id": None, "topic": None, "nsfw": False, "last_message_id": None,
            "rate_limit_per_user": 0, "permission_overwrites": [], "flags": 0,
        }  # fmt: skip

    def as_user_install(
        self, payload: dict[str, Any], user: dict[str, Any], context: int, permissions: str
    ) -> dict[str, Any]:
        """`payload`, built as a DM with the bot, turned into the same interaction through `user`'s own
        install in `context`."""
        payload = copy.deepcopy(payload)
        payload["authorizing_integration_owners"] = {str(USER_INSTALL): user["id"]}
        payload["context"] = context
        payload["app_permissions"] = USER_APP_PERMISSIONS
        resolved = (payload.get("data") or {}).get("resolved") or {}
        if context == 0:
            for key in ("user", "channel", "channel_id"):
                payload.pop(key, None)
            channel = self.outside_channel()
            payload.update(
                guild_id=self.outside_guild_id,
                guild={"id": self.outside_guild_id, "locale": "en-US", "features": []},
                guild_locale="en-US", channel_id=channel["id"], channel=channel,
                member=self.stand_in.make_member(user, permissions=permissions),
            )  # fmt: skip
            users = resolved.get("users") or {}
            if users:  # members of that server: Discord resolves them as members too
                resolved["members"] = {
                    uid: {k: v for k, v in self.stand_in.make_member(u).items() if k not in ("user", "deaf", "mute")}
                    for uid, u in users.items()
                }  # fmt: skip
        elif context == 2:
            channel = self.group_dm(user)
            payload.update(channel_id=channel["id"], channel=channel)
            resolved.pop("members", None)
        return payload

    def click_payload(
        self, payload: dict[str, Any], message: dict[str, Any], user: dict[str, Any]
    ) -> dict[str, Any]:
        """A click on a message answered through a user install comes through that install, from where the
        message is."""
        meta = message.get("interaction_metadata") or {}
        if not self.is_user_install(meta):
            return payload
        cid = message.get("channel_id")
        if cid == self.outside_channel_id:
            context = 0
        elif any(c["id"] == cid for c in self._group_dms.values()):
            context = 2
        else:
            context = 1
        member = payload.get("member") or {}
        built = self.as_user_install(payload, user, context, member.get("permissions") or "0")
        if context != 0:
            built["channel_id"] = cid
            built["channel"] = {**built["channel"], "id": cid}
        return built

    # ------------------------------------------------------------------ what the bot sends

    def refuse_channel(self, method: str, path: str) -> web.Response | None:
        """403 for a channel endpoint of a channel the bot cannot see (and a violation)."""
        match = _CHANNEL_PATH.match(path)
        if match is None or match["cid"] not in self.hidden_channels:
            return None
        self.stand_in._violation(f"{method} {path}", "channel endpoint for a channel the bot cannot see "
                                 "(reached only through a user install)")  # fmt: skip
        return web.json_response(_MISSING_ACCESS, status=403)

    def refuse_followup(self, result: Result, route: str) -> web.Response | None:
        """400 for a 6th follow-up of an interaction through a user install (and a violation)."""
        if not self.is_user_install(result.interaction) or len(result.followups) < MAX_FOLLOWUPS:
            return None
        self.refused_followups += 1
        self.stand_in._violation(route, f"more than {MAX_FOLLOWUPS} follow-ups through a user install")
        return web.json_response(_TOO_MANY_FOLLOWUPS, status=400)

    def answer_flags(self, result: Result, flags: int) -> int:
        """The flags Discord gives an answer: ephemeral, whatever the bot asked, in a server without the bot
        when the member may not use external apps."""
        payload = result.interaction
        if not self.is_user_install(payload) or payload.get("context") != 0 or flags & EPHEMERAL:
            return flags
        member_permissions = int((payload.get("member") or {}).get("permissions") or 0)
        if member_permissions & USE_EXTERNAL_APPS:
            return flags
        self.forced_ephemeral.append(result.id)
        return flags | EPHEMERAL

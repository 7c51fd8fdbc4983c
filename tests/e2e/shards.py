"""Gateway sharding for the Discord stand-in (see :class:`~tests.e2e.standin.DiscordStandIn`, ``shard_count``).

Discord's rules, as the stand-in follows them:

* ``GET /gateway/bot`` tells the shard count and the ``session_start_limit`` (``max_concurrency``: how many
  shards may IDENTIFY together, in buckets ``shard_id % max_concurrency``);
* each shard is its own gateway session: IDENTIFY carries ``shard: [shard_id, num_shards]``; a session
  without it is closed with 4011 (sharding required) when the application has more than one shard, and a
  malformed or wrong one with 4010 (invalid shard);
* a guild's events go to shard ``(guild_id >> 22) % num_shards``; DMs go to shard 0;
* a session may hold at most 2,500 guilds: an IDENTIFY whose shard would hold more is closed with 4011;
  ``GET /gateway/bot`` recommends one shard per 1,000 guilds. Unless the stand-in is given a fixed
  ``shard_count``, the bot may pick its shard count, as on Discord (all its live sessions must agree).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "ExtraGuild",
    "Session",
    "check_identify_shard",
    "check_shard_size",
    "remap",
    "shard_for",
    "snowflake_on_shard",
]

INVALID_SHARD = 4010
SHARDING_REQUIRED = 4011
#: A session may hold at most this many guilds (more: 4011); ``GET /gateway/bot`` recommends one shard
#: per GUILDS_PER_SHARD guilds.
MAX_GUILDS_PER_SESSION = 2500
GUILDS_PER_SHARD = 1000


def shard_for(guild_id: str | int | None, shard_count: int) -> int:
    """The shard a guild's events go to (DMs, ``guild_id`` None: shard 0)."""
    return 0 if guild_id is None else (int(guild_id) >> 22) % shard_count


def snowflake_on_shard(snowflake: str, shard: int, shard_count: int) -> str:
    """``snowflake`` with its timestamp moved back by less than ``shard_count`` ms so it lands on ``shard``
    (the low 22 bits, which keep ids unique, are unchanged)."""
    value = int(snowflake)
    ms = value >> 22
    ms -= (ms - shard) % shard_count
    return str((ms << 22) | (value & 0x3FFFFF))


def check_identify_shard(value: Any, shard_count: int) -> tuple[int, tuple[int, str] | None]:
    """The shard an IDENTIFY asks for, or the close (code, reason) Discord would answer it with."""
    if value is None:
        if shard_count > 1:
            return 0, (SHARDING_REQUIRED, f"Sharding required: this application has {shard_count} shards.")
        return 0, None
    if (
        not isinstance(value, list)
        or len(value) != 2
        or not all(isinstance(v, int) and not isinstance(v, bool) for v in value)
    ):
        return 0, (INVALID_SHARD, f"Invalid shard: expected [shard_id, num_shards], got {value!r}.")
    shard_id, num_shards = value
    if num_shards != shard_count or not 0 <= shard_id < num_shards:
        return 0, (INVALID_SHARD, f"Invalid shard: {value!r} (the stand-in has {shard_count} shard(s)).")
    return shard_id, None


def check_shard_size(guilds: int) -> tuple[int, str] | None:
    """The close Discord answers an IDENTIFY with when the session would hold ``guilds`` guilds: 4011
    above 2,500."""
    if guilds > MAX_GUILDS_PER_SESSION:
        return (
            SHARDING_REQUIRED,
            f"Sharding required: a session may hold {MAX_GUILDS_PER_SESSION} guilds, not {guilds}.",
        )
    return None


def remap(obj: Any, mapping: dict[str, str]) -> Any:
    """A deep copy of ``obj`` with every string equal to a key of ``mapping`` replaced (ids of one guild
    turned into another's)."""
    if isinstance(obj, dict):
        return {k: remap(v, mapping) for k, v in obj.items()}
    if isinstance(obj, list):
        return [remap(v, mapping) for v in obj]
    if isinstance(obj, str):
        return mapping.get(obj, obj)
    return obj


@dataclass
class ExtraGuild:
    """A guild besides the stand-in's main one: the same world (channels, roles) under ids of its own."""

    id: str
    name: str
    channel_id: str
    category_id: str
    bot_role_id: str
    voice_channel_id: str


@dataclass
class Session:
    """One shard's gateway session: its id, sequence, events kept for RESUME, and the live connection."""

    shard: int
    session_id: str | None = None
    seq: int = 0
    buffer: list[tuple[int, str]] = field(default_factory=list)  # (sequence, the serialised frame)
    active: Any = None  # the _Connection carrying the session now, if any

    @property
    def connected(self) -> bool:
        return self.active is not None and not self.active.ws.closed

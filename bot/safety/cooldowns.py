"""Per-member cooldowns for the commands that do heavy work: one table, one limiter type, one check.

A member over a limit gets `app_commands.CommandOnCooldown`, which the tree's error handler answers
privately; a member who floods a heavy command slows only themselves. The limiters live on the bot.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Mapping

import discord
from discord import app_commands

#: name -> (uses, per seconds) for each member: met by a script, never by hand.
LIMITS: dict[str, tuple[int, float]] = {
    "rate": (10, 30.0),  # /rate: a write and the rankings' refresh
    "miss": (5, 30.0),  # a drama text that matches nothing: the "did you mean" matcher and TMDB's title search
    "review": (10, 30.0),  # /review: the card and its episode chart (a picture)
    "where": (10, 60.0),  # /where: a live TMDB lookup per drama and region
    "match": (6, 30.0),  # /match: both members' ratings compared
    "profile": (6, 30.0),  # /profile: the member's lists, genres and score histogram (a picture)
    "export": (3, 60.0),  # /export: every row stored about the member, written as two files
    "recommend": (6, 30.0),  # /recommend: the member's scores against the drama neighbours
}


class MemberLimiter:
    """At most `rate` uses per member in any `per` seconds (a sliding window); a call touches only its
    member's timestamps, and idle members are swept out once per window."""

    def __init__(self, rate: int, per: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.cooldown = app_commands.Cooldown(rate, per)
        self.rate, self.per, self.clock = rate, per, clock
        self._uses: dict[int, deque[float]] = {}
        self._swept = clock()

    def hit(self, key: int) -> None:
        """Count one use by `key`; CommandOnCooldown (with the wait) when it is over the limit."""
        now = self.clock()
        start = now - self.per
        if now - self._swept >= self.per:
            self._swept = now
            self._uses = {k: q for k, q in self._uses.items() if q[-1] > start}
        uses = self._uses.get(key)
        if uses is None:
            uses = self._uses[key] = deque()
        while uses and uses[0] <= start:
            uses.popleft()
        if len(uses) >= self.rate:
            raise app_commands.CommandOnCooldown(self.cooldown, uses[0] + self.per - now)
        uses.append(now)


class Cooldowns:
    """One `MemberLimiter` per named limit (`LIMITS` unless given; `{}`: MEMBER_COOLDOWNS=off)."""

    def __init__(self, limits: Mapping[str, tuple[int, float]] | None = None) -> None:
        limits = LIMITS if limits is None else limits
        self._limiters = {name: MemberLimiter(rate, per) for name, (rate, per) in limits.items()}

    def hit(self, name: str, member_id: int) -> None:
        """Count a use of `name` by the member; CommandOnCooldown when over its limit (if it has one)."""
        limiter = self._limiters.get(name)
        if limiter is not None:
            limiter.hit(member_id)


def hit(interaction: discord.Interaction, name: str) -> None:
    """Count a use of `name` by the interaction's member (a client without cooldowns counts nothing)."""
    cooldowns = getattr(interaction.client, "cooldowns", None)
    if isinstance(cooldowns, Cooldowns):
        cooldowns.hit(name, interaction.user.id)


def member_cooldown(name: str) -> Callable:
    """A command check: at most LIMITS[name] uses per member, else the cooldown answer."""
    if name not in LIMITS:
        raise KeyError(f"no cooldown named {name!r}")

    async def predicate(interaction: discord.Interaction) -> bool:
        hit(interaction, name)
        return True

    return app_commands.check(predicate)

"""Per-member cooldowns for the commands that do heavy work: one table, one limiter type, one check.

A member over a limit gets `app_commands.CommandOnCooldown` (with the wait), which the tree's one error
handler answers privately in their language ("try again in N s"). Everyone else is not affected: a
member who floods a heavy command slows only themselves.

* `member_cooldown(name)`: a command check (`@member_cooldown("match")`), run before the options are
  transformed, so a refused call does no work at all;
* `Cooldowns.hit(name, member_id)`: the same limit from inside an option type, for work only some calls
  do (a drama text that matches nothing runs the "did you mean" matcher; normal calls are not counted).

The limiters live on the bot (`DramaBot.cooldowns`), not in a module: each bot counts its own members.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Mapping

import discord
from discord import app_commands

#: name -> (uses, per seconds) for each member. Generous enough that nobody using the bot by hand meets
#: them; a script firing the same heavy command again and again does.
LIMITS: dict[str, tuple[int, float]] = {
    "rate": (10, 30.0),  # /rate: a write and the rankings' refresh
    "miss": (5, 30.0),  # a drama text that matches nothing: the "did you mean" matcher and TMDB's title search
    "review": (10, 30.0),  # /review: the card and its episode chart (a picture)
    "where": (10, 60.0),  # /where: a live TMDB lookup per drama and region
    "match": (6, 30.0),  # /match: both members' ratings compared
    "profile": (6, 30.0),  # /profile: the member's lists, genres and score histogram (a picture)
}


class MemberLimiter:
    """At most `rate` uses per member in any `per` seconds (a sliding window).

    discord.py's `checks.cooldown` prunes its whole per-member table on every call, so its cost
    grew with the number of members who used the command lately; here a call touches only its
    member's few timestamps, and members idle for a whole window are swept out at most once per window.
    """

    def __init__(self, rate: int, per: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.cooldown = app_commands.Cooldown(rate, per)
        self.rate, self.per, self.clock = rate, per, clock
        self._uses: dict[int, deque[float]] = {}
        self._swept = clock()

    def __len__(self) -> int:
        return len(self._uses)

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
    """One `MemberLimiter` per named limit (`LIMITS` unless given)."""

    def __init__(
        self, limits: Mapping[str, tuple[int, float]] | None = None, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limits = dict(LIMITS if limits is None else limits)
        self._limiters = {name: MemberLimiter(rate, per, clock) for name, (rate, per) in self.limits.items()}

    def limiter(self, name: str) -> MemberLimiter:
        return self._limiters[name]

    def hit(self, name: str, member_id: int) -> None:
        """Count a use of `name` by the member; CommandOnCooldown when they are over its limit (a name
        without a limit, as with MEMBER_COOLDOWNS=off, is never limited)."""
        limiter = self._limiters.get(name)
        if limiter is not None:
            limiter.hit(member_id)


def cooldowns_of(interaction: discord.Interaction) -> Cooldowns | None:
    """The bot's cooldowns (None for a client without them, such as a bare test client)."""
    found = getattr(interaction.client, "cooldowns", None)
    return found if isinstance(found, Cooldowns) else None


def hit(interaction: discord.Interaction, name: str) -> None:
    """Count a use of `name` by the interaction's member (CommandOnCooldown when over the limit)."""
    cooldowns = cooldowns_of(interaction)
    if cooldowns is not None:
        cooldowns.hit(name, interaction.user.id)


def member_cooldown(name: str) -> Callable:
    """A command check: at most LIMITS[name] uses per member, else the cooldown answer."""
    if name not in LIMITS:
        raise KeyError(f"no cooldown named {name!r}")

    async def predicate(interaction: discord.Interaction) -> bool:
        hit(interaction, name)
        return True

    return app_commands.check(predicate)

"""Interactions by command and outcome, and how long each took to be answered.

The bot calls `begin` from its checks (the command tree's `interaction_check`, a button's or a modal's),
which run in the task that handles the interaction, and `failed` from its one error handler. When that
task ends the interaction is counted once, with its outcome, and its latency observed: from the moment
Discord created it (its snowflake's time) to the end of its handling, so the wait on the gateway counts
as it does for Discord's 3 s deadline.
"""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import Callable

import discord
from discord import app_commands
from prometheus_client import CollectorRegistry, Counter, Histogram

from bot.client import describe
from bot.errors import StoreUnavailable

#: Seconds; 3.0 is Discord's deadline for the first answer (the `le="3.0"` bucket shows who missed it).
LATENCY_BUCKETS = (0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 2.5, 3.0, 5.0, 10.0, 30.0)

KINDS = {
    discord.InteractionType.application_command: "command",
    discord.InteractionType.autocomplete: "autocomplete",
    discord.InteractionType.component: "component",
    discord.InteractionType.modal_submit: "modal",
}


def outcome_of(error: BaseException) -> str:
    """The outcome label of an interaction that failed with `error` (already unwrapped): "expired" (Discord's
    3 s window closed first), "cooldown", "unavailable" (the database), "user_error" (a clear answer to the
    member), or "error" (unexpected: answered with an error code)."""
    if isinstance(error, discord.NotFound) and error.code == 10062:
        return "expired"
    if isinstance(error, app_commands.CommandOnCooldown):
        return "cooldown"
    if isinstance(error, StoreUnavailable):
        return "unavailable"
    return "user_error" if describe(error) is not None else "error"


def labels(interaction: discord.Interaction, name: str | None = None) -> tuple[str, str]:
    """(kind, command): the command's full name ("watchlist set"; "unknown" when the tree has none by that
    name), a button's custom id prefix ("review"), or `name`. Bounded: nothing a client invents is a label."""
    kind = KINDS.get(interaction.type, "other")
    if name is not None:
        return kind, name
    if kind in ("command", "autocomplete"):
        command = interaction.command
        return kind, command.qualified_name if command is not None else "unknown"
    if kind == "component":
        custom_id = str((interaction.data or {}).get("custom_id", ""))
        return kind, custom_id.partition(":")[0] or "unknown"
    return kind, kind


class InteractionMetrics:
    """`dramabot_interactions_total{kind, command, outcome}` and `dramabot_interaction_seconds{kind, command}`
    in `registry`. `clock` gives wall-clock seconds (snowflakes carry wall-clock time)."""

    def __init__(self, registry: CollectorRegistry, clock: Callable[[], float] = time.time) -> None:
        self.clock = clock
        self.handled = Counter(
            "dramabot_interactions",
            "Interactions handled, by kind (command, autocomplete, component, modal), command and outcome "
            "(ok, user_error, cooldown, unavailable, error, expired, unanswered, cancelled).",
            ["kind", "command", "outcome"],
            registry=registry,
        )
        self.latency = Histogram(
            "dramabot_interaction_seconds",
            "Seconds from the interaction's creation (its snowflake) to the end of its handling.",
            ["kind", "command"],
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )
        self._open: dict[int, tuple[str, str, str | None]] = {}  # interaction id -> kind, command, outcome

    def begin(self, interaction: discord.Interaction, name: str | None = None) -> None:
        """Count `interaction` when the running task (the one handling it) ends; once per interaction."""
        task = asyncio.current_task()
        if task is None or interaction.id in self._open:
            return
        kind, command = labels(interaction, name)
        self._open[interaction.id] = (kind, command, None)
        task.add_done_callback(functools.partial(self._end, interaction))

    def failed(self, interaction: discord.Interaction, error: BaseException) -> None:
        """The handling failed with `error` (unwrapped); the first failure names the outcome."""
        tracked = self._open.get(interaction.id)
        if tracked is not None and tracked[2] is None:
            self._open[interaction.id] = (tracked[0], tracked[1], outcome_of(error))

    def _end(self, interaction: discord.Interaction, task: asyncio.Task) -> None:
        kind, command, outcome = self._open.pop(interaction.id)
        if outcome is None:
            if interaction.response.is_done():
                outcome = "ok"
            else:
                outcome = "cancelled" if task.cancelled() else "unanswered"
        self.handled.labels(kind, command, outcome).inc()
        seconds = max(0.0, self.clock() - interaction.created_at.timestamp())
        self.latency.labels(kind, command).observe(seconds)

    @property
    def in_flight(self) -> int:
        """Interactions begun and not ended yet."""
        return len(self._open)

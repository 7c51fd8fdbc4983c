"""Outcome labels from the errors the bot's one error handler sees, and labels that stay bounded."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from types import SimpleNamespace

import discord
import pytest
from discord import app_commands
from prometheus_client import CollectorRegistry

from bot.errors import StoreUnavailable, UserError
from bot.metrics.interactions import LATENCY_BUCKETS, InteractionMetrics, labels, outcome_of


class FakeResponse:
    def __init__(self, status: int, reason: str = "") -> None:
        self.status, self.reason = status, reason


def not_found(code: int) -> discord.NotFound:
    return discord.NotFound(FakeResponse(404), {"code": code, "message": "Unknown interaction"})


@pytest.mark.parametrize(
    ("error", "outcome"),
    [
        (not_found(10062), "expired"),
        (not_found(10008), "error"),  # another "unknown": a bug, not the 3 s window
        (app_commands.CommandOnCooldown(app_commands.Cooldown(1, 30.0), 12.0), "cooldown"),
        (StoreUnavailable("down"), "unavailable"),
        (UserError.keyed("member.not_here"), "user_error"),
        (app_commands.CheckFailure(), "user_error"),
        (KeyError("x"), "error"),
    ],
)
def test_outcome_of_each_kind_of_failure(error, outcome):
    assert outcome_of(error) == outcome


def test_the_latency_buckets_show_discords_3_second_deadline():
    assert 3.0 in LATENCY_BUCKETS and list(LATENCY_BUCKETS) == sorted(LATENCY_BUCKETS)


def test_a_buttons_label_is_its_custom_ids_prefix_never_the_ids():
    click = SimpleNamespace(type=discord.InteractionType.component, data={"custom_id": "review:12:3:99:n"})
    assert labels(click) == ("component", "review")
    modal = SimpleNamespace(type=discord.InteractionType.modal_submit, data={"custom_id": "a1b2c3"})
    assert labels(modal, "catalogue-edit:synopsis") == ("modal", "catalogue-edit:synopsis")


class Answer:
    def __init__(self) -> None:
        self.done = False

    def is_done(self) -> bool:
        return self.done


def a_click(interaction_id: int, created: float) -> SimpleNamespace:
    return SimpleNamespace(
        id=interaction_id, type=discord.InteractionType.component, data={"custom_id": "erase:42"},
        response=Answer(), created_at=datetime.fromtimestamp(created, UTC),
    )  # fmt: skip


async def test_each_interaction_is_counted_once_when_its_task_ends():
    registry = CollectorRegistry()
    metrics = InteractionMetrics(registry, clock=lambda: 1000.0)
    answered, refused, silent = a_click(1, 999.5), a_click(2, 998.0), a_click(3, 1000.5)

    async def handle(interaction, error=None):
        metrics.begin(interaction)
        metrics.begin(interaction)  # a second check of the same interaction counts nothing more
        if error is not None:
            metrics.failed(interaction, error)
            metrics.failed(interaction, KeyError("later"))  # the first failure names the outcome
        elif interaction.id == 1:
            interaction.response.done = True

    await asyncio.create_task(handle(answered))  # as discord.py runs each: a task of its own
    await asyncio.create_task(handle(refused, UserError.keyed("member.not_here")))
    await asyncio.create_task(handle(silent))
    await asyncio.sleep(0)  # done callbacks run on the next turn of the loop
    assert metrics.in_flight == 0

    def value(name: str, **labels: str) -> float | None:
        return registry.get_sample_value(name, {"kind": "component", "command": "erase", **labels})

    assert value("dramabot_interactions_total", outcome="ok") == 1
    assert value("dramabot_interactions_total", outcome="user_error") == 1
    assert value("dramabot_interactions_total", outcome="unanswered") == 1
    assert value("dramabot_interaction_seconds_count") == 3
    assert value("dramabot_interaction_seconds_sum") == 0.5 + 2.0 + 0.0  # a clock behind the snowflake: 0
    assert value("dramabot_interaction_seconds_bucket", le="1.0") == 2
    assert value("dramabot_interaction_seconds_bucket", le="3.0") == 3

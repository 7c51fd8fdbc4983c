"""A smoke run of `python -m bench.capacity` at a tiny size: the steps and the CPU-per-command rows are
filled, and every interaction of the mix got the answer it asked for. Timings are never checked (they are
measured by the benchmark and written in docs/performance.md)."""

from __future__ import annotations

import random

import pytest

from bench.capacity import MIX, RATED_TOP, Step, arrivals, capacity, cpu_table, run, step_table


def test_arrivals_offer_the_rate_asked_for():
    even = arrivals(100, 2.0, random.Random(1), poisson=False)
    assert len(even) == 200 and even[1] - even[0] == pytest.approx(0.01)
    poisson = arrivals(100, 20.0, random.Random(1), poisson=True)
    assert 1800 < len(poisson) < 2200 and poisson == sorted(poisson) and poisson[-1] < 20.0


def test_capacity_is_the_last_step_passed_in_a_row():
    def step(rate: int, p99_ms: float, late: int = 0) -> Step:
        return Step(rate, 1.0, latencies=[p99_ms / 1000] * 10, late=late)

    assert capacity([step(50, 5), step(100, 50), step(200, 150), step(300, 20)]) == 100
    assert capacity([step(50, 5), step(100, 5, late=1)]) == 50
    assert capacity([step(50, 500)]) == 0


@pytest.mark.long  # about half a minute: a bot process, its warm-up, two steps and the CPU pass
async def test_small_capacity_run(tmp_path):
    lines: list[str] = []
    report = await run("small", tmp_path, lines.append, rates=(20, 40), seconds=2.0, cpu_calls=5,
                       keep_going=True)  # fmt: skip
    assert [s.rate for s in report.steps] == [20, 40]
    for step in report.steps:
        assert step.sent > 0 and step.failed == 0  # every answer was the card (or choices) asked for
        assert len(step.latencies) + step.late == step.sent
        assert {*step.per_kind} <= {*MIX} and step.bot_cpu > 0
    assert [r.name for r in report.cpu] == [*MIX, RATED_TOP]
    assert all(r.calls == 5 and r.failed == 0 for r in report.cpu)
    assert all(r.cpu > 0 for r in report.cpu[:-1])  # the last one is a difference: /rate's CPU taken off
    assert step_table(report.steps).count("\n") == 3 and "the mix" in cpu_table(report.cpu)
    assert any("warm-up" in line for line in lines)

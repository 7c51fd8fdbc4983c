"""A smoke run of the abuse benchmark at a tiny size: every row is filled and every answer is the right
one. Timings are not checked (they are measured by `python -m bench.abuse`)."""

from __future__ import annotations

from bench.abuse import measure_matcher, measure_stream
from bench.run import HEADER, table


def test_matcher_rows_at_a_tiny_size():
    rows = measure_matcher(titles=500, calls=5)
    assert len(rows) == 8 and all(len(r.samples) == 5 for r in rows)
    assert rows[-1].measure.endswith("typos of titles (CPU)") and rows[-1].value == "5 of 5 got suggestions"
    assert all(r.met is not None for r in rows[1::2])  # the CPU rows are judged against the 5 ms target
    assert table(rows).splitlines()[0] == "| " + " | ".join(HEADER) + " |"


async def test_stream_rows_through_the_bot():
    alone, during, control, misses, one = await measure_stream(calls=6)
    assert len(alone.samples) == len(during.samples) == len(control.samples) == 6
    assert all(r.missed == 0 for r in (alone, during, control, misses, one))
    assert control.ratio is not None and "the control" in control.measure
    assert misses.calls >= 1 and misses.value.startswith(f"{misses.calls} of {misses.calls} answered privately")
    assert alone.value.startswith("bot CPU ")
    assert one.value.startswith("1 of 6 answered with the cooldown")  # the 6th miss from one member
    assert during.ratio is not None and during.met is not None

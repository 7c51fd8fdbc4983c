"""A smoke run of the TMDB autocomplete benchmark: every phase completes with answers, none missed.
Timings are not checked (they are measured by `python -m bench.tmdb_autocomplete`)."""

from __future__ import annotations

import pytest

from bench.run import HEADER, table
from bench.tmdb_autocomplete import run


@pytest.mark.long  # about 12 s, like the other benchmarks' smoke runs (e2e test_tmdb_ondemand covers the bot)
async def test_tmdb_autocomplete_benchmark_runs():
    rows = await run(calls=4, latency=0.05)
    assert [r.measure for r in rows] == [
        "/about (the floor)", "autocomplete, TMDB asked (50 ms)", "autocomplete, TMDB cached",
        "autocomplete, TMDB down (503)", "autocomplete, TMDB hanging (10 s)",
    ]  # fmt: skip
    assert [len(r.samples) for r in rows] == [4, 4, 4, 4, 1]
    assert all(r.missed == 0 for r in rows)
    assert table(rows).splitlines()[0] == "| " + " | ".join(HEADER) + " |"

"""A small-size smoke run of the benchmark: it completes and its table is well-formed. Timings are
never checked here (they are measured by `python -m bench`, see docs/performance.md)."""

from __future__ import annotations

import math
import re

import pytest

from bench.run import HEADER, expected_rows, main_async

CALLS, BURST = 20, 50
pytestmark = pytest.mark.long  # about a minute: the default test line keeps to 15 minutes
NUMBER = re.compile(r"^-?[\d,]+(\.\d+)?$")


async def test_small_benchmark_runs_and_prints_a_well_formed_table(tmp_path, capsys):
    out = tmp_path / "performance.md"
    rows = await main_async("small", CALLS, BURST, out, False, "python -m bench --size small (smoke)", None)
    assert [r.measure for r in rows] == expected_rows("small", BURST)

    text = out.read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if line.startswith("| ")]
    assert lines[0] == "| " + " | ".join(HEADER) + " |"
    body = {cells[0]: cells for cells in ([c.strip() for c in line.strip()[1:-1].split("|")] for line in lines[1:])}
    assert list(body) == expected_rows("small", BURST)
    for name, cells in body.items():
        assert len(cells) == len(HEADER), name
        _, n, p50, ratio50, p99, ratio, mx, missed, result, target, met = cells
        if n:  # a latency row: every number parses and the percentiles are ordered
            assert int(n) > 0 and int(missed) >= 0, name
            values = [float(p50), float(p99), float(mx)]
            assert all(math.isfinite(v) and v >= 0 for v in values), name
            assert values[0] <= values[1] <= values[2], name
            assert NUMBER.match(ratio), name
            assert NUMBER.match(ratio50), name
        else:  # start-up, memory, throughput: a number with its unit
            assert NUMBER.match(result.split()[0]), (name, result)
        if target:
            assert met in ("met", "NOT MET"), name
    assert body["small: /about"][3] == body["small: /about"][5] == "1.00"
    # Autocomplete on a shared word answers lists, and their mean length is reported.
    assert re.search(r"[\d.]+ choices on average", body["small: autocomplete word"][8])
    assert "cores" in text and "<!-- bench:start -->" in text
    assert "dramabot benchmark" in capsys.readouterr().out

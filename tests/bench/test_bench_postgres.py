"""`python -m bench --backend postgres` at the small size: the run completes on a throwaway PostgreSQL with
the same rows as on SQLite, the catalogue loaded by migrate-db. Timings are never checked here."""

from __future__ import annotations

import os

import pytest

from bench.run import expected_rows, main_async
from tests import pg

CALLS, BURST = 10, 30
pytestmark = pytest.mark.long  # about a minute: the default test line keeps to 15 minutes


async def test_small_benchmark_runs_on_postgres(tmp_path, capsys):
    try:
        pg.find_binaries()
    except pg.PostgresUnavailable as exc:
        if os.environ.get("CI", "").strip().lower() in ("1", "true", "yes"):
            pytest.fail(f"{exc} (CI=true: the PostgreSQL leg must run)", pytrace=False)
        pytest.skip(str(exc))
    out = tmp_path / "performance.md"
    rows = await main_async(
        "small", CALLS, BURST, out, False, "python -m bench --size small --backend postgres (smoke)", None,
        backend="postgres",
    )  # fmt: skip
    assert [r.measure for r in rows] == expected_rows("small", BURST)
    printed = capsys.readouterr().out
    assert "migrate-db copied" in printed and "(50,000 ratings) into PostgreSQL" in printed
    assert "PostgreSQL" in out.read_text(encoding="utf-8").split("## Latest run", 1)[1].splitlines()[2]
    by_name = {r.measure: r for r in rows}
    assert by_name["small: /review"].samples and by_name["small: /review"].cpu > 0
    writers = by_name["small: store API, 100 concurrent writers"]
    assert writers.missed == 0 and "2000 committed" in writers.value

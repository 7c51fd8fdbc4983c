"""bench.charts runs and reports every measurement (figures are not asserted: they vary by machine)."""

from __future__ import annotations

from bench.charts import main, sample_chart


def test_bench_charts_reports_each_chart(capsys):
    assert main(["--runs", "2"]) == 0
    out = capsys.readouterr().out
    for label in (
        "episode chart, 16 eps",
        "episode chart, 300 eps",
        "score histogram",
        "RSS after all renders",
    ):
        assert label in out
    assert len(sample_chart(300).points) == 300

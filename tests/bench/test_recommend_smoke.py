"""A smoke run of bench.recommend at a tiny size: the model generates, the evaluation fills every figure, the
store's rebuild and answer path run in their child processes. Figures are not judged (the benchmark does)."""

from __future__ import annotations

from bench import recommend


def test_the_recommend_bench_fills_every_figure():
    size = recommend.SIZES["tiny"]
    members = recommend.generate(size, 3)
    assert len(members) == size.members and all(1 <= h <= 10 for m in members for _, h in m)
    assert all(1 <= d <= size.dramas for m in members for d, _ in m)
    lines: list[str] = []
    quality = recommend.evaluate(size, 3, lines.append)
    for name in ("recommend", "popularity"):
        assert 0 <= quality[name]["hit_rate"] <= 1 and 0 <= quality[name]["coverage"] <= 1
    assert quality["evaluated"] > 0 and quality["ratio"] >= 0
    timing = recommend.speed(size, 3, lines.append)
    assert timing["rebuild"]["ratings"] == sum(len(m) for m in members)
    assert timing["answers"]["all"]["n"] == size.timed
    text = recommend.report("tiny", quality, timing)
    assert (
        "| recommend |" in text and "| /recommend answer path" in text and "rebuild through the store" in text
    )

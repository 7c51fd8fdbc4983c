"""Render time and memory of the card pictures (bot.pictures.charts), outside the bot.

    .venv/bin/python -m bench.charts [--runs 50]

Prints, for the /review episode chart at 16 and 300 episodes (three series, some gaps) and the
/profile histogram: median and worst render time (PNG encoding included), PNG size, the peak of
Python allocations during one render (tracemalloc), and the process RSS after importing Pillow
and after all renders. Timing is informative only; no test asserts on it.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
import tracemalloc

from bot.pictures.charts import EpisodeChart, EpisodePoint, Histogram, episode_chart, score_histogram


def rss_kb(field: str = "VmRSS") -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def sample_chart(count: int, seed: int = 1) -> EpisodeChart:
    rng = random.Random(seed)
    points = []
    critic, server, everyone = 3.5, 3.5, 3.5
    for n in range(1, count + 1):
        critic = min(5, max(0.5, critic + rng.choice([-0.5, 0, 0, 0.5])))
        server = min(5, max(0.5, server + rng.uniform(-0.4, 0.4)))
        everyone = min(5, max(0.5, everyone + rng.uniform(-0.15, 0.15)))
        points.append(
            EpisodePoint(n, critic, None if rng.random() < 0.15 else round(server, 2), round(everyone, 2))
        )
    return EpisodeChart(tuple(points))


def measure(name: str, render, data, runs: int) -> None:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        picture = render(data)
        times.append(time.perf_counter() - start)
    tracemalloc.start()
    render(data)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(
        f"{name:<24} median {statistics.median(times) * 1000:6.1f} ms  max {max(times) * 1000:6.1f} ms  "
        f"PNG {len(picture.png) / 1024:5.1f} kB  peak Python allocations {peak / 1024:7.0f} kB"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.charts", description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args(argv)
    before = rss_kb()
    start = time.perf_counter()
    import PIL.Image  # noqa: F401  (what the first render pays)

    first = episode_chart(sample_chart(16))  # font loading included
    print(f"first render incl. Pillow import and font load: {(time.perf_counter() - start) * 1000:.0f} ms")
    print(f"RSS before Pillow {before / 1024:.1f} MB, after the first render {rss_kb() / 1024:.1f} MB")
    assert first.png
    measure("episode chart, 16 eps", episode_chart, sample_chart(16), args.runs)
    measure("episode chart, 300 eps", episode_chart, sample_chart(300), args.runs)
    measure("score histogram", score_histogram, Histogram((0, 1, 2, 5, 8, 14, 20, 31, 12, 6)), args.runs)
    print(f"RSS after all renders {rss_kb() / 1024:.1f} MB (peak {rss_kb('VmHWM') / 1024:.1f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

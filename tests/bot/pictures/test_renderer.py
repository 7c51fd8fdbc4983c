"""bot.pictures.renderer.ChartRenderer: off the loop, cached by data, None (logged) on failure."""

from __future__ import annotations

import asyncio
import logging
import threading
import time

import pytest

from bot.pictures.charts import EpisodeChart, EpisodePoint, Histogram, Picture, episode_chart, score_histogram
from bot.pictures.renderer import ChartRenderer


@pytest.fixture
def renderer():
    r = ChartRenderer()
    yield r
    r.close()


def sample(score: float = 4.0) -> EpisodeChart:
    return EpisodeChart(tuple(EpisodePoint(n, score, 3.5, 3.0) for n in range(1, 17)))


async def test_equal_data_hits_the_cache(renderer):
    first = await renderer.render(episode_chart, sample())
    again = await renderer.render(episode_chart, sample())  # an equal, distinct object
    assert isinstance(first, Picture) and again is first
    other = await renderer.render(episode_chart, sample(4.5))
    assert other is not None and other.png != first.png


async def test_renders_off_the_event_loop_thread(renderer):
    seen = []

    def spy(data):
        seen.append(threading.current_thread() is threading.main_thread())
        return score_histogram(data)

    assert await renderer.render(spy, Histogram((1,) * 10)) is not None
    assert seen == [False]


async def test_equal_renders_at_once_run_once(renderer):
    calls = []

    def counted(data):
        calls.append(data)
        return score_histogram(data)

    pictures = await asyncio.gather(*(renderer.render(counted, Histogram((2,) * 10)) for _ in range(20)))
    assert len(calls) == 1
    assert all(p is pictures[0] for p in pictures)


async def test_failure_returns_none_logs_and_is_not_cached(renderer, caplog):
    bad = EpisodeChart(())  # no episodes: the renderer raises ValueError
    with caplog.at_level(logging.ERROR, logger="bot.pictures.renderer"):
        assert await renderer.render(episode_chart, bad) is None
    assert "episode_chart failed" in caplog.text and "ValueError" in caplog.text
    assert renderer.cached(episode_chart, bad) is None


async def test_slow_render_returns_none_then_lands_in_the_cache(caplog):
    release = threading.Event()

    def slow(data):
        release.wait(5)
        return score_histogram(data)

    renderer = ChartRenderer(timeout=0.05)
    try:
        with caplog.at_level(logging.WARNING, logger="bot.pictures.renderer"):
            assert await renderer.render(slow, Histogram((3,) * 10)) is None
        assert "took longer than" in caplog.text
        release.set()
        for _ in range(200):  # the render finishes in the background and is kept
            if renderer.cached(slow, Histogram((3,) * 10)) is not None:
                break
            await asyncio.sleep(0.01)
        assert renderer.cached(slow, Histogram((3,) * 10)) is not None
    finally:
        release.set()
        renderer.close()


async def test_cache_is_bounded_least_recently_used_out():
    renderer = ChartRenderer(cache_size=2)
    try:
        a, b, c = (Histogram((n,) * 10) for n in (1, 2, 3))
        for data in (a, b):
            await renderer.render(score_histogram, data)
        await renderer.render(score_histogram, a)  # a is now the most recent
        await renderer.render(score_histogram, c)  # evicts b
        assert renderer.cached(score_histogram, a) is not None
        assert renderer.cached(score_histogram, b) is None
        assert renderer.cached(score_histogram, c) is not None
    finally:
        renderer.close()


def test_bad_arguments():
    with pytest.raises(ValueError):
        ChartRenderer(threads=0)
    with pytest.raises(ValueError):
        ChartRenderer(quiet_max=-1)


class Hog:
    """Keeps the event loop busy: blocks it 20 ms at a time (as a burst of interactions does) until
    stopped, or for `rounds` rounds."""

    def __init__(self, rounds: int = 1_000_000) -> None:
        self.rounds, self.done, self.stop = rounds, False, False

    async def run(self) -> None:
        for _ in range(self.rounds):
            if self.stop:
                break
            time.sleep(0.02)  # noqa: ASYNC251 - blocking the loop is the point
            await asyncio.sleep(0)
        self.done = True


async def test_a_chart_joining_a_card_waits_while_the_loop_is_busy(renderer):
    hog = Hog(rounds=10)
    seen = []

    def spy(data):
        seen.append(hog.done)
        return score_histogram(data)

    busy = asyncio.create_task(hog.run())
    await asyncio.sleep(0)  # the hog has started
    picture = await renderer.render_when_quiet(spy, Histogram((4,) * 10))
    await busy
    assert picture is not None and seen == [True]  # drawn only once the loop was quiet again
    # Drawn already: returned at once, busy or not.
    hog2 = Hog()
    busy = asyncio.create_task(hog2.run())
    await asyncio.sleep(0)
    assert await renderer.render_when_quiet(spy, Histogram((4,) * 10)) is picture
    assert not hog2.done and seen == [True]
    hog2.stop = True
    await busy


async def test_no_chart_waits_for_quiet_longer_than_quiet_max():
    renderer = ChartRenderer(quiet_max=0.1)
    hog = Hog()
    seen = []

    def spy(data):
        seen.append(hog.done)
        return score_histogram(data)

    busy = asyncio.create_task(hog.run())
    await asyncio.sleep(0)
    try:
        assert await renderer.render_when_quiet(spy, Histogram((6,) * 10)) is not None
        assert seen == [False]  # drawn while the loop was still busy
    finally:
        hog.stop = True
        await busy
        renderer.close()


async def test_charts_joining_cards_are_drawn_one_at_a_time(renderer):
    running, most = 0, 0
    lock = threading.Lock()

    def counted(data):
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        time.sleep(0.005)
        with lock:
            running -= 1
        return score_histogram(data)

    two = ChartRenderer(threads=2)
    try:
        pictures = await asyncio.gather(
            *(two.render_when_quiet(counted, Histogram((n,) * 10)) for n in range(1, 7))
        )
    finally:
        two.close()
    assert all(p is not None for p in pictures) and most == 1

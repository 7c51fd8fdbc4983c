"""Token bucket, per-member window, TTL cache and single-flight (bot/tmdb/limits.py), on a hand-driven clock."""

from __future__ import annotations

import asyncio

import pytest

from bot.tmdb.limits import MemberWindow, SingleFlight, TokenBucket, TTLCache


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_token_bucket_allows_a_burst_then_the_refill_rate():
    clock = Clock()
    bucket = TokenBucket(40, 4.0, clock)
    assert [bucket.try_take() for _ in range(40)] == [0.0] * 40
    assert bucket.try_take() == pytest.approx(0.25)  # one token every 1/4 s
    clock.now += 0.25
    assert bucket.try_take() == 0.0
    clock.now += 100  # never more than the capacity
    assert sum(1 for _ in range(60) if bucket.try_take() == 0.0) == 40


def test_token_bucket_pause_makes_every_caller_wait_the_retry_after():
    clock = Clock()
    bucket = TokenBucket(10, 2.0, clock)
    bucket.pause(3.0)
    assert bucket.try_take() == pytest.approx(3.5)  # 3 s paused, then half a second for one token
    clock.now += 3.5
    assert bucket.try_take() == 0.0


async def test_token_bucket_acquire_waits_for_a_token():
    bucket = TokenBucket(1, 50.0)  # real clock: one token per 20 ms
    await bucket.acquire()
    await asyncio.wait_for(bucket.acquire(), 2)  # waits about 20 ms, then gets one
    assert bucket.try_take() > 0


def test_token_bucket_rejects_nonsense():
    with pytest.raises(ValueError):
        TokenBucket(0, 1.0)
    with pytest.raises(ValueError):
        TokenBucket(1, 0.0)


def test_member_window_counts_each_member_apart_and_slides():
    clock = Clock()
    window = MemberWindow(3, 600.0, clock)
    for _ in range(3):
        assert window.retry_after(1) == 0.0
        window.hit(1)
        clock.now += 10
    assert window.retry_after(1) == pytest.approx(600 - 30)
    assert window.retry_after(2) == 0.0
    clock.now += 570  # the first use leaves the window
    assert window.retry_after(1) == 0.0


def test_ttl_cache_expires_and_stays_bounded():
    clock = Clock()
    cache: TTLCache[str, int] = TTLCache(3, 60.0, clock)
    cache.put("a", 1)
    cache.put("short", 2, ttl=5.0)
    assert cache.get("a") == 1 and cache.get("short") == 2
    clock.now += 6
    assert cache.get("short") is None and cache.get("a") == 1
    for key in "bcd":
        cache.put(key, 0)
    assert len(cache) == 3 and cache.get("a") is None  # least recently used out first
    clock.now += 60
    assert cache.get("d") is None


async def test_single_flight_shares_one_task_per_key_and_forgets_it_when_done():
    flights: SingleFlight[str, int] = SingleFlight()
    calls = []
    gate = asyncio.Event()

    async def work() -> int:
        calls.append(1)
        await gate.wait()
        return 7

    first = flights.run("k", work)
    second = flights.run("k", work)
    other = flights.run("other", work)
    assert first is second and first is not other and len(flights) == 2
    gate.set()
    assert await asyncio.gather(first, second, other) == [7, 7, 7]
    assert len(calls) == 2 and len(flights) == 0


async def test_single_flight_failure_is_shared_and_not_left_unretrieved():
    flights: SingleFlight[str, int] = SingleFlight()

    async def boom() -> int:
        raise RuntimeError("no")

    task = flights.run("k", boom)
    with pytest.raises(RuntimeError):
        await task
    assert len(flights) == 0
    await flights.cancel_all()

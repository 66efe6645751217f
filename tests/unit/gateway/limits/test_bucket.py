"""Token-bucket arithmetic with a clock the test moves: burst = bucket size, rate = tokens
per second, one token per request, the bucket starts full."""

from __future__ import annotations

import pytest

from lamina.gateway.limits.bucket import TokenBucket, seconds_to_full
from lamina.gateway.limits.limiter import InProcessLimiter
from lamina.gateway.limits.model import Throttle


class FakeClock:
    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_bucket_full_bucket_admits_burst_then_refuses() -> None:
    bucket = TokenBucket(tokens=5.0, stamp=0.0)
    admitted = [bucket.take(0.0, rate=1.0, burst=5) for _ in range(7)]
    assert admitted == [True] * 5 + [False] * 2


def test_bucket_refills_at_rate_and_caps_at_burst() -> None:
    bucket = TokenBucket(tokens=0.0, stamp=0.0)
    assert not bucket.take(0.09, rate=10.0, burst=3)  # 0.9 token: not a whole one
    assert bucket.take(0.1, rate=10.0, burst=3)  # 1 token earned
    assert not bucket.take(0.1, rate=10.0, burst=3)
    # An hour idle earns 36,000 tokens, but the bucket holds 3.
    assert [bucket.take(3600.0, rate=10.0, burst=3) for _ in range(4)] == [True] * 3 + [False]


def test_bucket_clock_going_backwards_earns_nothing() -> None:
    bucket = TokenBucket(tokens=0.0, stamp=10.0)
    assert not bucket.take(5.0, rate=100.0, burst=10)
    assert bucket.stamp == 10.0


def test_bucket_zero_burst_admits_nothing() -> None:
    bucket = TokenBucket(tokens=0.0, stamp=0.0)
    assert not any(bucket.take(float(t), rate=100.0, burst=0) for t in range(5))


def test_bucket_fractional_rate_admits_one_per_two_seconds() -> None:
    bucket = TokenBucket(tokens=1.0, stamp=0.0)
    taken = [bucket.take(t / 2, rate=0.5, burst=1) for t in range(9)]  # every 0.5 s to 4 s
    assert taken == [True, False, False, False, True, False, False, False, True]


def test_seconds_to_full() -> None:
    assert seconds_to_full(0.0, 100.0, 50) == pytest.approx(0.5)
    assert seconds_to_full(50.0, 100.0, 50) == 0.0
    assert seconds_to_full(0.0, 0.0, 50) == float("inf")


async def test_in_process_flood_admits_burst_plus_rate_times_seconds() -> None:
    """The bench's figure, exactly: rate 100, burst 50, a request every millisecond for 10 s
    admits 50 + 100 * 10."""
    clock = FakeClock(0.0)
    limiter = InProcessLimiter(clock=clock)
    throttle = Throttle(rate=100.0, burst=50)
    admitted = 0
    for ms in range(10_000):
        clock.now = ms / 1000
        admitted += await limiter.take("stage", throttle)
    assert admitted == 50 + 100 * 10 - 1  # the last refill (at t = 10.0) is outside [0, 10)


async def test_in_process_buckets_are_separate_per_key() -> None:
    limiter = InProcessLimiter(clock=FakeClock())
    one = Throttle(rate=1.0, burst=1)
    assert await limiter.take("a", one)
    assert not await limiter.take("a", one)
    assert await limiter.take("b", one)

"""The rate counter: a trailing window, per rule and key, bounded memory."""

from __future__ import annotations

import pytest

from lamina.gateway.waf.rate import RateCounter, open_rate_counter


class Clock:
    def __init__(self) -> None:
        self.now = 5000.0

    def __call__(self) -> float:
        return self.now


def test_requests_past_the_limit_within_the_window_are_over() -> None:
    clock = Clock()
    rates = RateCounter(clock)
    results = []
    for _ in range(12):
        results.append(rates.over_limit("r", "ip", limit=10, window=60))
        clock.now += 1.0
    assert results == [False] * 10 + [True, True]


def test_the_window_trails_now() -> None:
    clock = Clock()
    rates = RateCounter(clock)
    for _ in range(10):
        rates.over_limit("r", "ip", limit=10, window=60)
    clock.now += 30
    assert rates.over_limit("r", "ip", limit=10, window=60)  # 11 within the last 60 s
    clock.now += 30  # the first ten are now 60 s old: out of the window
    assert not rates.over_limit("r", "ip", limit=10, window=60)


def test_rules_and_keys_count_apart() -> None:
    rates = RateCounter(Clock())
    for _ in range(11):
        rates.over_limit("a", "ip1", limit=10, window=300)
    assert rates.over_limit("a", "ip1", limit=10, window=300)
    assert not rates.over_limit("a", "ip2", limit=10, window=300)
    assert not rates.over_limit("b", "ip1", limit=10, window=300)


def test_a_flood_keeps_one_slot_per_second() -> None:
    clock = Clock()
    rates = RateCounter(clock)
    for i in range(10_000):
        clock.now = 5000 + i / 100  # 100 requests a second for 100 s
        rates.over_limit("r", "ip", limit=2_000_000_000, window=60)
    window = rates._windows[("r", "ip")]
    assert len(window.seconds) <= 61
    assert window.total == sum(count for _, count in window.seconds) == 6000


async def test_in_process_counter_evaluates_once_and_counts_once() -> None:
    rates = RateCounter(Clock())
    runs = []

    def evaluate() -> bool:
        runs.append(1)
        return rates.over_limit("r", "ip", limit=1, window=60)

    assert await rates.evaluating(evaluate) is False
    assert await rates.evaluating(evaluate) is True
    assert runs == [1, 1]


def test_no_limits_url_or_a_non_redis_one_counts_in_process() -> None:
    assert isinstance(open_rate_counter(None), RateCounter)
    assert isinstance(open_rate_counter("memory://"), RateCounter)


async def test_redis_counter_refuses_counting_outside_an_evaluation() -> None:
    from redis.asyncio import Redis

    from lamina.gateway.waf.rate_redis import RedisRateCounter

    rates = RedisRateCounter(Redis(host="127.0.0.1", port=1), "p:")  # never connected
    with pytest.raises(RuntimeError, match="outside evaluating"):
        rates.over_limit("r", "ip", limit=1, window=60)
    await rates.close()

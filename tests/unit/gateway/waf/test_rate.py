"""The rate counter: a trailing window, per rule and key, bounded memory."""

from __future__ import annotations

from lamina.gateway.waf.rate import RateCounter


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

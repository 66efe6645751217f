"""Token-bucket arithmetic, as API Gateway describes its throttling: the burst limit is
the bucket's size, the rate limit the tokens added per second, one token per request.
https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-request-throttling.html

A bucket starts full. No background task refills it: a take first adds what the time since
the previous take earned, capped at the burst.
"""

from __future__ import annotations


class TokenBucket:
    """One bucket's state: `tokens` as of `stamp` (seconds on the limiter's clock)."""

    __slots__ = ("stamp", "tokens")

    def __init__(self, tokens: float, stamp: float) -> None:
        self.tokens = tokens
        self.stamp = stamp

    def refill(self, now: float, rate: float, burst: int) -> None:
        """Add what the time since the last refill earned, capped at the burst."""
        if now > self.stamp:
            self.tokens = min(float(burst), self.tokens + (now - self.stamp) * rate)
            self.stamp = now

    def take(self, now: float, rate: float, burst: int) -> bool:
        """Refill for the time elapsed, then take one token if there is a whole one.
        (refill's arithmetic inline, without calls: this is the hot path's one step.)"""
        tokens = self.tokens
        if now > self.stamp:
            tokens += (now - self.stamp) * rate
            if tokens > burst:
                tokens = burst
            self.stamp = now
        if tokens >= 1.0:
            self.tokens = tokens - 1.0
            return True
        self.tokens = tokens
        return False


def seconds_to_full(tokens: float, rate: float, burst: int) -> float:
    """How long until an untouched bucket is full again: past that its state says nothing
    a fresh (full) bucket would not, so stores may forget it."""
    if tokens >= burst:
        return 0.0
    if rate <= 0:
        return float("inf")
    return (burst - tokens) / rate

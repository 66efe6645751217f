"""Request counts for rate-based rules: a sliding window per aggregation key.

AWS WAF counts the requests of the last EvaluationWindowSec seconds, looking back from now,
and applies the rule's action to the requests past the limit.
https://docs.aws.amazon.com/waf/latest/developerguide/waf-rule-statement-type-rate-based-high-level-settings.html

Counts are kept per second, so a key costs at most one slot per second of the window (600
for the longest) whatever the limit or the traffic. `RateCounter` counts in this process;
`rate_redis.RedisRateCounter` in Redis, shared by every edge process on one `--limits` URL,
as AWS counts per web ACL, not per server. Both are `RateCounts`.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable
from typing import Protocol, TypeVar

from lamina.gateway.redis_url import is_redis_url

T = TypeVar("T")

_MAX_KEYS = 100_000
"""Keys beyond this evict the least recently seen (a flood of source addresses must not
grow memory without bound)."""


class RateCounts(Protocol):
    """Where rate-based rules count.

    Rules are evaluated synchronously, in priority order, and a rate-based rule counts a
    request only when evaluation reaches it; a counter whose counts live elsewhere (Redis)
    fetches them in `evaluating`, around the synchronous evaluation."""

    def over_limit(self, rule: str, key: str, limit: int, window: int) -> bool:
        """Record one request for `key` and say whether the last `window` seconds now hold
        more than `limit` of them."""
        ...

    async def evaluating(self, evaluate: Callable[[], T]) -> T:
        """`evaluate()`'s result; it calls over_limit for the rate-based rules it reaches
        and must be safe to run again (the firewall resets its view's labels and notes)."""
        ...

    async def close(self) -> None: ...


class _Window:
    __slots__ = ("seconds", "total")

    def __init__(self) -> None:
        self.seconds: deque[list[int]] = deque()
        """[second, requests in it], oldest first."""
        self.total = 0


class RateCounter:
    """Counts in this process (one edge process, or tests)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._windows: dict[tuple[str, str], _Window] = {}

    def over_limit(self, rule: str, key: str, limit: int, window: int) -> bool:
        """Record one request for `key` and say whether the last `window` seconds now hold
        more than `limit` of them."""
        now = math.floor(self._clock())
        slot = (rule, key)
        counts = self._windows.pop(slot, None)
        if counts is None:
            counts = _Window()
            if len(self._windows) >= _MAX_KEYS:
                del self._windows[next(iter(self._windows))]
        self._windows[slot] = counts  # re-inserted: dict order is recency order
        seconds = counts.seconds
        while seconds and seconds[0][0] <= now - window:
            counts.total -= seconds.popleft()[1]
        if seconds and seconds[-1][0] == now:
            seconds[-1][1] += 1
        else:
            seconds.append([now, 1])
        counts.total += 1
        return counts.total > limit

    async def evaluating(self, evaluate: Callable[[], T]) -> T:
        return evaluate()

    async def close(self) -> None:
        self._windows.clear()


def open_rate_counter(url: str | None) -> RateCounts:
    """The counter `lamina up --limits URL` implies: Redis for a redis:// (rediss://,
    unix://) URL, shared with the other edge processes using it; in this process for None.
    The URL's `key_prefix` parameter prefixes the keys, as it does the limiter's."""
    if not is_redis_url(url):
        return RateCounter()
    # redis-py takes a fifth of a second to import: only when asked for.
    from lamina.gateway.waf.rate_redis import redis_rate_counter

    return redis_rate_counter(url)

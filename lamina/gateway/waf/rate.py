"""Request counts for rate-based rules: a sliding window per aggregation key.

AWS WAF counts the requests of the last EvaluationWindowSec seconds, looking back from now,
and applies the rule's action to the requests past the limit.
https://docs.aws.amazon.com/waf/latest/developerguide/waf-rule-statement-type-rate-based-high-level-settings.html

Counts are kept per second, so a key costs at most one slot per second of the window (600
for the longest) whatever the limit or the traffic.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable

_MAX_KEYS = 100_000
"""Keys beyond this evict the least recently seen (a flood of source addresses must not
grow memory without bound)."""


class _Window:
    __slots__ = ("seconds", "total")

    def __init__(self) -> None:
        self.seconds: deque[list[int]] = deque()
        """[second, requests in it], oldest first."""
        self.total = 0


class RateCounter:
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

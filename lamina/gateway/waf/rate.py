"""Request counts for rate-based rules: a sliding window per aggregation key.

AWS WAF counts the requests of the last EvaluationWindowSec seconds, looking back from now,
and applies the rule's action to the requests past the limit.
https://docs.aws.amazon.com/waf/latest/developerguide/waf-rule-statement-type-rate-based-high-level-settings.html
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable

_MAX_KEYS = 100_000
"""Keys beyond this evict the least recently seen (a flood of source addresses must not
grow memory without bound)."""


class RateCounter:
    """Timestamps of recent requests per (rule, key); only the newest limit + 1 are kept,
    which is all "is the count over the limit" needs."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._hits: dict[tuple[str, str], deque[float]] = {}

    def over_limit(self, rule: str, key: str, limit: int, window: int) -> bool:
        """Record one request for `key` and say whether the window now holds more than
        `limit` of them."""
        now = self._clock()
        slot = (rule, key)
        hits = self._hits.pop(slot, None)
        if hits is None:
            hits = deque(maxlen=limit + 1)
            if len(self._hits) >= _MAX_KEYS:
                del self._hits[next(iter(self._hits))]
        self._hits[slot] = hits  # re-inserted: dict order is recency order
        hits.append(now)
        horizon = now - window
        while hits and hits[0] <= horizon:
            hits.popleft()
        return len(hits) > limit

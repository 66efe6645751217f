"""The CLF-style request time API Gateway puts in events: `09/Apr/2015:12:34:56 +0000`."""

from __future__ import annotations

import time

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_cache: tuple[int, str] = (-1, "")


def request_time(epoch_ms: int) -> str:
    """Format once per second; requests within the same second share the string."""
    global _cache
    second = epoch_ms // 1000
    if _cache[0] == second:
        return _cache[1]
    t = time.gmtime(second)
    text = (
        f"{t.tm_mday:02d}/{_MONTHS[t.tm_mon - 1]}/{t.tm_year}:"
        f"{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d} +0000"
    )
    _cache = (second, text)
    return text

"""The `RateLimiter` seam: where token buckets, quota counters and daily usage live.

The in-process limiter here serves one edge process; redis_limiter.RedisLimiter keeps the
same state in Redis so that several edge processes share one limit. Both take a bucket's
key and settings per call, so a redeployment that changes a limit applies at once.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from datetime import date, timedelta
from typing import Protocol
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from lamina.core.error import LaminaError
from lamina.gateway.limits.bucket import TokenBucket
from lamina.gateway.limits.model import Quota, Throttle
from lamina.gateway.limits.period import period_start, utc_day

USAGE_RETENTION_DAYS = 90
"""Daily usage kept per key (GetUsage reads at most this far back)."""


class LimiterUnavailable(LaminaError):
    """The limiter's store cannot be reached (e.g. Redis is down)."""


class RateLimiter(Protocol):
    async def take(self, key: str, throttle: Throttle) -> bool:
        """Take one token from the bucket `key` (created full); False when it is empty."""
        ...

    async def count(self, plan_id: str, key_id: str, quota: Quota | None) -> bool:
        """Count one request of API key `key_id` under usage plan `plan_id`, in today's
        usage and in the current quota period. False, counting nothing, when the quota of
        the period is used up."""
        ...

    async def daily_usage(self, plan_id: str, key_id: str, days: Sequence[date]) -> list[int]:
        """Requests counted on each of `days` (UTC)."""
        ...

    async def close(self) -> None: ...


class InProcessLimiter:
    """Buckets and counters in this process's memory.

    `clock` (monotonic seconds) drives the buckets, `wall` (epoch seconds) the quota
    periods and days; tests pass their own.
    """

    def __init__(
        self,
        *,
        clock: Callable[[], float] = time.monotonic,
        wall: Callable[[], float] = time.time,
    ) -> None:
        self._clock = clock
        self._wall = wall
        self._buckets: dict[str, TokenBucket] = {}
        self._periods: dict[tuple[str, str], tuple[date, int]] = {}
        """(plan, key) -> (start of the current quota period, requests counted in it)."""
        self._days: dict[tuple[str, str], dict[date, int]] = {}

    async def take(self, key: str, throttle: Throttle) -> bool:
        return self.take_now(key, throttle)

    def take_now(self, key: str, throttle: Throttle) -> bool:
        """`take` without a coroutine, for callers on the hot path."""
        now = self._clock()
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = TokenBucket(float(throttle.burst), now)
        return bucket.take(now, throttle.rate, throttle.burst)

    async def count(self, plan_id: str, key_id: str, quota: Quota | None) -> bool:
        today = utc_day(self._wall())
        client = (plan_id, key_id)
        if quota is not None:
            start = period_start(today, quota.period, quota.offset)
            current = self._periods.get(client)
            used = current[1] if current is not None and current[0] == start else 0
            if used >= quota.limit:
                return False
            self._periods[client] = (start, used + 1)
        days = self._days.setdefault(client, {})
        if today not in days:
            self._forget_old_days(days, today)
        days[today] = days.get(today, 0) + 1
        return True

    async def daily_usage(self, plan_id: str, key_id: str, days: Sequence[date]) -> list[int]:
        counted = self._days.get((plan_id, key_id), {})
        return [counted.get(day, 0) for day in days]

    async def close(self) -> None:
        self._buckets.clear()

    @staticmethod
    def _forget_old_days(days: dict[date, int], today: date) -> None:
        oldest = today - timedelta(days=USAGE_RETENTION_DAYS)
        for day in [day for day in days if day < oldest]:
            del days[day]


async def open_limiter(url: str | None) -> RateLimiter:
    """The limiter `lamina up --limits URL` asks for: Redis for redis:// (and rediss://)
    URLs, checked with a PING; the in-process one for None. A `key_prefix` query
    parameter sets the prefix of every key (default `lamina:limits:`), so several
    deployments can share one Redis without sharing limits."""
    if url is None:
        return InProcessLimiter()
    if not url.startswith(("redis://", "rediss://", "unix://")):
        raise LimiterUnavailable(f"{url!r} is no Redis URL (redis://host:port/db)")
    # redis-py takes a fifth of a second to import: only when asked for.
    from lamina.gateway.limits.redis_limiter import DEFAULT_PREFIX, RedisLimiter

    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    prefix = next((value for name, value in query if name == "key_prefix"), DEFAULT_PREFIX)
    rest = urlencode([(name, value) for name, value in query if name != "key_prefix"])
    limiter = RedisLimiter(urlunsplit(parts._replace(query=rest)), prefix=prefix)
    try:
        await limiter.ping()
    except LimiterUnavailable:
        await limiter.close()
        raise
    return limiter

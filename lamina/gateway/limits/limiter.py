"""The `RateLimiter` seam: where token buckets, quota counters and daily usage live.

The in-process limiter here serves one edge process; redis_limiter.RedisLimiter keeps the
same state in Redis so that several edge processes share one limit. Both take a bucket's
key and settings per call, so a redeployment that changes a limit applies at once.
"""

from __future__ import annotations

import enum
import time
from collections.abc import Callable, Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import Protocol
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from lamina.core.error import LaminaError
from lamina.gateway.limits.bucket import TokenBucket
from lamina.gateway.limits.counters_file import Counters, load_counters, save_counters
from lamina.gateway.limits.model import Quota, Throttle
from lamina.gateway.limits.period import Today
from lamina.gateway.redis_url import is_redis_url

USAGE_RETENTION_DAYS = 90
"""Daily usage kept per key (GetUsage reads at most this far back)."""
SAVE_INTERVAL_S = 5.0
"""How often counting requests save the in-process counters (counters_file.py), at most."""


class LimiterUnavailable(LaminaError):
    """The limiter's store cannot be reached (e.g. Redis is down)."""


class Bucket:
    """A token bucket's key in the limiter, and its settings."""

    __slots__ = ("key", "throttle")

    def __init__(self, key: str, throttle: Throttle) -> None:
        self.key = key
        self.throttle = throttle


class Charge:
    """A request to count against API key `key_id` under usage plan `plan_id`."""

    __slots__ = ("key_id", "plan_id", "quota")

    def __init__(self, plan_id: str, key_id: str, quota: Quota | None) -> None:
        self.plan_id = plan_id
        self.key_id = key_id
        self.quota = quota


class Verdict(enum.Enum):
    ADMITTED = "ADMITTED"
    THROTTLED = "THROTTLED"
    """A bucket was empty."""
    QUOTA_EXCEEDED = "QUOTA_EXCEEDED"
    """The quota of the current period is used up."""


class RateLimiter(Protocol):
    async def admit(self, buckets: Sequence[Bucket], charge: Charge | None = None) -> Verdict:
        """Take one token from each bucket (a bucket starts full) and count the request in
        today's usage and the quota period of `charge`, all or nothing: when a bucket is
        empty or the quota used up, nothing is taken and nothing counted."""
        ...

    async def daily_usage(self, plan_id: str, key_id: str, days: Sequence[date]) -> list[int]:
        """Requests counted on each of `days` (UTC)."""
        ...

    async def close(self) -> None: ...


class InProcessLimiter:
    """Buckets and counters in this process's memory.

    `clock` (monotonic seconds) drives the buckets, `wall` (epoch seconds) the quota
    periods and days; tests pass their own. With `counters_path` the quota counters and
    daily usage are read from that file on start and written to it on close, every
    SAVE_INTERVAL_S while requests are counted, and after set_remaining.
    """

    def __init__(
        self,
        *,
        clock: Callable[[], float] = time.monotonic,
        wall: Callable[[], float] = time.time,
        counters_path: Path | None = None,
    ) -> None:
        self._clock = clock
        self._wall = wall
        self._buckets: dict[str, TokenBucket] = {}
        self._counters_path = counters_path
        """Where quota counters and daily usage are kept across restarts (counters_file.py)."""
        counters = Counters() if counters_path is None else load_counters(counters_path)
        self._counters = counters
        self._periods = counters.periods
        self._days = counters.days
        self._adjusted = counters.adjusted
        self._today = Today()
        self._saved_at = clock()

    def take_now(self, bucket: Bucket) -> bool:
        """One bucket, without a coroutine: the hot path's only limiter call."""
        now = self._clock()
        state = self._buckets.get(bucket.key)
        if state is None:
            state = self._buckets[bucket.key] = TokenBucket(float(bucket.throttle.burst), now)
        return state.take(now, bucket.throttle.rate, bucket.throttle.burst)

    async def admit(self, buckets: Sequence[Bucket], charge: Charge | None = None) -> Verdict:
        now = self._clock()
        states = []
        for bucket in buckets:
            state = self._buckets.get(bucket.key)
            if state is None:
                state = self._buckets[bucket.key] = TokenBucket(float(bucket.throttle.burst), now)
            state.refill(now, bucket.throttle.rate, bucket.throttle.burst)
            if state.tokens < 1.0:
                return Verdict.THROTTLED
            states.append(state)
        if charge is not None and not self._count(charge):
            return Verdict.QUOTA_EXCEEDED
        for state in states:
            state.tokens -= 1.0
        return Verdict.ADMITTED

    async def take(self, key: str, throttle: Throttle) -> bool:
        """One bucket by key (tests and tools)."""
        return await self.admit([Bucket(key, throttle)]) is Verdict.ADMITTED

    async def count(self, plan_id: str, key_id: str, quota: Quota | None) -> bool:
        """One request against a quota, no bucket (tests and tools)."""
        charge = Charge(plan_id, key_id, quota)
        return await self.admit([], charge) is Verdict.ADMITTED

    def _count(self, charge: Charge) -> bool:
        now = self._wall()
        today = self._today.day(now)
        client = (charge.plan_id, charge.key_id)
        quota = charge.quota
        if quota is not None:
            start = self._today.period_start(now, quota.period, quota.offset)
            current = self._periods.get(client)
            used = current[1] if current is not None and current[0] == start else 0
            if used >= quota.limit:
                return False
            self._periods[client] = (start, used + 1)
        days = self._days.setdefault(client, {})
        if today not in days:
            self._forget_old_days(days, today)
        days[today] = days.get(today, 0) + 1
        self._checkpoint()
        return True

    def _checkpoint(self) -> None:
        """Save the counters at most every SAVE_INTERVAL_S while requests are counted, so a
        process that is killed (not stopped) loses only the last few seconds of them."""
        if self._counters_path is None:
            return
        now = self._clock()
        if now - self._saved_at >= SAVE_INTERVAL_S:
            self._saved_at = now
            save_counters(self._counters_path, self._counters)

    async def daily_usage(self, plan_id: str, key_id: str, days: Sequence[date]) -> list[int]:
        counted = self._days.get((plan_id, key_id), {})
        return [counted.get(day, 0) for day in days]

    async def quota_used(self, plan_id: str, key_id: str, quota: Quota) -> int:
        """What the quota of the current period has counted (what `admit` compares with
        the limit), set_remaining's changes included."""
        start = self._today.period_start(self._wall(), quota.period, quota.offset)
        current = self._periods.get((plan_id, key_id))
        return current[1] if current is not None and current[0] == start else 0

    async def set_remaining(self, plan_id: str, key_id: str, quota: Quota, remaining: int) -> int:
        """Set the current period's counter to `quota.limit - remaining` (UpdateUsage), so
        that `remaining` more requests are admitted this period; the change is recorded as
        today's adjustment. Returns it (negative: quota granted)."""
        now = self._wall()
        start = self._today.period_start(now, quota.period, quota.offset)
        client = (plan_id, key_id)
        current = self._periods.get(client)
        used = current[1] if current is not None and current[0] == start else 0
        target = quota.limit - remaining
        self._periods[client] = (start, target)
        today = self._today.day(now)
        adjusted = self._adjusted.setdefault(client, {})
        if today not in adjusted:
            self._forget_old_days(adjusted, today)
        adjusted[today] = adjusted.get(today, 0) + target - used
        if self._counters_path is not None:
            save_counters(self._counters_path, self._counters)  # an operator's change: at once
        return target - used

    async def daily_adjustments(self, plan_id: str, key_id: str, days: Sequence[date]) -> list[int]:
        """What set_remaining added to the quota counter on each of `days` (UTC)."""
        adjusted = self._adjusted.get((plan_id, key_id), {})
        return [adjusted.get(day, 0) for day in days]

    async def close(self) -> None:
        self._buckets.clear()
        if self._counters_path is not None:
            self._forget_spent(self._today.day(self._wall()))
            save_counters(self._counters_path, self._counters)

    def _forget_spent(self, today: date) -> None:
        """Drop what counts for nothing any more, so the saved counters do not grow with
        every key that ever made a request: days past retention, clients left without
        days, and quota periods that began over a month ago (every period, MONTH the
        longest, has started again since; an absent period counts as zero, as theirs)."""
        for by_client in (self._days, self._adjusted):
            for client, days in list(by_client.items()):
                self._forget_old_days(days, today)
                if not days:
                    del by_client[client]
        spent = today - timedelta(days=31)
        for client in [client for client, (start, _) in self._periods.items() if start < spent]:
            del self._periods[client]

    @staticmethod
    def _forget_old_days(days: dict[date, int], today: date) -> None:
        oldest = today - timedelta(days=USAGE_RETENTION_DAYS)
        for day in [day for day in days if day < oldest]:
            del days[day]


async def open_limiter(url: str | None, counters_path: Path | None = None) -> RateLimiter:
    """The limiter `lamina up --limits URL` asks for: Redis for redis:// (and rediss://)
    URLs, checked with a PING; the in-process one for None, keeping its quota counters in
    `counters_path` across restarts. A `key_prefix` query parameter sets the prefix of
    every key (default `lamina:limits:`), so several deployments can share one Redis
    without sharing limits."""
    if url is None:
        return InProcessLimiter(counters_path=counters_path)
    if not is_redis_url(url):
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

"""A RateLimiter in Redis, so that several edge processes share one limit.

Each request is one round trip running one Lua script, atomic on the server, whatever
the number of buckets and whether a quota is counted.
Buckets are hashes {t: tokens, s: stamp} that expire once they would be full again;
quota counters expire at the end of their period; daily usage after 90 days. Bucket time
is the Redis server's clock (TIME), the one clock every edge process agrees on; tests
may pass their own.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

import redis.asyncio as redis

from lamina.gateway.limits.limiter import (
    USAGE_RETENTION_DAYS,
    Bucket,
    Charge,
    LimiterUnavailable,
    Verdict,
)
from lamina.gateway.limits.model import Quota, Throttle
from lamina.gateway.limits.period import Today, day_epoch, period_end

DEFAULT_PREFIX = "lamina:limits:"

# One round trip per request: every bucket, then the quota and the day's usage, all or
# nothing. KEYS: the n buckets, then (with a charge) the quota counter and the usage
# counter. ARGV: n, now ('' = the server's clock), n (rate, burst) pairs, then with a
# charge: quota limit (-1: none), quota expiry (epoch s), usage TTL (s).
# Returns 0 admitted, 1 throttled, 2 quota exceeded.
_ADMIT = """
local n = tonumber(ARGV[1])
local now
if ARGV[2] == '' then
  local t = redis.call('TIME')
  now = tonumber(t[1]) + tonumber(t[2]) / 1000000
else
  now = tonumber(ARGV[2])
end
local tokens = {}
local stamps = {}
for i = 1, n do
  local rate = tonumber(ARGV[1 + 2 * i])
  local burst = tonumber(ARGV[2 + 2 * i])
  local state = redis.call('HMGET', KEYS[i], 't', 's')
  local t = tonumber(state[1])
  local s = tonumber(state[2])
  if t == nil or s == nil then
    t = burst
    s = now
  end
  if now > s then
    t = math.min(burst, t + (now - s) * rate)
    s = now
  end
  if t < 1 then
    return 1
  end
  tokens[i] = t
  stamps[i] = s
end
local charge = 3 + 2 * n
if ARGV[charge] then
  local limit = tonumber(ARGV[charge])
  if limit >= 0 then
    local used = tonumber(redis.call('GET', KEYS[n + 1]) or '0')
    if used >= limit then
      return 2
    end
    redis.call('INCR', KEYS[n + 1])
    redis.call('EXPIREAT', KEYS[n + 1], ARGV[charge + 1])
  end
  redis.call('INCR', KEYS[n + 2])
  redis.call('EXPIRE', KEYS[n + 2], ARGV[charge + 2])
end
for i = 1, n do
  local rate = tonumber(ARGV[1 + 2 * i])
  local burst = tonumber(ARGV[2 + 2 * i])
  local left = tokens[i] - 1
  local stamp = string.format('%.6f', stamps[i])
  redis.call('HSET', KEYS[i], 't', string.format('%.17g', left), 's', stamp)
  local ttl_ms = 86400000
  if rate > 0 then
    ttl_ms = math.ceil((burst - left) / rate * 1000) + 1000
  end
  redis.call('PEXPIRE', KEYS[i], ttl_ms)
end
return 0
"""

# UpdateUsage: set the period's quota counter, record the change in the day's adjustment.
# KEYS: quota counter, adjustment counter. ARGV: the new count, the counter's expiry
# (epoch s), the adjustment's TTL (s). Returns the change.
_SET_USED = """
local used = tonumber(redis.call('GET', KEYS[1]) or '0')
local target = tonumber(ARGV[1])
redis.call('SET', KEYS[1], target)
redis.call('EXPIREAT', KEYS[1], ARGV[2])
redis.call('INCRBY', KEYS[2], target - used)
redis.call('EXPIRE', KEYS[2], ARGV[3])
return target - used
"""

_VERDICTS = (Verdict.ADMITTED, Verdict.THROTTLED, Verdict.QUOTA_EXCEEDED)


class RedisLimiter:
    """`url`: redis://host:port/db. Every key starts with `prefix`, so tests and
    deployments can share one Redis."""

    def __init__(
        self,
        url: str,
        *,
        prefix: str = DEFAULT_PREFIX,
        clock: Callable[[], float] | None = None,
        wall: Callable[[], float] = time.time,
    ) -> None:
        self._url = url
        self._redis: redis.Redis = redis.Redis.from_url(url)
        self._prefix = prefix
        self._clock = clock
        self._wall = wall
        self._admit = self._redis.register_script(_ADMIT)
        self._set_used = self._redis.register_script(_SET_USED)
        self._today = Today()

    async def admit(self, buckets: Sequence[Bucket], charge: Charge | None = None) -> Verdict:
        keys = [self._prefix + "tb:" + bucket.key for bucket in buckets]
        args: list[Any] = [len(buckets), "" if self._clock is None else repr(self._clock())]
        for bucket in buckets:
            args += [repr(float(bucket.throttle.rate)), bucket.throttle.burst]
        if charge is not None:
            self._charge(charge, keys, args)
        try:
            return _VERDICTS[int(await self._admit(keys=keys, args=args))]
        except redis.RedisError as error:
            raise LimiterUnavailable(f"Redis: {error}") from error

    async def take(self, key: str, throttle: Throttle) -> bool:
        """One bucket by key (tests and tools)."""
        return await self.admit([Bucket(key, throttle)]) is Verdict.ADMITTED

    async def count(self, plan_id: str, key_id: str, quota: Quota | None) -> bool:
        """One request against a quota, no bucket (tests and tools)."""
        return await self.admit([], Charge(plan_id, key_id, quota)) is Verdict.ADMITTED

    def _charge(self, charge: Charge, keys: list[str], args: list[Any]) -> None:
        now = self._wall()
        today = self._today.day(now)
        client = f"{charge.plan_id}:{charge.key_id}"
        quota = charge.quota
        limit, expires, quota_key = -1, 0, self._prefix + "q:" + client
        if quota is not None:
            start = self._today.period_start(now, quota.period, quota.offset)
            limit = quota.limit
            expires = day_epoch(period_end(start, quota.period)) + 60
            quota_key += f":{start.isoformat()}"
        keys += [quota_key, self._usage_key(client, today)]
        args += [limit, expires, USAGE_RETENTION_DAYS * 86_400]

    async def daily_usage(self, plan_id: str, key_id: str, days: Sequence[date]) -> list[int]:
        if not days:
            return []
        client = f"{plan_id}:{key_id}"
        try:
            values = await self._redis.mget([self._usage_key(client, day) for day in days])
        except redis.RedisError as error:
            raise LimiterUnavailable(f"Redis: {error}") from error
        return [int(value) if value is not None else 0 for value in values]

    async def quota_used(self, plan_id: str, key_id: str, quota: Quota) -> int:
        """What the quota of the current period has counted (what the admit script
        compares with the limit), set_remaining's changes included."""
        key, _ = self._quota_key(f"{plan_id}:{key_id}", quota)
        try:
            value = await self._redis.get(key)
        except redis.RedisError as error:
            raise LimiterUnavailable(f"Redis: {error}") from error
        return int(value) if value is not None else 0

    async def set_remaining(self, plan_id: str, key_id: str, quota: Quota, remaining: int) -> int:
        """Set the current period's counter to `quota.limit - remaining` (UpdateUsage), in
        one script with today's adjustment record. Returns the change."""
        client = f"{plan_id}:{key_id}"
        key, expires = self._quota_key(client, quota)
        adjusted = self._adjustment_key(client, self._today.day(self._wall()))
        args = [quota.limit - remaining, expires, USAGE_RETENTION_DAYS * 86_400]
        try:
            return int(await self._set_used(keys=[key, adjusted], args=args))
        except redis.RedisError as error:
            raise LimiterUnavailable(f"Redis: {error}") from error

    async def daily_adjustments(self, plan_id: str, key_id: str, days: Sequence[date]) -> list[int]:
        """What set_remaining added to the quota counter on each of `days` (UTC)."""
        if not days:
            return []
        client = f"{plan_id}:{key_id}"
        try:
            values = await self._redis.mget([self._adjustment_key(client, day) for day in days])
        except redis.RedisError as error:
            raise LimiterUnavailable(f"Redis: {error}") from error
        return [int(value) if value is not None else 0 for value in values]

    def _quota_key(self, client: str, quota: Quota) -> tuple[str, int]:
        """The current period's counter (as _charge names it) and its expiry."""
        start = self._today.period_start(self._wall(), quota.period, quota.offset)
        expires = day_epoch(period_end(start, quota.period)) + 60
        return f"{self._prefix}q:{client}:{start.isoformat()}", expires

    def _adjustment_key(self, client: str, day: date) -> str:
        return f"{self._prefix}a:{client}:{day.isoformat()}"

    async def close(self) -> None:
        await self._redis.aclose()

    async def ping(self) -> None:
        try:
            await self._redis.ping()
        except (redis.RedisError, OSError) as error:
            raise LimiterUnavailable(f"Redis at {self._url}: {error}") from error

    @property
    def prefix(self) -> str:
        return self._prefix

    def _usage_key(self, client: str, day: date) -> str:
        return f"{self._prefix}u:{client}:{day.isoformat()}"

"""A RateLimiter in Redis, so that several edge processes share one limit.

Each take and each count is one round trip running one Lua script, atomic on the server.
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

from lamina.gateway.limits.limiter import USAGE_RETENTION_DAYS, LimiterUnavailable
from lamina.gateway.limits.model import Quota, Throttle
from lamina.gateway.limits.period import day_epoch, period_end, period_start, utc_day

DEFAULT_PREFIX = "lamina:limits:"

# KEYS[1] bucket; ARGV rate, burst, now ('' = the server's clock). Returns 1 or 0.
_TAKE = """
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local now
if ARGV[3] == '' then
  local t = redis.call('TIME')
  now = tonumber(t[1]) + tonumber(t[2]) / 1000000
else
  now = tonumber(ARGV[3])
end
local state = redis.call('HMGET', KEYS[1], 't', 's')
local tokens = tonumber(state[1])
local stamp = tonumber(state[2])
if tokens == nil or stamp == nil then
  tokens = burst
  stamp = now
end
if now > stamp then
  tokens = math.min(burst, tokens + (now - stamp) * rate)
  stamp = now
end
local admitted = 0
if tokens >= 1 then
  tokens = tokens - 1
  admitted = 1
end
redis.call('HSET', KEYS[1], 't', string.format('%.17g', tokens), 's', string.format('%.6f', stamp))
local ttl_ms = 86400000
if rate > 0 then
  ttl_ms = math.ceil((burst - tokens) / rate * 1000) + 1000
end
redis.call('PEXPIRE', KEYS[1], ttl_ms)
return admitted
"""

# KEYS[1] quota counter, KEYS[2] daily usage; ARGV limit (-1: none), quota expiry (epoch
# s), usage TTL (s). Returns 1 when counted, 0 when the quota is used up.
_COUNT = """
local limit = tonumber(ARGV[1])
if limit >= 0 then
  local used = tonumber(redis.call('GET', KEYS[1]) or '0')
  if used >= limit then
    return 0
  end
  redis.call('INCR', KEYS[1])
  redis.call('EXPIREAT', KEYS[1], ARGV[2])
end
redis.call('INCR', KEYS[2])
redis.call('EXPIRE', KEYS[2], ARGV[3])
return 1
"""


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
        self._take = self._redis.register_script(_TAKE)
        self._count = self._redis.register_script(_COUNT)

    async def take(self, key: str, throttle: Throttle) -> bool:
        now = "" if self._clock is None else repr(self._clock())
        args: list[Any] = [repr(float(throttle.rate)), throttle.burst, now]
        try:
            return bool(await self._take(keys=[self._prefix + "tb:" + key], args=args))
        except redis.RedisError as error:
            raise LimiterUnavailable(f"Redis: {error}") from error

    async def count(self, plan_id: str, key_id: str, quota: Quota | None) -> bool:
        today = utc_day(self._wall())
        client = f"{plan_id}:{key_id}"
        limit, expires, quota_key = -1, 0, self._prefix + "q:" + client
        if quota is not None:
            start = period_start(today, quota.period, quota.offset)
            limit = quota.limit
            expires = day_epoch(period_end(start, quota.period)) + 60
            quota_key += f":{start.isoformat()}"
        keys = [quota_key, self._usage_key(client, today)]
        args = [limit, expires, USAGE_RETENTION_DAYS * 86_400]
        try:
            return bool(await self._count(keys=keys, args=args))
        except redis.RedisError as error:
            raise LimiterUnavailable(f"Redis: {error}") from error

    async def daily_usage(self, plan_id: str, key_id: str, days: Sequence[date]) -> list[int]:
        if not days:
            return []
        client = f"{plan_id}:{key_id}"
        try:
            values = await self._redis.mget([self._usage_key(client, day) for day in days])
        except redis.RedisError as error:
            raise LimiterUnavailable(f"Redis: {error}") from error
        return [int(value) if value is not None else 0 for value in values]

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

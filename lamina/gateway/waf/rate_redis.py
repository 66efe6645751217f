"""Rate-based rule counts in Redis, shared by every edge process on one `--limits` URL.

AWS WAF aggregates a rate-based rule's counts per web ACL, not per server, so edge
processes sharing limits must share these counts too.
https://docs.aws.amazon.com/waf/latest/developerguide/waf-rule-statement-type-rate-based-high-level-settings.html

A slot (rule, aggregation key) is one hash: a field per second holding that second's
requests, `t` their total and `f` the oldest second kept, as rate.RateCounter's deque. One
Lua script per reached rule drops the seconds that left the window, counts the request and
answers the total: one round trip, atomic on the server. The key expires `window` seconds
after its last request, so an idle address costs nothing. Seconds are the Redis server's
clock (TIME), the one clock every edge process agrees on; tests may pass their own.

Its own module: redis-py takes a fifth of a second to import, paid only when asked for.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from contextvars import ContextVar
from typing import TypeVar

import msgspec
from redis.asyncio import Redis
from redis.exceptions import RedisError

from lamina.gateway.redis_backed import RedisBacked, redis_from_url

T = TypeVar("T")

DEFAULT_REDIS_PREFIX = "lamina:waf_rate:"

# KEYS: the slot's hash. ARGV: now (whole seconds; '' = the server's clock), window (s).
# Returns the requests of the last `window` seconds, this one included.
_COUNT = """
local now
if ARGV[1] == '' then
  now = tonumber(redis.call('TIME')[1])
else
  now = tonumber(ARGV[1])
end
local window = tonumber(ARGV[2])
local state = redis.call('HMGET', KEYS[1], 'f', 't')
local first = tonumber(state[1]) or now
local total = tonumber(state[2]) or 0
local oldest = now - window + 1
if first < oldest then
  local stale = {}
  for second = first, oldest - 1 do
    stale[#stale + 1] = tostring(second)
  end
  for _, count in ipairs(redis.call('HMGET', KEYS[1], unpack(stale))) do
    total = total - (tonumber(count) or 0)
  end
  redis.call('HDEL', KEYS[1], unpack(stale))
  first = oldest
end
redis.call('HINCRBY', KEYS[1], tostring(now), 1)
total = total + 1
redis.call('HSET', KEYS[1], 'f', math.min(first, now), 't', total)
redis.call('EXPIRE', KEYS[1], window)
return total
"""

_MAX_ROUNDS = 64
"""Evaluations of one request: one more than the rate-based rules it reaches."""

_KEY_ENCODER = msgspec.json.Encoder()

_counts: ContextVar[dict[tuple[str, str], int] | None] = ContextVar("waf_rate_counts", default=None)
"""The totals Redis answered for the request being evaluated, by slot."""


class _CountNeeded(Exception):
    """Evaluation reached a rate-based rule whose count for this request is not known yet."""

    def __init__(self, rule: str, key: str, window: int) -> None:
        super().__init__(rule, key)
        self.slot = (rule, key)
        self.window = window


class RedisRateCounter(RedisBacked):
    """Counts in Redis (cluster mode). Evaluation runs synchronously; when it reaches a
    rate-based rule not counted yet for this request, `evaluating` counts the request in
    Redis and runs the evaluation again with the answer (rules are pure functions of the
    request, and ModSecurity verdicts are remembered, so the rerun is cheap).

    Redis being unreachable must not refuse requests: a count that fails is taken as
    under the limit, with one warning (see RedisBacked)."""

    unavailable = "WAF rate counts unavailable, rate-based rules admit every request"
    default_prefix = DEFAULT_REDIS_PREFIX

    def __init__(
        self,
        client: Redis,
        prefix: str | None = None,
        *,
        now: Callable[[], float] | None = None,
        retry_after_s: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(client, prefix, retry_after_s=retry_after_s, clock=clock)
        self._now = now
        """The window's clock in seconds; None: the Redis server's."""
        self._count = self._client.register_script(_COUNT)

    def over_limit(self, rule: str, key: str, limit: int, window: int) -> bool:
        counts = _counts.get()
        if counts is None:
            raise RuntimeError("RedisRateCounter.over_limit outside evaluating()")
        total = counts.get((rule, key))
        if total is None:
            raise _CountNeeded(rule, key, window)
        return total > limit

    async def evaluating(self, evaluate: Callable[[], T]) -> T:
        counts: dict[tuple[str, str], int] = {}
        token = _counts.set(counts)
        try:
            for _ in range(_MAX_ROUNDS):
                try:
                    return evaluate()
                except _CountNeeded as needed:
                    counts[needed.slot] = await self.count(*needed.slot, needed.window)
            raise RuntimeError(f"a web ACL reached more than {_MAX_ROUNDS} rate-based rules")
        finally:
            _counts.reset(token)

    async def count(self, rule: str, key: str, window: int) -> int:
        """Record one request in the slot and answer the requests of its last `window`
        seconds; 0 (under any limit) when Redis is resting or fails."""
        if self._resting():
            return 0
        name = self._prefix + _KEY_ENCODER.encode((rule, key)).decode()
        now = "" if self._now is None else str(math.floor(self._now()))
        try:
            total = int(await self._count(keys=[name], args=[now, window]))
        except (RedisError, OSError) as error:
            self._failed(error)
            return 0
        self._down_until = None
        return total


def redis_rate_counter(url: str) -> RedisRateCounter:
    """Counts on the Redis at `url`; its `key_prefix` query parameter, when given, goes
    before `waf_rate:` so deployments sharing one Redis keep apart."""
    return RedisRateCounter(*redis_from_url(url, "waf_rate:", DEFAULT_REDIS_PREFIX))

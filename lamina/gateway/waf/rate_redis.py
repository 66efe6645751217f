"""Rate-based rule counts in Redis, shared by every edge process on one `--limits` URL.

AWS WAF aggregates a rate-based rule's counts per web ACL, not per server, so edge
processes sharing limits must share these counts too.
https://docs.aws.amazon.com/waf/latest/developerguide/waf-rule-statement-type-rate-based-high-level-settings.html

A slot (rule, aggregation key) is one hash: a field per second holding that second's
requests, `t` their total and `f` the oldest second kept, as rate.RateCounter's deque. One
Lua script per request drops the seconds that left the windows of the rules it reached,
counts the request in them and answers the totals: one round trip, atomic on the server.
A key expires `window` seconds after its last request, so an idle address costs nothing.
Seconds are the Redis server's clock (TIME), the one clock every edge process agrees on;
tests may pass their own.

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

from lamina.gateway.redis_backed import RedisBacked, redis_from_url

T = TypeVar("T")

DEFAULT_REDIS_PREFIX = "lamina:waf_rate:"

# KEYS: the slots the request reached, in evaluation order. ARGV: now (whole seconds; ''
# = the server's clock), then a (window, limit) pair per slot. Counts the request in each
# slot, stopping after the first whose total passes its limit (a terminating rule ends
# evaluation there, so later rules never see the request). Returns the totals counted.
_COUNT = """
local now
if ARGV[1] == '' then
  now = tonumber(redis.call('TIME')[1])
else
  now = tonumber(ARGV[1])
end
local totals = {}
for i, key in ipairs(KEYS) do
  local window = tonumber(ARGV[2 * i])
  local limit = tonumber(ARGV[2 * i + 1])
  local state = redis.call('HMGET', key, 'f', 't')
  local first = tonumber(state[1]) or now
  local total = tonumber(state[2]) or 0
  local oldest = now - window + 1
  if first < oldest then
    local stale = {}
    for second = first, oldest - 1 do
      stale[#stale + 1] = tostring(second)
    end
    for _, count in ipairs(redis.call('HMGET', key, unpack(stale))) do
      total = total - (tonumber(count) or 0)
    end
    redis.call('HDEL', key, unpack(stale))
    first = oldest
  end
  redis.call('HINCRBY', key, tostring(now), 1)
  total = total + 1
  redis.call('HSET', key, 'f', math.min(first, now), 't', total)
  redis.call('EXPIRE', key, window)
  totals[i] = total
  if total > limit then
    break
  end
end
return totals
"""

_MAX_ROUNDS = 64
"""Evaluations of one request: one more than the rate-based rules it reaches."""

_KEY_ENCODER = msgspec.json.Encoder()

Reached = tuple[str, str, int, int]
"""A rate-based rule's slot reached by evaluation: (rule, key, limit, window)."""


class _Evaluation:
    """The counts Redis answered for the request being evaluated, by slot, and while
    evaluation is optimistic (every rule under its limit), the slots it reached."""

    __slots__ = ("counts", "optimistic", "reached")

    def __init__(self) -> None:
        self.counts: dict[tuple[str, str], int] = {}
        self.optimistic = True
        self.reached: list[Reached] = []


_current: ContextVar[_Evaluation | None] = ContextVar("waf_rate_evaluation", default=None)


class _CountNeeded(Exception):
    """Evaluation reached a rate-based rule whose count for this request is not known yet."""

    def __init__(self, reached: Reached) -> None:
        super().__init__(*reached)
        self.reached = reached


class RedisRateCounter(RedisBacked):
    """Counts in Redis (cluster mode). Evaluation runs synchronously, first as if every
    rate-based rule were under its limit, noting the rules it reaches; one script then
    counts the request in them, in order. All under their limit: that evaluation stands.
    Otherwise it runs again with the counts (rules are pure functions of the request), and
    a rule it reaches only then is counted before it goes on: the same requests are
    counted, and the same verdicts given, as by the in-process RateCounter.

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
        evaluation = _current.get()
        if evaluation is None:
            raise RuntimeError("RedisRateCounter.over_limit outside evaluating()")
        total = evaluation.counts.get((rule, key))
        if total is not None:
            return total > limit
        if evaluation.optimistic:
            evaluation.reached.append((rule, key, limit, window))
            return False
        raise _CountNeeded((rule, key, limit, window))

    async def evaluating(self, evaluate: Callable[[], T]) -> T:
        evaluation = _Evaluation()
        token = _current.set(evaluation)
        try:
            result = evaluate()
            if not evaluation.reached or not await self._record(evaluation, evaluation.reached):
                return result
            evaluation.optimistic = False
            for _ in range(_MAX_ROUNDS):
                try:
                    return evaluate()
                except _CountNeeded as needed:
                    await self._record(evaluation, [needed.reached])
            raise RuntimeError(f"a web ACL reached more than {_MAX_ROUNDS} rate-based rules")
        finally:
            _current.reset(token)

    async def _record(self, evaluation: _Evaluation, reached: list[Reached]) -> bool:
        """Count the request in the `reached` slots; whether one is now over its limit."""
        totals = await self.count(reached)
        for (rule, key, _, _), total in zip(reached, totals, strict=False):
            evaluation.counts[(rule, key)] = total
        return any(total > limit for (_, _, limit, _), total in zip(reached, totals, strict=False))

    async def count(self, reached: list[Reached]) -> list[int]:
        """Record one request in each slot, in order, up to the first over its limit, and
        answer their totals over their windows; 0s (under any limit) when Redis is resting
        or fails."""
        prefix = self._prefix
        names = [prefix + _KEY_ENCODER.encode((rule, key)).decode() for rule, key, *_ in reached]
        args: list[int | str] = ["" if self._now is None else str(math.floor(self._now()))]
        for _, _, limit, window in reached:
            args += [window, limit]
        totals = await self._guarded(lambda: self._count(keys=names, args=args), None)
        if totals is None:
            return [0] * len(reached)
        return [int(total) for total in totals]


def redis_rate_counter(url: str) -> RedisRateCounter:
    """Counts on the Redis at `url`; its `key_prefix` query parameter, when given, goes
    before `waf_rate:` so deployments sharing one Redis keep apart."""
    return RedisRateCounter(*redis_from_url(url, "waf_rate:", DEFAULT_REDIS_PREFIX))

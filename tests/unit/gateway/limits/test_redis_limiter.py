"""The Redis limiter against the real Redis at 127.0.0.1:6379: the same arithmetic as the
in-process one, shared by several limiter instances (as by several edge processes)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
import redis.asyncio as redis

from lamina.gateway.limits.limiter import (
    Bucket,
    Charge,
    LimiterUnavailable,
    Verdict,
    open_limiter,
)
from lamina.gateway.limits.model import Quota, Throttle, UsagePlan
from lamina.gateway.limits.redis_limiter import RedisLimiter
from lamina.gateway.limits.usage import get_usage

URL = "redis://127.0.0.1:6379/0"


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def prefix() -> str:
    return f"lamina-test:{uuid.uuid4().hex}:"


@pytest.fixture
async def raw(prefix: str) -> AsyncIterator[redis.Redis]:
    client: redis.Redis = redis.Redis.from_url(URL)
    yield client
    async for key in client.scan_iter(match=prefix + "*"):
        await client.delete(key)
    await client.aclose()


async def test_redis_bucket_math_matches_the_token_bucket(prefix: str, raw: redis.Redis) -> None:
    clock = Clock(1000.0)
    limiter = RedisLimiter(URL, prefix=prefix, clock=clock)
    throttle = Throttle(rate=10.0, burst=3)
    try:
        assert [await limiter.take("b", throttle) for _ in range(4)] == [True] * 3 + [False]
        clock.now = 1000.09
        assert not await limiter.take("b", throttle)
        clock.now = 1000.1
        assert await limiter.take("b", throttle)
        clock.now = 5000.0
        assert [await limiter.take("b", throttle) for _ in range(4)] == [True] * 3 + [False]
        # The bucket expires once it would be full again: 3 tokens at 10/s, plus a second.
        ttl_ms = await raw.pttl(prefix + "tb:b")
        assert 1000 < ttl_ms <= 1300
    finally:
        await limiter.close()


async def test_two_redis_limiters_share_one_bucket(prefix: str, raw: redis.Redis) -> None:
    clock = Clock(2000.0)
    one = RedisLimiter(URL, prefix=prefix, clock=clock)
    two = RedisLimiter(URL, prefix=prefix, clock=clock)
    throttle = Throttle(rate=1.0, burst=4)
    try:
        taken = [await (one if n % 2 else two).take("shared", throttle) for n in range(6)]
        assert taken == [True] * 4 + [False] * 2
        clock.now = 2001.0
        assert await two.take("shared", throttle)
        assert not await one.take("shared", throttle)
    finally:
        await one.close()
        await two.close()


async def test_redis_bucket_on_the_server_clock(prefix: str, raw: redis.Redis) -> None:
    limiter = RedisLimiter(URL, prefix=prefix)  # no clock: Redis TIME
    throttle = Throttle(rate=0.001, burst=2)
    try:
        assert [await limiter.take("t", throttle) for _ in range(3)] == [True, True, False]
    finally:
        await limiter.close()


async def test_redis_quota_shared_and_usage_readable(prefix: str, raw: redis.Redis) -> None:
    # Today, so that the quota counter's expiry (the end of its period) is in the future.
    today = datetime.now(UTC).date()
    wall = Clock(datetime(today.year, today.month, today.day, 12, tzinfo=UTC).timestamp())
    one = RedisLimiter(URL, prefix=prefix, wall=wall)
    two = RedisLimiter(URL, prefix=prefix, wall=wall)
    quota = Quota(limit=3, period="DAY")
    try:
        counted = [await (one if n % 2 else two).count("plan01", "key1", quota) for n in range(5)]
        assert counted == [True, True, True, False, False]
        wall.now += 86_400
        assert await one.count("plan01", "key1", quota)
        plan = UsagePlan(id="plan01", name="p", quota=quota, key_ids=("key1",))
        usage = await get_usage(two, plan, today, today + timedelta(days=1))
        assert usage["items"] == {"key1": [[3, 0], [1, 2]]}
        # Counters expire: the quota at the period's end, usage after 90 days.
        tomorrow = (today + timedelta(days=1)).isoformat()
        quota_ttl = await raw.ttl(prefix + f"q:plan01:key1:{tomorrow}")
        usage_ttl = await raw.ttl(prefix + f"u:plan01:key1:{tomorrow}")
        assert 86_400 < quota_ttl <= 2 * 86_400 + 60
        assert 89 * 86_400 < usage_ttl <= 90 * 86_400
    finally:
        await one.close()
        await two.close()


async def test_redis_admit_is_one_call_all_or_nothing(prefix: str, raw: redis.Redis) -> None:
    limiter = RedisLimiter(URL, prefix=prefix, clock=Clock(3000.0))
    client = Bucket("client", Throttle(rate=0.0, burst=2))
    account = Bucket("account", Throttle(rate=0.0, burst=1))
    try:
        assert await limiter.admit([client, account]) is Verdict.ADMITTED
        assert await limiter.admit([client, account]) is Verdict.THROTTLED
        assert await limiter.admit([client]) is Verdict.ADMITTED  # not taken above
        fresh = Bucket("fresh", Throttle(rate=0.0, burst=1))
        charge = Charge("plan", "key", Quota(limit=0, period="DAY"))
        assert await limiter.admit([fresh], charge) is Verdict.QUOTA_EXCEEDED
        assert await limiter.admit([fresh]) is Verdict.ADMITTED
        # With no refill rate, a bucket is kept a day.
        assert 86_000_000 < await raw.pttl(prefix + "tb:fresh") <= 86_400_000
    finally:
        await limiter.close()


async def test_open_limiter_refuses_unreachable_redis_and_bad_urls() -> None:
    with pytest.raises(LimiterUnavailable):
        await open_limiter("redis://127.0.0.1:1/0")
    with pytest.raises(LimiterUnavailable):
        await open_limiter("http://127.0.0.1:6379")
    limiter = await open_limiter(URL)
    assert isinstance(limiter, RedisLimiter)
    assert limiter.prefix == "lamina:limits:"
    await limiter.close()
    limiter = await open_limiter(URL + "?key_prefix=mine:&socket_timeout=2")
    assert isinstance(limiter, RedisLimiter)
    assert limiter.prefix == "mine:"
    await limiter.close()


async def test_unreachable_redis_raises_limiter_unavailable() -> None:
    limiter = RedisLimiter("redis://127.0.0.1:1/0")
    try:
        with pytest.raises(LimiterUnavailable):
            await limiter.take("x", Throttle(rate=1.0, burst=1))
    finally:
        await limiter.close()

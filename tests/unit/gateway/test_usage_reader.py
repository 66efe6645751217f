"""LimiterUsage over both limiters: GetUsage's [used, remaining] per day are the counters
`admit` enforces, and set_remaining (UpdateUsage) changes what the next requests get.
The Redis cases run against the real Redis at 127.0.0.1:6379 under a unique key prefix."""

from __future__ import annotations

import calendar
import uuid
from collections.abc import AsyncIterator
from datetime import date, timedelta

import pytest
import redis.asyncio as redis

from lamina.gateway.limits.limiter import Charge, InProcessLimiter, Verdict
from lamina.gateway.limits.model import Quota
from lamina.gateway.limits.redis_limiter import RedisLimiter
from lamina.gateway.limits.usage_reader import LimiterUsage, QuotaCounters, limiter_usage

URL = "redis://127.0.0.1:6379/0"
# A Wednesday at least a week ahead: Redis expires quota counters at their period's end by
# its own clock (EXPIREAT), so the test's days must not already be past.
_TODAY = date.today()
WEDNESDAY = _TODAY + timedelta(days=7 + (2 - _TODAY.weekday()) % 7)


class Wall:
    def __init__(self, day: date) -> None:
        self.now = float(calendar.timegm(day.timetuple())) + 3600

    def at(self, day: date) -> None:
        self.now = float(calendar.timegm(day.timetuple())) + 3600

    def __call__(self) -> float:
        return self.now


@pytest.fixture(params=["in-process", "redis"])
async def counters(request: pytest.FixtureRequest) -> AsyncIterator[tuple[QuotaCounters, Wall]]:
    wall = Wall(WEDNESDAY)
    if request.param == "in-process":
        yield InProcessLimiter(wall=wall), wall
        return
    prefix = f"lamina-test:usage:{uuid.uuid4().hex}:"
    limiter = RedisLimiter(URL, prefix=prefix, wall=wall)
    raw: redis.Redis = redis.Redis.from_url(URL)
    try:
        yield limiter, wall
    finally:
        async for key in raw.scan_iter(match=prefix + "*"):
            await raw.delete(key)
        await raw.aclose()
        await limiter.close()


async def _requests(limiter: QuotaCounters, quota: Quota | None, n: int) -> list[Verdict]:
    assert isinstance(limiter, InProcessLimiter | RedisLimiter)
    return [await limiter.admit([], Charge("plan", "key", quota)) for _ in range(n)]


async def test_n_requests_read_as_n_used_and_limit_minus_n_remaining_today(
    counters: tuple[QuotaCounters, Wall],
) -> None:
    limiter, wall = counters
    quota = Quota(limit=10, period="DAY")
    assert await _requests(limiter, quota, 4) == [Verdict.ADMITTED] * 4
    usage = LimiterUsage(limiter, wall=wall)
    today = WEDNESDAY
    items = await usage.usage("plan", ["key", "other"], today, today, (10, "DAY", 0))
    assert items == {"key": [[4, 6]], "other": [[0, 10]]}


async def test_set_remaining_changes_what_the_next_requests_get(
    counters: tuple[QuotaCounters, Wall],
) -> None:
    limiter, wall = counters
    quota = Quota(limit=5, period="DAY")
    usage = LimiterUsage(limiter, wall=wall)
    today = WEDNESDAY
    assert await _requests(limiter, quota, 5) == [Verdict.ADMITTED] * 5
    assert await _requests(limiter, quota, 1) == [Verdict.QUOTA_EXCEEDED]
    await usage.set_remaining("plan", "key", (5, "DAY", 0), 2)  # a grant beyond the limit
    assert await _requests(limiter, quota, 3) == [Verdict.ADMITTED] * 2 + [Verdict.QUOTA_EXCEEDED]
    assert await usage.usage("plan", ["key"], today, today, (5, "DAY", 0)) == {"key": [[7, 0]]}
    await usage.set_remaining("plan", "key", (5, "DAY", 0), 1)
    assert await usage.usage("plan", ["key"], today, today, (5, "DAY", 0)) == {"key": [[7, 1]]}
    # Taking quota away: none left although the day's count is below the limit.
    wall.at(WEDNESDAY + timedelta(days=1))
    assert await _requests(limiter, quota, 1) == [Verdict.ADMITTED]
    await usage.set_remaining("plan", "key", (5, "DAY", 0), 0)
    assert await _requests(limiter, quota, 1) == [Verdict.QUOTA_EXCEEDED]
    both = await usage.usage("plan", ["key"], today, WEDNESDAY + timedelta(days=1), (5, "DAY", 0))
    assert both == {"key": [[7, 1], [1, 0]]}


async def test_a_week_period_falls_day_by_day_and_starts_again(
    counters: tuple[QuotaCounters, Wall],
) -> None:
    limiter, wall = counters
    quota = Quota(limit=10, period="WEEK", offset=1)  # weeks start on Monday
    spec = (10, "WEEK", 1)
    usage = LimiterUsage(limiter, wall=wall)
    sunday, monday, tuesday = (WEDNESDAY - timedelta(days=d) for d in (3, 2, 1))
    for day, n in ((sunday, 3), (monday, 2), (tuesday, 1)):
        wall.at(day)  # Sunday (previous week), Monday, Tuesday
        assert await _requests(limiter, quota, n) == [Verdict.ADMITTED] * n
    wall.at(WEDNESDAY)
    await usage.set_remaining("plan", "key", spec, 9)  # Wednesday: 2 granted back
    items = await usage.usage("plan", ["key"], sunday, WEDNESDAY + timedelta(days=1), spec)
    assert items == {"key": [[3, 7], [2, 8], [1, 7], [0, 9], [0, 9]]}
    assert await _requests(limiter, quota, 10) == [Verdict.ADMITTED] * 9 + [Verdict.QUOTA_EXCEEDED]


async def test_without_a_quota_only_use_is_reported(
    counters: tuple[QuotaCounters, Wall],
) -> None:
    limiter, wall = counters
    assert await _requests(limiter, None, 3) == [Verdict.ADMITTED] * 3
    usage = LimiterUsage(limiter, wall=wall)
    items = await usage.usage("plan", ["key"], WEDNESDAY - timedelta(days=1), WEDNESDAY, None)
    assert items == {"key": [[0, 0], [3, 0]]}


async def test_backwards_dates_and_foreign_limiters_are_refused() -> None:
    usage = limiter_usage(InProcessLimiter())
    with pytest.raises(ValueError):
        await usage.usage("plan", ["key"], WEDNESDAY, WEDNESDAY - timedelta(days=1), None)

    class Bare:
        async def close(self) -> None:
            return None

    with pytest.raises(TypeError):
        limiter_usage(Bare())  # type: ignore[arg-type]

"""Quota counting per usage plan and key, per period (in-process limiter, wall clock set
by the test), and usage in GetUsage's shape."""

from __future__ import annotations

from datetime import UTC, date, datetime

from lamina.gateway.limits.limiter import Bucket, Charge, InProcessLimiter, Verdict
from lamina.gateway.limits.model import Quota, Throttle, UsagePlan
from lamina.gateway.limits.usage import get_usage


class Wall:
    def __init__(self, day: date) -> None:
        self.set(day)

    def set(self, day: date, hour: int = 12) -> None:
        self.now = datetime(day.year, day.month, day.day, hour, tzinfo=UTC).timestamp()

    def __call__(self) -> float:
        return self.now


async def _spend(limiter: InProcessLimiter, count: int, quota: Quota | None) -> int:
    return sum([await limiter.count("plan", "key", quota) for _ in range(count)])


async def test_quota_day_refuses_past_limit_and_resets_next_day() -> None:
    wall = Wall(date(2026, 11, 25))
    limiter = InProcessLimiter(wall=wall)
    quota = Quota(limit=3, period="DAY")
    assert await _spend(limiter, 5, quota) == 3
    wall.set(date(2026, 11, 25), hour=23)
    assert not await limiter.count("plan", "key", quota)
    wall.set(date(2026, 11, 26), hour=0)
    assert await _spend(limiter, 5, quota) == 3


async def test_quota_is_per_plan_and_key() -> None:
    limiter = InProcessLimiter(wall=Wall(date(2026, 11, 25)))
    quota = Quota(limit=1, period="DAY")
    assert await limiter.count("plan", "a", quota)
    assert not await limiter.count("plan", "a", quota)
    assert await limiter.count("plan", "b", quota)
    assert await limiter.count("other", "a", quota)


async def test_quota_week_with_monday_offset_resets_on_monday() -> None:
    wall = Wall(date(2026, 11, 22))  # a Sunday
    limiter = InProcessLimiter(wall=wall)
    quota = Quota(limit=2, period="WEEK", offset=1)
    assert await _spend(limiter, 2, quota) == 2  # the week that began Monday the 16th
    wall.set(date(2026, 11, 23))  # Monday: a new period
    assert await _spend(limiter, 3, quota) == 2
    wall.set(date(2026, 11, 29))  # Sunday: still the period of the 23rd
    assert await _spend(limiter, 1, quota) == 0


async def test_quota_month_with_offset_resets_on_that_day() -> None:
    wall = Wall(date(2026, 11, 14))
    limiter = InProcessLimiter(wall=wall)
    quota = Quota(limit=1, period="MONTH", offset=14)  # periods start on the 15th
    assert await _spend(limiter, 2, quota) == 1
    wall.set(date(2026, 11, 15))
    assert await _spend(limiter, 2, quota) == 1
    wall.set(date(2026, 12, 14))
    assert await _spend(limiter, 1, quota) == 0
    wall.set(date(2026, 12, 15))
    assert await _spend(limiter, 1, quota) == 1


async def test_no_quota_counts_every_request() -> None:
    limiter = InProcessLimiter(wall=Wall(date(2026, 11, 25)))
    assert await _spend(limiter, 50, None) == 50
    assert await limiter.daily_usage("plan", "key", [date(2026, 11, 25)]) == [50]


async def test_get_usage_shape_per_key_per_day_used_and_remaining() -> None:
    wall = Wall(date(2026, 11, 23))
    limiter = InProcessLimiter(wall=wall)
    quota = Quota(limit=10, period="WEEK", offset=1)  # weeks start on Monday
    plan = UsagePlan(id="plan01", name="Plan", quota=quota, key_ids=("key1", "key2"))
    for day, count in ((23, 3), (24, 0), (25, 4)):
        wall.set(date(2026, 11, day))
        for _ in range(count):
            assert await limiter.count("plan01", "key1", quota)
    usage = await get_usage(limiter, plan, date(2026, 11, 24), date(2026, 11, 25))
    assert usage == {
        "usagePlanId": "plan01",
        "startDate": "2026-11-24",
        "endDate": "2026-11-25",
        # The 23rd's 3 requests count against the week's quota from the 24th on.
        "items": {"key1": [[0, 7], [4, 3]], "key2": [[0, 10], [0, 10]]},
    }
    one = await get_usage(limiter, plan, date(2026, 11, 23), date(2026, 11, 23), "key1")
    assert one["items"] == {"key1": [[3, 7]]}


async def test_admit_is_all_or_nothing() -> None:
    """A request refused by one bucket, or by the quota, takes no token from the others."""
    limiter = InProcessLimiter(clock=lambda: 0.0, wall=Wall(date(2026, 11, 25)))
    client = Bucket("client", Throttle(rate=0.0, burst=2))
    account = Bucket("account", Throttle(rate=0.0, burst=1))
    assert await limiter.admit([client, account]) is Verdict.ADMITTED
    assert await limiter.admit([client, account]) is Verdict.THROTTLED  # account empty
    assert await limiter.admit([client]) is Verdict.ADMITTED  # client still had one
    fresh = Bucket("fresh", Throttle(rate=0.0, burst=1))
    charge = Charge("plan", "key", Quota(limit=0, period="DAY"))
    assert await limiter.admit([fresh], charge) is Verdict.QUOTA_EXCEEDED
    assert await limiter.admit([fresh]) is Verdict.ADMITTED  # its token was not taken
    assert await limiter.daily_usage("plan", "key", [date(2026, 11, 25)]) == [0]

"""GetUsage and UpdateUsage over the limiter's own counters: the numbers the data plane
enforces, in-process or in Redis (the management API's `UsageSource`).

What a day reports, [used, remaining] (https://docs.aws.amazon.com/apigateway/latest/api/API_GetUsage.html,
"daily logs of used and remaining quotas"):
- `used`: the requests counted against the key that UTC day.
- `remaining`: what the plan's quota still allowed at the end of that day, in the quota
  period holding the day (DAY: that day; WEEK / MONTH from the period's first day, with its
  offset, https://docs.aws.amazon.com/apigateway/latest/api/API_QuotaSettings.html). So in a
  WEEK or MONTH period `remaining` falls day by day across the period and is back at the
  limit on the day a new period starts.
  In the current period it is computed back from the counter `admit` compares with the
  limit (today: limit minus that counter; an earlier day adds back what later days used
  or UpdateUsage changed); in a past period (whose counter has expired) from the daily
  records. Days after today report 0 used and what today leaves (or the whole limit in a
  later period). Without a quota nothing remains: 0, as the used count is all there is.
- UpdateUsage (`replace /remaining`,
  https://docs.aws.amazon.com/apigateway/latest/api/API_UpdateUsage.html) sets the current
  period's counter to limit - remaining: that many more requests are admitted this period.
  The change is recorded on the day it is made, so earlier days keep what they reported.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from datetime import date, timedelta
from typing import Protocol, cast, runtime_checkable

from lamina.gateway.limits.limiter import RateLimiter
from lamina.gateway.limits.model import Quota, QuotaPeriod
from lamina.gateway.limits.period import period_start, utc_day

QuotaTuple = tuple[int, str, int]
"""(limit, period DAY|WEEK|MONTH, offset): a usage plan's QuotaSettings."""

_PERIODS = ("DAY", "WEEK", "MONTH")


@runtime_checkable
class QuotaCounters(Protocol):
    """What InProcessLimiter and RedisLimiter keep beside admitting requests."""

    async def daily_usage(self, plan_id: str, key_id: str, days: Sequence[date]) -> list[int]: ...

    async def daily_adjustments(
        self, plan_id: str, key_id: str, days: Sequence[date]
    ) -> list[int]: ...

    async def quota_used(self, plan_id: str, key_id: str, quota: Quota) -> int: ...

    async def set_remaining(
        self, plan_id: str, key_id: str, quota: Quota, remaining: int
    ) -> int: ...


def _quota(spec: QuotaTuple) -> Quota:
    limit, period, offset = spec
    if period not in _PERIODS:
        raise ValueError(f"quota period {period!r} is none of {_PERIODS}")
    return Quota(limit=limit, period=cast(QuotaPeriod, period), offset=offset)


class LimiterUsage:
    """Usage per (plan, key, day) read from, and quota granted into, a limiter."""

    def __init__(self, counters: QuotaCounters, *, wall: Callable[[], float] = time.time) -> None:
        self._counters = counters
        self._wall = wall
        """The clock that says which day is today; the limiter's own wall clock."""

    async def usage(
        self,
        plan_id: str,
        key_ids: Sequence[str],
        start: date,
        end: date,
        quota: QuotaTuple | None,
    ) -> dict[str, list[list[int]]]:
        """{keyId: [[used, remaining] for each day from `start` to `end`]}."""
        if end < start:
            raise ValueError("the end date is before the start date")
        today = utc_day(self._wall())
        plan_quota = None if quota is None else _quota(quota)
        if plan_quota is None:
            days = _days(start, end)
            return {
                key: [[used, 0] for used in await self._counters.daily_usage(plan_id, key, days)]
                for key in key_ids
            }
        first = period_start(start, plan_quota.period, plan_quota.offset)
        current = period_start(today, plan_quota.period, plan_quota.offset)
        last = max(end, today) if end >= current else end
        days = _days(first, last)
        items: dict[str, list[list[int]]] = {}
        for key in key_ids:
            used = await self._counters.daily_usage(plan_id, key, days)
            adjusted = await self._counters.daily_adjustments(plan_id, key, days)
            counted = {day: (u, a) for day, u, a in zip(days, used, adjusted, strict=True)}
            live = (
                await self._counters.quota_used(plan_id, key, plan_quota) if end >= current else 0
            )
            items[key] = [
                [
                    counted[day][0] if day <= today else 0,
                    _remaining(plan_quota, counted, day, today, live),
                ]
                for day in _days(start, end)
            ]
        return items

    async def set_remaining(
        self, plan_id: str, key_id: str, quota: QuotaTuple, remaining: int
    ) -> None:
        """UpdateUsage: `remaining` more requests of `key_id` admitted in the current period."""
        await self._counters.set_remaining(plan_id, key_id, _quota(quota), remaining)


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def _remaining(
    quota: Quota, counted: dict[date, tuple[int, int]], day: date, today: date, live: int
) -> int:
    begin = period_start(day, quota.period, quota.offset)
    current = period_start(today, quota.period, quota.offset)
    if begin > current:  # a later period: nothing counted yet
        return quota.limit
    if begin == current:
        # The live counter, plus what the days after `day` (up to today) added to it.
        later = sum(
            sum(counted[other]) for other in counted if day < other <= today and other >= begin
        )
        return max(quota.limit - live + later, 0)
    spent = sum(sum(counted[other]) for other in counted if begin <= other <= day)
    return max(quota.limit - spent, 0)


def limiter_usage(limiter: RateLimiter) -> LimiterUsage:
    """The usage reader of the limiter `lamina up` admits requests with."""
    if not isinstance(limiter, QuotaCounters):
        raise TypeError(f"{type(limiter).__name__} keeps no quota counters to read")
    return LimiterUsage(limiter)

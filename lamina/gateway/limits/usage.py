"""A usage plan's recorded usage in the shape of API Gateway's GetUsage response.

    {"usagePlanId": ..., "startDate": "2026-11-01", "endDate": "2026-11-03",
     "items": {"<keyId>": [[used, remaining], ...one pair per day...]}}

`used` is the requests counted that day; `remaining` what the quota still allowed at the
end of that day (its period's limit minus the period's requests up to that day). Without a
quota there is nothing to remain and `remaining` is 0.
https://docs.aws.amazon.com/apigateway/latest/api/API_GetUsage.html
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from lamina.gateway.limits.limiter import RateLimiter
from lamina.gateway.limits.model import UsagePlan
from lamina.gateway.limits.period import period_start


async def get_usage(
    limiter: RateLimiter,
    plan: UsagePlan,
    start: date,
    end: date,
    key_id: str | None = None,
) -> dict[str, Any]:
    """GetUsage for `plan` from `start` to `end` (inclusive), for one key or all of the
    plan's keys."""
    if end < start:
        raise ValueError("the end date is before the start date")
    keys = plan.key_ids if key_id is None else (key_id,)
    quota = plan.quota
    first = start if quota is None else period_start(start, quota.period, quota.offset)
    days = [first + timedelta(days=n) for n in range((end - first).days + 1)]
    items: dict[str, list[list[int]]] = {}
    for key in keys:
        counts = dict(zip(days, await limiter.daily_usage(plan.id, key, days), strict=True))
        items[key] = [[counts[day], _remaining(plan, counts, day)] for day in days if day >= start]
    return {
        "usagePlanId": plan.id,
        "startDate": start.isoformat(),
        "endDate": end.isoformat(),
        "items": items,
    }


def _remaining(plan: UsagePlan, counts: dict[date, int], day: date) -> int:
    quota = plan.quota
    if quota is None:
        return 0
    begin = period_start(day, quota.period, quota.offset)
    used = sum(count for counted, count in counts.items() if begin <= counted <= day)
    return max(quota.limit - used, 0)

"""GetUsage and UpdateUsage: a usage plan's use per API key and day, read from (and quota
granted into) the data plane's counters.

The wiring sets the provider's `usage` to a `UsageSource` over its rate limiter
(gateway/limits/usage_reader.py says what each day's [used, remaining] means); without one
every day reports nothing used and the whole quota remaining, and UpdateUsage has no
counter to change.
https://docs.aws.amazon.com/apigateway/latest/api/API_GetUsage.html
https://docs.aws.amazon.com/apigateway/latest/api/API_UpdateUsage.html
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any, Protocol

from lamina.aws.service import Operation, OperationInput, OperationOutput, ServiceError
from lamina.services.apigateway import patching
from lamina.services.apigateway.deploy_records import Records, UsagePlan
from lamina.services.apigateway.error import bad_request
from lamina.services.apigateway.listing import page
from lamina.services.apigateway.state import ApiGatewayState
from lamina.services.apigateway.usage_plans import plan_key, usage_plan

_MAX_USAGE_DAYS = 90

QuotaTuple = tuple[int, str, int]
"""(limit, period DAY|WEEK|MONTH, offset): a plan's QuotaSettings."""


class UsageSource(Protocol):
    """The data plane's usage counters, as the management API reads and changes them."""

    async def usage(
        self,
        plan_id: str,
        key_ids: Sequence[str],
        start: date,
        end: date,
        quota: QuotaTuple | None,
    ) -> dict[str, list[list[int]]]:
        """{keyId: [[used, remaining] per day from `start` to `end`]}: GetUsage's items."""
        ...

    async def set_remaining(
        self, plan_id: str, key_id: str, quota: QuotaTuple, remaining: int
    ) -> None:
        """Let `remaining` more requests of the key in the quota's current period."""
        ...


def usage_source(state: ApiGatewayState) -> UsageSource | None:
    """The provider's `usage` (ApiGatewayProvider.usage, set by the wiring)."""
    source: UsageSource | None = getattr(state, "usage", None)
    return source


async def _get_usage(state: ApiGatewayState, params: OperationInput) -> OperationOutput:
    records, plan_id, key_id = Records(state.store), params["usagePlanId"], params.get("keyId")
    plan = usage_plan(records, plan_id)
    start, end = _day(params["startDate"], "startDate"), _day(params["endDate"], "endDate")
    if end < start:
        raise bad_request("The end date must not be before the start date")
    if (end - start).days >= _MAX_USAGE_DAYS:
        raise bad_request(f"The usage period cannot exceed {_MAX_USAGE_DAYS} days")
    keys = [link.key_id for link in records.plan_keys.all(f"{plan_id}/")]
    keys = [key for key in keys if key_id in (None, key)]
    items = await _usage(state, plan, keys, start, end)
    return _usage_output(plan_id, params, items)


async def _usage(
    state: ApiGatewayState, plan: UsagePlan, keys: list[str], start: date, end: date
) -> dict[str, list[list[int]]]:
    source = usage_source(state)
    if source is not None:
        return await source.usage(plan.id, keys, start, end, _quota_tuple(plan))
    remaining = (plan.quota.limit or 0) if plan.quota is not None else 0
    days = (end - start).days + 1
    return {key: [[0, remaining] for _ in range(days)] for key in keys}


def _usage_output(
    plan_id: str, params: OperationInput, items: dict[str, list[list[int]]]
) -> dict[str, Any]:
    output = page([{"key": k, "days": v} for k, v in items.items()], params)
    output.update(
        usagePlanId=plan_id,
        startDate=params["startDate"],
        endDate=params["endDate"],
        items={entry["key"]: entry["days"] for entry in output["items"]},
    )
    return output


def _quota_tuple(plan: UsagePlan) -> QuotaTuple | None:
    quota = plan.quota
    if quota is None or quota.limit is None or quota.period is None:
        return None
    return (int(quota.limit), str(quota.period), int(quota.offset or 0))


async def _update_usage(state: ApiGatewayState, params: OperationInput) -> OperationOutput:
    """`replace /remaining` with a count: that many more requests of the key are admitted in
    the quota's current period (a grant above the limit included); answers the key's usage
    from the period's first day to today.
    https://docs.aws.amazon.com/apigateway/latest/api/API_UpdateUsage.html"""
    records = Records(state.store)
    link = plan_key(records, params)
    plan = usage_plan(records, link.usage_plan_id)
    remaining: int | None = None
    for patch in patching.patches(params):
        if patch.path != "/remaining":
            raise patching.invalid_path(patch.path)
        if patch.op != "replace":
            raise patching.invalid_op(patch)
        remaining = patching.to_int(patch)
        if remaining < 0:
            raise bad_request(f"Invalid remaining quota: {remaining}. Must not be negative")
    quota = _quota_tuple(plan)
    if quota is None:
        raise bad_request(f"Usage plan {plan.id} has no quota to extend")
    source = usage_source(state)
    if remaining is not None:
        if source is None:
            raise ServiceError(
                "ServiceUnavailableException",
                "No usage counters are connected to this API Gateway endpoint",
                status=503,
            )
        await source.set_remaining(plan.id, link.key_id, quota, remaining)
    today = datetime.fromtimestamp(state.now(), UTC).date()
    first = period_start_of(today, quota)
    items = await _usage(state, plan, [link.key_id], first, today)
    window = {"startDate": first.isoformat(), "endDate": today.isoformat()}
    return _usage_output(plan.id, window, items)


def period_start_of(day: date, quota: QuotaTuple) -> date:
    """The first day of the quota period holding `day` (offset: WEEK 0 = Sunday, MONTH
    0 = the 1st). https://docs.aws.amazon.com/apigateway/latest/api/API_QuotaSettings.html"""
    _, period, offset = quota
    if period == "WEEK":
        return day - timedelta(days=((day.weekday() + 1) % 7 - offset) % 7)
    if period == "MONTH":
        if day.day > offset:
            return day.replace(day=offset + 1)
        return (day.replace(day=1) - timedelta(days=1)).replace(day=offset + 1)
    return day


def _day(text: str, member: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise bad_request(f"Invalid {member}: {text}. Must be in the format yyyy-MM-dd") from None


OPERATIONS: dict[str, Operation[ApiGatewayState]] = {
    "GetUsage": _get_usage,
    "UpdateUsage": _update_usage,
}

"""API keys, usage plans and throttle settings as a template declares them.

https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-api-usage-plans.html
https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-request-throttling.html
"""

from __future__ import annotations

from typing import Any, Literal

import msgspec

QuotaPeriod = Literal["DAY", "WEEK", "MONTH"]

# Throttle quota per account, per Region: 10,000 RPS with a bucket of 5,000 requests; a
# few Regions default to 2,500 RPS / 1,250.
# https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html
ACCOUNT_RATE_LIMIT = 10_000.0
ACCOUNT_BURST_LIMIT = 5_000
LOW_DEFAULT_RATE_LIMIT = 2_500.0
LOW_DEFAULT_BURST_LIMIT = 1_250
LOW_DEFAULT_REGIONS = frozenset(
    {
        "af-south-1",  # Africa (Cape Town)
        "eu-south-1",  # Europe (Milan)
        "ap-southeast-3",  # Asia Pacific (Jakarta)
        "me-central-1",  # Middle East (UAE)
        "ap-south-2",  # Asia Pacific (Hyderabad)
        "ap-southeast-4",  # Asia Pacific (Melbourne)
        "eu-south-2",  # Europe (Spain)
        "eu-central-2",  # Europe (Zurich)
        "il-central-1",  # Israel (Tel Aviv)
        "ca-west-1",  # Canada West (Calgary)
        "ap-southeast-5",  # Asia Pacific (Malaysia)
        "ap-southeast-7",  # Asia Pacific (Thailand)
        "mx-central-1",  # Mexico (Central)
    }
)


UNSET = -1
"""A negative limit is unset (AWS writes -1): the account-level limit in effect applies.
https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-request-throttling.html"""


class Throttle(msgspec.Struct, frozen=True, kw_only=True):
    """A token bucket: `burst` is its size, `rate` the tokens added per second. A negative
    one is UNSET until `resolve` fills it from the account's."""

    rate: float
    burst: int

    @classmethod
    def partial(cls, rate: float | None, burst: float | None) -> Throttle:
        """A throttle where a missing (None) or negative limit is UNSET."""
        return cls(
            rate=float(rate) if rate is not None and rate >= 0 else float(UNSET),
            burst=int(burst) if burst is not None and burst >= 0 else UNSET,
        )

    def resolve(self, account: Throttle) -> Throttle:
        """This throttle with an UNSET limit taken from the account throttle in effect."""
        if self.rate >= 0 and self.burst >= 0:
            return self
        return Throttle(
            rate=self.rate if self.rate >= 0 else account.rate,
            burst=self.burst if self.burst >= 0 else account.burst,
        )


def account_throttle(region: str) -> Throttle:
    """The account-level default of `region`."""
    if region in LOW_DEFAULT_REGIONS:
        return Throttle(rate=LOW_DEFAULT_RATE_LIMIT, burst=LOW_DEFAULT_BURST_LIMIT)
    return Throttle(rate=ACCOUNT_RATE_LIMIT, burst=ACCOUNT_BURST_LIMIT)


class Quota(msgspec.Struct, frozen=True, kw_only=True):
    """At most `limit` requests per period. `offset` is the day the period starts: for WEEK
    0 is Sunday, 1 Monday...; for MONTH the day of the month counted from 0.
    https://docs.aws.amazon.com/apigateway/latest/api/API_QuotaSettings.html
    """

    limit: int
    period: QuotaPeriod
    offset: int = 0


class ApiKey(msgspec.Struct, frozen=True, kw_only=True):
    """AWS::ApiGateway::ApiKey."""

    id: str
    name: str
    value: str
    enabled: bool = False
    """CloudFormation's default is false: a key must be enabled to be used."""
    stage_keys: tuple[tuple[str, str], ...] = ()
    """(restApiId, stageName) pairs; deprecated for usage plans and not used to admit
    requests (membership in a usage plan bound to the stage is what counts)."""
    generated: bool = False
    """True when the template set no Value and Lamina derived one."""


class PlanStage(msgspec.Struct, frozen=True, kw_only=True):
    """One API stage a usage plan covers, with its per-method throttle overrides keyed
    `{resourcePath}/{httpMethod}` (e.g. `/pets/GET`, `/*/*`)."""

    api_id: str
    stage: str
    method_throttles: dict[str, Throttle] = msgspec.field(default_factory=dict)


class UsagePlan(msgspec.Struct, frozen=True, kw_only=True):
    """AWS::ApiGateway::UsagePlan with the keys its UsagePlanKey resources attach."""

    id: str
    name: str
    stages: tuple[PlanStage, ...] = ()
    throttle: Throttle | None = None
    quota: Quota | None = None
    key_ids: tuple[str, ...] = ()


class MethodThrottle(msgspec.Struct, frozen=True, kw_only=True):
    """One stage MethodSettings entry with throttling (REST), or an HTTP API route setting.

    REST: `resource_path` is a resource path or `/*`, `http_method` a method or `*`.
    HTTP APIs: `resource_path` is the route key, or `*` for DefaultRouteSettings.
    """

    resource_path: str
    http_method: str
    throttle: Throttle


class StageThrottle(msgspec.Struct, frozen=True, kw_only=True):
    """The throttling settings of one API stage."""

    api_id: str
    stage: str
    settings: tuple[MethodThrottle, ...] = ()


class AccessLimits(msgspec.Struct, frozen=True, kw_only=True):
    """Everything that limits access to a deployment's APIs."""

    api_keys: tuple[ApiKey, ...] = ()
    usage_plans: tuple[UsagePlan, ...] = ()
    stage_throttles: tuple[StageThrottle, ...] = ()
    account: Throttle | None = None
    """The account-level throttle; None is the Region's default (account_throttle)."""


def render_limits(limits: AccessLimits) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The template's API keys and usage plans in the management API's shapes (GetApiKey
    with includeValue, GetUsagePlan plus `keyIds`), so that GetUsagePlans, GetApiKeys and
    GetUsage show them, as CloudFormation leaves them behind. An UNSET limit is left out.
    https://docs.aws.amazon.com/apigateway/latest/api/API_UsagePlan.html"""
    keys = [
        {"id": key.id, "name": key.name, "value": key.value, "enabled": key.enabled}
        for key in limits.api_keys
    ]
    plans = []
    for plan in limits.usage_plans:
        rendered: dict[str, Any] = {
            "id": plan.id,
            "name": plan.name,
            "apiStages": [_render_stage(stage) for stage in plan.stages],
            "keyIds": list(plan.key_ids),
        }
        if plan.throttle is not None:
            rendered["throttle"] = _render_throttle(plan.throttle)
        if plan.quota is not None:
            rendered["quota"] = {
                "limit": plan.quota.limit,
                "period": plan.quota.period,
                "offset": plan.quota.offset,
            }
        plans.append(rendered)
    return keys, plans


def _render_stage(stage: PlanStage) -> dict[str, Any]:
    rendered: dict[str, Any] = {"apiId": stage.api_id, "stage": stage.stage}
    if stage.method_throttles:
        rendered["throttle"] = {
            name: _render_throttle(throttle) for name, throttle in stage.method_throttles.items()
        }
    return rendered


def _render_throttle(throttle: Throttle) -> dict[str, Any]:
    rendered: dict[str, Any] = {}
    if throttle.burst >= 0:
        rendered["burstLimit"] = throttle.burst
    if throttle.rate >= 0:
        rendered["rateLimit"] = throttle.rate
    return rendered

"""Throttling and API keys: two stages around authorization.

EnforceThrottle (before the authorizer): the buckets every request of a method draws on,
the method's (stage MethodSettings / HTTP API route settings, one bucket per method or
route) and the account's; an empty one answers 429 Too Many Requests and neither the
authorizer nor the integration runs (a flood of bad tokens does not reach a Lambda
authorizer: an AWS expert on re:Post, "If the rate limiting is enforced by API setting on
the resource/method then the custom authorizer does not need to get invoked").

MeterUsage (after the authorizer, which may supply the key): for a method that requires an
API key (REST), the key (x-api-key, or the authorizer's usageIdentifierKey when the API's
key source is AUTHORIZER) must exist, be enabled and belong to a usage plan bound to this
API stage, else 403 Forbidden. Then the client's bucket (the plan's throttle or its
per-method override; 429 Too Many Requests) and the plan's quota (429 Limit Exceeded once
the period's requests are used up), in one limiter call, both or neither.
https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-api-usage-plans.html
https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-request-throttling.html

A key-required method without an authorizer has all its buckets and the quota decided at
once, after the key check (one limiter call). A method without stage settings costs one
take: the account's bucket (with the in-process limiter, without even a coroutine).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from types import MappingProxyType

from lamina.gateway.context import RequestContext
from lamina.gateway.deployment import Deployment
from lamina.gateway.error import GatewayError, ResponseType
from lamina.gateway.events.v1 import V1Target
from lamina.gateway.limits.limiter import (
    Bucket,
    Charge,
    InProcessLimiter,
    LimiterUnavailable,
    RateLimiter,
    Verdict,
)
from lamina.gateway.limits.model import ApiKey
from lamina.gateway.limits.policy import ALL, ClientPlan, CompiledLimits, StageLimits
from lamina.gateway.model import RestApi

log = logging.getLogger("lamina.gateway.limits")

API_KEY_HEADER = "x-api-key"
_WARN_EVERY_S = 10.0
_NONE: Mapping[str, Bucket] = MappingProxyType({})


class _Metering:
    """What both stages share: the limiter, and failing open when it cannot be reached."""

    def __init__(self, limiter: RateLimiter) -> None:
        self._limiter = limiter
        self._local = limiter if isinstance(limiter, InProcessLimiter) else None
        self._warned_at = -_WARN_EVERY_S

    def _take_account(self, account: Bucket) -> None:
        assert self._local is not None
        if not self._local.take_now(account):
            raise GatewayError(ResponseType.THROTTLED, "the account's bucket is empty")

    async def _admit(self, buckets: list[Bucket], charge: Charge | None) -> None:
        try:
            verdict = await self._limiter.admit(buckets, charge)
        except LimiterUnavailable as error:
            self._fail_open(error)
            return
        if verdict is Verdict.THROTTLED:
            names = ", ".join(bucket.key for bucket in buckets)
            raise GatewayError(ResponseType.THROTTLED, f"a bucket is empty ({names})")
        if verdict is Verdict.QUOTA_EXCEEDED:
            assert charge is not None
            raise GatewayError(
                ResponseType.QUOTA_EXCEEDED,
                f"quota of usage plan {charge.plan_id} used up by API key {charge.key_id}",
            )

    def _fail_open(self, error: LimiterUnavailable) -> None:
        """A limiter that cannot be reached limits nothing: the API stays up, and the
        console says so (at most every 10 s)."""
        now = time.monotonic()
        if now - self._warned_at >= _WARN_EVERY_S:
            self._warned_at = now
            log.warning("limits not enforced: %s", error)


class EnforceThrottle(_Metering):
    """The method's (or route's) bucket and the account's, before authorization."""

    async def __call__(self, ctx: RequestContext) -> None:
        if _metered_at_once(ctx):
            return  # MeterUsage takes these buckets with the key's, in one limiter call
        limits = ctx.deployment.limits
        if self._local is not None and not limits.per_stage:
            self._take_account(limits.account)  # the hot path
            return
        api, stage = ctx.api, ctx.stage
        assert api is not None and stage is not None, "routing sets the API and stage"
        bucket = _method_bucket(ctx, limits.stage(api.api.id, stage.name))
        if bucket is None and self._local is not None:
            self._take_account(limits.account)
            return
        await self._admit([limits.account] if bucket is None else [bucket, limits.account], None)


def _metered_at_once(ctx: RequestContext) -> bool:
    """A key-required method without an authorizer: nothing runs between the two stages
    that an early throttle would spare, so every bucket and the quota are decided together
    by MeterUsage (one Redis round trip instead of two)."""
    method = ctx.method
    return method is not None and method.api_key_required and method.authorization_type == "NONE"


def _method_bucket(ctx: RequestContext, stage_limits: StageLimits | None) -> Bucket | None:
    """The stage's bucket for the routed method (REST) or route (HTTP APIs), if any."""
    if stage_limits is None:
        return None
    method = ctx.method
    if method is not None:
        target = ctx.target
        assert isinstance(target, V1Target), "REST routing sets a 1.0 target"
        return stage_limits.methods.get(target.resource_path, _NONE).get(method.http_method)
    if ctx.route is not None:
        return stage_limits.methods.get(ctx.route.route_key, _NONE).get(ALL)
    return None


class MeterUsage(_Metering):
    """API key admission, the client's bucket and the plan's quota, after authorization."""

    def needed(self, deployment: Deployment) -> bool:
        """Whether any REST method requires an API key."""
        return any(
            method.api_key_required
            for rest in deployment.rest_definitions
            for resource in rest.resources
            for method in resource.methods.values()
        )

    async def __call__(self, ctx: RequestContext) -> None:
        method = ctx.method
        if method is None or not method.api_key_required:
            return
        limits = ctx.deployment.limits
        api, stage = ctx.api, ctx.stage
        assert api is not None and stage is not None, "routing sets the API and stage"
        target = ctx.target
        assert isinstance(target, V1Target), "REST routing sets a 1.0 target"
        stage_limits = limits.stage(api.api.id, stage.name)
        plan, key = self._admit_key(ctx, limits, stage_limits)
        own = plan.bucket(key.id, target.resource_path, method.http_method)
        buckets = [] if own is None else [own]
        if _metered_at_once(ctx):  # EnforceThrottle left the method's and account's to us
            method_bucket = _method_bucket(ctx, stage_limits)
            if method_bucket is not None:
                buckets.append(method_bucket)
            buckets.append(limits.account)
        await self._admit(buckets, Charge(plan.plan.id, key.id, plan.plan.quota))

    def _admit_key(
        self, ctx: RequestContext, limits: CompiledLimits, stage_limits: StageLimits | None
    ) -> tuple[ClientPlan, ApiKey]:
        api = ctx.api
        assert api is not None
        if isinstance(api.api, RestApi) and api.api.api_key_source == "AUTHORIZER":
            value = ctx.api_key
        else:
            value = ctx.request.header(API_KEY_HEADER)
        if not value:
            raise GatewayError(ResponseType.INVALID_API_KEY, "no API key")
        key = limits.keys_by_value.get(value)
        if key is None:
            raise GatewayError(ResponseType.INVALID_API_KEY, "unknown API key")
        if not key.enabled:
            raise GatewayError(ResponseType.INVALID_API_KEY, f"API key {key.id} is disabled")
        plan = None if stage_limits is None else stage_limits.plans_by_key.get(key.id)
        if plan is None:
            raise GatewayError(
                ResponseType.INVALID_API_KEY,
                f"API key {key.id} is in no usage plan of this API stage",
            )
        ctx.api_key = value
        # requestContext.identity.apiKey / apiKeyId
        # https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-lambda-proxy-integrations.html
        ctx.identity["apiKey"] = value
        ctx.identity["apiKeyId"] = key.id
        return plan, key

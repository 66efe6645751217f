"""API keys, usage plans and throttling: admit, throttle and count a routed request.

For a method that requires an API key (REST): the key (x-api-key, or the authorizer's
usageIdentifierKey when the API's key source is AUTHORIZER) must exist, be enabled and
belong to a usage plan bound to this API stage, else 403 Forbidden. Then the token buckets
in API Gateway's order: the client's (usage plan), the method's (stage MethodSettings /
route settings), the account's; an empty one answers 429 Too Many Requests. Last, the
plan's quota: 429 Limit Exceeded once the period's requests are used up. The limiter does
the buckets and the quota in one call, all or nothing (one Redis round trip).
https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-api-usage-plans.html
https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-request-throttling.html

A method without a key requirement and without stage settings costs one take: the
account's bucket (with the in-process limiter, without even a coroutine).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from types import MappingProxyType

from lamina.gateway.context import RequestContext
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


class MeterUsage:
    def __init__(self, limiter: RateLimiter) -> None:
        self._limiter = limiter
        self._local = limiter if isinstance(limiter, InProcessLimiter) else None
        self._warned_at = -_WARN_EVERY_S

    async def __call__(self, ctx: RequestContext) -> None:
        limits = ctx.deployment.limits
        method = ctx.method
        if (
            self._local is not None
            and not limits.per_stage
            and (method is None or not method.api_key_required)
        ):
            self._take_account(limits.account)  # the hot path
            return
        api, stage = ctx.api, ctx.stage
        assert api is not None and stage is not None, "routing sets the API and stage"
        stage_limits = limits.stage(api.api.id, stage.name)
        charge: Charge | None = None
        own: Bucket | None = None
        method_bucket: Bucket | None = None
        if method is not None:
            target = ctx.target
            assert isinstance(target, V1Target), "REST routing sets a 1.0 target"
            path, http_method = target.resource_path, method.http_method
            if method.api_key_required:
                plan, key = self._admit_key(ctx, limits, stage_limits)
                own = plan.bucket(key.id, path, http_method)
                charge = Charge(plan.plan.id, key.id, plan.plan.quota)
            if stage_limits is not None:
                method_bucket = stage_limits.methods.get(path, _NONE).get(http_method)
        elif stage_limits is not None and ctx.route is not None:
            method_bucket = stage_limits.methods.get(ctx.route.route_key, _NONE).get(ALL)
        if charge is None and method_bucket is None and self._local is not None:
            self._take_account(limits.account)
            return
        buckets = [bucket for bucket in (own, method_bucket) if bucket is not None]
        buckets.append(limits.account)
        await self._admit(buckets, charge)

    def _take_account(self, account: Bucket) -> None:
        assert self._local is not None
        if not self._local.take_now(account):
            raise GatewayError(ResponseType.THROTTLED, "the account's bucket is empty")

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

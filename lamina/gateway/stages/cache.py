"""The stage cache in the pipeline: LookupCache answers from the cache after
authorization, throttling and validation and before the integration request is built;
StoreCache keeps the integration's response. A hit never reaches a worker.
https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-caching.html

What is stored is the response the integration gave, whatever its status: API Gateway
documents no status filter and caches error responses of an integration too (a 429
served from the cache: https://stackoverflow.com/questions/45883323). Responses the
gateway made itself (a function error's 502, a timeout's 504, any gateway response)
are raised as GatewayError and never reach StoreCache. AWS marks hits in no response
header (the guide warns against reading CloudFront's X-Cache for it); they are counted as
CacheHitCount / CacheMissCount (gateway/observe.py).

`Cache-Control: max-age=0` invalidates the entry when the caller may: the method does not
require authorization (requireAuthorizationForCacheControl false), or the request is
SigV4-signed by a caller whose policies allow `execute-api:InvalidateCache` on the method
ARN. Otherwise unauthorizedCacheControlHeaderStrategy decides: FAIL_WITH_403 refuses the
request (ACCESS_DENIED), SUCCEED_WITH_RESPONSE_HEADER ignores the header and answers with
a `Warning` header, SUCCEED_WITHOUT_RESPONSE_HEADER ignores it silently.
"""

from __future__ import annotations

from lamina.aws.policy import Decision, PolicyRequest, evaluate
from lamina.gateway.auth.iam import IamCheck, policy_context
from lamina.gateway.cache import ResponseCache
from lamina.gateway.cache.entry import MAX_ENTRY_BYTES, EntryCipher, decode_entry, encode_entry
from lamina.gateway.cache.policy import CachePlan, CachePolicy, caches_anything
from lamina.gateway.context import RequestContext
from lamina.gateway.deployment import Deployment
from lamina.gateway.error import GatewayError, GatewayResponse, ResponseType

INVALIDATE = "execute-api:InvalidateCache"
WARNING = (
    b"warning",
    b"199 Cache-control headers were ignored because the caller was unauthorized.",
)
"""The header SUCCEED_WITH_RESPONSE_HEADER adds (RFC 7234 warn-code 199, "miscellaneous
warning"; the wording is API Gateway's as users report it)."""


class LookupCache:
    def __init__(self, cache: ResponseCache, cipher: EntryCipher, iam: IamCheck | None) -> None:
        self._cache = cache
        self._cipher = cipher
        self._iam = iam
        self._policy = CachePolicy()

    def needed(self, deployment: Deployment) -> bool:
        return caches_anything(deployment)

    async def __call__(self, ctx: RequestContext) -> None:
        planned = self._policy.plan(ctx)
        if planned is None:
            return
        plan, setting = planned
        if _asks_fresh(ctx):
            if not setting.require_authorization_for_cache_control or self._may_invalidate(ctx):
                plan.read = False
            elif setting.unauthorized_strategy == "FAIL_WITH_403":
                raise GatewayError(
                    ResponseType.ACCESS_DENIED,
                    "Cache-Control: max-age=0 from an unauthorized caller",
                )
            elif setting.unauthorized_strategy == "SUCCEED_WITH_RESPONSE_HEADER":
                plan.warn = True
        ctx.cache = plan
        if not plan.read:
            return
        entry = await self._cache.get(plan.stage, plan.key)
        response = None if entry is None else decode_entry(entry, self._cipher)
        if response is None:
            return
        plan.hit = True
        if plan.warn:
            response.headers.append(WARNING)
        ctx.response = response
        ctx.answered = True

    def _may_invalidate(self, ctx: RequestContext) -> bool:
        """A SigV4-signed request whose caller's policies allow InvalidateCache."""
        if self._iam is None:
            return False
        try:
            identity = self._iam.authenticate(ctx)
        except GatewayError:
            return False
        request = PolicyRequest(
            action=INVALIDATE,
            resource=ctx.source_arn,
            principal=identity.arn,
            context=policy_context(ctx, identity),
        )
        return evaluate(identity.statements, request) is Decision.ALLOW


class StoreCache:
    def __init__(self, cache: ResponseCache, cipher: EntryCipher) -> None:
        self._cache = cache
        self._cipher = cipher

    def needed(self, deployment: Deployment) -> bool:
        return caches_anything(deployment)

    async def __call__(self, ctx: RequestContext) -> None:
        plan, response = ctx.cache, ctx.response
        if plan is None or plan.hit or response is None:
            return
        await _store(self._cache, plan, response, self._cipher)
        if plan.warn:
            response.headers.append(WARNING)


async def _store(
    cache: ResponseCache, plan: CachePlan, response: GatewayResponse, cipher: EntryCipher
) -> None:
    if len(response.body) > MAX_ENTRY_BYTES:
        return
    entry = encode_entry(response, cipher if plan.encrypted else None)
    await cache.put(plan.stage, plan.key, entry, plan.ttl, plan.capacity)


def _asks_fresh(ctx: RequestContext) -> bool:
    """Whether the client sent `Cache-Control: max-age=0` (one directive among others)."""
    for name, value in ctx.request.headers:
        if name.lower() == "cache-control":
            directives = (part.strip().lower() for part in value.split(","))
            if "max-age=0" in directives:
                return True
    return False

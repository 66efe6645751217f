"""Lambda authorizers (the CUSTOM authorization type): REST TOKEN and REQUEST
authorizers, and HTTP API REQUEST authorizers with payload format 1.0 or 2.0.

    identity sources present? ──no──► 401 (the function is not called)
      │ yes (TOKEN: and the token matches identityValidationExpression)
    cached answer for these identity values? ──yes──┐
      │ no                                          │
    invoke the function (source ARN .../authorizers/{id})
      │ error "Unauthorized" (REST) ► 401; other error, timeout, bad output ► 500
      ▼                                             │
    answer: IAM policy (evaluated against the method/route ARN) or, HTTP APIs with
    simple responses, isAuthorized ◄────────────────┘
      │ allow ► ctx.authorizer (principalId, context) for the integration's event
      │ deny  ► 403

Input: https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-lambda-authorizer-input.html
Output: https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-lambda-authorizer-output.html
HTTP APIs: https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-lambda-authorizer.html
"""

from __future__ import annotations

import asyncio
import re
import time
from typing import Any

import orjson

from lamina.aws.policy import Decision, PolicyRequest, evaluate
from lamina.functions.error import FunctionError
from lamina.functions.policy import InvokeRequest
from lamina.gateway.auth.cache import AuthorizerAnswer, AuthorizerCache, MemoryAuthorizerCache
from lamina.gateway.auth.lambda_input import (
    IdentityMissing,
    http_v1_event,
    http_v2_event,
    identity_values,
    rest_request_event,
)
from lamina.gateway.auth.resource_policy import PolicyDenial
from lamina.gateway.context import RequestContext
from lamina.gateway.error import ApiKind, GatewayError, ResponseType
from lamina.gateway.integrations.lambda_ import Invoker, function_target
from lamina.gateway.model import Authorizer

GATEWAY_PRINCIPAL = "apigateway.amazonaws.com"
# API Gateway waits at most this long for an authorizer function.
# https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html
AUTHORIZER_TIMEOUT_S = 10.0
UNAUTHORIZED_MESSAGE = "Unauthorized"
# $context.error.messageString of the ACCESS_DENIED gateway response when the returned
# policy denies the method explicitly (no matching Allow gives the response's default,
# "User is not authorized to access this resource").
# https://repost.aws/knowledge-center/api-gateway-403-error-lambda-authorizer
EXPLICIT_DENY_MESSAGE = "User is not authorized to access this resource with an explicit deny"
INVOKE_ACTION = "execute-api:Invoke"
# Decisions remembered per cached answer and method ARN (see `_Decisions`).
MAX_DECISIONS = 10_000


class LambdaAuthorizerCheck:
    """The `Check` for CUSTOM authorization: call (or recall) the authorizer, decide."""

    def __init__(self, invoker: Invoker, cache: AuthorizerCache | None = None) -> None:
        self._invoker = invoker
        self._cache: AuthorizerCache = cache if cache is not None else MemoryAuthorizerCache()
        self._decisions = _Decisions()

    async def __call__(self, ctx: RequestContext, authorizer: Authorizer | None) -> None:
        if authorizer is None or authorizer.function_name is None:
            raise GatewayError(
                ResponseType.AUTHORIZER_CONFIGURATION_ERROR, "CUSTOM without a Lambda authorizer"
            )
        try:
            values = identity_values(ctx, authorizer)
        except IdentityMissing as missing:
            raise GatewayError(ResponseType.UNAUTHORIZED, str(missing)) from None
        if authorizer.type == "TOKEN":
            _validate_token(authorizer, values[0])
        function = _function(ctx, authorizer)
        key = _cache_key(ctx, authorizer, values) if _caches(authorizer) else None
        if key is not None and function != (authorizer.function_name, authorizer.qualifier):
            # Chosen by stage variables: stages (or a canary) running another function
            # must not share its answers.
            key = (*key, function[0], function[1] or "")
        answer = await self._cache.get(key) if key is not None else None
        latency_ms = 0  # a cached answer reports no integration latency
        if answer is None:
            started = time.perf_counter()
            answer = await self._ask(ctx, authorizer, function, values)
            latency_ms = round((time.perf_counter() - started) * 1000)
            if key is not None:
                await self._cache.put(key, answer, authorizer.result_ttl_seconds)
        if ctx.kind is ApiKind.REST:
            decision = self._decisions.decide(answer, ctx.source_arn, key)
            _admit_rest(ctx, answer, decision, latency_ms)
        else:
            _admit_http(ctx, answer, self._decisions, key)

    async def _ask(
        self,
        ctx: RequestContext,
        authorizer: Authorizer,
        function: tuple[str, str | None],
        values: tuple[str, ...],
    ) -> AuthorizerAnswer:
        event = _event(ctx, authorizer, values)
        payload = await self._invoke(ctx, authorizer, function, orjson.dumps(event))
        try:
            output = orjson.loads(payload)
        except orjson.JSONDecodeError:
            raise _configuration_error("the authorizer's output is not JSON") from None
        if authorizer.simple_responses:
            return _simple_answer(output)
        return _policy_answer(output, rest=ctx.kind is ApiKind.REST)

    async def _invoke(
        self,
        ctx: RequestContext,
        authorizer: Authorizer,
        function: tuple[str, str | None],
        event: bytes,
    ) -> bytes:
        name, qualifier = function
        deployment = ctx.deployment
        api_id = ctx.api.api.id if ctx.api is not None else ""
        # SAM grants the authorizer's invoke permission for .../{apiId}/authorizers/*.
        # https://docs.aws.amazon.com/apigateway/latest/developerguide/arn-format-reference.html
        source: InvokeRequest | None = InvokeRequest(
            principal=GATEWAY_PRINCIPAL,
            source_arn=(
                f"arn:aws:execute-api:{deployment.region}:{deployment.account_id}:"
                f"{api_id}/authorizers/{authorizer.id}"
            ),
            source_account=deployment.account_id,
        )
        if authorizer.credentials is not None:
            # API Gateway invokes with the authorizer's role: the role's permissions, not
            # the function's resource policy, decide (Lamina does not model role policies).
            # https://docs.aws.amazon.com/apigateway/latest/developerguide/configure-api-gateway-lambda-authorization.html
            source = None
        try:
            async with asyncio.timeout(AUTHORIZER_TIMEOUT_S):
                result = await self._invoker.invoke(
                    name,
                    event,
                    qualifier=qualifier,
                    source=source,
                    trace_id=ctx.request.trace_id or None,
                )
        except TimeoutError:
            raise _configuration_error("the authorizer timed out") from None
        except FunctionError as error:
            raise _configuration_error(f"the authorizer could not be invoked: {error}") from None
        if result.function_error is not None:
            message = _error_message(result.payload)
            if message == UNAUTHORIZED_MESSAGE and ctx.kind is ApiKind.REST:
                # A REST authorizer failing with "Unauthorized" makes a 401.
                # https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-use-lambda-authorizer.html
                raise GatewayError(ResponseType.UNAUTHORIZED, "the authorizer said Unauthorized")
            raise _configuration_error(f"the authorizer failed: {message!r}")
        return result.payload


def _function(ctx: RequestContext, authorizer: Authorizer) -> tuple[str, str | None]:
    """The authorizer function (and alias) to invoke: its name may name stage variables."""
    assert authorizer.function_name is not None
    variables = ctx.stage.variables if ctx.stage is not None else {}
    try:
        return function_target(authorizer.function_name, authorizer.qualifier, variables)
    except GatewayError as error:
        raise _configuration_error(error.detail) from None


def _caches(authorizer: Authorizer) -> bool:
    """REST caches a TOKEN authorizer on its token and a REQUEST authorizer on its identity
    sources (which caching requires); HTTP APIs cache only when identity sources are set."""
    return authorizer.result_ttl_seconds > 0 and bool(authorizer.identity_sources)


def _cache_key(
    ctx: RequestContext, authorizer: Authorizer, values: tuple[str, ...]
) -> tuple[str, ...]:
    """(authorizer id, stage, identity values...). REST caches per stage:
    FlushStageAuthorizersCache "flushes all authorizer cache entries on a stage", and an
    answer whose policy names one stage's methods must not refuse the token on another.
    https://docs.aws.amazon.com/apigateway/latest/api/API_FlushStageAuthorizersCache.html
    HTTP APIs the same (their docs are silent; each stage is its own deployment)."""
    return (authorizer.id, ctx.stage.name if ctx.stage is not None else "", *values)


def _validate_token(authorizer: Authorizer, token: str) -> None:
    pattern = authorizer.identity_validation_expression
    if pattern and re.fullmatch(pattern, token) is None:
        raise GatewayError(
            ResponseType.UNAUTHORIZED, "the token fails identityValidationExpression"
        )


def _event(ctx: RequestContext, authorizer: Authorizer, values: tuple[str, ...]) -> dict[str, Any]:
    if authorizer.type == "TOKEN":
        return {"type": "TOKEN", "authorizationToken": values[0], "methodArn": ctx.source_arn}
    if ctx.kind is ApiKind.REST:
        return rest_request_event(ctx)
    if authorizer.payload_format == "2.0":
        return http_v2_event(ctx, values if authorizer.identity_sources else None)
    return http_v1_event(ctx, values)


def _error_message(payload: bytes) -> object:
    try:
        error = orjson.loads(payload)
    except orjson.JSONDecodeError:
        return None
    return error.get("errorMessage") if isinstance(error, dict) else error


def _simple_answer(output: object) -> AuthorizerAnswer:
    """`{"isAuthorized": bool, "context": {...}}` (HTTP APIs, enableSimpleResponses)."""
    if not isinstance(output, dict) or not isinstance(output.get("isAuthorized"), bool):
        raise _configuration_error("a simple response needs a boolean isAuthorized")
    return AuthorizerAnswer(
        is_authorized=output["isAuthorized"], context=_context(output, primitive_only=False)
    )


def _policy_answer(output: object, *, rest: bool) -> AuthorizerAnswer:
    """`{"principalId", "policyDocument", "context", "usageIdentifierKey"}`."""
    if not isinstance(output, dict):
        raise _configuration_error("the authorizer's output is not a JSON object")
    document = output.get("policyDocument")
    statements = document.get("Statement") if isinstance(document, dict) else None
    if isinstance(statements, dict):
        statements = [statements]
    if not isinstance(statements, list) or not all(isinstance(s, dict) for s in statements):
        raise _configuration_error("the authorizer's output has no policyDocument.Statement")
    # The docs say the output "must include" principalId, yet a missing one is admitted
    # ("at least a policyDocument (other fields are optional)", reported; see
    # docs/fidelity/gateway.md): only the policy is required.
    principal = output.get("principalId")
    usage_key = output.get("usageIdentifierKey")
    return AuthorizerAnswer(
        principal_id=None if principal is None else str(principal),
        statements=tuple(statements),
        context=_context(output, primitive_only=rest),
        usage_identifier_key=usage_key if isinstance(usage_key, str) else None,
    )


def _context(output: dict[str, Any], *, primitive_only: bool) -> dict[str, Any] | None:
    """REST context values must be strings, numbers or booleans ("you cannot set a JSON
    object or array as a valid value of any key in the context map")."""
    context = output.get("context")
    if context is None:
        return None
    if not isinstance(context, dict):
        raise _configuration_error("the authorizer's context is not a JSON object")
    if primitive_only and any(isinstance(value, dict | list) for value in context.values()):
        raise _configuration_error("the authorizer's context holds an object or an array")
    return context


class _Decisions:
    """What a cached answer's policy decides for a method ARN, remembered: a client with
    a cached answer calls the same few methods again and again, and the policy (wildcard
    ARNs, several statements) would otherwise be evaluated on every request.

    Entries are keyed by the answer's cache key and hold the answer itself: a new answer
    for the same identity (after the TTL, or a flush) is evaluated afresh, and a cache
    that hands out a copy on every read (Redis) replaces its entry instead of adding one
    per request (an equal copy reuses the decision). A policy with conditions is evaluated
    every time (their keys, aws:CurrentTime for one, change between requests)."""

    def __init__(self, max_entries: int = MAX_DECISIONS) -> None:
        self._max = max_entries
        self._known: dict[tuple[tuple[str, ...], str], tuple[AuthorizerAnswer, Decision]] = {}

    def __len__(self) -> int:
        return len(self._known)

    def decide(
        self, answer: AuthorizerAnswer, method_arn: str, key: tuple[str, ...] | None
    ) -> Decision:
        """`key`: the answer's cache key; None for an uncached answer (never seen again)."""
        known = self._known.get((key, method_arn)) if key is not None else None
        if known is not None and (known[0] is answer or known[0] == answer):
            return known[1]
        decision = evaluate(
            answer.statements, PolicyRequest(action=INVOKE_ACTION, resource=method_arn)
        )
        if key is not None and not any("Condition" in statement for statement in answer.statements):
            if len(self._known) >= self._max and (key, method_arn) not in self._known:
                self._known.clear()
            self._known[(key, method_arn)] = (answer, decision)
        return decision


def _admit_rest(
    ctx: RequestContext, answer: AuthorizerAnswer, decision: Decision, latency_ms: int
) -> None:
    if decision is Decision.EXPLICIT_DENY:
        raise PolicyDenial(
            decision, detail="the authorizer's policy denies", message=EXPLICIT_DENY_MESSAGE
        )
    _deliver_rest(ctx, answer, latency_ms)
    if decision is Decision.IMPLICIT_DENY:
        # A resource policy that allows may still admit the request (the Authorize
        # stage's Table A), with the authorizer's principal and context delivered.
        raise PolicyDenial(decision, detail="the authorizer's policy allows nothing here")


def _deliver_rest(ctx: RequestContext, answer: AuthorizerAnswer, latency_ms: int) -> None:
    # The context's values reach the integration stringified, next to principalId and
    # integrationLatency.
    # https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-lambda-authorizer-output.html
    shaped: dict[str, Any] = {
        key: _stringified(value) for key, value in (answer.context or {}).items()
    }
    shaped["principalId"] = answer.principal_id
    shaped["integrationLatency"] = latency_ms
    ctx.authorizer = shaped
    if answer.usage_identifier_key is not None:
        ctx.api_key = answer.usage_identifier_key


def _admit_http(
    ctx: RequestContext,
    answer: AuthorizerAnswer,
    decisions: _Decisions,
    key: tuple[str, ...] | None,
) -> None:
    if answer.is_authorized is not None:
        allowed = answer.is_authorized
    else:
        decision = decisions.decide(answer, ctx.source_arn, key)
        allowed = decision is Decision.ALLOW
    if not allowed:
        raise GatewayError(ResponseType.ACCESS_DENIED, "the authorizer denied the request")
    # The integration reads the context under requestContext.authorizer.lambda.
    # https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-lambda-authorizer.html
    ctx.authorizer = {"lambda": answer.context}


def _stringified(value: object) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _configuration_error(detail: str) -> GatewayError:
    return GatewayError(ResponseType.AUTHORIZER_CONFIGURATION_ERROR, detail)

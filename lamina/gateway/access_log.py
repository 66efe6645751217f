"""Access log formats: `$context.*` variables compiled once into a renderer.

A stage's format is one line of text with `$context.*` variables (CLF, JSON, XML, CSV or
anything else); API Gateway substitutes each variable per request and writes `-` for one
that has no value.
https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-variables-for-access-logging.html
https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-logging-variables.html

    "$context.identity.sourceIp [$context.requestTime] $context.status"
      └─ compile ─► [var(identity.sourceIp), " [", var(requestTime), "] ", var(status)]
      └─ render(served) ─► "127.0.0.1 [25/Nov/2026:17:00:00 +0000] 200"

Variables are resolved to getter functions when the format is compiled; rendering is one
pass over the parts.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import orjson

from lamina.gateway.auth.claims import JsonClaims, json_text
from lamina.gateway.error import ApiKind, GatewayResponse, render_error
from lamina.gateway.events.clock import request_time
from lamina.gateway.events.v1 import V1Target

if TYPE_CHECKING:
    from lamina.gateway.context import RequestContext

MISSING = "-"
"""What API Gateway writes for a variable without a value."""

# A variable ends at the first character that cannot be part of a name; a trailing dot
# (the end of a sentence) is not part of it.
_VARIABLE = re.compile(r"\$context\.([A-Za-z0-9_]+(?:[.:][A-Za-z0-9_]+)*)")


class Served:
    """One answered request, as the access log sees it."""

    __slots__ = ("ctx", "latency_ms", "response")

    def __init__(self, ctx: RequestContext, response: GatewayResponse, latency_ms: float) -> None:
        self.ctx = ctx
        self.response = response
        self.latency_ms = latency_ms


Getter = Callable[[Served], Any]


def _request_id(s: Served) -> str:
    # HTTP APIs' requestId is the short id REST APIs call extendedRequestId.
    request = s.ctx.request
    return request.request_id if s.ctx.kind is ApiKind.REST else request.extended_request_id


def _resource_path(s: Served) -> str | None:
    target = s.ctx.target
    return target.resource_path if isinstance(target, V1Target) else None


def _resource_id(s: Served) -> str | None:
    target = s.ctx.target
    return target.resource_id if isinstance(target, V1Target) else None


def _path(s: Served) -> str:
    """The request path as the client sent it after the host (the stage included)."""
    target = s.ctx.target
    if isinstance(target, V1Target):
        return target.stage_path_prefix + s.ctx.request.path
    return s.ctx.raw_path


def _stage(s: Served) -> str | None:
    stage = s.ctx.stage or (s.ctx.address.stage if s.ctx.address is not None else None)
    return stage.name if stage is not None else None


def _route_key(s: Served) -> str | None:
    return s.ctx.route.route_key if s.ctx.route is not None else None


def _integration_latency(s: Served) -> int | None:
    latency = s.ctx.integration_latency_ms
    return round(latency) if latency >= 0 else None


def _error_message(s: Served) -> str | None:
    """The text of the gateway response's message ("Missing Authentication Token")."""
    error = s.ctx.error
    if error is None:
        return None
    if error.message is not None:
        return error.message
    try:
        body = orjson.loads(render_error(s.ctx.kind, error).body)
    except orjson.JSONDecodeError:
        return None
    message = body.get("message", body.get("Message")) if isinstance(body, dict) else None
    return message if isinstance(message, str) else None


def _error_message_string(s: Served) -> str | None:
    message = _error_message(s)
    return None if message is None else orjson.dumps(message).decode()


def _error_response_type(s: Served) -> str | None:
    return s.ctx.error.response_type.value if s.ctx.error is not None else None


def _authorizer_value(key: str) -> Getter:
    """`$context.authorizer.{key}`: a Lambda authorizer's context value (REST: top level;
    HTTP APIs: under `lambda`)."""

    def get(s: Served) -> Any:
        authorizer = s.ctx.authorizer or {}
        if key in authorizer:
            return authorizer[key]
        nested = authorizer.get("lambda")
        return nested.get(key) if isinstance(nested, dict) else None

    return get


def _claim(name: str) -> Getter:
    """`$context.authorizer.claims.{name}` (Cognito, REST) or the JWT authorizer's claim."""

    def get(s: Served) -> Any:
        authorizer = s.ctx.authorizer or {}
        claims = authorizer.get("claims")
        if not isinstance(claims, dict):
            jwt = authorizer.get("jwt")
            claims = jwt.get("claims") if isinstance(jwt, dict) else None
        if isinstance(claims, JsonClaims):  # REST JWT authorizers log claims as JSON text
            return json_text(claims[name]) if name in claims else None
        return claims.get(name) if isinstance(claims, dict) else None

    return get


def _identity(name: str) -> Getter:
    def get(s: Served) -> Any:
        return s.ctx.identity.get(name)

    return get


def _header(name: str) -> Getter:
    def get(s: Served) -> str | None:
        return s.ctx.request.header(name)

    return get


_GETTERS: dict[str, Getter] = {
    "accountId": lambda s: s.ctx.deployment.account_id,
    "apiId": lambda s: s.ctx.address.api.api.id if s.ctx.address is not None else None,
    "dataProcessed": lambda s: len(s.ctx.request.body) + len(s.response.body),
    "domainName": lambda s: s.ctx.request.domain_name,
    "domainPrefix": lambda s: s.ctx.request.domain_name.split(".", 1)[0],
    "error.message": _error_message,
    "error.messageString": _error_message_string,
    "error.responseType": _error_response_type,
    "error.validationErrorString": lambda s: (
        s.ctx.error.validation_error if s.ctx.error is not None else None
    ),
    "extendedRequestId": lambda s: s.ctx.request.extended_request_id,
    "httpMethod": lambda s: s.ctx.request.method,
    "identity.sourceIp": lambda s: s.ctx.request.source_ip,
    "identity.userAgent": _header("user-agent"),
    "integration.latency": _integration_latency,
    "integrationLatency": _integration_latency,
    "isCanaryRequest": lambda s: s.ctx.canary,  # None ("-") on a stage without a canary
    "path": _path,
    "protocol": lambda s: s.ctx.request.protocol,
    "requestId": _request_id,
    "requestTime": lambda s: request_time(s.ctx.request.time_epoch_ms),
    "requestTimeEpoch": lambda s: s.ctx.request.time_epoch_ms,
    "resourceId": _resource_id,
    "resourcePath": _resource_path,
    "responseLatency": lambda s: round(s.latency_ms),
    "responseLength": lambda s: len(s.response.body),
    "routeKey": _route_key,
    "stage": _stage,
    "status": lambda s: s.response.status,
    "xrayTraceId": lambda s: s.ctx.request.trace_id or None,
    "authorizer.principalId": _authorizer_value("principalId"),
}
_IDENTITY_FIELDS = (
    "accountId",
    "apiKey",
    "apiKeyId",
    "caller",
    "cognitoAuthenticationProvider",
    "cognitoAuthenticationType",
    "cognitoIdentityId",
    "cognitoIdentityPoolId",
    "principalOrgId",
    "user",
    "userArn",
    "accessKey",
)
for _field in _IDENTITY_FIELDS:
    _GETTERS["identity." + _field] = _identity(_field)
# Variables API Gateway defines that Lamina has no value for yet: they log `-`.
_UNSET = frozenset(
    {
        "authorize.error",
        "authorize.latency",
        "authorize.status",
        "authorizer.error",
        "authorizer.integrationLatency",
        "authorizer.integrationStatus",
        "authorizer.latency",
        "authorizer.status",
        "authenticate.error",
        "authenticate.latency",
        "authenticate.status",
        "awsEndpointRequestId",
        "awsEndpointRequestId2",
        "customDomain.basePathMatched",
        "integration.error",
        "integration.integrationStatus",
        "integration.requestId",
        "integration.status",
        "integrationStatus",
        "waf.error",
        "waf.latency",
        "waf.status",
        "webaclArn",
        "wafResponseCode",
    }
)


def _getter(name: str) -> Getter | None:
    """The getter of a variable name, or None when API Gateway has no such variable."""
    found = _GETTERS.get(name)
    if found is not None:
        return found
    if name in _UNSET:
        return lambda s: None
    if name.startswith("authorizer.claims."):
        return _claim(name.removeprefix("authorizer.claims."))
    if name.startswith("authorizer."):
        return _authorizer_value(name.removeprefix("authorizer."))
    return None


def _text(value: Any) -> str:
    if value is None or value == "":
        return MISSING
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)):
        return str(value)
    return orjson.dumps(value).decode()


class AccessLogFormat:
    """A format string compiled into literal text and variable getters."""

    __slots__ = ("_parts", "unknown")

    def __init__(self, text: str) -> None:
        self._parts: list[str | Getter] = []
        self.unknown: list[str] = []
        """Variable names API Gateway does not define (they render as `-`)."""
        position = 0
        for match in _VARIABLE.finditer(text):
            if match.start() > position:
                self._parts.append(text[position : match.start()])
            name = match.group(1)
            getter = _getter(name)
            if getter is None:
                self.unknown.append(name)
                self._parts.append(MISSING)
            else:
                self._parts.append(getter)
            position = match.end()
        if position < len(text):
            self._parts.append(text[position:])

    def render(self, served: Served) -> str:
        return "".join(
            part if isinstance(part, str) else _text(part(served)) for part in self._parts
        )

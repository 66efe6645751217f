"""What a Lambda authorizer is sent: its identity source values, and the REQUEST events
(REST, HTTP API payload 1.0 and 2.0), built from the proxy event builders' pieces.

https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-lambda-authorizer-input.html
https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-lambda-authorizer.html
"""

from __future__ import annotations

from typing import Any

from lamina.gateway.context import RequestContext
from lamina.gateway.error import ApiKind
from lamina.gateway.events.common import Admission, media_type, parse_query
from lamina.gateway.events.v1 import V1Target, build_v1_event
from lamina.gateway.events.v2 import V2Target, build_v2_event, is_text_media_type
from lamina.gateway.model import Authorizer

# The REST REQUEST input sample's keys, in its order (no body: authorizers never see it).
_REST_REQUEST_KEYS = (
    "resource",
    "path",
    "httpMethod",
    "headers",
    "multiValueHeaders",
    "queryStringParameters",
    "multiValueQueryStringParameters",
    "pathParameters",
    "stageVariables",
    "requestContext",
)
# HTTP API payload 1.0 sample's keys after identitySource / authorizationToken.
_HTTP_V1_KEYS = (
    "resource",
    "path",
    "httpMethod",
    "headers",
    "queryStringParameters",
    "pathParameters",
    "stageVariables",
    "requestContext",
)


# HTTP API context variable -> the flattened 2.0 requestContext field holding it.
_HTTP_CONTEXT_ALIASES = (
    ("identity.sourceIp", "http.sourceIp"),
    ("identity.userAgent", "http.userAgent"),
    ("httpMethod", "http.method"),
    ("path", "http.path"),
    ("protocol", "http.protocol"),
    ("requestTime", "time"),
    ("requestTimeEpoch", "timeEpoch"),
)


class IdentityMissing(Exception):
    """An identity source is absent, null or empty: API Gateway answers 401 without
    calling the function."""


def identity_values(ctx: RequestContext, authorizer: Authorizer) -> tuple[str, ...]:
    """The value of each identity source, in the configured order."""
    reader = _Reader(ctx)
    values = []
    for source in authorizer.identity_sources:
        value = reader.read(source)
        if not value:
            raise IdentityMissing(f"identity source {source} is missing or empty")
        values.append(value)
    return tuple(values)


class _Reader:
    """Reads `method.request.header.X` / `method.request.querystring.X` / `stageVariables.X`
    / `context.X` (REST) and their `$request.…`, `$stageVariables.…`, `$context.…` forms
    (HTTP APIs). REST takes a repeated header's or query string's last value; HTTP APIs
    join repeats with commas, as their events do."""

    def __init__(self, ctx: RequestContext) -> None:
        self._ctx = ctx
        self._context: dict[str, str] | None = None

    def read(self, source: str) -> str | None:
        text = source.strip().removeprefix("$")
        kind, _, name = text.partition(".")
        if kind == "method" or kind == "request":
            where, _, name = name.removeprefix("request.").partition(".")
            if where == "header":
                return self._header(name)
            if where == "querystring":
                return self._query(name)
            return None
        if kind == "stageVariables":
            stage = self._ctx.stage
            return stage.variables.get(name) if stage is not None else None
        if kind == "context":
            return self._context_values().get(name)
        return None

    def _joined(self, pairs: list[tuple[str, str]]) -> str | None:
        if not pairs:
            return None
        if self._ctx.kind is ApiKind.REST:
            return pairs[-1][1]
        return ",".join(value for _, value in pairs)

    def _header(self, name: str) -> str | None:
        if self._ctx.kind is ApiKind.REST:
            return self._ctx.request.header(name)
        wanted = name.lower()
        return self._joined([(k, v) for k, v in self._ctx.request.headers if k.lower() == wanted])

    def _query(self, name: str) -> str | None:
        query = parse_query(self._ctx.request.query_string)
        return self._joined([(k, v) for k, v in query if k == name])

    def _context_values(self) -> dict[str, str]:
        if self._context is None:
            ctx = self._ctx
            if ctx.kind is ApiKind.REST:
                context = build_v1_event(ctx.request, v1_target(ctx), http_api=False)
            else:
                context = build_v2_event(ctx.request, v2_target(ctx), ctx.request.path)
            self._context = {}
            _flatten(context["requestContext"], "", self._context)
            if ctx.kind is ApiKind.HTTP:
                # HTTP APIs' $context variables name some event fields differently.
                # https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-logging-variables.html
                for variable, field in _HTTP_CONTEXT_ALIASES:
                    if field in self._context:
                        self._context.setdefault(variable, self._context[field])
        return self._context


def _flatten(value: dict[str, Any], prefix: str, into: dict[str, str]) -> None:
    for key, item in value.items():
        if isinstance(item, dict):
            _flatten(item, f"{prefix}{key}.", into)
        elif item is not None and not isinstance(item, list):
            into[f"{prefix}{key}"] = str(item)


def rest_request_event(ctx: RequestContext) -> dict[str, Any]:
    """The REST REQUEST authorizer's event: the proxy event's request parts."""
    event = build_v1_event(ctx.request, v1_target(ctx), http_api=False, admitted=_with_cert(ctx))
    shaped: dict[str, Any] = {"type": "REQUEST", "methodArn": ctx.source_arn}
    shaped.update((key, event[key]) for key in _REST_REQUEST_KEYS)
    return shaped


def http_v1_event(ctx: RequestContext, values: tuple[str, ...]) -> dict[str, Any]:
    """HTTP API payload 1.0: REST's REQUEST shape plus the joined identity values."""
    event = build_v1_event(ctx.request, v1_target(ctx), http_api=True, admitted=_with_cert(ctx))
    joined = ",".join(values) if values else None
    shaped: dict[str, Any] = {
        "version": "1.0",
        "type": "REQUEST",
        "methodArn": ctx.source_arn,
        "identitySource": joined,
        "authorizationToken": joined,
    }
    shaped.update((key, event[key]) for key in _HTTP_V1_KEYS)
    shaped["requestContext"] = {
        key: value for key, value in event["requestContext"].items() if key != "authorizer"
    }
    return shaped


def http_v2_event(ctx: RequestContext, values: tuple[str, ...] | None) -> dict[str, Any]:
    """HTTP API payload 2.0: the 2.0 proxy event without its body, plus type, routeArn and
    the identity values as a list."""
    event = build_v2_event(ctx.request, v2_target(ctx), ctx.request.path, _with_cert(ctx))
    shaped: dict[str, Any] = {
        "version": "2.0",
        "type": "REQUEST",
        "routeArn": ctx.source_arn,
        "identitySource": list(values) if values is not None else None,
    }
    for key, value in event.items():
        if key not in ("version", "body", "isBase64Encoded"):
            shaped[key] = value
    return shaped


def _with_cert(ctx: RequestContext) -> Admission | None:
    """Mutual TLS: authorizers see the client certificate where integrations do ("API
    Gateway forwards the certificates that clients provide to Lambda authorizers")
    https://docs.aws.amazon.com/apigateway/latest/developerguide/rest-api-mutual-tls.html"""
    if ctx.client_cert is None:
        return None
    return Admission(authorizer=None, identity={}, client_cert=ctx.client_cert)


def v1_target(ctx: RequestContext) -> V1Target:
    """The routed target in payload 1.0's terms (an HTTP route may integrate with 2.0)."""
    target = ctx.target
    if isinstance(target, V1Target):
        return target
    assert isinstance(target, V2Target), "routing sets the target"
    route_key = target.route_key
    return V1Target(
        account_id=target.account_id,
        api_id=target.api_id,
        stage=target.stage,
        stage_path_prefix="",
        stage_variables=target.stage_variables,
        resource_id=route_key,
        resource_path=route_key.partition(" ")[2] if " " in route_key else route_key,
        path_params=target.path_params,
        binary=not is_text_media_type(media_type(ctx.request.header("content-type"))),
    )


def v2_target(ctx: RequestContext) -> V2Target:
    """The routed target in payload 2.0's terms (an HTTP route may integrate with 1.0)."""
    target = ctx.target
    if isinstance(target, V2Target):
        return target
    assert isinstance(target, V1Target), "routing sets the target"
    return V2Target(
        account_id=target.account_id,
        api_id=target.api_id,
        stage=target.stage,
        stage_variables=target.stage_variables,
        route_key=ctx.route.route_key if ctx.route is not None else target.resource_id,
        path_params=target.path_params,
    )

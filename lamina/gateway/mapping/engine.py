"""Render a request or response mapping template with API Gateway's variables.

    MappingInput (payload, method request parameters, $context, stage variables)
      → render_request_template  → body + $context.requestOverride.{header,path,querystring}
      → render_response_template → body + $context.responseOverride.{status,header}

https://docs.aws.amazon.com/apigateway/latest/developerguide/models-mappings.html
https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-override-request-response-parameters.html
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from lamina.gateway.mapping.context import (
    OverrideMap,
    RequestFacts,
    context_variables,
    request_override,
    response_override,
)
from lamina.gateway.mapping.input import Input, method_params
from lamina.gateway.mapping.java import JsonMap, render
from lamina.gateway.mapping.util import UTIL
from lamina.gateway.mapping.velocity import Compiled, MappingError, compile_template
from lamina.gateway.request import GatewayRequest

__all__ = [
    "MappingError",
    "MappingInput",
    "Rendered",
    "RequestFacts",
    "compile_template",
    "render_error_template",
    "render_request_template",
    "render_response_template",
]


Pairs = list[tuple[str, str]]


class MappingInput:
    """What a template of one request reads. Built once per request; the request and the
    response template share it (`$input.params()` and `$context` are the method request's
    in both), with the payload swapped for the response. `$input.params()` and `$context`
    are built on first use, once: a template that reads neither never builds them."""

    __slots__ = (
        "_context",
        "_facts",
        "_headers",
        "_params",
        "_path",
        "_query",
        "_request",
        "stage_variables",
    )

    def __init__(
        self,
        request: GatewayRequest,
        facts: RequestFacts,
        *,
        path_params: Mapping[str, str],
        query: Pairs | Callable[[], Pairs],
        stage_variables: Mapping[str, str],
        headers: Pairs | Callable[[], Pairs] | None = None,
    ) -> None:
        """`headers`: the method request's headers as API Gateway sees them (with the
        X-Forwarded-* it adds); the client's own by default. `query` and `headers` may be
        given as what computes them, run when a template first reads `$input.params()`."""
        self._request = request
        self._facts = facts
        self._path = path_params
        self._query = query
        self._headers = request.headers if headers is None else headers
        self._params: JsonMap | None = None
        self._context: JsonMap | None = None
        self.stage_variables = JsonMap(stage_variables)

    @property
    def params(self) -> JsonMap:
        """`$input.params()`: {path, querystring, header}."""
        if self._params is None:
            query, headers = self._query, self._headers
            self._params = method_params(
                self._path,
                query() if callable(query) else query,
                headers() if callable(headers) else headers,
            )
        return self._params

    @property
    def context(self) -> JsonMap:
        """`$context` without the overrides (each template adds its own)."""
        if self._context is None:
            self._context = context_variables(self._request, self._facts)
        return self._context


class Rendered:
    """A template's output and the overrides it set."""

    __slots__ = ("body", "headers", "path", "querystring", "status")

    def __init__(
        self,
        body: str,
        *,
        status: int | None = None,
        headers: dict[str, str] | None = None,
        path: dict[str, str] | None = None,
        querystring: dict[str, str] | None = None,
    ) -> None:
        self.body = body
        self.status = status
        """$context.responseOverride.status (response templates), else None."""
        self.headers = headers or {}
        """$context.requestOverride.header.* or $context.responseOverride.header.*."""
        self.path = path or {}
        self.querystring = querystring or {}


def _namespace(
    template: Compiled, payload: str, mapping: MappingInput, override: str, value: Any
) -> dict[str, Any]:
    """The template's variables: only those it reads (all for an interpreted template)."""
    names = template.names
    namespace: dict[str, Any] = {"util": UTIL}
    if names is None or "input" in names:
        namespace["input"] = Input(payload, lambda: mapping.params)
    if names is None or "context" in names:
        context = JsonMap(mapping.context)
        context[override] = value
        namespace["context"] = context
    if names is None or "stageVariables" in names:
        namespace["stageVariables"] = mapping.stage_variables
    return namespace


def render_request_template(template: str, payload: str, mapping: MappingInput) -> Rendered:
    """Run a request template over the method request's payload."""
    override = request_override()
    compiled = compile_template(template)
    body = compiled.merge(_namespace(compiled, payload, mapping, "requestOverride", override))
    return Rendered(
        body,
        headers=_texts(override["header"]),
        path=_texts(override["path"]),
        querystring=_texts(override["querystring"]),
    )


def render_response_template(template: str, payload: str, mapping: MappingInput) -> Rendered:
    """Run a response template over the integration response's payload."""
    override = response_override()
    compiled = compile_template(template)
    body = compiled.merge(_namespace(compiled, payload, mapping, "responseOverride", override))
    status = override.get("status")
    headers = override["header"]
    return Rendered(body, status=_status(status), headers=_texts(headers))


def render_error_template(template: str, mapping: MappingInput, error: Mapping[str, str]) -> str:
    """A gateway response's body template: `$context` with `$context.error.*`,
    `$stageVariables` and `$util`.
    https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-gatewayResponse-definition.html"""
    compiled = compile_template(template)
    names = compiled.names
    namespace: dict[str, Any] = {"util": UTIL}
    if names is None or "context" in names:
        context = JsonMap(mapping.context)
        context["error"] = JsonMap(error)
        namespace["context"] = context
    if names is None or "stageVariables" in names:
        namespace["stageVariables"] = mapping.stage_variables
    return compiled.merge(namespace)


def _texts(values: OverrideMap | Any) -> dict[str, str]:
    # A template can only replace a map by a value or a map it built (a dict).
    if not isinstance(values, dict):
        raise MappingError("an override map was replaced by a value")
    if not values:
        return {}
    return {str(key): render(value) for key, value in values.items() if value is not None}


def _status(value: object) -> int | None:
    if value is None:
        return None
    try:
        status = int(render(value))
    except ValueError:
        raise MappingError(f"$context.responseOverride.status {value!r} is not a number") from None
    if not 100 <= status <= 599:
        raise MappingError(f"$context.responseOverride.status {status} is not an HTTP status")
    return status

"""Render a request or response mapping template with API Gateway's variables.

    MappingInput (payload, method request parameters, $context, stage variables)
      → render_request_template  → body + $context.requestOverride.{header,path,querystring}
      → render_response_template → body + $context.responseOverride.{status,header}

https://docs.aws.amazon.com/apigateway/latest/developerguide/models-mappings.html
https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-override-request-response-parameters.html
"""

from __future__ import annotations

from collections.abc import Mapping
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
from lamina.gateway.mapping.velocity import MappingError, compile_template, merge
from lamina.gateway.request import GatewayRequest

__all__ = [
    "MappingError",
    "MappingInput",
    "Rendered",
    "RequestFacts",
    "compile_template",
    "render_request_template",
    "render_response_template",
]


class MappingInput:
    """What a template of one request reads. Built once per request; the request and the
    response template share it (`$input.params()` and `$context` are the method request's
    in both), with the payload swapped for the response."""

    __slots__ = ("context", "params", "stage_variables")

    def __init__(
        self,
        request: GatewayRequest,
        facts: RequestFacts,
        *,
        path_params: Mapping[str, str],
        query: list[tuple[str, str]],
        stage_variables: Mapping[str, str],
        headers: list[tuple[str, str]] | None = None,
    ) -> None:
        """`headers`: the method request's headers as API Gateway sees them (with the
        X-Forwarded-* it adds); the client's own by default."""
        self.params = method_params(
            path_params, query, request.headers if headers is None else headers
        )
        self.context = context_variables(request, facts)
        self.stage_variables = JsonMap(stage_variables)


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


def _namespace(payload: str, mapping: MappingInput, override: str, value: Any) -> dict[str, Any]:
    context = JsonMap(mapping.context)
    context[override] = value
    return {
        "input": Input(payload, mapping.params),
        "context": context,
        "stageVariables": mapping.stage_variables,
        "util": UTIL,
    }


def render_request_template(template: str, payload: str, mapping: MappingInput) -> Rendered:
    """Run a request template over the method request's payload."""
    override = request_override()
    body = merge(template, _namespace(payload, mapping, "requestOverride", override))
    return Rendered(
        body,
        headers=_texts(override["header"]),
        path=_texts(override["path"]),
        querystring=_texts(override["querystring"]),
    )


def render_response_template(template: str, payload: str, mapping: MappingInput) -> Rendered:
    """Run a response template over the integration response's payload."""
    override = response_override()
    body = merge(template, _namespace(payload, mapping, "responseOverride", override))
    status = override.get("status")
    headers = override["header"]
    return Rendered(body, status=_status(status), headers=_texts(headers))


def _texts(values: OverrideMap | Any) -> dict[str, str]:
    if not isinstance(values, Mapping):
        raise MappingError("an override map was replaced by a value")
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

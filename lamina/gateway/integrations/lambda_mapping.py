"""HTTP APIs' parameter mapping over Lambda proxy integrations: request parameters change the
event's headers, query string and path; response parameters change the function's response.
https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-parameter-mapping.html
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode

import orjson

from lamina.gateway.error import GatewayResponse
from lamina.gateway.events.common import parse_query
from lamina.gateway.integrations.parameter_mapping import (
    encoded_headers,
    http_api_values,
    map_request,
    map_response,
)
from lamina.gateway.model import LambdaIntegration

if TYPE_CHECKING:
    from lamina.gateway.context import RequestContext


def map_lambda_response(
    integration: LambdaIntegration, ctx: RequestContext, response: GatewayResponse
) -> GatewayResponse:
    """An HTTP API's response parameter mapping over a Lambda integration's response."""
    headers = [(n.decode("latin-1"), v.decode("latin-1")) for n, v in response.headers]
    status, mapped = map_response(
        integration.response_parameters,
        http_api_values(ctx),
        response.status,
        headers,
        response.body,
    )
    return GatewayResponse(status, encoded_headers(mapped), response.body)


def map_lambda_event(integration: LambdaIntegration, ctx: RequestContext) -> bytes:
    """An HTTP API's request parameter mapping over a Lambda proxy event: the headers, query
    string and path the function sees (payload 2.0: `headers`, `queryStringParameters`,
    `rawQueryString`, `rawPath`; 1.0: `headers` / `multiValueHeaders`,
    `queryStringParameters` / `multiValueQueryStringParameters`, `path`).
    https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-parameter-mapping.html
    """
    event = orjson.loads(ctx.event)
    values = http_api_values(ctx)
    v2 = integration.payload_format == "2.0"
    headers = _event_pairs(event, "headers", "multiValueHeaders", v2)
    if v2:  # queryStringParameters joins repeated names: read the raw query instead
        query = parse_query(str(event.get("rawQueryString") or ""))
    else:
        query = _event_pairs(event, "", "multiValueQueryStringParameters", v2)
    mapped = map_request(integration.request_parameters, values, headers, query)
    _set_event_pairs(event, mapped.headers, "headers", "multiValueHeaders", v2, fold_case=True)
    _set_event_pairs(
        event,
        mapped.query,
        "queryStringParameters",
        "multiValueQueryStringParameters",
        v2,
        fold_case=False,
    )
    if v2:
        event["rawQueryString"] = urlencode(mapped.query, quote_via=quote)
    if mapped.path is not None:
        event["rawPath" if v2 else "path"] = mapped.path
    return orjson.dumps(event)


def _event_pairs(
    event: dict[str, Any], single: str, multiple: str, v2: bool
) -> list[tuple[str, str]]:
    if not v2 and isinstance(event.get(multiple), dict):
        return [(n, str(v)) for n, values in event[multiple].items() for v in values or ()]
    found = event.get(single)
    if not isinstance(found, dict):
        return []
    return [(n, str(v)) for n, v in found.items()]


def _set_event_pairs(
    event: dict[str, Any],
    pairs: list[tuple[str, str]],
    single: str,
    multiple: str,
    v2: bool,
    *,
    fold_case: bool,
) -> None:
    grouped: dict[str, list[str]] = {}
    for name, value in pairs:
        # HTTP APIs send header names lowercased in both payload formats.
        grouped.setdefault(name.lower() if fold_case else name, []).append(value)
    if v2:
        joined = {n: ",".join(v) for n, v in grouped.items()}
        if joined or fold_case:  # payload 2.0 leaves queryStringParameters out when empty
            event[single] = joined
        else:
            event.pop(single, None)
        return
    event[single] = {n: v[-1] for n, v in grouped.items()} or None
    event[multiple] = grouped or None

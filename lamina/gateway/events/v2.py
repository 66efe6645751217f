"""Payload format 2.0: the HTTP API Lambda proxy event.

https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html
"""

from __future__ import annotations

from typing import Any

from lamina.gateway.events.clock import request_time
from lamina.gateway.events.common import (
    Admission,
    encode_body,
    media_type,
    parse_query,
    with_forwarded_headers,
)
from lamina.gateway.request import GatewayRequest

# HTTP APIs have no binaryMediaTypes: the docs say only that a binary content type is
# base64-encoded. Captures show text (not encoded) for text/* and these types only;
# a missing Content-Type and form posts arrive base64-encoded.
# https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html
# (see docs/fidelity/gateway.md, "isBase64Encoded (request)")
_TEXT_TYPES = frozenset({"application/json", "application/javascript", "application/xml"})


def is_text_media_type(content_type: str) -> bool:
    return content_type.startswith("text/") or content_type in _TEXT_TYPES


class V2Target:
    __slots__ = ("account_id", "api_id", "path_params", "route_key", "stage", "stage_variables")

    def __init__(
        self,
        *,
        account_id: str,
        api_id: str,
        stage: str,
        stage_variables: dict[str, str],
        route_key: str,
        path_params: dict[str, str],
    ) -> None:
        self.account_id = account_id
        self.api_id = api_id
        self.stage = stage
        self.stage_variables = stage_variables
        self.route_key = route_key
        self.path_params = path_params


def _join(joined: dict[str, str], key: str, value: str) -> None:
    """Repeated names are joined with commas."""
    previous = joined.get(key)
    joined[key] = value if previous is None else f"{previous},{value}"


def build_v2_event(
    request: GatewayRequest,
    target: V2Target,
    raw_path: str,
    admitted: Admission | None = None,
) -> dict[str, Any]:
    cookies, headers = _cookies_and_headers(request)
    content_type = media_type(headers.get("content-type"))
    body, is_base64 = encode_body(
        request.body, not is_text_media_type(content_type), lossy_text=False
    )
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": target.route_key,
        "rawPath": raw_path,
        "rawQueryString": request.query_string,
    }
    # Empty collections are left out, not null (the event-v2 sample on
    # https://docs.aws.amazon.com/lambda/latest/dg/services-apigateway.html).
    if cookies:
        event["cookies"] = cookies
    event["headers"] = headers
    query: dict[str, str] = {}
    for name, value in parse_query(request.query_string):
        _join(query, name, value)
    if query:
        event["queryStringParameters"] = query
    event["requestContext"] = _request_context(request, target, raw_path, admitted)
    if body is not None:
        event["body"] = body
    if target.path_params:
        event["pathParameters"] = target.path_params
    event["isBase64Encoded"] = is_base64
    if target.stage_variables:
        event["stageVariables"] = target.stage_variables
    return event


def _cookies_and_headers(request: GatewayRequest) -> tuple[list[str], dict[str, str]]:
    """The Cookie header is split into `cookies` and left out of `headers`; header names
    are lowercased (once per header)."""
    cookies: list[str] = []
    headers: dict[str, str] = {}
    for name, value in with_forwarded_headers(request):
        key = name.lower()
        if key == "cookie":
            cookies.extend(part.strip() for part in value.split(";") if part.strip())
        else:
            _join(headers, key, value)
    return cookies, headers


def _request_context(
    request: GatewayRequest, target: V2Target, raw_path: str, admitted: Admission | None
) -> dict[str, Any]:
    context: dict[str, Any] = {
        "accountId": target.account_id,
        "apiId": target.api_id,
    }
    # authentication and authorizer come right after apiId, as in AWS's sample event.
    # https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html
    if admitted is not None:
        if admitted.client_cert is not None:
            context["authentication"] = {"clientCert": admitted.client_cert}
        if admitted.authorizer is not None:
            context["authorizer"] = admitted.authorizer
    context |= {
        "domainName": request.domain_name,
        "domainPrefix": request.domain_name.partition(":")[0].split(".", 1)[0],
        "http": {
            "method": request.method,
            "path": raw_path,
            "protocol": request.protocol,
            "sourceIp": request.source_ip,
            "userAgent": request.header("user-agent") or "",
        },
        # HTTP APIs' request ids are short base64 ids, echoed in apigw-requestid.
        "requestId": request.extended_request_id,
        "routeKey": target.route_key,
        "stage": target.stage,
        "time": request_time(request.time_epoch_ms),
        "timeEpoch": request.time_epoch_ms,
    }
    return context

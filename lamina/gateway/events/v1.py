"""Payload format 1.0: the REST API Lambda proxy event (also HTTP APIs set to 1.0).

https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-lambda-proxy-integrations.html#api-gateway-simple-proxy-for-lambda-input-format
https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html
"""

from __future__ import annotations

from typing import Any

from lamina.gateway.events.clock import request_time
from lamina.gateway.events.common import (
    Admission,
    encode_body,
    parse_query,
    with_forwarded_headers,
)
from lamina.gateway.request import GatewayRequest


class V1Target:
    """What the router decided, plus the API facts the event reports."""

    __slots__ = (
        "account_id",
        "api_id",
        "binary",
        "path_params",
        "resource_id",
        "resource_path",
        "stage",
        "stage_path_prefix",
        "stage_variables",
    )

    def __init__(
        self,
        *,
        account_id: str,
        api_id: str,
        stage: str,
        stage_path_prefix: str,
        stage_variables: dict[str, str],
        resource_id: str,
        resource_path: str,
        path_params: dict[str, str],
        binary: bool,
    ) -> None:
        self.account_id = account_id
        self.api_id = api_id
        self.stage = stage
        self.stage_path_prefix = stage_path_prefix
        self.stage_variables = stage_variables
        self.resource_id = resource_id
        self.resource_path = resource_path
        self.path_params = path_params
        self.binary = binary


def _multi(pairs: list[tuple[str, str]]) -> tuple[dict[str, str], dict[str, list[str]]]:
    single: dict[str, str] = {}
    multi: dict[str, list[str]] = {}
    for name, value in pairs:
        single[name] = value  # the single-value map keeps the last value
        multi.setdefault(name, []).append(value)
    return single, multi


def _identity(request: GatewayRequest) -> dict[str, Any]:
    return {
        "cognitoIdentityPoolId": None,
        "accountId": None,
        "cognitoIdentityId": None,
        "caller": None,
        "sourceIp": request.source_ip,
        "principalOrgId": None,
        "accessKey": None,
        "cognitoAuthenticationType": None,
        "cognitoAuthenticationProvider": None,
        "userArn": None,
        "userAgent": request.header("user-agent"),
        "user": None,
    }


def build_v1_event(
    request: GatewayRequest,
    target: V1Target,
    *,
    http_api: bool,
    admitted: Admission | None = None,
) -> dict[str, Any]:
    """`admitted`: what the security stages found (authorizer output, caller identity)."""
    # HTTP APIs lowercase header names in both payload formats; REST keeps the client's case.
    # https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html
    sent = with_forwarded_headers(request)
    pairs = [(k.lower(), v) for k, v in sent] if http_api else sent
    headers, multi_headers = _multi(pairs)
    query, multi_query = _multi(parse_query(request.query_string))
    body, is_base64 = encode_body(request.body, target.binary, lossy_text=not http_api)
    event: dict[str, Any] = {"version": "1.0"} if http_api else {}
    event.update(
        {
            "resource": target.resource_path,
            "path": request.path,
            "httpMethod": request.method,
            "headers": headers or None,
            "multiValueHeaders": multi_headers or None,
            "queryStringParameters": query or None,
            "multiValueQueryStringParameters": multi_query or None,
            "pathParameters": target.path_params or None,
            "stageVariables": target.stage_variables or None,
            "requestContext": _request_context(
                request, target, http_api=http_api, admitted=admitted
            ),
            "body": body,
            "isBase64Encoded": is_base64,
        }
    )
    return event


def _request_context(
    request: GatewayRequest, target: V1Target, *, http_api: bool, admitted: Admission | None
) -> dict[str, Any]:
    identity = _identity(request)
    if admitted is not None:
        identity.update(admitted.identity)
        if admitted.client_cert is not None:
            identity["clientCert"] = admitted.client_cert
    context: dict[str, Any] = {
        "resourceId": target.resource_id,
        "resourcePath": target.resource_path,
        "httpMethod": request.method,
        "extendedRequestId": request.extended_request_id,
        "requestTime": request_time(request.time_epoch_ms),
        "path": target.stage_path_prefix + request.path,
        "accountId": target.account_id,
        "protocol": request.protocol,
        "stage": target.stage,
        "domainPrefix": request.domain_name.partition(":")[0].split(".", 1)[0],
        "requestTimeEpoch": request.time_epoch_ms,
        "requestId": request.request_id,
        "identity": identity,
        "domainName": request.domain_name,
        "apiId": target.api_id,
    }
    if http_api:
        # HTTP APIs' 1.0 events: short request ids, no resource id, an empty authorizer.
        # https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html
        context["requestId"] = request.extended_request_id
        context["resourceId"] = None
        context["authorizer"] = {"claims": None, "scopes": None}
    if admitted is not None and admitted.authorizer is not None:
        context["authorizer"] = admitted.authorizer
    return context

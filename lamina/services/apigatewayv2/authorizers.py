"""HTTP API authorizers: CreateAuthorizer / GetAuthorizer(s) / UpdateAuthorizer /
DeleteAuthorizer. JWT authorizers (issuer + audience) and REQUEST (Lambda) authorizers.

https://docs.aws.amazon.com/apigatewayv2/latest/api-reference/apis-apiid-authorizers.html
https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-jwt-authorizer.html
https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-lambda-authorizer.html
"""

from __future__ import annotations

import re

from lamina.aws.service import Operation, OperationInput, OperationOutput
from lamina.services.apigatewayv2.state import (
    DEPLOYMENT_ID_LENGTH,
    Data,
    HttpApiState,
    bad_request,
    conflict,
    merge,
)

MAX_TTL_SECONDS = 3600
# $request.header.X, $request.querystring.X, $context.X, $stageVariables.X
_IDENTITY_SOURCE = re.compile(
    r"\$request\.(header|querystring)\.[^\s,]+|\$context\.[A-Za-z0-9._]+|\$stageVariables\.[A-Za-z0-9_]+"
)
_HEADER_SOURCE = re.compile(r"\$request\.header\.[^\s,]+")
_MEMBERS = (
    "AuthorizerCredentialsArn",
    "AuthorizerPayloadFormatVersion",
    "AuthorizerResultTtlInSeconds",
    "AuthorizerType",
    "AuthorizerUri",
    "EnableSimpleResponses",
    "IdentitySource",
    "IdentityValidationExpression",
    "JwtConfiguration",
    "Name",
)


def check_authorizer(record: Data) -> None:
    kind = record["AuthorizerType"]
    sources = list(record.get("IdentitySource") or [])
    for source in sources:
        if not _IDENTITY_SOURCE.fullmatch(source):
            raise bad_request(f"Invalid identity source: {source}")
    if kind == "JWT":
        _check_jwt(record, sources)
    else:
        _check_request(record, sources)


def _check_jwt(record: Data, sources: list[str]) -> None:
    # "The identity source ... must be a single header, e.g. $request.header.Authorization";
    # JwtConfiguration's issuer is required.
    # https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-jwt-authorizer.html
    if len(sources) != 1 or not _HEADER_SOURCE.fullmatch(sources[0]):
        raise bad_request("A JWT authorizer needs exactly one $request.header.* identity source")
    jwt = record.get("JwtConfiguration") or {}
    if not jwt.get("Issuer"):
        raise bad_request("JwtConfiguration.Issuer is required for JWT authorizers")
    for member in ("AuthorizerUri", "AuthorizerPayloadFormatVersion", "EnableSimpleResponses"):
        if member in record:
            raise bad_request(f"{member} is supported only for REQUEST authorizers")


def _check_request(record: Data, sources: list[str]) -> None:
    if not record.get("AuthorizerUri"):
        raise bad_request("AuthorizerUri is required for REQUEST authorizers")
    version = record.get("AuthorizerPayloadFormatVersion")
    if version not in ("1.0", "2.0"):
        # https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-lambda-authorizer.html#http-api-lambda-authorizer.payload-format
        raise bad_request("AuthorizerPayloadFormatVersion must be 1.0 or 2.0")
    if record.get("EnableSimpleResponses") and version != "2.0":
        raise bad_request("EnableSimpleResponses is supported only with payload format 2.0")
    if "JwtConfiguration" in record:
        raise bad_request("JwtConfiguration is supported only for JWT authorizers")
    ttl = record.get("AuthorizerResultTtlInSeconds", 0)
    if not 0 <= ttl <= MAX_TTL_SECONDS:
        raise bad_request(f"AuthorizerResultTtlInSeconds must be between 0 and {MAX_TTL_SECONDS}")
    if ttl and not sources:
        # Caching keys on the identity sources.
        raise bad_request("Identity sources are required when authorizer caching is enabled")


def _create(state: HttpApiState, params: OperationInput) -> OperationOutput:
    api_id = params["ApiId"]
    with state.change() as (tx, announce):
        state.api(api_id, tx)
        record: Data = {"AuthorizerId": state.new_id(DEPLOYMENT_ID_LENGTH)}
        merge(record, params, _MEMBERS)
        check_authorizer(record)
        state.put_child(state.authorizers, api_id, record["AuthorizerId"], record, tx)
        state.auto_deploy(api_id, tx, announce)
    return record


def _get(state: HttpApiState, params: OperationInput) -> OperationOutput:
    return state.authorizer(params["ApiId"], params["AuthorizerId"])


def _get_all(state: HttpApiState, params: OperationInput) -> OperationOutput:
    return state.page_of(state.authorizers, params)


def _update(state: HttpApiState, params: OperationInput) -> OperationOutput:
    api_id, authorizer_id = params["ApiId"], params["AuthorizerId"]
    with state.change() as (tx, announce):
        record = state.authorizer(api_id, authorizer_id, tx)
        merge(record, params, _MEMBERS)
        check_authorizer(record)
        for route in state.all_of(state.routes, api_id, tx):
            if route.get("AuthorizerId") == authorizer_id:
                needed = "JWT" if route["AuthorizationType"] == "JWT" else "REQUEST"
                if record["AuthorizerType"] != needed:
                    raise bad_request(f"Route {route['RouteId']} uses this authorizer as {needed}")
        state.put_child(state.authorizers, api_id, authorizer_id, record, tx)
        state.auto_deploy(api_id, tx, announce)
    return record


def _delete(state: HttpApiState, params: OperationInput) -> OperationOutput:
    api_id, authorizer_id = params["ApiId"], params["AuthorizerId"]
    with state.change() as (tx, announce):
        state.authorizer(api_id, authorizer_id, tx)
        for route in state.all_of(state.routes, api_id, tx):
            if route.get("AuthorizerId") == authorizer_id:
                raise conflict(
                    f"Cannot delete authorizer {authorizer_id}: route {route['RouteId']} "
                    f"({route['RouteKey']}) uses it"
                )
        state.authorizers.delete(f"{api_id}/{authorizer_id}", tx)
        state.auto_deploy(api_id, tx, announce)
    return {}


OPERATIONS: dict[str, Operation[HttpApiState]] = {
    "CreateAuthorizer": _create,
    "GetAuthorizer": _get,
    "GetAuthorizers": _get_all,
    "UpdateAuthorizer": _update,
    "DeleteAuthorizer": _delete,
}

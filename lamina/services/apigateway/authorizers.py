"""CreateAuthorizer, GetAuthorizer(s), UpdateAuthorizer, DeleteAuthorizer: Lambda
(TOKEN, REQUEST), Cognito user pool (COGNITO_USER_POOLS) and JWT authorizers.

https://docs.aws.amazon.com/apigateway/latest/api/API_CreateAuthorizer.html
https://docs.aws.amazon.com/apigateway/latest/api/patch-operations.html#UpdateAuthorizer-Patch
"""

from __future__ import annotations

import json
from typing import Any

from lamina.aws.service import Operation, OperationInput, OperationOutput
from lamina.core.store import Reader
from lamina.services.apigateway.error import bad_request, conflict, invalid_enum, not_found
from lamina.services.apigateway.ids import new_id
from lamina.services.apigateway.jwt_configuration import (
    JwtConfigurationError,
    JwtEnumError,
    check_identity_source,
    check_jwt_configuration,
)
from lamina.services.apigateway.listing import page
from lamina.services.apigateway.patch import PatchOp, invalid_path, op_must_be, read_ops
from lamina.services.apigateway.records import Authorizer, from_wire, wire
from lamina.services.apigateway.state import ApiGatewayState

TYPES = ["TOKEN", "REQUEST", "COGNITO_USER_POOLS", "JWT"]
MAX_TTL_S = 3600


def new_authorizer(params: OperationInput) -> Authorizer:
    kind = params["type"]
    if kind not in TYPES:
        raise invalid_enum(kind, "createAuthorizerInput.type", TYPES)
    authorizer = Authorizer(
        id=new_id(),
        name=params["name"],
        type=kind,
        provider_arns=params.get("providerARNs"),
        auth_type=params.get("authType"),
        authorizer_uri=params.get("authorizerUri"),
        authorizer_credentials=params.get("authorizerCredentials"),
        identity_source=params.get("identitySource"),
        identity_validation_expression=params.get("identityValidationExpression"),
        authorizer_result_ttl_in_seconds=params.get("authorizerResultTtlInSeconds"),
        jwt_configuration=params.get("jwtConfiguration"),
    )
    check_authorizer(authorizer)
    return authorizer


def check_authorizer(authorizer: Authorizer) -> None:
    """What each type needs: a Lambda URI for TOKEN and REQUEST, user pools for Cognito,
    and a cache TTL within 0-3600 s; JWT authorizers their own rules (check_jwt)."""
    if authorizer.type == "JWT":
        check_jwt(authorizer)
        return
    if authorizer.type == "COGNITO_USER_POOLS":
        if not authorizer.provider_arns:
            raise bad_request("ProviderARNs need to be specified for COGNITO_USER_POOLS")
    elif not authorizer.authorizer_uri:
        raise bad_request(f"Authorizer URI must be specified for {authorizer.type} authorizers")
    ttl = authorizer.authorizer_result_ttl_in_seconds
    if ttl is not None and not 0 <= ttl <= MAX_TTL_S:
        raise bad_request(
            f"Invalid authorizerResultTtlInSeconds, must be between 0 and {MAX_TTL_S}"
        )


def check_jwt(authorizer: Authorizer) -> None:
    """CreateAuthorizer's rules for a JWT authorizer (the API reference: identitySource
    "must be a single request-header mapping expression", the TTL "is not supported",
    JwtConfigurationInput / JwtIssuerInput / JwtAdditionalClaim, in jwt_configuration.py)."""
    source = authorizer.identity_source
    sources = [part.strip() for part in source.split(",")] if source else []
    if authorizer.authorizer_result_ttl_in_seconds is not None:
        raise bad_request("authorizerResultTtlInSeconds is not supported for JWT authorizers")
    if not authorizer.jwt_configuration:
        raise bad_request("jwtConfiguration must be specified for JWT authorizers")
    try:
        check_identity_source(sources)
        check_jwt_configuration(authorizer.jwt_configuration)
    except JwtEnumError as error:
        raise invalid_enum(error.value, error.where, list(error.allowed)) from None
    except JwtConfigurationError as error:
        raise bad_request(f"Invalid jwtConfiguration: {error}") from None


def _find(
    state: ApiGatewayState, api_id: str, authorizer_id: str, tx: Reader | None = None
) -> Authorizer:
    authorizer = state.authorizers.get(f"{api_id}/{authorizer_id}", tx)
    if authorizer is None:
        raise not_found("Invalid Authorizer identifier specified")
    return authorizer


def _create(state: ApiGatewayState, params: OperationInput) -> OperationOutput:
    api_id = params["restApiId"]
    with state.store.transaction() as tx:
        state.rest_api(api_id, tx)
        authorizer = new_authorizer(params)
        state.authorizers.put(f"{api_id}/{authorizer.id}", authorizer, tx)
    return wire(authorizer)


def _get(state: ApiGatewayState, params: OperationInput) -> OperationOutput:
    state.rest_api(params["restApiId"])
    return wire(_find(state, params["restApiId"], params["authorizerId"]))


def _list(state: ApiGatewayState, params: OperationInput) -> OperationOutput:
    api_id = params["restApiId"]
    state.rest_api(api_id)
    return page([wire(a) for a in state.authorizers.all(f"{api_id}/")], params)


_SCALARS = (
    "name",
    "type",
    "authType",
    "authorizerUri",
    "authorizerCredentials",
    "identitySource",
    "identityValidationExpression",
)


def _update(state: ApiGatewayState, params: OperationInput) -> OperationOutput:
    api_id = params["restApiId"]
    ops = read_ops(params, "updateAuthorizerInput")
    with state.store.transaction() as tx:
        state.rest_api(api_id, tx)
        document = wire(_find(state, api_id, params["authorizerId"], tx))
        for op in ops:
            _apply(document, op)
        authorizer: Authorizer = from_wire(document, Authorizer)
        if authorizer.type not in TYPES:
            raise bad_request(f"Invalid authorizer type specified: {authorizer.type}")
        check_authorizer(authorizer)
        state.authorizers.put(f"{api_id}/{authorizer.id}", authorizer, tx)
    return wire(authorizer)


def _apply(document: dict[str, Any], op: PatchOp) -> None:
    member = op.segments[0] if op.segments else ""
    if member == "providerARNs":
        if op.op not in ("add", "remove"):
            raise op_must_be(["add", "remove"])
        arn = op.value or (op.segments[1] if len(op.segments) == 2 else "")
        arns = [a for a in document.get(member) or [] if a != arn]
        if op.op == "add":
            arns.append(arn)
        document[member] = arns
    elif member == "authorizerResultTtlInSeconds" and len(op.segments) == 1:
        if op.op != "replace":
            raise op_must_be(["replace"])
        try:
            document[member] = int(op.value or "")
        except ValueError as exc:
            raise bad_request(f"Invalid authorizerResultTtlInSeconds: {op.value}") from exc
    elif member == "jwtConfiguration" and len(op.segments) == 1:
        document[member] = _jwt_replacement(op)
    elif member in _SCALARS and len(op.segments) == 1:
        if op.op != "replace":
            raise op_must_be(["replace"])
        if op.value:
            document[member] = op.value
        else:
            document.pop(member, None)
    else:
        raise invalid_path(op.path)


def _jwt_replacement(op: PatchOp) -> dict[str, Any]:
    """ "API Gateway accepts a single replace operation on the /jwtConfiguration path, with
    the complete configuration as the value" (nothing of the old one is kept); `jwksUri`
    is read-only and has to be removed from each issuer first.
    https://docs.aws.amazon.com/apigateway/latest/developerguide/rest-api-jwt-authorizer-update.html"""
    if op.op != "replace":
        raise op_must_be(["replace"])
    try:
        value = json.loads(op.value or "")
    except ValueError:
        raise bad_request("Invalid jwtConfiguration: the value is not a JSON object") from None
    if not isinstance(value, dict):
        raise bad_request("Invalid jwtConfiguration: the value is not a JSON object")
    for issuer in value.get("issuers") or []:
        if not isinstance(issuer, dict):
            raise bad_request("Invalid jwtConfiguration: each issuer must be an object")
        if "jwksUri" in issuer:
            raise bad_request("jwksUri is read-only and cannot be set")
    return value


def _delete(state: ApiGatewayState, params: OperationInput) -> OperationOutput:
    api_id = params["restApiId"]
    with state.store.transaction() as tx:
        state.rest_api(api_id, tx)
        authorizer = _find(state, api_id, params["authorizerId"], tx)
        for resource in state.api_resources(api_id, tx):
            for http_method, method in (resource.resource_methods or {}).items():
                if method.authorizer_id == authorizer.id:
                    raise conflict(
                        f"Cannot delete authorizer '{authorizer.name}', is referenced in "
                        f"method: {http_method}:{resource.path}"
                    )
        state.authorizers.delete(f"{api_id}/{authorizer.id}", tx)
    return {}


OPERATIONS: dict[str, Operation[ApiGatewayState]] = {
    "CreateAuthorizer": _create,
    "GetAuthorizer": _get,
    "GetAuthorizers": _list,
    "UpdateAuthorizer": _update,
    "DeleteAuthorizer": _delete,
}

"""HTTP API routes: CreateRoute / GetRoute(s) / UpdateRoute / DeleteRoute.

A route key is `$default` or an HTTP method and a resource path: `GET /pets/{id}`,
`ANY /{proxy+}` (a greedy variable only as the last segment).
https://docs.aws.amazon.com/apigatewayv2/latest/api-reference/apis-apiid-routes.html
https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-routes.html
"""

from __future__ import annotations

import re

from lamina.aws.service import Operation, OperationInput, OperationOutput
from lamina.core.store import Reader, Transaction
from lamina.services.apigatewayv2.state import (
    CHILD_ID_LENGTH,
    Data,
    HttpApiState,
    bad_request,
    conflict,
    merge,
    not_found,
)

DEFAULT_ROUTE = "$default"
INTEGRATION_TARGET = "integrations/"
_METHODS = frozenset({"ANY", "DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"})
_LITERAL = re.compile(r"[A-Za-z0-9._~:@!$&'()*,;=%-]+")
_VARIABLE = re.compile(r"\{(?P<name>[A-Za-z0-9._-]+)(?P<greedy>\+?)\}")
# The authorizer type each route authorization type needs.
_AUTHORIZER_TYPE = {"JWT": "JWT", "CUSTOM": "REQUEST"}
_MEMBERS = (
    "ApiKeyRequired",
    "AuthorizationScopes",
    "AuthorizationType",
    "AuthorizerId",
    "ModelSelectionExpression",
    "OperationName",
    "RequestModels",
    "RequestParameters",
    "RouteKey",
    "RouteResponseSelectionExpression",
    "Target",
)


def check_route_key(key: str) -> None:
    """BadRequestException unless `key` is `$default` or `METHOD /path`."""
    if key == DEFAULT_ROUTE:
        return
    method, _, path = key.partition(" ")
    if method not in _METHODS or not path.startswith("/"):
        raise bad_request(
            f"Invalid route key '{key}': use $default or an HTTP method "
            f"({', '.join(sorted(_METHODS))}) and a path starting with '/'"
        )
    if path == "/":
        return
    segments = path[1:].split("/")
    names: set[str] = set()
    for index, segment in enumerate(segments):
        variable = _VARIABLE.fullmatch(segment)
        if variable is None:
            if not _LITERAL.fullmatch(segment):
                raise bad_request(f"Invalid route key '{key}': bad path segment '{segment}'")
            continue
        if variable["greedy"] and index != len(segments) - 1:
            raise bad_request(
                f"Invalid route key '{key}': a greedy path variable must be the last segment"
            )
        if variable["name"] in names:
            raise bad_request(f"Invalid route key '{key}': path variable names must be unique")
        names.add(variable["name"])


def _check_unique(state: HttpApiState, api_id: str, record: Data, tx: Reader) -> None:
    key = record["RouteKey"]
    for other in state.all_of(state.routes, api_id, tx):
        if other["RouteId"] == record["RouteId"]:
            continue
        if other["RouteKey"] == key:
            raise conflict(f"Route with key {key} already exists for this API")
        clash = _variable_clash(key, other["RouteKey"])
        if clash:
            # The message AWS gives for {orgId} beside {org_id} on one level.
            raise conflict(
                f'The provided route key "{key}" has a conflicting variable on the same '
                f'hierarchical level as "{other["RouteKey"]}"'
            )


def _variable_clash(key: str, other: str) -> bool:
    """Whether two paths name different variables at one level of one resource tree."""
    if DEFAULT_ROUTE in (key, other):
        return False
    ours = key.partition(" ")[2].strip("/").split("/")
    theirs = other.partition(" ")[2].strip("/").split("/")
    for mine, yours in zip(ours, theirs, strict=False):
        a, b = _VARIABLE.fullmatch(mine), _VARIABLE.fullmatch(yours)
        if a and b and not a["greedy"] and not b["greedy"]:
            if a["name"] != b["name"]:
                return True
            continue
        if mine != yours:
            return False
    return False


def _check_target(state: HttpApiState, api_id: str, record: Data, tx: Reader) -> None:
    target = record.get("Target")
    if target is None:
        return
    if not str(target).startswith(INTEGRATION_TARGET):
        raise bad_request(f"Invalid target '{target}': use integrations/{{IntegrationId}}")
    state.integration(api_id, str(target).removeprefix(INTEGRATION_TARGET), tx)


def _check_authorization(state: HttpApiState, api_id: str, record: Data, tx: Reader) -> None:
    kind = record["AuthorizationType"]
    authorizer_id = record.get("AuthorizerId")
    needed = _AUTHORIZER_TYPE.get(kind)
    if needed is None:
        if authorizer_id is not None:
            raise bad_request(f"AuthorizerId cannot be set with authorization type {kind}")
    else:
        if authorizer_id is None:
            raise bad_request(f"AuthorizerId is required for authorization type {kind}")
        found = state.authorizer(api_id, authorizer_id, tx)
        if found["AuthorizerType"] != needed:
            raise bad_request(
                f"Authorizer {authorizer_id} is a {found['AuthorizerType']} authorizer; "
                f"authorization type {kind} needs a {needed} authorizer"
            )
    # "Authorization scopes are supported only for JWT authorizers" (and AWS_IAM is not one).
    # https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-jwt-authorizer.html
    if record.get("AuthorizationScopes") and kind != "JWT":
        raise bad_request("AuthorizationScopes are supported only with JWT authorization")


def new_route(
    state: HttpApiState, api_id: str, params: OperationInput, tx: Transaction, *, managed: bool
) -> Data:
    state.api(api_id, tx)
    record: Data = {
        "ApiKeyRequired": False,
        "AuthorizationType": "NONE",
        "RouteId": state.new_id(CHILD_ID_LENGTH),
    }
    if managed:
        record["ApiGatewayManaged"] = True
    apply_route(state, api_id, record, params, tx)
    return record


def apply_route(
    state: HttpApiState, api_id: str, record: Data, params: OperationInput, tx: Transaction
) -> None:
    """Copy the members `params` gives onto the route, validate it and store it."""
    merge(record, params, _MEMBERS)
    if params.get("AuthorizationType") in ("NONE", "AWS_IAM"):
        # Opening a route (or switching it to IAM) detaches its authorizer.
        if "AuthorizerId" not in params:
            record.pop("AuthorizerId", None)
        if "AuthorizationScopes" not in params:
            record.pop("AuthorizationScopes", None)
    check_route_key(record["RouteKey"])
    _check_unique(state, api_id, record, tx)
    _check_target(state, api_id, record, tx)
    _check_authorization(state, api_id, record, tx)
    state.put_child(state.routes, api_id, record["RouteId"], record, tx)


def _create(state: HttpApiState, params: OperationInput) -> OperationOutput:
    api_id = params["ApiId"]
    with state.change() as (tx, announce):
        record = new_route(state, api_id, params, tx, managed=False)
        state.auto_deploy(api_id, tx, announce)
    return record


def _get(state: HttpApiState, params: OperationInput) -> OperationOutput:
    return state.route(params["ApiId"], params["RouteId"])


def _get_all(state: HttpApiState, params: OperationInput) -> OperationOutput:
    return state.page_of(state.routes, params)


def _update(state: HttpApiState, params: OperationInput) -> OperationOutput:
    api_id, route_id = params["ApiId"], params["RouteId"]
    with state.change() as (tx, announce):
        record = state.route(api_id, route_id, tx)
        key = params.get("RouteKey", record["RouteKey"])
        if record.get("ApiGatewayManaged") and key != record["RouteKey"]:
            # "If you created an API using quick create, the $default route is managed by API
            # Gateway. You can't modify the $default route key." (UpdateApi's RouteKey can.)
            # https://docs.aws.amazon.com/apigatewayv2/latest/api-reference/apis-apiid-routes-routeid.html
            raise bad_request("The route key of a route managed by API Gateway cannot be changed")
        apply_route(state, api_id, record, params, tx)
        state.auto_deploy(api_id, tx, announce)
    return record


def _delete(state: HttpApiState, params: OperationInput) -> OperationOutput:
    api_id, route_id = params["ApiId"], params["RouteId"]
    with state.change() as (tx, announce):
        state.route(api_id, route_id, tx)
        state.routes.delete(f"{api_id}/{route_id}", tx)
        state.auto_deploy(api_id, tx, announce)
    return {}


def route_by_key(state: HttpApiState, api_id: str, key: str, tx: Reader) -> Data:
    for route in state.all_of(state.routes, api_id, tx):
        if route["RouteKey"] == key:
            return route
    raise not_found(f"Unable to find Route by key {key} within the provided RouteSettings")


OPERATIONS: dict[str, Operation[HttpApiState]] = {
    "CreateRoute": _create,
    "GetRoute": _get,
    "GetRoutes": _get_all,
    "UpdateRoute": _update,
    "DeleteRoute": _delete,
}

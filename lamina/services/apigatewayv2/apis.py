"""HTTP APIs themselves: CreateApi (with quick create), GetApi, GetApis, UpdateApi,
DeleteApi, DeleteCorsConfiguration.

https://docs.aws.amazon.com/apigatewayv2/latest/api-reference/apis.html
https://docs.aws.amazon.com/apigatewayv2/latest/api-reference/apis-apiid.html
"""

from __future__ import annotations

from typing import Any

from lamina.aws.service import Operation, OperationInput, OperationOutput
from lamina.core.store import Transaction
from lamina.services.apigateway.domain_store import Domains
from lamina.services.apigatewayv2.integrations import (
    apply_integration,
    lambda_arn_of,
    new_integration,
)
from lamina.services.apigatewayv2.routes import (
    DEFAULT_ROUTE,
    INTEGRATION_TARGET,
    apply_route,
    new_route,
)
from lamina.services.apigatewayv2.stages import DEFAULT_STAGE, new_stage
from lamina.services.apigatewayv2.state import (
    API_ID_LENGTH,
    Data,
    HttpApiState,
    bad_request,
    merge,
    page,
)

# What GetApi shows for an HTTP API created without these members.
# https://docs.aws.amazon.com/cli/latest/reference/apigatewayv2/create-api.html (examples)
ROUTE_SELECTION_EXPRESSION = "$request.method $request.path"
API_KEY_SELECTION_EXPRESSION = "$request.header.x-api-key"
_MEMBERS = (
    "ApiKeySelectionExpression",
    "CorsConfiguration",
    "Description",
    "DisableExecuteApiEndpoint",
    "DisableSchemaValidation",
    "IpAddressType",
    "Name",
    "RouteSelectionExpression",
    "Version",
)
_QUICK_CREATE = ("CredentialsArn", "RouteKey", "Target")


def new_api(state: HttpApiState, params: OperationInput, tx: Transaction) -> Data:
    protocol = params.get("ProtocolType", "HTTP")
    if protocol != "HTTP":
        raise bad_request(f"Lamina serves HTTP APIs only; ProtocolType {protocol} is not supported")
    api_id = state.new_id(API_ID_LENGTH)
    record: Data = {
        "ApiEndpoint": f"https://{api_id}.execute-api.{state.region}.amazonaws.com",
        "ApiId": api_id,
        "ApiKeySelectionExpression": API_KEY_SELECTION_EXPRESSION,
        "CreatedDate": state.now(),
        "DisableExecuteApiEndpoint": False,
        "IpAddressType": "ipv4",
        "ProtocolType": "HTTP",
        "RouteSelectionExpression": ROUTE_SELECTION_EXPRESSION,
        "Tags": dict(params.get("Tags") or {}),
    }
    merge(record, params, _MEMBERS)
    check_cors(record.get("CorsConfiguration"))
    state.put_api(record, tx)
    return record


def check_cors(cors: dict[str, Any] | None) -> None:
    # Browsers never send credentials to a wildcard origin, and API Gateway refuses the
    # combination. https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-cors.html
    if cors and cors.get("AllowCredentials") and "*" in (cors.get("AllowOrigins") or ()):
        raise bad_request("allow-credentials cannot be true when allow-origins contains '*'")
    max_age = (cors or {}).get("MaxAge")
    if max_age is not None and not -1 <= max_age <= 86400:
        raise bad_request("MaxAge must be between -1 and 86400 seconds")


def _quick_create(
    state: HttpApiState, api_id: str, params: OperationInput, tx: Transaction
) -> None:
    """An integration, a route (default $default) and the $default stage with AutoDeploy.
    https://docs.aws.amazon.com/apigatewayv2/latest/api-reference/apis.html#apis-prop-createapiinput-target
    """
    integration = new_integration(state, api_id, _integration_input(params), tx, managed=True)
    route = {
        "RouteKey": params.get("RouteKey") or DEFAULT_ROUTE,
        "Target": INTEGRATION_TARGET + integration["IntegrationId"],
    }
    new_route(state, api_id, route, tx, managed=True)
    new_stage(state, api_id, {"StageName": DEFAULT_STAGE, "AutoDeploy": True}, tx, managed=True)


def _integration_input(params: OperationInput) -> Data:
    """Quick create's integration: "For HTTP integrations, specify a fully qualified URL.
    For Lambda integrations, specify a function ARN. The type of the integration will be
    HTTP_PROXY or AWS_PROXY, respectively." (Lambda ones take payload format 2.0.)"""
    target = params["Target"]
    found: Data
    if lambda_arn_of(target):
        found = {
            "IntegrationMethod": "POST",
            "IntegrationType": "AWS_PROXY",
            "IntegrationUri": target,
            "PayloadFormatVersion": "2.0",
        }
    else:
        found = {
            "IntegrationMethod": "ANY",
            "IntegrationType": "HTTP_PROXY",
            "IntegrationUri": target,
            "PayloadFormatVersion": "1.0",
        }
    if params.get("CredentialsArn"):
        found["CredentialsArn"] = params["CredentialsArn"]
    return found


def _create(state: HttpApiState, params: OperationInput) -> OperationOutput:
    with state.change() as (tx, announce):
        record = new_api(state, params, tx)
        if "Target" in params:
            _quick_create(state, record["ApiId"], params, tx)
            announce.add(record["ApiId"])
        elif "RouteKey" in params or "CredentialsArn" in params:
            raise bad_request("RouteKey and CredentialsArn are part of quick create: give a Target")
    return record


def _get(state: HttpApiState, params: OperationInput) -> OperationOutput:
    return state.api(params["ApiId"])


def _get_all(state: HttpApiState, params: OperationInput) -> OperationOutput:
    return page([record.data for record in state.apis.all()], params)


def _update(state: HttpApiState, params: OperationInput) -> OperationOutput:
    api_id = params["ApiId"]
    with state.change() as (tx, announce):
        record = state.api(api_id, tx)
        before = state.snapshot(api_id, tx)
        merge(record, params, _MEMBERS)
        check_cors(record.get("CorsConfiguration"))
        state.put_api(record, tx)
        if any(member in params for member in _QUICK_CREATE):
            _update_quick_create(state, api_id, params, tx)
        if state.snapshot(api_id, tx) != before:
            state.auto_deploy(api_id, tx, announce)
    return record


def _update_quick_create(
    state: HttpApiState, api_id: str, params: OperationInput, tx: Transaction
) -> None:
    """ "If not specified, the route created using quick create is kept. Otherwise, this
    value replaces the route key of the quick create route." Target likewise replaces the
    quick create integration's URI.
    https://docs.aws.amazon.com/apigatewayv2/latest/api-reference/apis-apiid.html#apis-apiid-prop-updateapiinput-target
    """
    routes = [r for r in state.all_of(state.routes, api_id, tx) if r.get("ApiGatewayManaged")]
    if not routes:
        if "Target" not in params:
            raise bad_request("This API was not made by quick create: give a Target")
        _quick_create(state, api_id, params, tx)
        return
    route = routes[0]
    integration_id = str(route["Target"]).removeprefix(INTEGRATION_TARGET)
    integration = state.integration(api_id, integration_id, tx)
    if "Target" in params or "CredentialsArn" in params:
        given = {"Target": integration["IntegrationUri"], **params}
        apply_integration(integration, _integration_input(given))
        state.put_child(state.integrations, api_id, integration_id, integration, tx)
    if "RouteKey" in params:
        apply_route(state, api_id, route, {"RouteKey": params["RouteKey"]}, tx)


def _delete(state: HttpApiState, params: OperationInput) -> OperationOutput:
    api_id = params["ApiId"]
    with state.change(api_id) as (tx, _):
        state.api(api_id, tx)
        Domains(state.store).drop_mappings_to(api_id, tx)
        state.delete_api(api_id, tx)
    return {}


def _delete_cors(state: HttpApiState, params: OperationInput) -> OperationOutput:
    api_id = params["ApiId"]
    with state.change() as (tx, announce):
        record = state.api(api_id, tx)
        if record.pop("CorsConfiguration", None) is not None:
            state.put_api(record, tx)
            state.auto_deploy(api_id, tx, announce)
    return {}


OPERATIONS: dict[str, Operation[HttpApiState]] = {
    "CreateApi": _create,
    "GetApi": _get,
    "GetApis": _get_all,
    "UpdateApi": _update,
    "DeleteApi": _delete,
    "DeleteCorsConfiguration": _delete_cors,
}

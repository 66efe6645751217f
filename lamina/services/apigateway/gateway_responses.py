"""PutGatewayResponse, GetGatewayResponse(s), UpdateGatewayResponse,
DeleteGatewayResponse: what API Gateway answers when it answers itself (a missing token,
a throttled client, a failed integration ...).

Every API has all 21 response types: the ones the user put (`defaultResponse` false) and
defaults for the rest. A default takes the status, parameters and templates of the
user's DEFAULT_4XX or DEFAULT_5XX (by its own status class) when one was put.
https://docs.aws.amazon.com/apigateway/latest/developerguide/supported-gateway-response-types.html
https://docs.aws.amazon.com/apigateway/latest/api/API_PutGatewayResponse.html
"""

from __future__ import annotations

from lamina.aws.service import Operation, OperationInput, OperationOutput
from lamina.services.apigateway.error import bad_request, invalid_enum, not_found
from lamina.services.apigateway.listing import page
from lamina.services.apigateway.methods import check_status_code
from lamina.services.apigateway.patch import invalid_path, read_ops
from lamina.services.apigateway.records import GatewayResponse, wire
from lamina.services.apigateway.state import ApiGatewayState

DEFAULT_STATUS: dict[str, str | None] = {
    "ACCESS_DENIED": "403",
    "API_CONFIGURATION_ERROR": "500",
    "AUTHORIZER_CONFIGURATION_ERROR": "500",
    "AUTHORIZER_FAILURE": "500",
    "BAD_REQUEST_BODY": "400",
    "BAD_REQUEST_PARAMETERS": "400",
    "DEFAULT_4XX": None,
    "DEFAULT_5XX": None,
    "EXPIRED_TOKEN": "403",
    "INTEGRATION_FAILURE": "504",
    "INTEGRATION_TIMEOUT": "504",
    "INVALID_API_KEY": "403",
    "INVALID_SIGNATURE": "403",
    "MISSING_AUTHENTICATION_TOKEN": "403",
    "QUOTA_EXCEEDED": "429",
    "REQUEST_TOO_LARGE": "413",
    "RESOURCE_NOT_FOUND": "404",
    "THROTTLED": "429",
    "UNAUTHORIZED": "401",
    "UNSUPPORTED_MEDIA_TYPE": "415",
    "WAF_FILTERED": "403",
}
# The order the request validator lists the enum in.
_ENUM_ORDER = [
    "REQUEST_TOO_LARGE", "RESOURCE_NOT_FOUND", "AUTHORIZER_CONFIGURATION_ERROR",
    "MISSING_AUTHENTICATION_TOKEN", "BAD_REQUEST_BODY", "INVALID_SIGNATURE", "INVALID_API_KEY",
    "BAD_REQUEST_PARAMETERS", "AUTHORIZER_FAILURE", "UNAUTHORIZED", "INTEGRATION_TIMEOUT",
    "ACCESS_DENIED", "DEFAULT_4XX", "DEFAULT_5XX", "WAF_FILTERED", "QUOTA_EXCEEDED", "THROTTLED",
    "API_CONFIGURATION_ERROR", "UNSUPPORTED_MEDIA_TYPE", "INTEGRATION_FAILURE", "EXPIRED_TOKEN",
]  # fmt: skip
DEFAULT_TEMPLATES = {"application/json": '{"message":$context.error.messageString}'}


def check_type(response_type: str) -> str:
    if response_type not in DEFAULT_STATUS:
        raise invalid_enum(response_type, "responseType", _ENUM_ORDER)
    return response_type


def new_response(params: OperationInput) -> GatewayResponse:
    response_type = check_type(params["responseType"])
    status = params.get("statusCode")
    return GatewayResponse(
        response_type=response_type,
        status_code=check_status_code(status) if status else DEFAULT_STATUS[response_type],
        response_parameters=params.get("responseParameters") or {},
        response_templates=params.get("responseTemplates") or dict(DEFAULT_TEMPLATES),
        default_response=False,
    )


def effective(state: ApiGatewayState, api_id: str) -> dict[str, GatewayResponse]:
    """Every response type as the API answers it: the user's, else the default."""
    put = {r.response_type: r for r in state.gateway_responses.all(f"{api_id}/")}
    result: dict[str, GatewayResponse] = {}
    for response_type, status in DEFAULT_STATUS.items():
        if response_type in put:
            result[response_type] = put[response_type]
            continue
        # DEFAULT_4XX and DEFAULT_5XX themselves (no status of their own) inherit nothing.
        family_type = "DEFAULT_5XX" if (status or "").startswith("5") else "DEFAULT_4XX"
        family = put.get(family_type) if status is not None else None
        result[response_type] = GatewayResponse(
            response_type=response_type,
            status_code=(family.status_code if family else None) or status,
            response_parameters=dict(family.response_parameters or {}) if family else {},
            response_templates=dict(family.response_templates or {})
            if family
            else dict(DEFAULT_TEMPLATES),
            default_response=True,
        )
    return result


def _put(state: ApiGatewayState, params: OperationInput) -> OperationOutput:
    api_id = params["restApiId"]
    with state.store.transaction() as tx:
        state.rest_api(api_id, tx)
        response = new_response(params)
        state.gateway_responses.put(f"{api_id}/{response.response_type}", response, tx)
    return wire(response)


def _get(state: ApiGatewayState, params: OperationInput) -> OperationOutput:
    api_id = params["restApiId"]
    state.rest_api(api_id)
    response_type = check_type(params["responseType"])
    return wire(effective(state, api_id)[response_type])


def _list(state: ApiGatewayState, params: OperationInput) -> OperationOutput:
    api_id = params["restApiId"]
    state.rest_api(api_id)
    return page([wire(r) for r in effective(state, api_id).values()], params)


def _delete(state: ApiGatewayState, params: OperationInput) -> OperationOutput:
    api_id = params["restApiId"]
    with state.store.transaction() as tx:
        state.rest_api(api_id, tx)
        response_type = check_type(params["responseType"])
        if not state.gateway_responses.delete(f"{api_id}/{response_type}", tx):
            raise not_found("Gateway response type not defined on api")
    return {}


def _update(state: ApiGatewayState, params: OperationInput) -> OperationOutput:
    # Updating a default response makes it the user's.
    # https://docs.aws.amazon.com/apigateway/latest/api/patch-operations.html#UpdateGatewayResponse-Patch
    api_id = params["restApiId"]
    ops = read_ops(params, "updateGatewayResponseInput")
    with state.store.transaction() as tx:
        state.rest_api(api_id, tx)
        response_type = check_type(params["responseType"])
        response = effective(state, api_id)[response_type]
        response.default_response = False
        parameters = dict(response.response_parameters or {})
        templates = dict(response.response_templates or {})
        for op in ops:
            member = op.segments[0] if op.segments else None
            if member == "statusCode" and len(op.segments) == 1:
                if op.op != "replace":
                    raise invalid_path(op.path)
                response.status_code = check_status_code(op.value or "")
            elif member in ("responseParameters", "responseTemplates") and len(op.segments) == 2:
                entries = parameters if member == "responseParameters" else templates
                _patch_entry(entries, member, op.op, op.segments[1], op.value)
            else:
                raise invalid_path(op.path or None)
        response.response_parameters = parameters
        response.response_templates = templates
        state.gateway_responses.put(f"{api_id}/{response_type}", response, tx)
    return wire(response)


def _patch_entry(
    entries: dict[str, str], member: str, op: str, key: str, value: str | None
) -> None:
    if op == "remove":
        entries.pop(key, None)
        return
    if op not in ("add", "replace"):
        raise bad_request(
            "Invalid patch operation specified. Must be one of: [add, remove, replace]"
        )
    if not value:
        raise bad_request(f"Invalid null or empty value in {member}")
    if op == "replace" and key not in entries:
        raise not_found("Invalid parameter name specified")
    entries[key] = value


OPERATIONS: dict[str, Operation[ApiGatewayState]] = {
    "PutGatewayResponse": _put,
    "GetGatewayResponse": _get,
    "GetGatewayResponses": _list,
    "UpdateGatewayResponse": _update,
    "DeleteGatewayResponse": _delete,
}

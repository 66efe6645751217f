"""PutMethod, GetMethod, UpdateMethod, DeleteMethod and the method responses
(Put/Get/Update/DeleteMethodResponse): what a resource accepts and declares it answers.

https://docs.aws.amazon.com/apigateway/latest/api/API_PutMethod.html
https://docs.aws.amazon.com/apigateway/latest/api/API_PutMethodResponse.html
https://docs.aws.amazon.com/apigateway/latest/api/patch-operations.html#UpdateMethod-Patch
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from lamina.aws.service import Operation, OperationInput, OperationOutput, ServiceError
from lamina.core.store import Reader
from lamina.services.apigateway.error import bad_request, conflict, not_found
from lamina.services.apigateway.patch import (
    PatchOp,
    as_bool,
    invalid_path,
    op_must_be,
    patch_map,
    read_ops,
    set_scalar,
)
from lamina.services.apigateway.records import Method, MethodResponse, Resource, from_wire, wire
from lamina.services.apigateway.state import ApiGatewayState, method_of

HTTP_METHODS = ("GET", "PUT", "POST", "DELETE", "PATCH", "OPTIONS", "HEAD", "ANY")
NEEDS_AUTHORIZER = ("CUSTOM", "COGNITO_USER_POOLS", "JWT")
AUTHORIZATION_TYPES = ("NONE", "AWS_IAM", *NEEDS_AUTHORIZER)
_STATUS = re.compile(r"^[1-5]\d\d$")
_PARAMETER = re.compile(
    r"^method\.request\.(path|querystring|multivaluequerystring|header|multivalueheader)\.(.+)$"
)


def check_http_method(http_method: str) -> str:
    upper = http_method.upper()
    if upper not in HTTP_METHODS:
        raise bad_request(
            f"Invalid HttpMethod specified. Valid options are {','.join(HTTP_METHODS)}"
        )
    return upper


def check_status_code(status_code: str) -> str:
    if not _STATUS.match(status_code):
        raise ServiceError(
            "ValidationException",
            f"1 validation error detected: Value '{status_code}' at 'statusCode' failed to "
            "satisfy constraint: Member must satisfy regular expression pattern: [1-5]\\d\\d",
            status=400,
        )
    return status_code


def check_method(state: ApiGatewayState, api_id: str, method: Method, tx: Reader) -> None:
    """What PutMethod and UpdateMethod require of the result: an existing authorizer for
    CUSTOM and COGNITO_USER_POOLS (ignored otherwise), validator and models that exist,
    parameter names unique across locations."""
    if method.authorization_type not in AUTHORIZATION_TYPES:
        raise bad_request("Invalid authorization type specified")
    if method.authorization_type in NEEDS_AUTHORIZER:
        authorizer_id = method.authorizer_id or ""
        if state.authorizers.get(f"{api_id}/{authorizer_id}", tx) is None:
            raise bad_request(
                "Invalid authorizer ID specified. Setting the authorization type to CUSTOM or "
                "COGNITO_USER_POOLS requires a valid authorizer."
            )
    else:
        method.authorizer_id = None
    validator_id = method.request_validator_id
    if validator_id and state.validators.get(f"{api_id}/{validator_id}", tx) is None:
        raise bad_request("Invalid Request Validator identifier specified")
    for model_name in (method.request_models or {}).values():
        if state.models.get(f"{api_id}/{model_name}", tx) is None:
            raise bad_request(f"Invalid model identifier specified: {model_name}")
    _check_parameters(method.request_parameters or {})


def _check_parameters(parameters: dict[str, bool]) -> None:
    names: set[str] = set()
    for expression in parameters:
        match = _PARAMETER.match(expression)
        if match is None:
            raise bad_request(
                f"Invalid mapping expression specified: Validation Result: warnings : [], "
                f"errors : [Invalid mapping expression specified: {expression}]"
            )
        if match.group(2) in names:
            raise bad_request("Parameter names must be unique across querystring, header and path")
        names.add(match.group(2))


@contextmanager
def editing(
    state: ApiGatewayState, params: OperationInput
) -> Iterator[tuple[Resource, Callable[[], None]]]:
    """The resource a method operation names, inside a transaction, and `save` to put it
    back."""
    api_id = params["restApiId"]
    with state.store.transaction() as tx:
        resource = state.resource(api_id, params["resourceId"], tx)

        def save() -> None:
            state.put_resource(api_id, resource, tx)

        yield resource, save


def _put_method(state: ApiGatewayState, params: OperationInput) -> OperationOutput:
    api_id = params["restApiId"]
    with state.store.transaction() as tx:
        resource = state.resource(api_id, params["resourceId"], tx)
        http_method = check_http_method(params["httpMethod"])
        methods = dict(resource.resource_methods or {})
        if http_method in methods:
            raise conflict("Method already exists for this resource")
        method = Method(
            http_method=http_method,
            authorization_type=params["authorizationType"],
            authorizer_id=params.get("authorizerId"),
            api_key_required=bool(params.get("apiKeyRequired", False)),
            request_validator_id=params.get("requestValidatorId"),
            operation_name=params.get("operationName"),
            request_parameters=params.get("requestParameters"),
            request_models=params.get("requestModels"),
            authorization_scopes=params.get("authorizationScopes"),
        )
        check_method(state, api_id, method, tx)
        methods[http_method] = method
        resource.resource_methods = methods
        state.put_resource(api_id, resource, tx)
    return wire(method)


def _get_method(state: ApiGatewayState, params: OperationInput) -> OperationOutput:
    resource = state.resource(params["restApiId"], params["resourceId"])
    return wire(method_of(resource, params["httpMethod"]))


def _delete_method(state: ApiGatewayState, params: OperationInput) -> OperationOutput:
    with editing(state, params) as (resource, save):
        method = method_of(resource, params["httpMethod"])
        resource.resource_methods = {
            name: m for name, m in (resource.resource_methods or {}).items() if m is not method
        } or None
        save()
    return {}


def _update_method(state: ApiGatewayState, params: OperationInput) -> OperationOutput:
    ops = read_ops(params, "updateMethodInput")
    with state.store.transaction() as tx:
        api_id = params["restApiId"]
        resource = state.resource(api_id, params["resourceId"], tx)
        method = method_of(resource, params["httpMethod"])
        document = wire(method)
        for op in ops:
            _apply(document, op)
        updated: Method = from_wire(document, Method)
        check_method(state, api_id, updated, tx)
        resource.resource_methods = {
            **(resource.resource_methods or {}),
            method.http_method: updated,
        }
        state.put_resource(api_id, resource, tx)
    return wire(updated)


_SCALARS = ("authorizationType", "authorizerId", "operationName", "requestValidatorId")


def _apply(document: dict[str, Any], op: PatchOp) -> None:
    member = op.segments[0] if op.segments else ""
    if member in ("requestParameters", "requestModels"):
        if len(op.segments) != 2:
            raise invalid_path(op.path)
        convert = _parameter_required if member == "requestParameters" else _text
        patch_map(document, member, op, convert)
        if not document[member]:
            del document[member]
    elif member == "authorizationScopes" and len(op.segments) == 1:
        scopes = [s for s in document.get(member) or [] if s != op.value]
        if op.op == "add" and op.value:
            scopes.append(op.value)
        elif op.op not in ("add", "remove"):
            raise op_must_be(["add", "remove"])
        document[member] = scopes or None
        if not scopes:
            del document[member]
    elif len(op.segments) == 1 and member in (*_SCALARS, "apiKeyRequired"):
        if op.op != "replace":
            raise op_must_be(["replace"])
        value: Any = as_bool(op) if member == "apiKeyRequired" else (op.value or None)
        set_scalar(document, member, op, value)
        if value is None:
            del document[member]
    else:
        raise invalid_path(op.path)


def _parameter_required(value: str | None) -> bool:
    return (value or "").strip().lower() == "true"


def _text(value: str | None) -> str:
    return value or ""


# Method responses.


def _response_of(method: Method, status_code: str) -> MethodResponse:
    check_status_code(status_code)
    response = (method.method_responses or {}).get(status_code)
    if response is None:
        raise not_found("Invalid Response status code specified")
    return response


def _put_method_response(state: ApiGatewayState, params: OperationInput) -> OperationOutput:
    status_code = check_status_code(params["statusCode"])
    with editing(state, params) as (resource, save):
        method = method_of(resource, params["httpMethod"])
        response = MethodResponse(
            status_code=status_code,
            response_parameters=params.get("responseParameters") or {},
            response_models=params.get("responseModels") or {},
        )
        method.method_responses = {**(method.method_responses or {}), status_code: response}
        save()
    return wire(response)


def _get_method_response(state: ApiGatewayState, params: OperationInput) -> OperationOutput:
    resource = state.resource(params["restApiId"], params["resourceId"])
    method = method_of(resource, params["httpMethod"])
    return wire(_response_of(method, params["statusCode"]))


def _delete_method_response(state: ApiGatewayState, params: OperationInput) -> OperationOutput:
    with editing(state, params) as (resource, save):
        method = method_of(resource, params["httpMethod"])
        response = _response_of(method, params["statusCode"])
        remaining = dict(method.method_responses or {})
        remaining.pop(response.status_code)
        method.method_responses = remaining or None
        save()
    return {}


def _update_method_response(state: ApiGatewayState, params: OperationInput) -> OperationOutput:
    # https://docs.aws.amazon.com/apigateway/latest/api/patch-operations.html#UpdateMethodResponse-Patch
    ops = read_ops(params, "updateMethodResponseInput")
    with editing(state, params) as (resource, save):
        method = method_of(resource, params["httpMethod"])
        response = _response_of(method, params["statusCode"])
        document = wire(response)
        for op in ops:
            member = op.segments[0] if op.segments else ""
            if member not in ("responseParameters", "responseModels") or len(op.segments) != 2:
                raise invalid_path(op.path)
            if op.op not in ("add", "replace", "remove"):
                raise op_must_be(["add", "remove", "replace"])
            convert = _parameter_required if member == "responseParameters" else _text
            patch_map(document, member, op, convert)
        updated: MethodResponse = from_wire(document, MethodResponse)
        method.method_responses = {**(method.method_responses or {}), updated.status_code: updated}
        save()
    return wire(updated)


OPERATIONS: dict[str, Operation[ApiGatewayState]] = {
    "PutMethod": _put_method,
    "GetMethod": _get_method,
    "UpdateMethod": _update_method,
    "DeleteMethod": _delete_method,
    "PutMethodResponse": _put_method_response,
    "GetMethodResponse": _get_method_response,
    "UpdateMethodResponse": _update_method_response,
    "DeleteMethodResponse": _delete_method_response,
}

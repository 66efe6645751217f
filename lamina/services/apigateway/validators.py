"""CreateRequestValidator, GetRequestValidator(s), UpdateRequestValidator,
DeleteRequestValidator: which parts of a request a method validates.

https://docs.aws.amazon.com/apigateway/latest/api/API_CreateRequestValidator.html
https://docs.aws.amazon.com/apigateway/latest/api/patch-operations.html#UpdateRequestValidator-Patch
"""

from __future__ import annotations

from lamina.aws.service import Operation, OperationInput, OperationOutput
from lamina.core.store import Reader
from lamina.services.apigateway.error import bad_request, not_found
from lamina.services.apigateway.ids import new_id
from lamina.services.apigateway.listing import page
from lamina.services.apigateway.patch import as_bool, must_be_one_of, read_ops, unsupported
from lamina.services.apigateway.records import RequestValidator, wire
from lamina.services.apigateway.state import ApiGatewayState

_PATHS = ["/name", "/validateRequestParameters", "/validateRequestBody"]


def new_validator(params: OperationInput) -> RequestValidator:
    return RequestValidator(
        id=new_id(),
        name=params.get("name"),
        validate_request_body=bool(params.get("validateRequestBody", False)),
        validate_request_parameters=bool(params.get("validateRequestParameters", False)),
    )


def _find(
    state: ApiGatewayState, api_id: str, validator_id: str, tx: Reader | None = None
) -> RequestValidator:
    # A missing API reads as a missing validator, as AWS answers.
    validator = state.validators.get(f"{api_id}/{validator_id}", tx)
    if validator is None:
        raise not_found("Invalid Request Validator identifier specified")
    return validator


def _create(state: ApiGatewayState, params: OperationInput) -> OperationOutput:
    api_id = params["restApiId"]
    with state.store.transaction() as tx:
        state.rest_api(api_id, tx)
        validator = new_validator(params)
        state.validators.put(f"{api_id}/{validator.id}", validator, tx)
    return wire(validator)


def _get(state: ApiGatewayState, params: OperationInput) -> OperationOutput:
    return wire(_find(state, params["restApiId"], params["requestValidatorId"]))


def _list(state: ApiGatewayState, params: OperationInput) -> OperationOutput:
    api_id = params["restApiId"]
    state.rest_api(api_id)
    return page([wire(v) for v in state.validators.all(f"{api_id}/")], params)


def _update(state: ApiGatewayState, params: OperationInput) -> OperationOutput:
    api_id = params["restApiId"]
    ops = read_ops(params, "updateRequestValidatorInput")
    with state.store.transaction() as tx:
        validator = _find(state, api_id, params["requestValidatorId"], tx)
        for op in ops:
            if op.op != "replace":
                raise unsupported(op)
            if op.path == "/name":
                if not op.value:
                    raise bad_request("Request Validator name cannot be blank")
                validator.name = op.value
            elif op.path == "/validateRequestBody":
                validator.validate_request_body = as_bool(op)
            elif op.path == "/validateRequestParameters":
                validator.validate_request_parameters = as_bool(op)
            else:
                raise must_be_one_of(op, _PATHS)
        state.validators.put(f"{api_id}/{validator.id}", validator, tx)
    return wire(validator)


def _delete(state: ApiGatewayState, params: OperationInput) -> OperationOutput:
    api_id = params["restApiId"]
    with state.store.transaction() as tx:
        validator = _find(state, api_id, params["requestValidatorId"], tx)
        state.validators.delete(f"{api_id}/{validator.id}", tx)
    return {}


OPERATIONS: dict[str, Operation[ApiGatewayState]] = {
    "CreateRequestValidator": _create,
    "GetRequestValidator": _get,
    "GetRequestValidators": _list,
    "UpdateRequestValidator": _update,
    "DeleteRequestValidator": _delete,
}

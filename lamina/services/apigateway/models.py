"""CreateModel, GetModel, GetModels, UpdateModel, DeleteModel; the Empty and Error models
every new REST API starts with.

https://docs.aws.amazon.com/apigateway/latest/api/API_CreateModel.html
https://docs.aws.amazon.com/apigateway/latest/developerguide/models-mappings-models.html
"""

from __future__ import annotations

from lamina.aws.service import Operation, OperationInput, OperationOutput
from lamina.core.store import Reader
from lamina.services.apigateway.error import bad_request, conflict, not_found
from lamina.services.apigateway.ids import new_id
from lamina.services.apigateway.listing import page
from lamina.services.apigateway.patch import must_be_one_of, read_ops, unsupported
from lamina.services.apigateway.records import Model, wire
from lamina.services.apigateway.state import ApiGatewayState

EMPTY_SCHEMA = (
    '{\n  "$schema": "http://json-schema.org/draft-04/schema#",\n'
    '  "title" : "Empty Schema",\n  "type" : "object"\n}'
)
ERROR_SCHEMA = (
    '{\n  "$schema" : "http://json-schema.org/draft-04/schema#",\n'
    '  "title" : "Error Schema",\n  "type" : "object",\n'
    '  "properties" : {\n    "message" : { "type" : "string" }\n  }\n}'
)
_NO_SCHEMA = "Model schema must have at least 1 property or array items defined"


def default_models() -> list[Model]:
    """The models API Gateway creates with every REST API."""
    return [
        Model(
            id=new_id(),
            name="Empty",
            content_type="application/json",
            description="This is a default empty schema model",
            schema=EMPTY_SCHEMA,
        ),
        Model(
            id=new_id(),
            name="Error",
            content_type="application/json",
            description="This is a default error schema model",
            schema=ERROR_SCHEMA,
        ),
    ]


def find_model(state: ApiGatewayState, api_id: str, name: str, tx: Reader | None = None) -> Model:
    model = state.models.get(f"{api_id}/{name}", tx)
    if model is None:
        raise not_found(f"Invalid model name specified: {name}")
    return model


def _create_model(state: ApiGatewayState, params: OperationInput) -> OperationOutput:
    api_id = params["restApiId"]
    name = params.get("name") or ""
    with state.store.transaction() as tx:
        state.rest_api(api_id, tx)
        if not name:
            raise bad_request("Model name must be non-empty")
        if state.models.get(f"{api_id}/{name}", tx) is not None:
            raise conflict("Model name already exists for this REST API")
        if not params.get("schema"):
            raise bad_request(_NO_SCHEMA)
        model = Model(
            id=new_id(),
            name=name,
            content_type=params["contentType"],
            description=params.get("description") or None,
            schema=params["schema"],
        )
        state.models.put(f"{api_id}/{name}", model, tx)
    return wire(model)


def _get_model(state: ApiGatewayState, params: OperationInput) -> OperationOutput:
    state.rest_api(params["restApiId"])
    return wire(find_model(state, params["restApiId"], params["modelName"]))


def _get_models(state: ApiGatewayState, params: OperationInput) -> OperationOutput:
    api_id = params["restApiId"]
    state.rest_api(api_id)
    # Listed by name, as AWS lists them.
    models = sorted(state.models.all(f"{api_id}/"), key=lambda model: model.name)
    return page([wire(model) for model in models], params)


def _update_model(state: ApiGatewayState, params: OperationInput) -> OperationOutput:
    # https://docs.aws.amazon.com/apigateway/latest/api/patch-operations.html#UpdateModel-Patch
    api_id, name = params["restApiId"], params["modelName"]
    ops = read_ops(params, "updateModelInput")
    with state.store.transaction() as tx:
        state.rest_api(api_id, tx)
        model = find_model(state, api_id, name, tx)
        for op in ops:
            if op.op != "replace":
                raise unsupported(op)
            if op.path == "/schema":
                if not op.value:
                    raise bad_request(_NO_SCHEMA)
                model.schema = op.value
            elif op.path == "/description":
                model.description = op.value or None
            else:
                raise must_be_one_of(op, ["/description", "/schema"])
        state.models.put(f"{api_id}/{name}", model, tx)
    return wire(model)


def _delete_model(state: ApiGatewayState, params: OperationInput) -> OperationOutput:
    api_id, name = params["restApiId"], params["modelName"]
    with state.store.transaction() as tx:
        state.rest_api(api_id, tx)
        find_model(state, api_id, name, tx)
        _refuse_if_referenced(state, api_id, name, tx)
        state.models.delete(f"{api_id}/{name}", tx)
    return {}


def _refuse_if_referenced(state: ApiGatewayState, api_id: str, name: str, tx: Reader) -> None:
    """A model a method's request names cannot go ("//ANY" is ANY on the root `/`)."""
    for resource in state.api_resources(api_id, tx):
        for http_method, method in (resource.resource_methods or {}).items():
            if name in (method.request_models or {}).values():
                raise conflict(
                    f"Cannot delete model '{name}', is referenced in method request: "
                    f"{resource.path}/{http_method}"
                )


OPERATIONS: dict[str, Operation[ApiGatewayState]] = {
    "CreateModel": _create_model,
    "GetModel": _get_model,
    "GetModels": _get_models,
    "UpdateModel": _update_model,
    "DeleteModel": _delete_model,
}

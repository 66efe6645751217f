"""CreateRestApi, GetRestApi, GetRestApis, UpdateRestApi, DeleteRestApi.

https://docs.aws.amazon.com/apigateway/latest/api/API_CreateRestApi.html
https://docs.aws.amazon.com/apigateway/latest/api/API_UpdateRestApi.html
"""

from __future__ import annotations

from typing import Any

from lamina.aws.service import Operation, OperationInput, OperationOutput, ServiceError
from lamina.core.store import Transaction
from lamina.services.apigateway.error import bad_request
from lamina.services.apigateway.ids import API_ID_LENGTH, new_id
from lamina.services.apigateway.listing import page
from lamina.services.apigateway.models import default_models
from lamina.services.apigateway.patch import (
    PatchOp,
    as_bool,
    invalid_path,
    op_must_be,
    read_ops,
    set_scalar,
    unsupported,
)
from lamina.services.apigateway.records import (
    EndpointConfiguration,
    Resource,
    RestApi,
    from_wire,
    wire,
)
from lamina.services.apigateway.state import ApiGatewayState, timestamp

ENDPOINT_TYPES = ["PRIVATE", "EDGE", "REGIONAL"]
API_KEY_SOURCES = ["HEADER", "AUTHORIZER"]
MAX_COMPRESSION = 10_485_760


def rest_api_output(record: RestApi) -> OperationOutput:
    document = wire(record)
    document["createdDate"] = timestamp(record.created_date)
    return document


def new_rest_api(state: ApiGatewayState, params: OperationInput) -> RestApi:
    """A REST API record from CreateRestApi's (or an import's) members, validated."""
    description = params.get("description")
    if description == "":
        raise bad_request("Description cannot be an empty string")
    return RestApi(
        id=new_id(API_ID_LENGTH),
        name=params["name"],
        created_date=state.now(),
        root_resource_id=new_id(API_ID_LENGTH),
        description=description,
        version=params.get("version"),
        binary_media_types=params.get("binaryMediaTypes") or None,
        minimum_compression_size=_compression(params.get("minimumCompressionSize")),
        api_key_source=_api_key_source(params.get("apiKeySource") or "HEADER"),
        endpoint_configuration=_endpoint(params.get("endpointConfiguration") or {}),
        policy=params.get("policy"),
        tags=params.get("tags") or None,
        disable_execute_api_endpoint=bool(params.get("disableExecuteApiEndpoint", False)),
    )


def store_new_api(state: ApiGatewayState, record: RestApi, tx: Transaction) -> None:
    """The API, its root resource `/` and the Empty and Error models AWS gives every API."""
    state.rest_apis.put(record.id, record, tx)
    state.put_resource(record.id, Resource(id=record.root_resource_id, path="/"), tx)
    for model in default_models():
        state.models.put(f"{record.id}/{model.name}", model, tx)


def _create_rest_api(state: ApiGatewayState, params: OperationInput) -> OperationOutput:
    record = new_rest_api(state, params)
    with state.store.transaction() as tx:
        source = params.get("cloneFrom")
        if source:
            state.rest_api(source, tx)
            state.rest_apis.put(record.id, record, tx)
            clone_definition(state, source, record, tx)
        else:
            store_new_api(state, record, tx)
    return rest_api_output(record)


def clone_definition(
    state: ApiGatewayState, source_id: str, target: RestApi, tx: Transaction
) -> None:
    """CreateRestApi(cloneFrom=...): the source API's resources, methods, models,
    authorizers, validators and gateway responses, under new ids."""
    source, prefix = f"{source_id}/", f"{target.id}/"
    authorizer_ids: dict[str, str] = {}
    for authorizer in state.authorizers.all(source, tx):
        authorizer_ids[authorizer.id] = authorizer.id = new_id()
        state.authorizers.put(prefix + authorizer.id, authorizer, tx)
    validator_ids: dict[str, str] = {}
    for validator in state.validators.all(source, tx):
        validator_ids[validator.id] = validator.id = new_id()
        state.validators.put(prefix + validator.id, validator, tx)
    for model in state.models.all(source, tx):
        model.id = new_id()
        if model.schema:
            model.schema = model.schema.replace(
                f"/restapis/{source_id}/", f"/restapis/{target.id}/"
            )
        state.models.put(prefix + model.name, model, tx)
    for response in state.gateway_responses.all(source, tx):
        state.gateway_responses.put(prefix + response.response_type, response, tx)
    resources = state.api_resources(source_id, tx)
    resource_ids = {r.id: new_id() for r in resources if r.parent_id is not None}
    resource_ids.update({r.id: target.root_resource_id for r in resources if r.parent_id is None})
    for resource in resources:
        old_id = resource.id
        resource.id = resource_ids[old_id]
        resource.parent_id = resource_ids.get(resource.parent_id or "")
        for method in (resource.resource_methods or {}).values():
            method.authorizer_id = authorizer_ids.get(method.authorizer_id or "")
            method.request_validator_id = validator_ids.get(method.request_validator_id or "")
            integration = method.method_integration
            if integration is not None and integration.cache_namespace == old_id:
                integration.cache_namespace = resource.id
        state.put_resource(target.id, resource, tx)


def _get_rest_api(state: ApiGatewayState, params: OperationInput) -> OperationOutput:
    return rest_api_output(state.rest_api(params["restApiId"]))


def _get_rest_apis(state: ApiGatewayState, params: OperationInput) -> OperationOutput:
    return page([rest_api_output(record) for record in state.rest_apis.all()], params)


def _delete_rest_api(state: ApiGatewayState, params: OperationInput) -> OperationOutput:
    api_id = params["restApiId"]
    with state.store.transaction() as tx:
        state.rest_api(api_id, tx)
        state.delete_api_records(api_id, tx)
    state.changed(api_id)
    return {}


def _update_rest_api(state: ApiGatewayState, params: OperationInput) -> OperationOutput:
    api_id = params["restApiId"]
    ops = read_ops(params, "updateRestApiInput")
    with state.store.transaction() as tx:
        document = wire(state.rest_api(api_id, tx))
        for op in ops:
            _apply(document, op)
        record: RestApi = from_wire(document, RestApi)
        state.rest_apis.put(api_id, record, tx)
    return rest_api_output(record)


def _apply(document: dict[str, Any], op: PatchOp) -> None:
    """One patch op on a REST API.
    https://docs.aws.amazon.com/apigateway/latest/api/patch-operations.html#UpdateRestApi-Patch
    """
    member = op.segments[0] if op.segments else ""
    if member == "binaryMediaTypes":
        _patch_binary_media_types(document, op)
    elif member in ("name", "description", "version", "policy") and len(op.segments) == 1:
        if op.op != "replace" and not (op.op == "remove" and member != "name"):
            raise unsupported(op)
        set_scalar(document, member, op, op.value or None)
        if member == "name" and not op.value:
            raise bad_request("Name cannot be empty")
    elif member == "apiKeySource" and len(op.segments) == 1:
        if op.op != "replace":
            raise op_must_be(["replace"])
        document[member] = _api_key_source(op.value or "")
    elif member == "minimumCompressionSize" and len(op.segments) == 1:
        if op.op != "replace":
            raise op_must_be(["replace"])
        # A null or missing value turns compression off.
        size = _compression_text(op.value) if op.value else None
        set_scalar(document, member, op, size)
    elif member == "disableExecuteApiEndpoint" and len(op.segments) == 1:
        if op.op != "replace":
            raise op_must_be(["replace"])
        document[member] = as_bool(op)
    elif member == "endpointConfiguration" and op.segments[1:2] == ["types"]:
        if op.op != "replace":
            raise op_must_be(["replace"])
        kind = _endpoint_type(op.value or "")
        document[member] = {**document.get(member, {}), "types": [kind]}
    elif member == "endpointConfiguration" and op.segments[1:] == ["vpcEndpointIds"]:
        _patch_vpc_endpoint_ids(document, op)
    else:
        raise invalid_path(op.path)


def _patch_vpc_endpoint_ids(document: dict[str, Any], op: PatchOp) -> None:
    """Associate (`add`) or dissociate (`remove`) a VPC endpoint with a private API.
    https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-private-api-create.html
    """
    if op.op not in ("add", "remove"):
        raise op_must_be(["add", "remove"])
    config = dict(document.get("endpointConfiguration") or {})
    ids = [i for i in config.get("vpcEndpointIds") or [] if i != op.value]
    if op.op == "add" and op.value:
        ids.append(op.value)
    config["vpcEndpointIds"] = ids or None
    document["endpointConfiguration"] = config


def _patch_binary_media_types(document: dict[str, Any], op: PatchOp) -> None:
    if len(op.segments) != 2:
        raise invalid_path(op.path)
    media_type = op.segments[1]
    types = [t for t in document.get("binaryMediaTypes") or [] if t != media_type]
    if op.op == "add":
        types.append(media_type)
    elif op.op == "replace":
        if op.value:
            types.append(op.value)
    elif op.op != "remove":
        raise unsupported(op)
    document["binaryMediaTypes"] = types or None
    if not types:
        document.pop("binaryMediaTypes")


def _compression(value: object) -> int | None:
    if value is None:
        return None
    if not isinstance(value, int) or not 0 <= value <= MAX_COMPRESSION:
        raise bad_request(
            f"Invalid minimum compression size, must be between 0 and {MAX_COMPRESSION}"
        )
    return value


def _compression_text(text: str) -> int:
    try:
        size = int(text)
    except ValueError:
        size = -1
    result = _compression(size)
    assert result is not None
    return result


def _api_key_source(value: str) -> str:
    if value not in API_KEY_SOURCES:
        raise bad_request(f"Invalid apiKeySource specified: {value}")
    return value


def _endpoint_type(value: str) -> str:
    if value not in ENDPOINT_TYPES:
        raise bad_request(
            "Invalid EndpointTypes specified. Valid options are REGIONAL,EDGE,PRIVATE"
        )
    return value


def _endpoint(config: dict[str, Any]) -> EndpointConfiguration:
    """EDGE unless told otherwise; a private API is dual-stack, the others IPv4.
    https://docs.aws.amazon.com/apigateway/latest/api/API_EndpointConfiguration.html
    """
    types = config.get("types") or ["EDGE"]
    wrong = [kind for kind in types if kind not in ENDPOINT_TYPES]
    if wrong:
        raise ServiceError(
            "ValidationException",
            f"1 validation error detected: Value '[{', '.join(wrong)}]' at "
            "'createRestApiInput.endpointConfiguration.types' failed to satisfy constraint: "
            "Member must satisfy constraint: [Member must satisfy enum value set: "
            f"[{', '.join(ENDPOINT_TYPES)}]]",
            status=400,
        )
    if len(types) > 1:
        raise bad_request("Cannot create an api with multiple Endpoint Types.")
    default_ip = "dualstack" if types == ["PRIVATE"] else "ipv4"
    return EndpointConfiguration(
        types=list(types),
        ip_address_type=config.get("ipAddressType") or default_ip,
        vpc_endpoint_ids=config.get("vpcEndpointIds") or None,
    )


OPERATIONS: dict[str, Operation[ApiGatewayState]] = {
    "CreateRestApi": _create_rest_api,
    "GetRestApi": _get_rest_api,
    "GetRestApis": _get_rest_apis,
    "UpdateRestApi": _update_rest_api,
    "DeleteRestApi": _delete_rest_api,
}

"""ImportRestApi, PutRestApi (merge or overwrite) and GetExport: a REST API in and out as
an OpenAPI document.

https://docs.aws.amazon.com/apigateway/latest/api/API_ImportRestApi.html
https://docs.aws.amazon.com/apigateway/latest/api/API_PutRestApi.html
https://docs.aws.amazon.com/apigateway/latest/api/API_GetExport.html

GetExport exports what the stage serves: the snapshot of the stage's deployment.
"""

from __future__ import annotations

from typing import Any

import orjson
import yaml

from lamina.aws.service import Operation, OperationInput, OperationOutput
from lamina.core.store import Transaction
from lamina.services.apigateway.deploy_records import Records
from lamina.services.apigateway.error import bad_request, not_found
from lamina.services.apigateway.gateway_responses import DEFAULT_STATUS, check_type
from lamina.services.apigateway.ids import new_id
from lamina.services.apigateway.integrations import check_integration
from lamina.services.apigateway.methods import check_method
from lamina.services.apigateway.openapi_export import Exporter
from lamina.services.apigateway.openapi_import import (
    Definition,
    ImportedMethod,
    read_definition,
    read_document,
)
from lamina.services.apigateway.openapi_refs import to_model_urls
from lamina.services.apigateway.records import (
    Model,
    RequestValidator,
    Resource,
    RestApi,
    from_wire,
    wire,
)
from lamina.services.apigateway.resources import add_resource, delete_subtree
from lamina.services.apigateway.rest_apis import new_rest_api, rest_api_output
from lamina.services.apigateway.stages import stage_record
from lamina.services.apigateway.state import ApiGatewayState, timestamp

EXPORT_TYPES = ("oas30", "swagger")
_EXTENSIONS = {"integrations", "authorizers", "apigateway"}


def _import_rest_api(state: ApiGatewayState, params: OperationInput) -> OperationOutput:
    definition = read_definition(read_document(params["body"]), params.get("parameters") or {})
    record = new_rest_api(state, definition.api)
    with state.store.transaction() as tx:
        state.rest_apis.put(record.id, record, tx)
        state.put_resource(record.id, Resource(id=record.root_resource_id, path="/"), tx)
        write_definition(state, record.id, definition, tx)
    return rest_api_output(record)


def _put_rest_api(state: ApiGatewayState, params: OperationInput) -> OperationOutput:
    api_id = params["restApiId"]
    mode = params.get("mode") or "merge"
    if mode not in ("merge", "overwrite"):
        raise bad_request('Enumeration value of OpenAPI import mode must be "overwrite" or "merge"')
    definition = read_definition(read_document(params["body"]), params.get("parameters") or {})
    with state.store.transaction() as tx:
        api = state.rest_api(api_id, tx)
        if mode == "overwrite":
            _clear(state, api, tx)
        updated = _api_from(api, definition.api, merge=mode == "merge")
        state.rest_apis.put(api_id, updated, tx)
        write_definition(state, api_id, definition, tx)
    return rest_api_output(updated)


def _api_from(api: RestApi, members: dict[str, Any], *, merge: bool) -> RestApi:
    """The API's record with the document's members (merge: binary media types added to
    the API's; overwrite: the document's alone)."""
    document = wire(api)
    if not merge:
        for member in ("description", "binaryMediaTypes", "policy", "minimumCompressionSize"):
            document.pop(member, None)
    for member, value in members.items():
        if member == "binaryMediaTypes" and merge:
            known = document.get(member) or []
            value = known + [t for t in value if t not in known]
        if member != "endpointConfiguration":
            document[member] = value
    updated: RestApi = from_wire(document, RestApi)
    return updated


def _clear(state: ApiGatewayState, api: RestApi, tx: Transaction) -> None:
    """Overwrite starts from an empty API: its root resource (same id) without methods."""
    for resource in state.api_resources(api.id, tx):
        if resource.parent_id == api.root_resource_id:
            delete_subtree(state, api.id, resource.id, tx)
    state.put_resource(api.id, Resource(id=api.root_resource_id, path="/"), tx)
    prefix = f"{api.id}/"
    for collection in (state.models, state.authorizers, state.validators):
        tx.delete_prefix(collection.kind, prefix)
    tx.delete_prefix(state.gateway_responses.kind, prefix)


def write_definition(
    state: ApiGatewayState, api_id: str, definition: Definition, tx: Transaction
) -> None:
    """Models, authorizers, validators and gateway responses by name (kept ids for names
    the API already has), then resources by path and their methods."""
    prefix = f"{api_id}/"
    for name, schema in definition.models.items():
        known = state.models.get(prefix + name, tx)
        model = Model(
            id=known.id if known else new_id(),
            name=name,
            content_type="application/json",
            schema=to_model_urls(schema, api_id),
        )
        state.models.put(prefix + name, model, tx)
    authorizer_ids = {a.name: a.id for a in state.authorizers.all(prefix, tx)}
    for name, authorizer in definition.authorizers.items():
        authorizer.id = authorizer_ids.get(name) or new_id()
        authorizer_ids[name] = authorizer.id
        state.authorizers.put(prefix + authorizer.id, authorizer, tx)
    validator_ids = {v.name or v.id: v.id for v in state.validators.all(prefix, tx)}
    for name, (body, parameters) in definition.validators.items():
        validator = RequestValidator(
            id=validator_ids.get(name) or new_id(),
            name=name,
            validate_request_body=body,
            validate_request_parameters=parameters,
        )
        validator_ids[name] = validator.id
        state.validators.put(prefix + validator.id, validator, tx)
    for response in definition.gateway_responses:
        check_type(response.response_type)
        if response.status_code is None:
            response.status_code = DEFAULT_STATUS[response.response_type]
        state.gateway_responses.put(prefix + response.response_type, response, tx)
    by_path = {r.path: r for r in state.api_resources(api_id, tx)}
    for path in definition.paths:
        _resource_at(state, api_id, path, by_path, tx)
    for imported in definition.methods:
        resource = _resource_at(state, api_id, imported.path, by_path, tx)
        _put_method(state, api_id, resource, imported, authorizer_ids, validator_ids, tx)


def _resource_at(
    state: ApiGatewayState,
    api_id: str,
    path: str,
    by_path: dict[str, Resource],
    tx: Transaction,
) -> Resource:
    """The resource at `path`, made with its missing ancestors."""
    if path in by_path:
        return by_path[path]
    parent_path, _, part = path.rpartition("/")
    parent = _resource_at(state, api_id, parent_path or "/", by_path, tx)
    resource = add_resource(state, api_id, parent, part, tx)
    by_path[path] = resource
    return resource


def _put_method(
    state: ApiGatewayState,
    api_id: str,
    resource: Resource,
    imported: ImportedMethod,
    authorizer_ids: dict[str, str],
    validator_ids: dict[str, str],
    tx: Transaction,
) -> None:
    method = imported.method
    if imported.authorizer is not None:
        method.authorizer_id = authorizer_ids.get(imported.authorizer)
    if imported.validator is not None:
        if imported.validator not in validator_ids:
            raise bad_request(f"Invalid request validator name specified: {imported.validator}")
        method.request_validator_id = validator_ids[imported.validator]
    check_method(state, api_id, method, tx)
    integration = method.method_integration
    if integration is not None:
        check_integration(integration)
        integration.cache_namespace = integration.cache_namespace or resource.id
    current = state.resource(api_id, resource.id, tx)
    current.resource_methods = {**(current.resource_methods or {}), method.http_method: method}
    state.put_resource(api_id, current, tx)


def _get_export(state: ApiGatewayState, params: OperationInput) -> OperationOutput:
    api_id, stage_name = params["restApiId"], params["stageName"]
    export_type = params["exportType"]
    if export_type not in EXPORT_TYPES:
        raise bad_request(f"Invalid export type specified: {export_type}")
    options = params.get("parameters") or {}
    extensions = {e.strip() for e in options.get("extensions", "").split(",") if e.strip()}
    unknown = extensions - _EXTENSIONS
    if unknown:
        raise bad_request(f"Lamina does not export the {', '.join(sorted(unknown))} extensions")
    api = state.rest_api(api_id)
    records = Records(state.store)
    stage = stage_record(records, api_id, stage_name)
    frozen = records.snapshot(api_id, stage.deployment_id) if stage.deployment_id else None
    if frozen is None:
        raise not_found("Invalid Deployment identifier specified")
    exporter = Exporter(
        frozen, swagger=export_type == "swagger", extensions=extensions, region=state.region
    )
    version = frozen["restApi"].get("version") or _iso(api.created_date)
    document = exporter.document(stage_name, version)
    yaml_wanted = "yaml" in (params.get("accepts") or "")
    if yaml_wanted:
        body = yaml.safe_dump(document, sort_keys=False, allow_unicode=True).encode()
    else:
        body = orjson.dumps(document, option=orjson.OPT_INDENT_2)
    # AWS answers application/octet-stream, named for the type and the version.
    name = f"{export_type}_{version}.{'yaml' if yaml_wanted else 'json'}"
    return {
        "contentType": "application/octet-stream",
        "contentDisposition": f'attachment; filename="{name}"',
        "body": body,
    }


def _iso(epoch_s: float) -> str:
    return timestamp(epoch_s).strftime("%Y-%m-%dT%H:%M:%SZ")


OPERATIONS: dict[str, Operation[ApiGatewayState]] = {
    "ImportRestApi": _import_rest_api,
    "PutRestApi": _put_rest_api,
    "GetExport": _get_export,
}

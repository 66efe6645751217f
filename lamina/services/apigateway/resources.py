"""CreateResource, GetResource, GetResources, UpdateResource, DeleteResource: the API's
path tree. A resource's `path` is its parent's path plus its `pathPart`; `{name}` parts
are path parameters, `{name+}` a greedy one that takes the rest of the path.

https://docs.aws.amazon.com/apigateway/latest/api/API_CreateResource.html
https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-method-settings-method-request.html#setup-method-resources
"""

from __future__ import annotations

import re
from typing import Any

from lamina.aws.service import Operation, OperationInput, OperationOutput
from lamina.core.store import Transaction
from lamina.services.apigateway.error import bad_request, conflict
from lamina.services.apigateway.ids import new_id
from lamina.services.apigateway.listing import page
from lamina.services.apigateway.patch import must_be_one_of, read_ops, unsupported
from lamina.services.apigateway.records import Resource, wire
from lamina.services.apigateway.state import ApiGatewayState

_PART = re.compile(r"^(?:[a-zA-Z0-9._:-]+|\{[a-zA-Z0-9._:-]+\+?\})$")
_BAD_PART = (
    "Resource's path part only allow a-zA-Z0-9._-: or a valid greedy path variable and curly "
    "braces at the beginning and the end and an optional plus sign before the closing brace."
)


def resource_output(resource: Resource, *, embed_methods: bool = False) -> OperationOutput:
    """GetResource's shape: the methods' full definitions when `embed=methods`, else each
    method as an empty object (AWS lists only their names then)."""
    document = wire(resource)
    methods = resource.resource_methods
    if methods:
        names = sorted(methods)
        document["resourceMethods"] = {
            name: (document["resourceMethods"][name] if embed_methods else {}) for name in names
        }
    return document


def child_path(parent: Resource, part: str) -> str:
    return f"/{part}" if parent.path == "/" else f"{parent.path}/{part}"


def check_new_child(
    siblings: list[Resource], parent: Resource, part: str, own_id: str | None = None
) -> None:
    """AWS's rules for a path part under `parent` (`own_id`: a resource being moved or
    renamed, not its own sibling)."""
    if not _PART.match(part):
        raise bad_request(_BAD_PART)
    if parent.path_part and parent.path_part.endswith("+}"):
        raise bad_request(
            f"Cannot create a child of a resource with a greedy path variable: {parent.path_part}"
        )
    others = [s for s in siblings if s.id != own_id]
    for sibling in others:
        if sibling.path_part == part:
            raise conflict(f"Another resource with the same parent already has this name: {part}")
    if part.startswith("{"):
        for sibling in others:
            if (sibling.path_part or "").startswith("{"):
                raise bad_request(
                    f"A sibling ({sibling.path_part}) of this resource already has a variable "
                    "path part -- only one is allowed"
                )


def children_of(resources: list[Resource], parent_id: str) -> list[Resource]:
    return [r for r in resources if r.parent_id == parent_id]


def add_resource(
    state: ApiGatewayState, api_id: str, parent: Resource, part: str, tx: Transaction
) -> Resource:
    siblings = children_of(state.api_resources(api_id, tx), parent.id)
    check_new_child(siblings, parent, part)
    resource = Resource(
        id=new_id(), parent_id=parent.id, path_part=part, path=child_path(parent, part)
    )
    state.put_resource(api_id, resource, tx)
    return resource


def _create_resource(state: ApiGatewayState, params: OperationInput) -> OperationOutput:
    api_id = params["restApiId"]
    with state.store.transaction() as tx:
        parent = state.resource(api_id, params["parentId"], tx)
        resource = add_resource(state, api_id, parent, params.get("pathPart") or "", tx)
    return resource_output(resource)


def _get_resource(state: ApiGatewayState, params: OperationInput) -> OperationOutput:
    resource = state.resource(params["restApiId"], params["resourceId"])
    return resource_output(resource, embed_methods="methods" in (params.get("embed") or []))


def _get_resources(state: ApiGatewayState, params: OperationInput) -> OperationOutput:
    api_id = params["restApiId"]
    state.rest_api(api_id)
    embed = "methods" in (params.get("embed") or [])
    items = [resource_output(r, embed_methods=embed) for r in state.api_resources(api_id)]
    return page(items, params)


def _update_resource(state: ApiGatewayState, params: OperationInput) -> OperationOutput:
    # https://docs.aws.amazon.com/apigateway/latest/api/patch-operations.html#UpdateResource-Patch
    api_id = params["restApiId"]
    ops = read_ops(params, "updateResourceInput")
    with state.store.transaction() as tx:
        resource = state.resource(api_id, params["resourceId"], tx)
        for op in ops:
            if op.op != "replace":
                raise unsupported(op)
            if op.path not in ("/parentId", "/pathPart"):
                raise must_be_one_of(op, ["/parentId", "/pathPart"])
            if resource.parent_id is None:
                member = op.path[1:]
                raise bad_request(f"Root resource cannot update its {member}.")
        _move(state, api_id, resource, _target(ops, resource), tx)
    return resource_output(state.resource(api_id, resource.id))


def _target(ops: list[Any], resource: Resource) -> tuple[str, str]:
    parent_id, part = resource.parent_id or "", resource.path_part or ""
    for op in ops:
        if op.path == "/parentId":
            parent_id = op.value or ""
        else:
            part = op.value or ""
    return parent_id, part


def _move(
    state: ApiGatewayState,
    api_id: str,
    resource: Resource,
    target: tuple[str, str],
    tx: Transaction,
) -> None:
    """Re-parent and/or rename, then recompute the paths of the resource's subtree."""
    parent_id, part = target
    parent = state.resource(api_id, parent_id, tx)
    everything = state.api_resources(api_id, tx)
    if parent.id == resource.id or parent.id in _descendant_ids(everything, resource.id):
        raise bad_request("Resources cannot be cyclical.")
    check_new_child(children_of(everything, parent.id), parent, part, own_id=resource.id)
    resource.parent_id = parent.id
    resource.path_part = part
    resource.path = child_path(parent, part)
    state.put_resource(api_id, resource, tx)
    _repath_children(state, api_id, resource, everything, tx)


def _repath_children(
    state: ApiGatewayState,
    api_id: str,
    parent: Resource,
    everything: list[Resource],
    tx: Transaction,
) -> None:
    for child in children_of(everything, parent.id):
        child.path = child_path(parent, child.path_part or "")
        state.put_resource(api_id, child, tx)
        _repath_children(state, api_id, child, everything, tx)


def _descendant_ids(resources: list[Resource], root_id: str) -> set[str]:
    found: set[str] = set()
    frontier = [root_id]
    while frontier:
        current = frontier.pop()
        for child in children_of(resources, current):
            if child.id not in found:
                found.add(child.id)
                frontier.append(child.id)
    return found


def delete_subtree(state: ApiGatewayState, api_id: str, resource_id: str, tx: Transaction) -> None:
    """The resource and every resource under it, with their methods."""
    everything = state.api_resources(api_id, tx)
    for doomed in {resource_id} | _descendant_ids(everything, resource_id):
        state.resources.delete(f"{api_id}/{doomed}", tx)


def _delete_resource(state: ApiGatewayState, params: OperationInput) -> OperationOutput:
    api_id = params["restApiId"]
    with state.store.transaction() as tx:
        resource = state.resource(api_id, params["resourceId"], tx)
        if resource.parent_id is None:
            # https://docs.aws.amazon.com/apigateway/latest/api/API_DeleteResource.html
            raise bad_request("Cannot delete root resource")
        delete_subtree(state, api_id, resource.id, tx)
    return {}


OPERATIONS: dict[str, Operation[ApiGatewayState]] = {
    "CreateResource": _create_resource,
    "GetResource": _get_resource,
    "GetResources": _get_resources,
    "UpdateResource": _update_resource,
    "DeleteResource": _delete_resource,
}

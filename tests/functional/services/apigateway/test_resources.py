"""Resources through boto3: the path tree, path parameter rules, renames and moves that
recompute the subtree's paths, deletes that take the children along.

https://docs.aws.amazon.com/apigateway/latest/api/API_CreateResource.html
"""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from .test_rest_apis import _error


def _child(apigw: Any, api: dict[str, Any], parent: str, part: str) -> dict[str, Any]:
    return apigw.create_resource(restApiId=api["id"], parentId=parent, pathPart=part)  # type: ignore[no-any-return]


def test_create_resource_paths_from_parent(apigw: Any, api: dict[str, Any]) -> None:
    root = api["rootResourceId"]
    pets = _child(apigw, api, root, "pets")
    assert pets["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert (pets["path"], pets["pathPart"], pets["parentId"]) == ("/pets", "pets", root)
    pet = _child(apigw, api, pets["id"], "{petId}")
    assert pet["path"] == "/pets/{petId}"
    got = apigw.get_resource(restApiId=api["id"], resourceId=pet["id"])
    assert {k: got[k] for k in ("id", "parentId", "path", "pathPart")} == {
        "id": pet["id"],
        "parentId": pets["id"],
        "path": "/pets/{petId}",
        "pathPart": "{petId}",
    }
    listed = apigw.get_resources(restApiId=api["id"])["items"]
    assert [r["path"] for r in listed] == ["/", "/pets", "/pets/{petId}"]


def test_create_resource_rules(apigw: Any, api: dict[str, Any]) -> None:
    root = api["rootResourceId"]
    _child(apigw, api, root, "pets")
    with pytest.raises(ClientError) as info:
        _child(apigw, api, root, "pets")
    assert _error(info) == (
        "ConflictException",
        "Another resource with the same parent already has this name: pets",
    )
    proxy = _child(apigw, api, root, "{proxy+}")
    with pytest.raises(ClientError) as info:
        _child(apigw, api, root, "{id}")
    assert _error(info) == (
        "BadRequestException",
        "A sibling ({proxy+}) of this resource already has a variable path part -- only one "
        "is allowed",
    )
    with pytest.raises(ClientError) as info:
        _child(apigw, api, proxy["id"], "child")
    assert _error(info) == (
        "BadRequestException",
        "Cannot create a child of a resource with a greedy path variable: {proxy+}",
    )
    with pytest.raises(ClientError) as info:
        _child(apigw, api, root, "bad$part")
    assert _error(info)[0] == "BadRequestException"
    assert "path part only allow" in _error(info)[1]
    with pytest.raises(ClientError) as info:
        _child(apigw, api, "nosuch", "x")
    assert _error(info) == ("NotFoundException", "Invalid Resource identifier specified")


def test_update_resource_renames_and_moves_subtree(apigw: Any, api: dict[str, Any]) -> None:
    root = api["rootResourceId"]
    pets = _child(apigw, api, root, "pets")
    sub = _child(apigw, api, pets["id"], "subpets")
    leaf = _child(apigw, api, sub["id"], "{id}")
    renamed = apigw.update_resource(
        restApiId=api["id"],
        resourceId=pets["id"],
        patchOperations=[{"op": "replace", "path": "/pathPart", "value": "dogs"}],
    )
    assert renamed["path"] == "/dogs"
    got = apigw.get_resource(restApiId=api["id"], resourceId=leaf["id"])
    assert got["path"] == "/dogs/subpets/{id}"
    moved = apigw.update_resource(
        restApiId=api["id"],
        resourceId=sub["id"],
        patchOperations=[{"op": "replace", "path": "/parentId", "value": root}],
    )
    assert (moved["path"], moved["parentId"]) == ("/subpets", root)
    assert apigw.get_resource(restApiId=api["id"], resourceId=leaf["id"])["path"] == (
        "/subpets/{id}"
    )


def test_update_resource_errors(apigw: Any, api: dict[str, Any]) -> None:
    root = api["rootResourceId"]
    pets = _child(apigw, api, root, "pets")
    sub = _child(apigw, api, pets["id"], "sub")
    _child(apigw, api, root, "cats")

    def update(resource_id: str, op: str, path: str, value: str) -> None:
        apigw.update_resource(
            restApiId=api["id"],
            resourceId=resource_id,
            patchOperations=[{"op": op, "path": path, "value": value}],
        )

    with pytest.raises(ClientError) as info:
        update(pets["id"], "replace", "/parentId", sub["id"])
    assert _error(info) == ("BadRequestException", "Resources cannot be cyclical.")
    with pytest.raises(ClientError) as info:
        update(pets["id"], "replace", "/pathPart", "cats")
    assert _error(info)[0] == "ConflictException"
    with pytest.raises(ClientError) as info:
        update(pets["id"], "replace", "/invalid", "x")
    assert _error(info) == (
        "BadRequestException",
        "Invalid patch path  '/invalid' specified for op 'replace'. Must be one of: "
        "[/parentId, /pathPart]",
    )
    with pytest.raises(ClientError) as info:
        update(pets["id"], "add", "/pathPart", "x")
    assert _error(info) == (
        "BadRequestException",
        "Invalid patch path  '/pathPart' specified for op 'add'. Please choose supported "
        "operations",
    )
    with pytest.raises(ClientError) as info:
        update(root, "replace", "/pathPart", "x")
    assert _error(info) == ("BadRequestException", "Root resource cannot update its pathPart.")


def test_delete_resource_deletes_children(apigw: Any, api: dict[str, Any]) -> None:
    root = api["rootResourceId"]
    pets = _child(apigw, api, root, "pets")
    _child(apigw, api, pets["id"], "{id}")
    _child(apigw, api, root, "cats")
    response = apigw.delete_resource(restApiId=api["id"], resourceId=pets["id"])
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 202
    paths = [r["path"] for r in apigw.get_resources(restApiId=api["id"])["items"]]
    assert paths == ["/", "/cats"]
    with pytest.raises(ClientError) as info:
        apigw.delete_resource(restApiId=api["id"], resourceId=pets["id"])
    assert _error(info) == ("NotFoundException", "Invalid Resource identifier specified")


def test_get_resources_embeds_methods_only_when_asked(apigw: Any, api: dict[str, Any]) -> None:
    root = api["rootResourceId"]
    apigw.put_method(
        restApiId=api["id"], resourceId=root, httpMethod="GET", authorizationType="NONE"
    )
    apigw.put_method(
        restApiId=api["id"], resourceId=root, httpMethod="POST", authorizationType="NONE"
    )
    plain = apigw.get_resources(restApiId=api["id"])["items"][0]
    assert plain["resourceMethods"] == {"GET": {}, "POST": {}}
    embedded = apigw.get_resources(restApiId=api["id"], embed=["methods"])["items"][0]
    assert embedded["resourceMethods"]["GET"]["authorizationType"] == "NONE"
    assert embedded["resourceMethods"]["POST"]["httpMethod"] == "POST"


def test_get_resources_pages(apigw: Any, api: dict[str, Any]) -> None:
    for name in ("a", "b", "c", "d"):
        _child(apigw, api, api["rootResourceId"], name)
    first = apigw.get_resources(restApiId=api["id"], limit=3)
    assert [r["path"] for r in first["items"]] == ["/", "/a", "/b"]
    rest = apigw.get_resources(restApiId=api["id"], limit=3, position=first["position"])
    assert [r["path"] for r in rest["items"]] == ["/c", "/d"] and "position" not in rest
    with pytest.raises(ClientError) as info:
        apigw.get_resources(restApiId="nope000000")
    assert _error(info)[0] == "NotFoundException"


def test_root_resource_cannot_be_deleted(apigw: Any, api: dict[str, Any]) -> None:
    with pytest.raises(ClientError) as info:
        apigw.delete_resource(restApiId=api["id"], resourceId=api["rootResourceId"])
    assert _error(info) == ("BadRequestException", "Cannot delete root resource")

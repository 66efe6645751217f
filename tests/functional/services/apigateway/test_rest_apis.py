"""REST APIs through boto3: create with AWS's defaults, get, list with paging, update with
patch operations, delete (with everything under the API).

https://docs.aws.amazon.com/apigateway/latest/api/API_CreateRestApi.html
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import pytest
from botocore.exceptions import ClientError

from .conftest import ACCOUNT, ApiGatewayServer


def _error(info: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    error = info.value.response["Error"]
    return str(error["Code"]), str(error["Message"])


def test_create_rest_api_defaults_and_root_resource(apigw: Any) -> None:
    api = apigw.create_rest_api(name="pets", description="the pet store")
    assert api["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert re.fullmatch(r"[a-z0-9]{10}", api["id"])
    assert api["name"] == "pets" and api["description"] == "the pet store"
    assert api["apiKeySource"] == "HEADER"
    assert api["disableExecuteApiEndpoint"] is False
    assert api["endpointConfiguration"] == {"types": ["EDGE"], "ipAddressType": "ipv4"}
    assert isinstance(api["createdDate"], datetime)
    resources = apigw.get_resources(restApiId=api["id"])["items"]
    assert resources == [{"id": api["rootResourceId"], "path": "/"}]


def test_create_rest_api_options_kept(apigw: Any) -> None:
    api = apigw.create_rest_api(
        name="files",
        version="v1",
        binaryMediaTypes=["image/png"],
        minimumCompressionSize=1024,
        apiKeySource="AUTHORIZER",
        endpointConfiguration={"types": ["PRIVATE"]},
        tags={"team": "a"},
        disableExecuteApiEndpoint=True,
        policy='{"Version":"2012-10-17","Statement":[]}',
    )
    got = apigw.get_rest_api(restApiId=api["id"])
    assert got["version"] == "v1" and got["binaryMediaTypes"] == ["image/png"]
    assert got["minimumCompressionSize"] == 1024 and got["apiKeySource"] == "AUTHORIZER"
    assert got["endpointConfiguration"] == {"types": ["PRIVATE"], "ipAddressType": "dualstack"}
    assert got["tags"] == {"team": "a"} and got["disableExecuteApiEndpoint"] is True
    assert got["policy"] == '{"Version":"2012-10-17","Statement":[]}'


def test_create_rest_api_invalid_input_is_bad_request(apigw: Any) -> None:
    with pytest.raises(ClientError) as info:
        apigw.create_rest_api(name="x", description="")
    assert _error(info) == ("BadRequestException", "Description cannot be an empty string")
    with pytest.raises(ClientError) as info:
        apigw.create_rest_api(name="x", minimumCompressionSize=-1)
    assert _error(info) == (
        "BadRequestException",
        "Invalid minimum compression size, must be between 0 and 10485760",
    )
    with pytest.raises(ClientError) as info:
        apigw.create_rest_api(name="x", endpointConfiguration={"types": ["EDGE", "REGIONAL"]})
    assert _error(info) == (
        "BadRequestException",
        "Cannot create an api with multiple Endpoint Types.",
    )
    with pytest.raises(ClientError) as info:
        apigw.create_rest_api(name="x", endpointConfiguration={"types": ["wrong"]})
    assert _error(info)[0] == "ValidationException"


def test_get_unknown_rest_api_is_not_found(apigw: Any) -> None:
    with pytest.raises(ClientError) as info:
        apigw.get_rest_api(restApiId="nope000000")
    assert _error(info) == (
        "NotFoundException",
        f"Invalid API identifier specified {ACCOUNT}:nope000000",
    )
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404


def test_get_rest_apis_pages_in_creation_order(apigw: Any) -> None:
    ids = [apigw.create_rest_api(name=f"api-{i}")["id"] for i in range(5)]
    first = apigw.get_rest_apis(limit=2)
    assert [item["id"] for item in first["items"]] == ids[:2]
    second = apigw.get_rest_apis(limit=2, position=first["position"])
    assert [item["id"] for item in second["items"]] == ids[2:4]
    paged = [
        item["id"]
        for page in apigw.get_paginator("get_rest_apis").paginate(PaginationConfig={"PageSize": 2})
        for item in page["items"]
    ]
    assert paged == ids


def test_update_rest_api_patch_operations(apigw: Any, api: dict[str, Any]) -> None:
    api_id = api["id"]
    updated = apigw.update_rest_api(
        restApiId=api_id,
        patchOperations=[
            {"op": "replace", "path": "/name", "value": "renamed"},
            {"op": "replace", "path": "/description", "value": "now described"},
            {"op": "add", "path": "/binaryMediaTypes/image~1png"},
            {"op": "add", "path": "/binaryMediaTypes/image~1jpeg"},
            {"op": "replace", "path": "/apiKeySource", "value": "AUTHORIZER"},
            {"op": "replace", "path": "/minimumCompressionSize", "value": "10"},
            {"op": "replace", "path": "/policy", "value": '{"Statement":[]}'},
        ],
    )
    assert updated["name"] == "renamed" and updated["description"] == "now described"
    assert updated["binaryMediaTypes"] == ["image/png", "image/jpeg"]
    assert updated["apiKeySource"] == "AUTHORIZER" and updated["minimumCompressionSize"] == 10
    replaced = apigw.update_rest_api(
        restApiId=api_id,
        patchOperations=[
            {"op": "replace", "path": "/binaryMediaTypes/image~1png", "value": "image/gif"},
            {"op": "remove", "path": "/description"},
            {"op": "replace", "path": "/minimumCompressionSize"},
        ],
    )
    assert replaced["binaryMediaTypes"] == ["image/jpeg", "image/gif"]
    assert "description" not in replaced and "minimumCompressionSize" not in replaced
    assert apigw.get_rest_api(restApiId=api_id)["binaryMediaTypes"] == ["image/jpeg", "image/gif"]


def test_update_rest_api_rejects_unknown_paths_and_ops(apigw: Any, api: dict[str, Any]) -> None:
    with pytest.raises(ClientError) as info:
        apigw.update_rest_api(
            restApiId=api["id"], patchOperations=[{"op": "add", "path": "/binaryMediaTypes"}]
        )
    assert _error(info) == ("BadRequestException", "Invalid patch path /binaryMediaTypes")
    with pytest.raises(ClientError) as info:
        apigw.update_rest_api(
            restApiId=api["id"],
            patchOperations=[{"op": "add", "path": "/minimumCompressionSize", "value": "1"}],
        )
    assert _error(info) == (
        "BadRequestException",
        "Invalid patch operation specified. Must be one of: [replace]",
    )
    with pytest.raises(ClientError) as info:
        apigw.update_rest_api(
            restApiId=api["id"], patchOperations=[{"op": "wrong", "path": "/name", "value": "x"}]
        )
    code, message = _error(info)
    assert code == "ValidationException"
    assert "'updateRestApiInput.patchOperations.1.member.op'" in message
    with pytest.raises(ClientError) as info:
        apigw.update_rest_api(restApiId="nope000000", patchOperations=[])
    assert _error(info)[0] == "NotFoundException"


def test_delete_rest_api_removes_it_and_its_records(
    apigw: Any, api: dict[str, Any], server: ApiGatewayServer
) -> None:
    other = apigw.create_rest_api(name="other")
    apigw.create_resource(restApiId=api["id"], parentId=api["rootResourceId"], pathPart="pets")
    deleted = apigw.delete_rest_api(restApiId=api["id"])
    assert deleted["ResponseMetadata"]["HTTPStatusCode"] == 202
    assert server.changes == [api["id"]]
    assert [item["id"] for item in apigw.get_rest_apis()["items"]] == [other["id"]]
    leftovers = [
        key
        for kind in server.store.kinds()
        for key, _ in server.store.scan(kind)
        if key.startswith(f"{api['id']}/")
    ]
    assert leftovers == []
    with pytest.raises(ClientError) as info:
        apigw.delete_rest_api(restApiId=api["id"])
    assert _error(info)[0] == "NotFoundException"


def test_new_api_has_empty_and_error_models(apigw: Any, api: dict[str, Any]) -> None:
    models = {m["name"]: m for m in apigw.get_models(restApiId=api["id"])["items"]}
    assert set(models) == {"Empty", "Error"}
    assert models["Empty"]["description"] == "This is a default empty schema model"
    assert models["Error"]["contentType"] == "application/json"
    assert '"message"' in models["Error"]["schema"]


def test_a_new_provider_on_the_same_store_serves_the_apis(
    apigw: Any, api: dict[str, Any], server: ApiGatewayServer, clock: Any
) -> None:
    apigw.create_resource(restApiId=api["id"], parentId=api["rootResourceId"], pathPart="pets")
    again = ApiGatewayServer(server.store, clock)
    try:
        client = again.client()
        assert client.get_rest_api(restApiId=api["id"])["name"] == "pets"
        paths = [r["path"] for r in client.get_resources(restApiId=api["id"])["items"]]
        assert paths == ["/", "/pets"]
    finally:
        again.close()


def test_update_rest_api_endpoint_type_and_execute_api_endpoint(
    apigw: Any, api: dict[str, Any]
) -> None:
    updated = apigw.update_rest_api(
        restApiId=api["id"],
        patchOperations=[
            {"op": "replace", "path": "/endpointConfiguration/types/EDGE", "value": "REGIONAL"},
            {"op": "replace", "path": "/disableExecuteApiEndpoint", "value": "true"},
        ],
    )
    assert updated["endpointConfiguration"]["types"] == ["REGIONAL"]
    assert updated["disableExecuteApiEndpoint"] is True
    with pytest.raises(ClientError) as info:
        apigw.update_rest_api(
            restApiId=api["id"],
            patchOperations=[
                {"op": "replace", "path": "/endpointConfiguration/types/REGIONAL", "value": "X"}
            ],
        )
    assert _error(info) == (
        "BadRequestException",
        "Invalid EndpointTypes specified. Valid options are REGIONAL,EDGE,PRIVATE",
    )

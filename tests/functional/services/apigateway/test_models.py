"""Models and request validators through boto3.

https://docs.aws.amazon.com/apigateway/latest/api/API_CreateModel.html
https://docs.aws.amazon.com/apigateway/latest/api/API_CreateRequestValidator.html
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from .conftest import ACCOUNT
from .test_rest_apis import _error

SCHEMA = json.dumps({"title": "Pet", "type": "object", "properties": {"name": {"type": "string"}}})


def test_model_lifecycle(apigw: Any, api: dict[str, Any]) -> None:
    created = apigw.create_model(
        restApiId=api["id"],
        name="Pet",
        description="a pet",
        schema=SCHEMA,
        contentType="application/json",
    )
    assert created["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert (created["name"], created["schema"], created["description"]) == ("Pet", SCHEMA, "a pet")
    got = apigw.get_model(restApiId=api["id"], modelName="Pet")
    assert got["id"] == created["id"]
    names = [m["name"] for m in apigw.get_models(restApiId=api["id"])["items"]]
    assert names == ["Empty", "Error", "Pet"]
    updated = apigw.update_model(
        restApiId=api["id"],
        modelName="Pet",
        patchOperations=[
            {"op": "replace", "path": "/schema", "value": '{"type": "object"}'},
            {"op": "replace", "path": "/description", "value": ""},
        ],
    )
    assert updated["schema"] == '{"type": "object"}' and "description" not in updated
    apigw.delete_model(restApiId=api["id"], modelName="Pet")
    with pytest.raises(ClientError) as info:
        apigw.get_model(restApiId=api["id"], modelName="Pet")
    assert _error(info) == ("NotFoundException", "Invalid model name specified: Pet")


def test_model_validation(apigw: Any, api: dict[str, Any]) -> None:
    def create(**options: Any) -> None:
        apigw.create_model(restApiId=api["id"], contentType="application/json", **options)

    with pytest.raises(ClientError) as info:
        create(name="Empty", schema=SCHEMA)
    assert _error(info) == ("ConflictException", "Model name already exists for this REST API")
    with pytest.raises(ClientError) as info:
        create(name="", schema=SCHEMA)
    assert _error(info) == ("BadRequestException", "Model name must be non-empty")
    with pytest.raises(ClientError) as info:
        create(name="NoSchema")
    assert _error(info) == (
        "BadRequestException",
        "Model schema must have at least 1 property or array items defined",
    )
    with pytest.raises(ClientError) as info:
        apigw.create_model(
            restApiId="nope000000", name="X", schema=SCHEMA, contentType="application/json"
        )
    assert _error(info) == (
        "NotFoundException",
        f"Invalid API identifier specified {ACCOUNT}:nope000000",
    )
    with pytest.raises(ClientError) as info:
        apigw.update_model(
            restApiId=api["id"],
            modelName="Empty",
            patchOperations=[{"op": "replace", "path": "/name", "value": "x"}],
        )
    assert _error(info) == (
        "BadRequestException",
        "Invalid patch path  '/name' specified for op 'replace'. Must be one of: "
        "[/description, /schema]",
    )


def test_model_in_use_cannot_be_deleted(apigw: Any, api: dict[str, Any]) -> None:
    apigw.create_model(
        restApiId=api["id"], name="Pet", schema=SCHEMA, contentType="application/json"
    )
    apigw.put_method(
        restApiId=api["id"],
        resourceId=api["rootResourceId"],
        httpMethod="ANY",
        authorizationType="NONE",
        requestModels={"application/json": "Pet"},
    )
    with pytest.raises(ClientError) as info:
        apigw.delete_model(restApiId=api["id"], modelName="Pet")
    assert _error(info) == (
        "ConflictException",
        "Cannot delete model 'Pet', is referenced in method request: //ANY",
    )


def test_request_validator_lifecycle(apigw: Any, api: dict[str, Any]) -> None:
    created = apigw.create_request_validator(restApiId=api["id"], name="body")
    assert created["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert created["validateRequestBody"] is False
    assert created["validateRequestParameters"] is False
    validator_id = created["id"]
    key = {"restApiId": api["id"], "requestValidatorId": validator_id}
    updated = apigw.update_request_validator(
        **key,
        patchOperations=[
            {"op": "replace", "path": "/validateRequestBody", "value": "true"},
            {"op": "replace", "path": "/name", "value": "renamed"},
        ],
    )
    assert updated["validateRequestBody"] is True and updated["name"] == "renamed"
    assert apigw.get_request_validator(**key)["name"] == "renamed"
    listed = apigw.get_request_validators(restApiId=api["id"])["items"]
    assert [v["id"] for v in listed] == [validator_id]
    method = apigw.put_method(
        restApiId=api["id"],
        resourceId=api["rootResourceId"],
        httpMethod="POST",
        authorizationType="NONE",
        requestValidatorId=validator_id,
    )
    assert method["requestValidatorId"] == validator_id
    apigw.delete_request_validator(**key)
    with pytest.raises(ClientError) as info:
        apigw.get_request_validator(**key)
    assert _error(info) == ("NotFoundException", "Invalid Request Validator identifier specified")


def test_request_validator_patch_errors(apigw: Any, api: dict[str, Any]) -> None:
    validator_id = apigw.create_request_validator(restApiId=api["id"], name="v")["id"]
    key = {"restApiId": api["id"], "requestValidatorId": validator_id}
    cases = [
        ({"op": "add", "path": "/validateRequestBody", "value": "true"},
         "Invalid patch path  '/validateRequestBody' specified for op 'add'. Please choose "
         "supported operations"),
        ({"op": "replace", "path": "/invalidPath", "value": "x"},
         "Invalid patch path  '/invalidPath' specified for op 'replace'. Must be one of: "
         "[/name, /validateRequestParameters, /validateRequestBody]"),
        ({"op": "replace", "path": "/name", "value": ""},
         "Request Validator name cannot be blank"),
    ]  # fmt: skip
    for op, message in cases:
        with pytest.raises(ClientError) as info:
            apigw.update_request_validator(**key, patchOperations=[op])
        assert _error(info) == ("BadRequestException", message)

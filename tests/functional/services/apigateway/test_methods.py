"""Methods and method responses through boto3: what PutMethod requires (authorizers,
validators, models), UpdateMethod's patch paths, method responses.

https://docs.aws.amazon.com/apigateway/latest/api/API_PutMethod.html
"""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from .test_rest_apis import _error

LAMBDA_URI = (
    "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
    "arn:aws:lambda:us-east-1:123456789012:function:auth/invocations"
)


def _method(apigw: Any, api: dict[str, Any], verb: str = "GET", **options: Any) -> dict[str, Any]:
    options.setdefault("authorizationType", "NONE")
    return apigw.put_method(  # type: ignore[no-any-return]
        restApiId=api["id"], resourceId=api["rootResourceId"], httpMethod=verb, **options
    )


def test_put_and_get_method(apigw: Any, api: dict[str, Any]) -> None:
    put = _method(
        apigw,
        api,
        "post",
        apiKeyRequired=True,
        operationName="CreatePet",
        requestParameters={"method.request.header.x-trace": False},
        requestModels={"application/json": "Empty"},
    )
    assert put["ResponseMetadata"]["HTTPStatusCode"] == 201
    got = apigw.get_method(restApiId=api["id"], resourceId=api["rootResourceId"], httpMethod="POST")
    for method in (put, got):
        assert method["httpMethod"] == "POST" and method["authorizationType"] == "NONE"
        assert method["apiKeyRequired"] is True and method["operationName"] == "CreatePet"
        assert method["requestParameters"] == {"method.request.header.x-trace": False}
        assert method["requestModels"] == {"application/json": "Empty"}
    plain = _method(apigw, api, "GET")
    assert plain["apiKeyRequired"] is False and "authorizerId" not in plain


def test_put_method_validation(apigw: Any, api: dict[str, Any]) -> None:
    with pytest.raises(ClientError) as info:
        _method(apigw, api, "FETCH")
    assert _error(info) == (
        "BadRequestException",
        "Invalid HttpMethod specified. Valid options are "
        "GET,PUT,POST,DELETE,PATCH,OPTIONS,HEAD,ANY",
    )
    with pytest.raises(ClientError) as info:
        _method(apigw, api, authorizationType="CUSTOM")
    assert _error(info)[1].startswith("Invalid authorizer ID specified.")
    with pytest.raises(ClientError) as info:
        _method(apigw, api, authorizationType="BASIC")
    assert _error(info) == ("BadRequestException", "Invalid authorization type specified")
    with pytest.raises(ClientError) as info:
        _method(apigw, api, requestValidatorId="nope")
    assert _error(info) == (
        "BadRequestException",
        "Invalid Request Validator identifier specified",
    )
    with pytest.raises(ClientError) as info:
        _method(apigw, api, requestModels={"application/json": "petModel"})
    assert _error(info) == ("BadRequestException", "Invalid model identifier specified: petModel")
    with pytest.raises(ClientError) as info:
        _method(
            apigw,
            api,
            requestParameters={
                "method.request.querystring.id": False,
                "method.request.header.id": True,
            },
        )
    assert _error(info)[1] == "Parameter names must be unique across querystring, header and path"
    with pytest.raises(ClientError) as info:
        apigw.put_method(
            restApiId="nope000000", resourceId="x", httpMethod="GET", authorizationType="NONE"
        )
    assert _error(info) == ("NotFoundException", "Invalid Resource identifier specified")
    _method(apigw, api)
    with pytest.raises(ClientError) as info:
        _method(apigw, api)
    assert _error(info) == ("ConflictException", "Method already exists for this resource")


def test_custom_authorizer_method(apigw: Any, api: dict[str, Any]) -> None:
    authorizer = apigw.create_authorizer(
        restApiId=api["id"],
        name="auth",
        type="TOKEN",
        authorizerUri=LAMBDA_URI,
        identitySource="method.request.header.Authorization",
    )
    method = _method(apigw, api, authorizationType="CUSTOM", authorizerId=authorizer["id"])
    assert method["authorizerId"] == authorizer["id"]
    # NONE drops an authorizer id, as AWS does.
    other = _method(apigw, api, "PUT", authorizerId=authorizer["id"])
    assert "authorizerId" not in other


def test_update_method_patch_paths(apigw: Any, api: dict[str, Any]) -> None:
    _method(apigw, api, "ANY")
    key = {"restApiId": api["id"], "resourceId": api["rootResourceId"], "httpMethod": "ANY"}
    added = apigw.update_method(
        **key,
        patchOperations=[
            {
                "op": "add",
                "path": "/requestParameters/method.request.querystring.optional",
                "value": "true",
            },
            {"op": "add", "path": "/requestModels/application~1json", "value": "Empty"},
        ],
    )
    assert added["requestParameters"] == {"method.request.querystring.optional": True}
    assert added["requestModels"] == {"application/json": "Empty"}
    replaced = apigw.update_method(
        **key,
        patchOperations=[
            {"op": "replace", "path": "/operationName", "value": "Replaced"},
            {"op": "replace", "path": "/apiKeyRequired", "value": "true"},
            {"op": "replace", "path": "/authorizationType", "value": "AWS_IAM"},
        ],
    )
    assert replaced["operationName"] == "Replaced" and replaced["apiKeyRequired"] is True
    assert replaced["authorizationType"] == "AWS_IAM"
    removed = apigw.update_method(
        **key,
        patchOperations=[
            {"op": "remove", "path": "/requestParameters/method.request.querystring.optional"},
            {"op": "remove", "path": "/requestModels/application~1json"},
        ],
    )
    assert "requestParameters" not in removed and "requestModels" not in removed
    assert apigw.get_method(**key)["operationName"] == "Replaced"


def test_update_method_errors(apigw: Any, api: dict[str, Any]) -> None:
    _method(apigw, api, "ANY")
    key = {"restApiId": api["id"], "resourceId": api["rootResourceId"], "httpMethod": "ANY"}
    cases = [
        ({"op": "add", "path": "/operationName", "value": "x"}, "Invalid patch operation "
         "specified. Must be one of: [replace]"),
        ({"op": "add", "path": "/httpMethod", "value": "PUT"}, "Invalid patch path /httpMethod"),
        ({"op": "add", "path": "/requestModels/application/json", "value": "Empty"},
         "Invalid patch path /requestModels/application/json"),
        ({"op": "replace", "path": "/authorizationType", "value": "CUSTOM"},
         "Invalid authorizer ID specified. Setting the authorization type to CUSTOM or "
         "COGNITO_USER_POOLS requires a valid authorizer."),
        ({"op": "replace", "path": "/requestValidatorId", "value": "fake"},
         "Invalid Request Validator identifier specified"),
    ]  # fmt: skip
    for op, message in cases:
        with pytest.raises(ClientError) as info:
            apigw.update_method(**key, patchOperations=[op])
        assert _error(info) == ("BadRequestException", message)
    with pytest.raises(ClientError) as info:
        apigw.update_method(**{**key, "httpMethod": "GET"}, patchOperations=[])
    assert _error(info) == ("NotFoundException", "Invalid Method identifier specified")


def test_delete_method(apigw: Any, api: dict[str, Any]) -> None:
    _method(apigw, api)
    key = {"restApiId": api["id"], "resourceId": api["rootResourceId"], "httpMethod": "GET"}
    apigw.delete_method(**key)
    for call in (apigw.get_method, apigw.delete_method):
        with pytest.raises(ClientError) as info:
            call(**key)
        assert _error(info) == ("NotFoundException", "Invalid Method identifier specified")


def test_method_response_lifecycle(apigw: Any, api: dict[str, Any]) -> None:
    _method(apigw, api)
    key = {"restApiId": api["id"], "resourceId": api["rootResourceId"], "httpMethod": "GET"}
    put = apigw.put_method_response(**key, statusCode="200")
    assert put["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert (put["statusCode"], put["responseModels"], put["responseParameters"]) == ("200", {}, {})
    updated = apigw.update_method_response(
        **key,
        statusCode="200",
        patchOperations=[
            {"op": "add", "path": "/responseModels/application~1json", "value": "Empty"},
            {
                "op": "add",
                "path": "/responseParameters/method.response.header.my-header",
                "value": "true",
            },
        ],
    )
    assert updated["responseModels"] == {"application/json": "Empty"}
    assert updated["responseParameters"] == {"method.response.header.my-header": True}
    method = apigw.get_method(**key)
    got = apigw.get_method_response(**key, statusCode="200")
    got.pop("ResponseMetadata")
    assert method["methodResponses"]["200"] == got
    apigw.delete_method_response(**key, statusCode="200")
    with pytest.raises(ClientError) as info:
        apigw.get_method_response(**key, statusCode="200")
    assert _error(info) == ("NotFoundException", "Invalid Response status code specified")
    with pytest.raises(ClientError) as info:
        apigw.put_method_response(**key, statusCode="wrong")
    assert _error(info)[0] == "ValidationException"
    apigw.put_method_response(**key, statusCode="400")
    with pytest.raises(ClientError) as info:
        apigw.update_method_response(
            **key,
            statusCode="400",
            patchOperations=[{"op": "add", "path": "/wrong", "value": "x"}],
        )
    assert _error(info) == ("BadRequestException", "Invalid patch path /wrong")

"""Authorizers and gateway responses through boto3.

https://docs.aws.amazon.com/apigateway/latest/api/API_CreateAuthorizer.html
https://docs.aws.amazon.com/apigateway/latest/api/API_PutGatewayResponse.html
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from .test_rest_apis import _error

LAMBDA_URI = (
    "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
    "arn:aws:lambda:us-east-1:123456789012:function:auth/invocations"
)
POOL = "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_ABC123"
DEFAULT_TEMPLATE = {"application/json": '{"message":$context.error.messageString}'}


def test_authorizer_types_lifecycle(apigw: Any, api: dict[str, Any]) -> None:
    token = apigw.create_authorizer(
        restApiId=api["id"],
        name="token",
        type="TOKEN",
        authorizerUri=LAMBDA_URI,
        identitySource="method.request.header.Authorization",
        identityValidationExpression="^Bearer .+$",
        authorizerResultTtlInSeconds=60,
    )
    assert token["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert token["type"] == "TOKEN" and token["authorizerResultTtlInSeconds"] == 60
    request = apigw.create_authorizer(
        restApiId=api["id"],
        name="request",
        type="REQUEST",
        authorizerUri=LAMBDA_URI,
        identitySource="method.request.header.X-Key, method.request.querystring.key",
    )
    cognito = apigw.create_authorizer(
        restApiId=api["id"],
        name="pool",
        type="COGNITO_USER_POOLS",
        providerARNs=[POOL],
        identitySource="method.request.header.Authorization",
    )
    assert cognito["providerARNs"] == [POOL]
    listed = apigw.get_authorizers(restApiId=api["id"])["items"]
    assert [a["id"] for a in listed] == [token["id"], request["id"], cognito["id"]]
    updated = apigw.update_authorizer(
        restApiId=api["id"],
        authorizerId=token["id"],
        patchOperations=[
            {"op": "replace", "path": "/name", "value": "renamed"},
            {"op": "replace", "path": "/authorizerResultTtlInSeconds", "value": "0"},
        ],
    )
    assert updated["name"] == "renamed" and updated["authorizerResultTtlInSeconds"] == 0
    got = apigw.get_authorizer(restApiId=api["id"], authorizerId=token["id"])
    assert got["name"] == "renamed"
    apigw.delete_authorizer(restApiId=api["id"], authorizerId=token["id"])
    with pytest.raises(ClientError) as info:
        apigw.get_authorizer(restApiId=api["id"], authorizerId=token["id"])
    assert _error(info) == ("NotFoundException", "Invalid Authorizer identifier specified")


def test_authorizer_validation(apigw: Any, api: dict[str, Any]) -> None:
    with pytest.raises(ClientError) as info:
        apigw.create_authorizer(restApiId=api["id"], name="x", type="OAUTH")
    assert _error(info)[0] == "ValidationException"
    with pytest.raises(ClientError) as info:
        apigw.create_authorizer(restApiId=api["id"], name="x", type="COGNITO_USER_POOLS")
    assert _error(info)[0] == "BadRequestException"
    with pytest.raises(ClientError) as info:
        apigw.create_authorizer(restApiId="nope000000", name="x", type="TOKEN")
    assert _error(info)[0] == "NotFoundException"


def test_authorizer_in_use_cannot_be_deleted(apigw: Any, api: dict[str, Any]) -> None:
    authorizer = apigw.create_authorizer(
        restApiId=api["id"], name="pool", type="COGNITO_USER_POOLS", providerARNs=[POOL]
    )
    apigw.put_method(
        restApiId=api["id"],
        resourceId=api["rootResourceId"],
        httpMethod="GET",
        authorizationType="COGNITO_USER_POOLS",
        authorizerId=authorizer["id"],
        authorizationScopes=["pets/read"],
    )
    with pytest.raises(ClientError) as info:
        apigw.delete_authorizer(restApiId=api["id"], authorizerId=authorizer["id"])
    assert _error(info)[0] == "ConflictException"


def test_gateway_responses_list_every_type_with_defaults(apigw: Any, api: dict[str, Any]) -> None:
    items = apigw.get_gateway_responses(restApiId=api["id"])["items"]
    by_type = {item["responseType"]: item for item in items}
    assert len(by_type) == 21
    assert all(item["defaultResponse"] is True for item in items)
    assert by_type["MISSING_AUTHENTICATION_TOKEN"]["statusCode"] == "403"
    assert by_type["THROTTLED"]["statusCode"] == "429"
    assert "statusCode" not in by_type["DEFAULT_4XX"]
    assert by_type["ACCESS_DENIED"]["responseTemplates"] == DEFAULT_TEMPLATE


def test_gateway_response_put_update_delete(apigw: Any, api: dict[str, Any]) -> None:
    key = {"restApiId": api["id"], "responseType": "MISSING_AUTHENTICATION_TOKEN"}
    put = apigw.put_gateway_response(
        **key,
        statusCode="404",
        responseParameters={"gatewayresponse.header.Access-Control-Allow-Origin": "'a.b.c'"},
    )
    assert put["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert put["defaultResponse"] is False and put["statusCode"] == "404"
    assert put["responseTemplates"] == DEFAULT_TEMPLATE
    updated = apigw.update_gateway_response(
        **key,
        patchOperations=[
            {"op": "replace", "path": "/statusCode", "value": "401"},
            {
                "op": "replace",
                "path": "/responseParameters/gatewayresponse.header.Access-Control-Allow-Origin",
                "value": "'example.com'",
            },
            {"op": "add", "path": "/responseTemplates/application~1xml", "value": "<e/>"},
        ],
    )
    assert updated["statusCode"] == "401"
    assert updated["responseParameters"] == {
        "gatewayresponse.header.Access-Control-Allow-Origin": "'example.com'"
    }
    assert updated["responseTemplates"]["application/xml"] == "<e/>"
    assert apigw.get_gateway_response(**key)["statusCode"] == "401"
    apigw.delete_gateway_response(**key)
    back = apigw.get_gateway_response(**key)
    assert back["defaultResponse"] is True and back["statusCode"] == "403"
    with pytest.raises(ClientError) as info:
        apigw.delete_gateway_response(**key)
    assert _error(info) == ("NotFoundException", "Gateway response type not defined on api")


def test_default_5xx_applies_to_default_server_errors(apigw: Any, api: dict[str, Any]) -> None:
    apigw.put_gateway_response(
        restApiId=api["id"],
        responseType="DEFAULT_5XX",
        statusCode="599",
        responseParameters={"gatewayresponse.header.x-a": "'b'"},
    )
    apigw.put_gateway_response(restApiId=api["id"], responseType="AUTHORIZER_FAILURE")
    items = apigw.get_gateway_responses(restApiId=api["id"])["items"]
    by_type = {item["responseType"]: item for item in items}
    assert by_type["INTEGRATION_TIMEOUT"]["statusCode"] == "599"
    assert by_type["INTEGRATION_TIMEOUT"]["responseParameters"] == {
        "gatewayresponse.header.x-a": "'b'"
    }
    assert by_type["INTEGRATION_TIMEOUT"]["defaultResponse"] is True
    assert by_type["AUTHORIZER_FAILURE"]["statusCode"] == "500"
    assert by_type["ACCESS_DENIED"]["statusCode"] == "403"


def test_gateway_response_errors(apigw: Any, api: dict[str, Any]) -> None:
    with pytest.raises(ClientError) as info:
        apigw.get_gateway_response(restApiId=api["id"], responseType="FAKE_RESPONSE_TYPE")
    assert _error(info)[0] == "ValidationException"
    key = {"restApiId": api["id"], "responseType": "DEFAULT_4XX"}
    cases = [
        ({"op": "add", "path": "/statusCode", "value": "444"}, "Invalid patch path /statusCode"),
        ({"op": "replace", "path": "/wrongPath", "value": "x"}, "Invalid patch path /wrongPath"),
        ({"op": "replace", "path": "/responseTemplates/application~1json"},
         "Invalid null or empty value in responseTemplates"),
    ]  # fmt: skip
    for op, message in cases:
        with pytest.raises(ClientError) as info:
            apigw.update_gateway_response(**key, patchOperations=[op])
        assert _error(info) == ("BadRequestException", message)
    with pytest.raises(ClientError) as info:
        apigw.update_gateway_response(
            **key,
            patchOperations=[
                {"op": "replace", "path": "/responseParameters/missing", "value": "'x'"}
            ],
        )
    assert _error(info) == ("NotFoundException", "Invalid parameter name specified")


JWT_CONFIGURATION = {
    "issuers": [
        {
            "issuer": "https://idp.example.com/",
            "audiences": ["api://orders"],
            "additionalClaims": [
                {"claimName": "tenant", "format": "SINGLE_STRING", "required": True,
                 "expectedValues": ["acme"]},
            ],
        }
    ],
    "defaultAlgorithms": ["RS256", "ES256"],
}  # fmt: skip


def _jwt_authorizer(apigw: Any, api: dict[str, Any]) -> dict[str, Any]:
    created: dict[str, Any] = apigw.create_authorizer(
        restApiId=api["id"],
        name="partners",
        type="JWT",
        identitySource="method.request.header.Authorization",
        jwtConfiguration=JWT_CONFIGURATION,
    )
    return created


def test_jwt_authorizer_create_and_get_keep_the_jwt_configuration(
    apigw: Any, api: dict[str, Any]
) -> None:
    created = _jwt_authorizer(apigw, api)
    assert created["type"] == "JWT"
    assert "authorizerResultTtlInSeconds" not in created
    got = apigw.get_authorizer(restApiId=api["id"], authorizerId=created["id"])
    assert got["jwtConfiguration"] == JWT_CONFIGURATION
    assert got["identitySource"] == "method.request.header.Authorization"


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"jwtConfiguration": None}, "BadRequestException"),
        ({"identitySource": "method.request.querystring.token"}, "BadRequestException"),
        ({"authorizerResultTtlInSeconds": 300}, "BadRequestException"),
        ({"jwtConfiguration": {**JWT_CONFIGURATION, "defaultAlgorithms": ["HS256"]}},
         "ValidationException"),
        ({"jwtConfiguration": {**JWT_CONFIGURATION, "issuers": [
            {"issuer": "https://idp.example.com/?x=1", "audiences": ["a"]}]}},
         "BadRequestException"),
        ({"jwtConfiguration": {**JWT_CONFIGURATION, "issuers": [
            {"issuer": "https://idp.example.com/", "audiences": ["a"],
             "additionalClaims": [{"claimName": "scope", "format": "SINGLE_STRING"}]}]}},
         "BadRequestException"),
    ],
)  # fmt: skip
def test_jwt_authorizer_create_refuses_what_aws_refuses(
    apigw: Any, api: dict[str, Any], change: dict[str, Any], code: str
) -> None:
    params: dict[str, Any] = {
        "restApiId": api["id"],
        "name": "partners",
        "type": "JWT",
        "identitySource": "method.request.header.Authorization",
        "jwtConfiguration": JWT_CONFIGURATION,
        **change,
    }
    params = {key: value for key, value in params.items() if value is not None}
    with pytest.raises(ClientError) as info:
        apigw.create_authorizer(**params)
    assert _error(info)[0] == code


def test_jwt_authorizer_update_replaces_the_whole_jwt_configuration(
    apigw: Any, api: dict[str, Any]
) -> None:
    """https://docs.aws.amazon.com/apigateway/latest/developerguide/rest-api-jwt-authorizer-update.html"""
    created = _jwt_authorizer(apigw, api)
    replacement = {
        "issuers": [{"issuer": "https://new-idp.example.com", "audiences": ["api://orders"]}],
        "defaultAlgorithms": ["ES256"],
    }
    updated = apigw.update_authorizer(
        restApiId=api["id"],
        authorizerId=created["id"],
        patchOperations=[
            {"op": "replace", "path": "/jwtConfiguration", "value": json.dumps(replacement)}
        ],
    )
    assert updated["jwtConfiguration"] == replacement  # nothing of the old one is kept
    for operation, code in [
        ({"op": "add", "path": "/jwtConfiguration", "value": "{}"}, "BadRequestException"),
        ({"op": "replace", "path": "/jwtConfiguration/issuers", "value": "[]"},
         "BadRequestException"),
        ({"op": "replace", "path": "/jwtConfiguration", "value": json.dumps(
            {**replacement, "issuers": [{**replacement["issuers"][0], "jwksUri": "https://x"}]})},
         "BadRequestException"),
        ({"op": "replace", "path": "/jwtConfiguration", "value": json.dumps(
            {**replacement, "defaultAlgorithms": []})}, "BadRequestException"),
        ({"op": "replace", "path": "/authorizerResultTtlInSeconds", "value": "60"},
         "BadRequestException"),
    ]:  # fmt: skip
        with pytest.raises(ClientError) as info:
            apigw.update_authorizer(
                restApiId=api["id"], authorizerId=created["id"], patchOperations=[operation]
            )
        assert _error(info)[0] == code, operation
    got = apigw.get_authorizer(restApiId=api["id"], authorizerId=created["id"])
    assert got["jwtConfiguration"] == replacement

"""Routes, integrations and authorizers through boto3: CRUD, route key validation, targets,
authorization types and the errors AWS answers.

https://docs.aws.amazon.com/apigatewayv2/latest/api-reference/apis-apiid-routes.html
https://docs.aws.amazon.com/apigatewayv2/latest/api-reference/apis-apiid-integrations.html
https://docs.aws.amazon.com/apigatewayv2/latest/api-reference/apis-apiid-authorizers.html
"""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from .conftest import FUNCTION_ARN
from .errors import error_of

ISSUER = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_abc123"
AUTHORIZER_URI = (
    f"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{FUNCTION_ARN}/invocations"
)


@pytest.fixture
def api_id(v2: Any) -> str:
    return str(v2.create_api(Name="pets", ProtocolType="HTTP")["ApiId"])


def _lambda(v2: Any, api_id: str, **extra: Any) -> dict[str, Any]:
    return v2.create_integration(  # type: ignore[no-any-return]
        ApiId=api_id,
        IntegrationType="AWS_PROXY",
        IntegrationUri=FUNCTION_ARN,
        PayloadFormatVersion="2.0",
        **extra,
    )


def _jwt(v2: Any, api_id: str) -> dict[str, Any]:
    return v2.create_authorizer(  # type: ignore[no-any-return]
        ApiId=api_id,
        AuthorizerType="JWT",
        Name="cognito",
        IdentitySource=["$request.header.Authorization"],
        JwtConfiguration={"Issuer": ISSUER, "Audience": ["client-1"]},
    )


def test_lambda_integration_defaults(v2: Any, api_id: str) -> None:
    created = _lambda(v2, api_id)
    assert created["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert len(created["IntegrationId"]) == 7
    assert created["ConnectionType"] == "INTERNET"
    assert created["IntegrationMethod"] == "POST"
    assert created["TimeoutInMillis"] == 30000
    fetched = v2.get_integration(ApiId=api_id, IntegrationId=created["IntegrationId"])
    assert fetched["IntegrationUri"] == FUNCTION_ARN and fetched["PayloadFormatVersion"] == "2.0"


def test_http_proxy_integration_is_stored(v2: Any, api_id: str) -> None:
    created = v2.create_integration(
        ApiId=api_id,
        IntegrationType="HTTP_PROXY",
        IntegrationUri="https://backend.example.com/{proxy}",
        IntegrationMethod="ANY",
        PayloadFormatVersion="1.0",
        TimeoutInMillis=5000,
    )
    assert created["IntegrationType"] == "HTTP_PROXY" and created["TimeoutInMillis"] == 5000


@pytest.mark.parametrize(
    "options",
    [
        {"IntegrationType": "AWS_PROXY", "IntegrationUri": FUNCTION_ARN},  # no payload format
        {"IntegrationType": "AWS_PROXY", "IntegrationUri": "hello", "PayloadFormatVersion": "2.0"},
        {
            "IntegrationType": "AWS_PROXY",
            "IntegrationUri": FUNCTION_ARN,
            "PayloadFormatVersion": "3.0",
        },
        {"IntegrationType": "MOCK"},
        {
            "IntegrationType": "HTTP_PROXY",
            "IntegrationUri": "https://x.example.com",
            "IntegrationMethod": "GET",
            "PayloadFormatVersion": "2.0",
        },
        {
            "IntegrationType": "AWS_PROXY",
            "IntegrationUri": FUNCTION_ARN,
            "PayloadFormatVersion": "2.0",
            "TimeoutInMillis": 30001,
        },
    ],
)
def test_invalid_integrations_are_bad_requests(
    v2: Any, api_id: str, options: dict[str, Any]
) -> None:
    with pytest.raises(ClientError) as info:
        v2.create_integration(ApiId=api_id, **options)
    assert error_of(info)[:2] == (400, "BadRequestException")


def test_update_and_delete_integration(v2: Any, api_id: str) -> None:
    integration_id = _lambda(v2, api_id)["IntegrationId"]
    updated = v2.update_integration(
        ApiId=api_id, IntegrationId=integration_id, TimeoutInMillis=1000
    )
    assert updated["TimeoutInMillis"] == 1000 and updated["IntegrationUri"] == FUNCTION_ARN
    assert len(v2.get_integrations(ApiId=api_id)["Items"]) == 1
    v2.delete_integration(ApiId=api_id, IntegrationId=integration_id)
    with pytest.raises(ClientError) as info:
        v2.get_integration(ApiId=api_id, IntegrationId=integration_id)
    assert error_of(info) == (
        404,
        "NotFoundException",
        f"Invalid Integration identifier specified {integration_id}",
    )


def test_route_crud_with_an_integration_target(v2: Any, api_id: str) -> None:
    target = "integrations/" + _lambda(v2, api_id)["IntegrationId"]
    route = v2.create_route(ApiId=api_id, RouteKey="GET /pets/{id}", Target=target)
    assert route["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert route["AuthorizationType"] == "NONE" and route["ApiKeyRequired"] is False
    assert len(route["RouteId"]) == 7
    got = v2.get_route(ApiId=api_id, RouteId=route["RouteId"])
    assert got["RouteKey"] == "GET /pets/{id}" and got["Target"] == target
    updated = v2.update_route(ApiId=api_id, RouteId=route["RouteId"], RouteKey="ANY /{proxy+}")
    assert updated["RouteKey"] == "ANY /{proxy+}" and updated["Target"] == target
    assert [r["RouteKey"] for r in v2.get_routes(ApiId=api_id)["Items"]] == ["ANY /{proxy+}"]
    v2.delete_route(ApiId=api_id, RouteId=route["RouteId"])
    assert v2.get_routes(ApiId=api_id)["Items"] == []


def test_an_integration_a_route_targets_cannot_be_deleted(v2: Any, api_id: str) -> None:
    integration_id = _lambda(v2, api_id)["IntegrationId"]
    route = v2.create_route(
        ApiId=api_id, RouteKey="$default", Target=f"integrations/{integration_id}"
    )
    with pytest.raises(ClientError) as info:
        v2.delete_integration(ApiId=api_id, IntegrationId=integration_id)
    assert error_of(info) == (
        409,
        "ConflictException",
        "Cannot delete Integration because it is referenced by the following Routes with Ids: "
        f"[{route['RouteId']}]",
    )


@pytest.mark.parametrize(
    "key",
    ["GET", "FETCH /pets", "GET pets", "GET /{proxy+}/more", "GET /a/{id}/{id}", "GET /a b"],
)
def test_invalid_route_keys_are_bad_requests(v2: Any, api_id: str, key: str) -> None:
    with pytest.raises(ClientError) as info:
        v2.create_route(ApiId=api_id, RouteKey=key)
    assert error_of(info)[:2] == (400, "BadRequestException")


def test_duplicate_route_key_conflicts(v2: Any, api_id: str) -> None:
    v2.create_route(ApiId=api_id, RouteKey="GET /pets")
    with pytest.raises(ClientError) as info:
        v2.create_route(ApiId=api_id, RouteKey="GET /pets")
    assert error_of(info)[:2] == (409, "ConflictException")


def test_different_variables_on_one_level_conflict(v2: Any, api_id: str) -> None:
    v2.create_route(ApiId=api_id, RouteKey="GET /orgs/{orgId}")
    with pytest.raises(ClientError) as info:
        v2.create_route(ApiId=api_id, RouteKey="POST /orgs/{org_id}/users")
    status, code, message = error_of(info)
    assert (status, code) == (409, "ConflictException")
    assert "conflicting variable on the same hierarchical level" in message
    v2.create_route(ApiId=api_id, RouteKey="POST /orgs/{orgId}/users")


def test_route_target_must_name_an_integration_of_the_api(v2: Any, api_id: str) -> None:
    with pytest.raises(ClientError) as info:
        v2.create_route(ApiId=api_id, RouteKey="GET /", Target="integrations/abcdefg")
    assert error_of(info)[:2] == (404, "NotFoundException")
    with pytest.raises(ClientError) as info:
        v2.create_route(ApiId=api_id, RouteKey="GET /", Target="arn:aws:lambda:x")
    assert error_of(info)[:2] == (400, "BadRequestException")


def test_jwt_route_with_scopes(v2: Any, api_id: str) -> None:
    authorizer = _jwt(v2, api_id)
    assert authorizer["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert len(authorizer["AuthorizerId"]) == 6
    route = v2.create_route(
        ApiId=api_id,
        RouteKey="GET /me",
        AuthorizationType="JWT",
        AuthorizerId=authorizer["AuthorizerId"],
        AuthorizationScopes=["profile"],
    )
    assert route["AuthorizationScopes"] == ["profile"]
    opened = v2.update_route(ApiId=api_id, RouteId=route["RouteId"], AuthorizationType="NONE")
    assert "AuthorizerId" not in opened and "AuthorizationScopes" not in opened


def test_authorization_type_must_match_the_authorizer(v2: Any, api_id: str) -> None:
    authorizer_id = _jwt(v2, api_id)["AuthorizerId"]
    for options in (
        {"AuthorizationType": "CUSTOM", "AuthorizerId": authorizer_id},
        {"AuthorizationType": "JWT"},
        {"AuthorizationType": "AWS_IAM", "AuthorizationScopes": ["a"]},
    ):
        with pytest.raises(ClientError) as info:
            v2.create_route(ApiId=api_id, RouteKey="GET /x", **options)
        assert error_of(info)[:2] == (400, "BadRequestException"), options
    with pytest.raises(ClientError) as info:
        v2.create_route(
            ApiId=api_id, RouteKey="GET /x", AuthorizationType="JWT", AuthorizerId="zzzzzz"
        )
    assert error_of(info) == (
        404,
        "NotFoundException",
        "Invalid Authorizer identifier specified zzzzzz",
    )


def test_request_authorizer_crud(v2: Any, api_id: str) -> None:
    created = v2.create_authorizer(
        ApiId=api_id,
        AuthorizerType="REQUEST",
        Name="lambda",
        AuthorizerUri=AUTHORIZER_URI,
        AuthorizerPayloadFormatVersion="2.0",
        EnableSimpleResponses=True,
        AuthorizerResultTtlInSeconds=60,
        IdentitySource=["$request.header.X-Token", "$context.routeKey"],
    )
    authorizer_id = created["AuthorizerId"]
    route = v2.create_route(
        ApiId=api_id, RouteKey="GET /x", AuthorizationType="CUSTOM", AuthorizerId=authorizer_id
    )
    assert route["AuthorizerId"] == authorizer_id
    updated = v2.update_authorizer(
        ApiId=api_id, AuthorizerId=authorizer_id, AuthorizerResultTtlInSeconds=0
    )
    assert updated["AuthorizerResultTtlInSeconds"] == 0 and updated["EnableSimpleResponses"]
    assert [a["Name"] for a in v2.get_authorizers(ApiId=api_id)["Items"]] == ["lambda"]
    with pytest.raises(ClientError) as info:
        v2.delete_authorizer(ApiId=api_id, AuthorizerId=authorizer_id)
    assert error_of(info)[:2] == (409, "ConflictException")
    v2.delete_route(ApiId=api_id, RouteId=route["RouteId"])
    v2.delete_authorizer(ApiId=api_id, AuthorizerId=authorizer_id)
    assert v2.get_authorizers(ApiId=api_id)["Items"] == []


@pytest.mark.parametrize(
    "options",
    [
        {"AuthorizerType": "JWT", "IdentitySource": ["$request.header.Authorization"]},
        {
            "AuthorizerType": "JWT",
            "IdentitySource": ["$request.querystring.token"],
            "JwtConfiguration": {"Issuer": ISSUER},
        },
        {"AuthorizerType": "REQUEST", "IdentitySource": [], "AuthorizerUri": AUTHORIZER_URI},
        {
            "AuthorizerType": "REQUEST",
            "IdentitySource": [],
            "AuthorizerUri": AUTHORIZER_URI,
            "AuthorizerPayloadFormatVersion": "1.0",
            "EnableSimpleResponses": True,
        },
        {
            "AuthorizerType": "REQUEST",
            "IdentitySource": [],
            "AuthorizerUri": AUTHORIZER_URI,
            "AuthorizerPayloadFormatVersion": "2.0",
            "AuthorizerResultTtlInSeconds": 300,
        },
        {"AuthorizerType": "REQUEST", "IdentitySource": ["header.x"], "AuthorizerUri": "u"},
    ],
)
def test_invalid_authorizers_are_bad_requests(
    v2: Any, api_id: str, options: dict[str, Any]
) -> None:
    with pytest.raises(ClientError) as info:
        v2.create_authorizer(ApiId=api_id, Name="a", **options)
    assert error_of(info)[:2] == (400, "BadRequestException")


def test_children_of_an_unknown_api_are_not_found(v2: Any) -> None:
    for call in (v2.get_routes, v2.get_integrations, v2.get_authorizers, v2.get_stages):
        with pytest.raises(ClientError) as info:
            call(ApiId="missing123")
        assert error_of(info)[:2] == (404, "NotFoundException")

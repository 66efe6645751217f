"""CreateApi (plain and quick create), GetApi, GetApis, UpdateApi, DeleteApi and
DeleteCorsConfiguration through boto3.

https://docs.aws.amazon.com/apigatewayv2/latest/api-reference/apis.html
"""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.loopback import ACCOUNT, REGION

from .conftest import FUNCTION_ARN, ApiGatewayV2Server
from .errors import error_of


def test_create_api_answers_the_http_api_defaults(v2: Any) -> None:
    api = v2.create_api(Name="pets", ProtocolType="HTTP", Description="d", Tags={"team": "a"})
    assert api["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert len(api["ApiId"]) == 10 and api["ApiId"].isalnum()
    assert api["ApiEndpoint"] == f"https://{api['ApiId']}.execute-api.{REGION}.amazonaws.com"
    assert api["RouteSelectionExpression"] == "$request.method $request.path"
    assert api["ApiKeySelectionExpression"] == "$request.header.x-api-key"
    assert api["ProtocolType"] == "HTTP" and api["Name"] == "pets"
    assert api["DisableExecuteApiEndpoint"] is False
    assert api["Tags"] == {"team": "a"}
    assert api["CreatedDate"].year >= 2024
    fetched = v2.get_api(ApiId=api["ApiId"])
    assert fetched["Name"] == "pets" and fetched["Description"] == "d"


def test_create_api_with_cors_configuration(v2: Any) -> None:
    cors = {
        "AllowOrigins": ["https://example.com"],
        "AllowMethods": ["GET", "POST"],
        "AllowHeaders": ["content-type"],
        "ExposeHeaders": ["x-trace"],
        "MaxAge": 300,
        "AllowCredentials": True,
    }
    api = v2.create_api(Name="c", ProtocolType="HTTP", CorsConfiguration=cors)
    assert v2.get_api(ApiId=api["ApiId"])["CorsConfiguration"] == cors
    v2.delete_cors_configuration(ApiId=api["ApiId"])
    assert "CorsConfiguration" not in v2.get_api(ApiId=api["ApiId"])


def test_cors_credentials_with_wildcard_origin_is_a_bad_request(v2: Any) -> None:
    cors = {"AllowOrigins": ["*"], "AllowCredentials": True}
    with pytest.raises(ClientError) as info:
        v2.create_api(Name="c", ProtocolType="HTTP", CorsConfiguration=cors)
    assert error_of(info)[:2] == (400, "BadRequestException")


def test_websocket_apis_are_refused_with_a_bad_request(v2: Any) -> None:
    with pytest.raises(ClientError) as info:
        v2.create_api(
            Name="ws", ProtocolType="WEBSOCKET", RouteSelectionExpression="$request.body.a"
        )
    status, code, message = error_of(info)
    assert (status, code) == (400, "BadRequestException") and "WEBSOCKET" in message


def test_get_unknown_api_is_not_found_with_account_in_message(v2: Any) -> None:
    with pytest.raises(ClientError) as info:
        v2.get_api(ApiId="nope123456")
    assert error_of(info) == (
        404,
        "NotFoundException",
        f"Invalid API identifier specified {ACCOUNT}:nope123456",
    )


def test_get_apis_pages_with_next_token(v2: Any) -> None:
    made = [v2.create_api(Name=f"api{i}", ProtocolType="HTTP")["ApiId"] for i in range(5)]
    first = v2.get_apis(MaxResults="2")
    assert [item["ApiId"] for item in first["Items"]] == made[:2]
    second = v2.get_apis(MaxResults="2", NextToken=first["NextToken"])
    third = v2.get_apis(MaxResults="2", NextToken=second["NextToken"])
    assert [item["ApiId"] for item in second["Items"] + third["Items"]] == made[2:]
    assert "NextToken" not in third
    assert [item["ApiId"] for item in v2.get_apis()["Items"]] == made


def test_update_api_changes_only_given_members(v2: Any) -> None:
    api = v2.create_api(Name="old", ProtocolType="HTTP", Description="keep")
    updated = v2.update_api(ApiId=api["ApiId"], Name="new", DisableExecuteApiEndpoint=True)
    assert updated["Name"] == "new" and updated["Description"] == "keep"
    assert updated["DisableExecuteApiEndpoint"] is True
    assert v2.get_api(ApiId=api["ApiId"])["Name"] == "new"


def test_delete_api_removes_it_and_its_children(v2: Any, server: ApiGatewayV2Server) -> None:
    api = v2.create_api(Name="gone", ProtocolType="HTTP", Target=FUNCTION_ARN)
    server.changes.clear()
    response = v2.delete_api(ApiId=api["ApiId"])
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert server.changes == [api["ApiId"]]
    with pytest.raises(ClientError) as info:
        v2.get_routes(ApiId=api["ApiId"])
    assert error_of(info)[1] == "NotFoundException"
    assert server.provider.store.scan("apigatewayv2/routes") == []
    with pytest.raises(ClientError):
        v2.delete_api(ApiId=api["ApiId"])


def test_quick_create_with_a_lambda_target(v2: Any, server: ApiGatewayV2Server) -> None:
    api = v2.create_api(Name="quick", ProtocolType="HTTP", Target=FUNCTION_ARN)
    api_id = api["ApiId"]
    assert server.changes == [api_id]
    [integration] = v2.get_integrations(ApiId=api_id)["Items"]
    assert integration["IntegrationType"] == "AWS_PROXY"
    assert integration["IntegrationUri"] == FUNCTION_ARN
    assert integration["PayloadFormatVersion"] == "2.0"
    assert integration["IntegrationMethod"] == "POST"
    assert integration["TimeoutInMillis"] == 30000
    assert integration["ApiGatewayManaged"] is True
    [route] = v2.get_routes(ApiId=api_id)["Items"]
    assert route["RouteKey"] == "$default" and route["ApiGatewayManaged"] is True
    assert route["Target"] == f"integrations/{integration['IntegrationId']}"
    [stage] = v2.get_stages(ApiId=api_id)["Items"]
    assert stage["StageName"] == "$default" and stage["AutoDeploy"] is True
    [deployment] = v2.get_deployments(ApiId=api_id)["Items"]
    assert stage["DeploymentId"] == deployment["DeploymentId"]
    assert deployment["AutoDeployed"] is True and deployment["DeploymentStatus"] == "DEPLOYED"


def test_quick_create_with_route_key_and_http_target(v2: Any) -> None:
    api = v2.create_api(
        Name="q", ProtocolType="HTTP", Target="https://example.com/up", RouteKey="GET /up"
    )
    [integration] = v2.get_integrations(ApiId=api["ApiId"])["Items"]
    assert integration["IntegrationType"] == "HTTP_PROXY"
    assert integration["IntegrationMethod"] == "ANY"
    assert integration["PayloadFormatVersion"] == "1.0"
    [route] = v2.get_routes(ApiId=api["ApiId"])["Items"]
    assert route["RouteKey"] == "GET /up"


def test_update_api_target_and_route_key_change_the_quick_create_resources(v2: Any) -> None:
    api = v2.create_api(Name="q", ProtocolType="HTTP", Target=FUNCTION_ARN)
    other = FUNCTION_ARN.replace(":hello", ":other")
    v2.update_api(ApiId=api["ApiId"], Target=other, RouteKey="ANY /{proxy+}")
    [integration] = v2.get_integrations(ApiId=api["ApiId"])["Items"]
    [route] = v2.get_routes(ApiId=api["ApiId"])["Items"]
    assert integration["IntegrationUri"] == other
    assert route["RouteKey"] == "ANY /{proxy+}"
    # The $default stage deploys itself: a second deployment.
    assert len(v2.get_deployments(ApiId=api["ApiId"])["Items"]) == 2


def test_quick_create_resources_are_managed(v2: Any) -> None:
    api_id = v2.create_api(Name="q", ProtocolType="HTTP", Target=FUNCTION_ARN)["ApiId"]
    [route] = v2.get_routes(ApiId=api_id)["Items"]
    [integration] = v2.get_integrations(ApiId=api_id)["Items"]
    integration_id = integration["IntegrationId"]
    calls = [
        lambda: v2.update_route(ApiId=api_id, RouteId=route["RouteId"], RouteKey="GET /x"),
        lambda: v2.delete_integration(ApiId=api_id, IntegrationId=integration_id),
        lambda: v2.update_stage(ApiId=api_id, StageName="$default", AutoDeploy=False),
        lambda: v2.delete_stage(ApiId=api_id, StageName="$default"),
    ]
    for call in calls:
        with pytest.raises(ClientError) as info:
            call()
        assert error_of(info)[:2] == (400, "BadRequestException")
    # A managed integration may be updated.
    updated = v2.update_integration(ApiId=api_id, IntegrationId=integration_id, TimeoutInMillis=900)
    assert updated["TimeoutInMillis"] == 900

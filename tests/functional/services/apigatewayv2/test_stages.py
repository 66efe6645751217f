"""Stages and deployments through boto3: CreateDeployment with and without a stage,
AutoDeploy re-pointing a stage on every definition change, stage variables, route
settings, access logs, and the change notifications the data plane rebuilds on.

https://docs.aws.amazon.com/apigatewayv2/latest/api-reference/apis-apiid-stages.html
https://docs.aws.amazon.com/apigatewayv2/latest/api-reference/apis-apiid-deployments.html
"""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from .conftest import FUNCTION_ARN, ApiGatewayV2Server
from .errors import error_of

LOG_GROUP = "arn:aws:logs:us-east-1:123456789012:log-group:api-access"


@pytest.fixture
def api_id(v2: Any) -> str:
    api_id = str(v2.create_api(Name="pets", ProtocolType="HTTP")["ApiId"])
    integration = v2.create_integration(
        ApiId=api_id,
        IntegrationType="AWS_PROXY",
        IntegrationUri=FUNCTION_ARN,
        PayloadFormatVersion="2.0",
    )
    v2.create_route(
        ApiId=api_id, RouteKey="GET /pets", Target=f"integrations/{integration['IntegrationId']}"
    )
    return api_id


def test_create_stage_defaults(v2: Any, api_id: str) -> None:
    stage = v2.create_stage(
        ApiId=api_id, StageName="dev", StageVariables={"fn": "hello"}, Description="d"
    )
    assert stage["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert stage["AutoDeploy"] is False and "DeploymentId" not in stage
    assert stage["StageVariables"] == {"fn": "hello"}
    assert stage["DefaultRouteSettings"] == {"DetailedMetricsEnabled": False}
    assert stage["RouteSettings"] == {}
    assert stage["CreatedDate"] == stage["LastUpdatedDate"]
    assert v2.get_stage(ApiId=api_id, StageName="dev")["Description"] == "d"


def test_stage_errors(v2: Any, api_id: str) -> None:
    v2.create_stage(ApiId=api_id, StageName="dev")
    cases = [
        ({"StageName": "dev"}, 409, "ConflictException"),
        ({"StageName": "bad name"}, 400, "BadRequestException"),
        ({"StageName": "x", "DeploymentId": "nope12"}, 404, "NotFoundException"),
        ({"StageName": "x", "StageVariables": {"a-b": "1"}}, 400, "BadRequestException"),
        (
            {"StageName": "x", "AccessLogSettings": {"DestinationArn": "arn:aws:s3:::b"}},
            400,
            "BadRequestException",
        ),
    ]
    for options, status, code in cases:
        with pytest.raises(ClientError) as info:
            v2.create_stage(ApiId=api_id, **options)
        assert error_of(info)[:2] == (status, code), options
    with pytest.raises(ClientError) as info:
        v2.get_stage(ApiId=api_id, StageName="prod")
    assert error_of(info) == (404, "NotFoundException", "Invalid stage identifier specified prod")


def test_route_settings_must_name_a_route(v2: Any, api_id: str) -> None:
    with pytest.raises(ClientError) as info:
        v2.create_stage(
            ApiId=api_id,
            StageName="dev",
            RouteSettings={"GET /nope": {"ThrottlingBurstLimit": 5}},
        )
    assert error_of(info) == (
        404,
        "NotFoundException",
        "Unable to find Route by key GET /nope within the provided RouteSettings",
    )
    stage = v2.create_stage(
        ApiId=api_id,
        StageName="dev",
        DefaultRouteSettings={"ThrottlingBurstLimit": 100, "ThrottlingRateLimit": 50.0},
        RouteSettings={"GET /pets": {"ThrottlingBurstLimit": 5, "ThrottlingRateLimit": 1.5}},
        AccessLogSettings={"DestinationArn": LOG_GROUP, "Format": "$context.requestId"},
    )
    assert stage["RouteSettings"]["GET /pets"]["ThrottlingRateLimit"] == 1.5
    assert stage["DefaultRouteSettings"]["ThrottlingBurstLimit"] == 100
    v2.delete_route_settings(ApiId=api_id, StageName="dev", RouteKey="GET /pets")
    v2.delete_access_log_settings(ApiId=api_id, StageName="dev")
    stage = v2.get_stage(ApiId=api_id, StageName="dev")
    assert stage["RouteSettings"] == {} and "AccessLogSettings" not in stage


def test_create_deployment_with_stage_points_it_and_notifies(
    v2: Any, api_id: str, server: ApiGatewayV2Server
) -> None:
    v2.create_stage(ApiId=api_id, StageName="prod")
    server.changes.clear()
    deployment = v2.create_deployment(ApiId=api_id, StageName="prod", Description="v1")
    assert deployment["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert deployment["DeploymentStatus"] == "DEPLOYED" and deployment["AutoDeployed"] is False
    assert len(deployment["DeploymentId"]) == 6 and deployment["Description"] == "v1"
    assert server.changes == [api_id]
    stage = v2.get_stage(ApiId=api_id, StageName="prod")
    assert stage["DeploymentId"] == deployment["DeploymentId"]
    assert deployment["DeploymentId"] in stage["LastDeploymentStatusMessage"]
    got = v2.get_deployment(ApiId=api_id, DeploymentId=deployment["DeploymentId"])
    assert got["Description"] == "v1"


def test_deployment_without_stage_does_not_notify(
    v2: Any, api_id: str, server: ApiGatewayV2Server
) -> None:
    server.changes.clear()
    first = v2.create_deployment(ApiId=api_id)["DeploymentId"]
    second = v2.create_deployment(ApiId=api_id)["DeploymentId"]
    assert server.changes == []
    items = v2.get_deployments(ApiId=api_id)["Items"]
    assert [d["DeploymentId"] for d in items] == [first, second]
    renamed = v2.update_deployment(ApiId=api_id, DeploymentId=first, Description="again")
    assert renamed["Description"] == "again"


def test_rollback_points_a_stage_at_an_earlier_deployment(
    v2: Any, api_id: str, server: ApiGatewayV2Server
) -> None:
    v2.create_stage(ApiId=api_id, StageName="prod")
    first = v2.create_deployment(ApiId=api_id, StageName="prod")["DeploymentId"]
    v2.create_route(ApiId=api_id, RouteKey="POST /pets")
    second = v2.create_deployment(ApiId=api_id, StageName="prod")["DeploymentId"]
    served = server.provider.served(api_id)
    assert served is not None
    [(stage, snapshot)] = served[1]
    assert stage["DeploymentId"] == second and len(snapshot["routes"]) == 2
    server.changes.clear()
    v2.update_stage(ApiId=api_id, StageName="prod", DeploymentId=first)
    assert server.changes == [api_id]
    served = server.provider.served(api_id)
    assert served is not None
    [(stage, snapshot)] = served[1]
    assert [route["RouteKey"] for route in snapshot["routes"]] == ["GET /pets"]


def test_deployment_needs_routes(v2: Any) -> None:
    api_id = v2.create_api(Name="empty", ProtocolType="HTTP")["ApiId"]
    with pytest.raises(ClientError) as info:
        v2.create_deployment(ApiId=api_id)
    assert error_of(info) == (
        400,
        "BadRequestException",
        "Unable to deploy API because no routes exist in this API",
    )


def test_deployment_to_unknown_stage_is_not_found_and_creates_nothing(v2: Any, api_id: str) -> None:
    with pytest.raises(ClientError) as info:
        v2.create_deployment(ApiId=api_id, StageName="nope")
    assert error_of(info)[:2] == (404, "NotFoundException")
    assert v2.get_deployments(ApiId=api_id)["Items"] == []


def test_active_deployment_cannot_be_deleted(v2: Any, api_id: str) -> None:
    v2.create_stage(ApiId=api_id, StageName="prod")
    deployment_id = v2.create_deployment(ApiId=api_id, StageName="prod")["DeploymentId"]
    with pytest.raises(ClientError) as info:
        v2.delete_deployment(ApiId=api_id, DeploymentId=deployment_id)
    assert error_of(info)[:2] == (400, "BadRequestException")
    v2.delete_stage(ApiId=api_id, StageName="prod")
    v2.delete_deployment(ApiId=api_id, DeploymentId=deployment_id)
    with pytest.raises(ClientError) as info:
        v2.get_deployment(ApiId=api_id, DeploymentId=deployment_id)
    assert error_of(info) == (
        404,
        "NotFoundException",
        f"Invalid Deployment identifier specified {deployment_id}",
    )


def test_auto_deploy_stage_follows_every_definition_change(
    v2: Any, api_id: str, server: ApiGatewayV2Server
) -> None:
    stage = v2.create_stage(ApiId=api_id, StageName="live", AutoDeploy=True)
    first = stage["DeploymentId"]
    [deployment] = v2.get_deployments(ApiId=api_id)["Items"]
    assert deployment["AutoDeployed"] is True and deployment["DeploymentId"] == first
    server.changes.clear()
    route = v2.create_route(ApiId=api_id, RouteKey="DELETE /pets/{id}")
    second = v2.get_stage(ApiId=api_id, StageName="live")["DeploymentId"]
    assert second != first and server.changes == [api_id]
    v2.update_route(ApiId=api_id, RouteId=route["RouteId"], RouteKey="DELETE /pets/{petId}")
    v2.update_api(ApiId=api_id, CorsConfiguration={"AllowOrigins": ["https://a.example"]})
    ids = [d["DeploymentId"] for d in v2.get_deployments(ApiId=api_id)["Items"]]
    assert len(ids) == 4
    assert v2.get_stage(ApiId=api_id, StageName="live")["DeploymentId"] == ids[-1]
    served = server.provider.served(api_id)
    assert served is not None
    definition, [(_, snapshot)] = served
    assert snapshot == definition
    assert snapshot["api"]["CorsConfiguration"] == {"AllowOrigins": ["https://a.example"]}
    assert {r["RouteKey"] for r in snapshot["routes"]} == {"GET /pets", "DELETE /pets/{petId}"}


def test_description_change_does_not_redeploy(v2: Any, api_id: str) -> None:
    v2.create_stage(ApiId=api_id, StageName="live", AutoDeploy=True)
    v2.update_api(ApiId=api_id, Description="only words")
    assert len(v2.get_deployments(ApiId=api_id)["Items"]) == 1


def test_manual_stage_keeps_its_deployment_when_routes_change(v2: Any, api_id: str) -> None:
    v2.create_stage(ApiId=api_id, StageName="prod")
    deployment_id = v2.create_deployment(ApiId=api_id, StageName="prod")["DeploymentId"]
    v2.create_route(ApiId=api_id, RouteKey="PUT /pets")
    assert v2.get_stage(ApiId=api_id, StageName="prod")["DeploymentId"] == deployment_id


def test_turning_auto_deploy_on_deploys_at_once(
    v2: Any, api_id: str, server: ApiGatewayV2Server
) -> None:
    v2.create_stage(ApiId=api_id, StageName="dev")
    server.changes.clear()
    stage = v2.update_stage(ApiId=api_id, StageName="dev", AutoDeploy=True)
    assert stage["AutoDeploy"] is True and "DeploymentId" in stage
    assert server.changes == [api_id]


def test_update_stage_merges_variables_and_get_stages_lists(v2: Any, api_id: str) -> None:
    v2.create_stage(ApiId=api_id, StageName="dev", StageVariables={"a": "1"})
    v2.create_stage(ApiId=api_id, StageName="prod")
    updated = v2.update_stage(ApiId=api_id, StageName="dev", StageVariables={"b": "2"})
    assert updated["StageVariables"] == {"a": "1", "b": "2"}
    names = [s["StageName"] for s in v2.get_stages(ApiId=api_id)["Items"]]
    assert names == ["dev", "prod"]
    v2.delete_stage(ApiId=api_id, StageName="dev")
    assert [s["StageName"] for s in v2.get_stages(ApiId=api_id)["Items"]] == ["prod"]

"""CreateDeployment / GetDeployment(s) / UpdateDeployment / DeleteDeployment through boto3.

https://docs.aws.amazon.com/apigateway/latest/api/API_CreateDeployment.html
"""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from lamina.services.apigateway.stages import deployed_stages
from tests.clock import ManualClock
from tests.loopback import ACCOUNT

from .deploy_server import api_with_method, error_of


def test_create_deployment_of_api_without_methods_is_bad_request(apigw: Any) -> None:
    api_id = apigw.create_rest_api(name="empty")["id"]
    with pytest.raises(ClientError) as info:
        apigw.create_deployment(restApiId=api_id, stageName="dev")
    assert error_of(info) == (
        400,
        "BadRequestException",
        "The REST API doesn't contain any methods",
    )
    assert apigw.get_deployments(restApiId=api_id)["items"] == []
    assert apigw.get_stages(restApiId=api_id)["item"] == []


def test_create_deployment_of_method_without_integration_is_bad_request(apigw: Any) -> None:
    api_id = apigw.create_rest_api(name="no-integration")["id"]
    root = apigw.get_resources(restApiId=api_id)["items"][0]["id"]
    apigw.put_method(restApiId=api_id, resourceId=root, httpMethod="GET", authorizationType="NONE")
    with pytest.raises(ClientError) as info:
        apigw.create_deployment(restApiId=api_id)
    assert error_of(info) == (400, "BadRequestException", "No integration defined for method")


def test_create_deployment_of_unknown_api_is_not_found(apigw: Any) -> None:
    with pytest.raises(ClientError) as info:
        apigw.create_deployment(restApiId="nope000000", stageName="dev")
    assert error_of(info) == (
        404,
        "NotFoundException",
        f"Invalid API identifier specified {ACCOUNT}:nope000000",
    )


def test_create_deployment_with_stage_name_creates_the_stage_and_notifies(
    apigw: Any, server: Any, clock: ManualClock
) -> None:
    api_id = api_with_method(apigw)
    server.changes.clear()
    created = apigw.create_deployment(
        restApiId=api_id,
        stageName="dev",
        description="first",
        stageDescription="development",
        variables={"alias": "live"},
    )
    assert created["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert created["description"] == "first"
    assert int(created["createdDate"].timestamp()) == int(clock.now)
    assert "apiSummary" not in created
    stage = apigw.get_stage(restApiId=api_id, stageName="dev")
    assert stage["deploymentId"] == created["id"]
    assert stage["description"] == "development"
    assert stage["variables"] == {"alias": "live"}
    assert stage["methodSettings"] == {}
    assert stage["tracingEnabled"] is False
    assert stage["cacheClusterEnabled"] is False
    assert server.changes == [api_id]


def test_create_deployment_without_stage_changes_nothing_served(apigw: Any, server: Any) -> None:
    api_id = api_with_method(apigw)
    server.changes.clear()
    apigw.create_deployment(restApiId=api_id)
    assert server.changes == []
    assert apigw.get_stages(restApiId=api_id)["item"] == []


def test_redeploying_to_a_stage_repoints_it_and_keeps_its_settings(apigw: Any) -> None:
    api_id = api_with_method(apigw)
    first = apigw.create_deployment(restApiId=api_id, stageName="prod", variables={"v": "1"})
    second = apigw.create_deployment(restApiId=api_id, stageName="prod")
    stage = apigw.get_stage(restApiId=api_id, stageName="prod")
    assert stage["deploymentId"] == second["id"] != first["id"]
    assert stage["variables"] == {"v": "1"}


def test_get_deployment_embeds_the_api_summary_when_asked(apigw: Any) -> None:
    api_id = api_with_method(apigw, path_part="pets")
    deployment_id = apigw.create_deployment(restApiId=api_id)["id"]
    plain = apigw.get_deployment(restApiId=api_id, deploymentId=deployment_id)
    assert plain["id"] == deployment_id and "apiSummary" not in plain
    embedded = apigw.get_deployment(
        restApiId=api_id, deploymentId=deployment_id, embed=["apisummary"]
    )
    assert embedded["apiSummary"] == {
        "/pets": {"GET": {"authorizationType": "NONE", "apiKeyRequired": False}}
    }


def test_get_unknown_deployment_is_not_found(apigw: Any) -> None:
    api_id = api_with_method(apigw)
    with pytest.raises(ClientError) as info:
        apigw.get_deployment(restApiId=api_id, deploymentId="zzzzzz")
    assert error_of(info) == (
        404,
        "NotFoundException",
        "Invalid Deployment identifier specified",
    )


def test_get_deployments_pages_with_limit_and_position(apigw: Any) -> None:
    api_id = api_with_method(apigw)
    made = [apigw.create_deployment(restApiId=api_id, description=str(n))["id"] for n in range(5)]
    first = apigw.get_deployments(restApiId=api_id, limit=2)
    assert [d["id"] for d in first["items"]] == made[:2]
    second = apigw.get_deployments(restApiId=api_id, limit=2, position=first["position"])
    third = apigw.get_deployments(restApiId=api_id, limit=2, position=second["position"])
    assert [d["id"] for d in second["items"] + third["items"]] == made[2:]
    assert "position" not in third
    paginated = apigw.get_paginator("get_deployments").paginate(
        restApiId=api_id, PaginationConfig={"PageSize": 3}
    )
    assert [d["id"] for page in paginated for d in page["items"]] == made


def test_get_deployments_limit_out_of_range_is_bad_request(apigw: Any) -> None:
    api_id = api_with_method(apigw)
    with pytest.raises(ClientError) as info:
        apigw.get_deployments(restApiId=api_id, limit=501)
    assert error_of(info)[:2] == (400, "BadRequestException")


def test_update_deployment_replaces_the_description_only(apigw: Any) -> None:
    api_id = api_with_method(apigw)
    deployment_id = apigw.create_deployment(restApiId=api_id, description="old")["id"]
    updated = apigw.update_deployment(
        restApiId=api_id,
        deploymentId=deployment_id,
        patchOperations=[{"op": "replace", "path": "/description", "value": "new"}],
    )
    assert updated["description"] == "new"
    assert apigw.get_deployment(restApiId=api_id, deploymentId=deployment_id)["description"] == (
        "new"
    )
    with pytest.raises(ClientError) as info:
        apigw.update_deployment(
            restApiId=api_id,
            deploymentId=deployment_id,
            patchOperations=[{"op": "replace", "path": "/id", "value": "x"}],
        )
    assert error_of(info) == (400, "BadRequestException", "Invalid patch path /id")


def test_delete_deployment_a_stage_serves_is_refused_until_the_stage_is_gone(apigw: Any) -> None:
    api_id = api_with_method(apigw)
    deployment_id = apigw.create_deployment(restApiId=api_id, stageName="dev")["id"]
    with pytest.raises(ClientError) as info:
        apigw.delete_deployment(restApiId=api_id, deploymentId=deployment_id)
    assert error_of(info) == (
        400,
        "BadRequestException",
        "Active stages pointing to this deployment must be moved or deleted",
    )
    assert len(apigw.get_deployments(restApiId=api_id)["items"]) == 1
    apigw.delete_stage(restApiId=api_id, stageName="dev")
    deleted = apigw.delete_deployment(restApiId=api_id, deploymentId=deployment_id)
    assert deleted["ResponseMetadata"]["HTTPStatusCode"] == 202
    assert apigw.get_deployments(restApiId=api_id)["items"] == []
    with pytest.raises(ClientError) as gone:
        apigw.delete_deployment(restApiId=api_id, deploymentId=deployment_id)
    assert error_of(gone)[:2] == (404, "NotFoundException")


def test_delete_deployment_a_canary_serves_is_refused(apigw: Any) -> None:
    api_id = api_with_method(apigw)
    apigw.create_deployment(restApiId=api_id, stageName="prod")
    canary = apigw.create_deployment(
        restApiId=api_id, stageName="prod", canarySettings={"percentTraffic": 10.0}
    )["id"]
    with pytest.raises(ClientError) as info:
        apigw.delete_deployment(restApiId=api_id, deploymentId=canary)
    assert error_of(info)[2] == "Active stages pointing to this deployment must be moved or deleted"


def test_a_deployment_keeps_the_api_as_it_was_when_deployed(apigw: Any, server: Any) -> None:
    api_id = api_with_method(apigw)
    apigw.create_deployment(restApiId=api_id, stageName="dev")
    root = apigw.get_resources(restApiId=api_id)["items"][0]["id"]
    apigw.create_resource(restApiId=api_id, parentId=root, pathPart="later")
    (deployed,) = deployed_stages(server.store, api_id)
    assert deployed.stage["stageName"] == "dev"
    assert [r["path"] for r in deployed.snapshot["resources"]] == ["/"]
    assert (
        deployed.snapshot["resources"][0]["resourceMethods"]["GET"]["methodIntegration"]["type"]
        == "MOCK"
    )
    assert deployed.canary_snapshot is None
    apigw.create_deployment(restApiId=api_id, stageName="dev")
    (redeployed,) = deployed_stages(server.store, api_id)
    assert sorted(r["path"] for r in redeployed.snapshot["resources"]) == ["/", "/later"]


def test_deleting_the_api_deletes_its_deployments_and_stages(apigw: Any, server: Any) -> None:
    api_id = api_with_method(apigw)
    apigw.create_deployment(restApiId=api_id, stageName="dev")
    apigw.delete_rest_api(restApiId=api_id)
    assert deployed_stages(server.store, api_id) == []
    assert not any(
        kind.startswith("apigw/")
        and kind != "apigw/restapis"
        and any(key.startswith(f"{api_id}/") for key, _ in server.store.scan(kind))
        for kind in server.store.kinds()
    )


def test_create_deployment_to_a_badly_named_stage_deploys_nothing(apigw: Any) -> None:
    api_id = api_with_method(apigw)
    with pytest.raises(ClientError) as info:
        apigw.create_deployment(restApiId=api_id, stageName="not ok")
    assert error_of(info) == (400, "BadRequestException", "Stage name only allows a-zA-Z0-9_")
    assert apigw.get_deployments(restApiId=api_id)["items"] == []

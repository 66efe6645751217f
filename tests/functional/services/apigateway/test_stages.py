"""CreateStage / GetStage(s) / UpdateStage / DeleteStage through boto3: stage variables,
method settings, access logs, canary releases and their promotion.

https://docs.aws.amazon.com/apigateway/latest/api/API_UpdateStage.html
https://docs.aws.amazon.com/apigateway/latest/api/patch-operations.html
https://docs.aws.amazon.com/apigateway/latest/developerguide/canary-release.html
"""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from lamina.services.apigateway.stages import deployed_stages
from tests.clock import ManualClock

from .deploy_server import FreshProvider, api_with_method, deployed_api, error_of


def _update(apigw: Any, api_id: str, *ops: dict[str, str], stage: str = "dev") -> Any:
    return apigw.update_stage(restApiId=api_id, stageName=stage, patchOperations=list(ops))


def _replace(path: str, value: str) -> dict[str, str]:
    return {"op": "replace", "path": path, "value": value}


def test_create_stage_points_at_a_deployment_and_notifies(apigw: Any, server: Any) -> None:
    api_id = api_with_method(apigw)
    deployment_id = apigw.create_deployment(restApiId=api_id)["id"]
    server.changes.clear()
    stage = apigw.create_stage(
        restApiId=api_id,
        stageName="test",
        deploymentId=deployment_id,
        description="testing",
        variables={"fn": "hello"},
        tags={"team": "a"},
    )
    assert stage["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert stage["deploymentId"] == deployment_id
    assert stage["variables"] == {"fn": "hello"}
    assert stage["tags"] == {"team": "a"}
    assert stage["cacheClusterStatus"] == "NOT_AVAILABLE"
    assert "canarySettings" not in stage
    assert server.changes == [api_id]
    fetched = apigw.get_stage(restApiId=api_id, stageName="test")
    assert fetched["createdDate"] == stage["createdDate"]


def test_create_stage_twice_is_a_conflict(apigw: Any) -> None:
    api_id, deployment_id = deployed_api(apigw)
    with pytest.raises(ClientError) as info:
        apigw.create_stage(restApiId=api_id, stageName="dev", deploymentId=deployment_id)
    assert error_of(info) == (409, "ConflictException", "Stage already exists")


def test_create_stage_of_unknown_deployment_or_bad_name_is_bad_request(apigw: Any) -> None:
    api_id, deployment_id = deployed_api(apigw)
    with pytest.raises(ClientError) as unknown:
        apigw.create_stage(restApiId=api_id, stageName="qa", deploymentId="nope00")
    assert error_of(unknown) == (400, "BadRequestException", "Deployment id does not exist")
    with pytest.raises(ClientError) as bad_name:
        apigw.create_stage(restApiId=api_id, stageName="q a", deploymentId=deployment_id)
    assert error_of(bad_name) == (400, "BadRequestException", "Stage name only allows a-zA-Z0-9_")


def test_get_stages_lists_every_stage_or_those_of_one_deployment(apigw: Any) -> None:
    api_id, first = deployed_api(apigw, stage="dev")
    second = apigw.create_deployment(restApiId=api_id, stageName="prod")["id"]
    apigw.create_stage(restApiId=api_id, stageName="old", deploymentId=first)
    names = sorted(s["stageName"] for s in apigw.get_stages(restApiId=api_id)["item"])
    assert names == ["dev", "old", "prod"]
    of_first = apigw.get_stages(restApiId=api_id, deploymentId=first)["item"]
    assert sorted(s["stageName"] for s in of_first) == ["dev", "old"]
    assert [
        s["stageName"] for s in apigw.get_stages(restApiId=api_id, deploymentId=second)["item"]
    ] == ["prod"]


def test_get_and_delete_unknown_stage_are_not_found(apigw: Any) -> None:
    api_id, _ = deployed_api(apigw)
    for call in (apigw.get_stage, apigw.delete_stage):
        with pytest.raises(ClientError) as info:
            call(restApiId=api_id, stageName="nope")
        assert error_of(info) == (404, "NotFoundException", "Invalid Stage identifier specified")


def test_delete_stage_removes_it_and_notifies(apigw: Any, server: Any) -> None:
    api_id, _ = deployed_api(apigw)
    server.changes.clear()
    assert (
        apigw.delete_stage(restApiId=api_id, stageName="dev")["ResponseMetadata"]["HTTPStatusCode"]
        == 202
    )
    assert apigw.get_stages(restApiId=api_id)["item"] == []
    assert server.changes == [api_id]


def test_stage_variables_are_added_replaced_and_removed(
    apigw: Any, server: Any, clock: ManualClock
) -> None:
    api_id, _ = deployed_api(apigw)
    created = apigw.get_stage(restApiId=api_id, stageName="dev")
    clock.advance(60)
    server.changes.clear()
    stage = _update(
        apigw,
        api_id,
        {"op": "add", "path": "/variables/alias", "value": "live"},
        {"op": "add", "path": "/variables/table", "value": "pets-dev"},
        _replace("/variables/alias", "beta"),
        {"op": "remove", "path": "/variables/table"},
        _replace("/description", "with variables"),
    )
    assert stage["variables"] == {"alias": "beta"}
    assert stage["description"] == "with variables"
    assert stage["lastUpdatedDate"] > created["lastUpdatedDate"]
    assert apigw.get_stage(restApiId=api_id, stageName="dev")["variables"] == {"alias": "beta"}
    assert server.changes == [api_id]


def test_replace_deployment_id_repoints_the_stage(apigw: Any) -> None:
    api_id, first = deployed_api(apigw)
    second = apigw.create_deployment(restApiId=api_id)["id"]
    assert _update(apigw, api_id, _replace("/deploymentId", second))["deploymentId"] == second
    rolled_back = _update(apigw, api_id, _replace("/deploymentId", first))
    assert rolled_back["deploymentId"] == first
    with pytest.raises(ClientError) as info:
        _update(apigw, api_id, _replace("/deploymentId", "nope00"))
    assert error_of(info) == (400, "BadRequestException", "Deployment id does not exist")


def test_method_settings_for_all_methods_and_one_escaped_path(apigw: Any) -> None:
    api_id, _ = deployed_api(apigw)
    stage = _update(
        apigw,
        api_id,
        _replace("/*/*/throttling/burstLimit", "100"),
        _replace("/*/*/throttling/rateLimit", "50.5"),
        _replace("/~1pets/GET/throttling/rateLimit", "5"),
        _replace("/~1pets/GET/logging/loglevel", "info"),
        _replace("/~1pets/GET/metrics/enabled", "true"),
        _replace("/tracingEnabled", "true"),
    )
    every = stage["methodSettings"]["*/*"]
    assert every["throttlingBurstLimit"] == 100 and every["throttlingRateLimit"] == 50.5
    assert every["cacheTtlInSeconds"] == 300 and every["metricsEnabled"] is False
    pets = stage["methodSettings"]["~1pets/GET"]
    assert pets["throttlingRateLimit"] == 5.0 and pets["throttlingBurstLimit"] == 5000
    assert pets["loggingLevel"] == "INFO" and pets["metricsEnabled"] is True
    assert stage["tracingEnabled"] is True
    removed = _update(apigw, api_id, {"op": "remove", "path": "/~1pets/GET"})
    assert list(removed["methodSettings"]) == ["*/*"]
    with pytest.raises(ClientError) as info:
        _update(apigw, api_id, {"op": "remove", "path": "/~1pets/GET"})
    assert error_of(info) == (
        400,
        "BadRequestException",
        "Cannot remove method setting ~1pets/GET because there is no method setting for this "
        "method ",
    )


def test_unknown_stage_path_is_refused_with_the_valid_paths_and_changes_nothing(
    apigw: Any,
) -> None:
    api_id, _ = deployed_api(apigw)
    with pytest.raises(ClientError) as info:
        _update(apigw, api_id, _replace("/description", "kept?"), _replace("/nope", "x"))
    status, code, message = error_of(info)
    assert (status, code) == (400, "BadRequestException")
    assert message.startswith(
        "Invalid method setting path: /nope. Must be one of: [/deploymentId, "
    )
    assert "/*/*/throttling/burstLimit /*/*/throttling/rateLimit /*/*/caching/ttlInSeconds" in (
        message
    )
    assert "description" not in apigw.get_stage(restApiId=api_id, stageName="dev")


def test_unknown_setting_of_a_method_is_an_invalid_path(apigw: Any) -> None:
    api_id, _ = deployed_api(apigw)
    with pytest.raises(ClientError) as info:
        _update(apigw, api_id, _replace("/*/*/throttling/speed", "1"))
    assert error_of(info)[2].startswith("Invalid method setting path: /*/*/throttling/speed.")


def test_access_log_settings_are_set_and_removed(apigw: Any) -> None:
    api_id, _ = deployed_api(apigw)
    arn = "arn:aws:logs:us-east-1:123456789012:log-group:api-access"
    stage = _update(
        apigw,
        api_id,
        _replace("/accessLogSettings/destinationArn", arn),
        _replace("/accessLogSettings/format", "$context.requestId"),
    )
    assert stage["accessLogSettings"] == {"destinationArn": arn, "format": "$context.requestId"}
    cleared = _update(apigw, api_id, {"op": "remove", "path": "/accessLogSettings"})
    assert "accessLogSettings" not in cleared


def test_canary_deployment_leaves_the_stage_and_promotion_moves_it(apigw: Any, server: Any) -> None:
    api_id, base = deployed_api(apigw, stage="prod")
    apigw.update_stage(
        restApiId=api_id,
        stageName="prod",
        patchOperations=[{"op": "add", "path": "/variables/fn", "value": "v1"}],
    )
    server.changes.clear()
    canary = apigw.create_deployment(
        restApiId=api_id,
        stageName="prod",
        canarySettings={"percentTraffic": 10.0, "stageVariableOverrides": {"fn": "v2"}},
    )["id"]
    stage = apigw.get_stage(restApiId=api_id, stageName="prod")
    assert stage["deploymentId"] == base
    assert stage["canarySettings"] == {
        "deploymentId": canary,
        "percentTraffic": 10.0,
        "stageVariableOverrides": {"fn": "v2"},
        "useStageCache": False,
    }
    assert server.changes == [api_id]
    (deployed,) = deployed_stages(server.store, api_id)
    assert deployed.canary_snapshot is not None
    assert deployed.stage["canarySettings"]["deploymentId"] == canary

    raised = _update(apigw, api_id, _replace("/canarySettings/percentTraffic", "25"), stage="prod")
    assert raised["canarySettings"]["percentTraffic"] == 25.0
    # Promotion as AWS documents it: the stage takes the canary's deployment, the canary goes.
    promoted = _update(
        apigw,
        api_id,
        _replace("/deploymentId", canary),
        {"op": "remove", "path": "/canarySettings"},
        stage="prod",
    )
    assert promoted["deploymentId"] == canary
    assert "canarySettings" not in promoted
    assert promoted["variables"] == {"fn": "v1"}
    (after,) = deployed_stages(server.store, api_id)
    assert after.stage["deploymentId"] == canary and after.canary_snapshot is None


def test_promotion_by_copy_takes_the_canary_deployment_and_overrides(apigw: Any) -> None:
    api_id, _ = deployed_api(apigw, stage="prod")
    canary = apigw.create_deployment(
        restApiId=api_id,
        stageName="prod",
        canarySettings={"percentTraffic": 50.0, "stageVariableOverrides": {"fn": "v2"}},
    )["id"]
    promoted = _update(
        apigw,
        api_id,
        {"op": "copy", "from": "/canarySettings/deploymentId", "path": "/deploymentId"},
        {"op": "copy", "from": "/canarySettings/stageVariableOverrides", "path": "/variables"},
        _replace("/canarySettings/percentTraffic", "0"),
        stage="prod",
    )
    assert promoted["deploymentId"] == canary
    assert promoted["variables"] == {"fn": "v2"}
    assert promoted["canarySettings"]["percentTraffic"] == 0.0


def test_copy_without_a_canary_is_refused(apigw: Any) -> None:
    api_id, _ = deployed_api(apigw)
    with pytest.raises(ClientError) as info:
        _update(
            apigw,
            api_id,
            {"op": "copy", "from": "/canarySettings/deploymentId", "path": "/deploymentId"},
        )
    assert error_of(info) == (
        400,
        "BadRequestException",
        "Promotion not available. Canary does not exist.",
    )


def test_canary_settings_paths_take_replace_only(apigw: Any) -> None:
    api_id, _ = deployed_api(apigw)
    stage = _update(
        apigw,
        api_id,
        _replace("/canarySettings/stageVariableOverrides/fn", "v3"),
        _replace("/canarySettings/useStageCache", "true"),
    )
    assert stage["canarySettings"]["stageVariableOverrides"] == {"fn": "v3"}
    assert stage["canarySettings"]["deploymentId"] == stage["deploymentId"]
    assert stage["canarySettings"]["useStageCache"] is True
    with pytest.raises(ClientError) as info:
        _update(
            apigw, api_id, {"op": "remove", "path": "/canarySettings/stageVariableOverrides/fn"}
        )
    assert error_of(info)[2] == (
        "Invalid remove operation with path: /canarySettings/stageVariableOverrides/fn"
    )
    with pytest.raises(ClientError) as out_of_range:
        _update(apigw, api_id, _replace("/canarySettings/percentTraffic", "101"))
    assert error_of(out_of_range)[:2] == (400, "BadRequestException")


def test_canary_deployment_needs_an_existing_stage(apigw: Any) -> None:
    api_id = api_with_method(apigw)
    with pytest.raises(ClientError) as missing:
        apigw.create_deployment(
            restApiId=api_id, stageName="prod", canarySettings={"percentTraffic": 5.0}
        )
    assert error_of(missing) == (
        400,
        "BadRequestException",
        "Invalid deployment content specified.Stage prod must already be created before making "
        "a canary release deployment",
    )
    with pytest.raises(ClientError) as unnamed:
        apigw.create_deployment(restApiId=api_id, canarySettings={"percentTraffic": 5.0})
    assert error_of(unnamed)[2] == (
        "Invalid deployment content specified.Non null and non empty stageName must be provided "
        "for canary deployment. Provided value is null"
    )
    assert apigw.get_deployments(restApiId=api_id)["items"] == []


def test_create_stage_with_canary_settings_defaults_to_the_stage_deployment(apigw: Any) -> None:
    api_id = api_with_method(apigw)
    deployment_id = apigw.create_deployment(restApiId=api_id)["id"]
    stage = apigw.create_stage(
        restApiId=api_id,
        stageName="beta",
        deploymentId=deployment_id,
        canarySettings={"percentTraffic": 20.0},
    )
    assert stage["canarySettings"] == {
        "deploymentId": deployment_id,
        "percentTraffic": 20.0,
        "useStageCache": False,
    }


def test_stage_variable_names_and_values_are_checked_as_aws_does(apigw: Any) -> None:
    api_id, deployment_id = deployed_api(apigw)
    with pytest.raises(ClientError) as bad_name:
        _update(apigw, api_id, {"op": "add", "path": "/variables/owner:app", "value": "x"})
    assert error_of(bad_name) == (
        400,
        "BadRequestException",
        "Invalid stage variable name: owner:app.  Please use names with only word characters.",
    )
    with pytest.raises(ClientError) as bad_value:
        apigw.create_stage(
            restApiId=api_id, stageName="qa", deploymentId=deployment_id, variables={"v": "a;b"}
        )
    assert error_of(bad_value)[2].startswith("Invalid stage variable value: a;b.  Please use ")
    with pytest.raises(ClientError) as bad_override:
        apigw.create_deployment(
            restApiId=api_id,
            stageName="dev",
            canarySettings={"percentTraffic": 1.0, "stageVariableOverrides": {"v": ""}},
        )
    assert error_of(bad_override)[:2] == (400, "BadRequestException")
    assert len(apigw.get_deployments(restApiId=api_id)["items"]) == 1
    arn = "arn:aws:lambda:us-east-1:123456789012:function:hello:live"
    ok = _update(apigw, api_id, {"op": "add", "path": "/variables/fn_arn", "value": arn})
    assert ok["variables"] == {"fn_arn": arn}


def test_stages_deployments_and_canaries_live_in_the_store(apigw: Any, server: Any) -> None:
    api_id, base = deployed_api(apigw, stage="prod")
    canary = apigw.create_deployment(
        restApiId=api_id, stageName="prod", canarySettings={"percentTraffic": 5.0}
    )["id"]
    _update(apigw, api_id, _replace("/*/*/throttling/rateLimit", "7"), stage="prod")
    fresh = FreshProvider(server.store)
    try:
        other = fresh.client()
        stage = other.get_stage(restApiId=api_id, stageName="prod")
        assert stage["deploymentId"] == base
        assert stage["canarySettings"]["deploymentId"] == canary
        assert stage["methodSettings"]["*/*"]["throttlingRateLimit"] == 7.0
        ids = {d["id"] for d in other.get_deployments(restApiId=api_id)["items"]}
        assert ids == {base, canary}
    finally:
        fresh.close()


def test_canary_percent_outside_0_to_100_is_refused_everywhere(apigw: Any) -> None:
    api_id, deployment_id = deployed_api(apigw)
    with pytest.raises(ClientError) as on_deploy:
        apigw.create_deployment(
            restApiId=api_id, stageName="dev", canarySettings={"percentTraffic": 150.0}
        )
    with pytest.raises(ClientError) as on_create:
        apigw.create_stage(
            restApiId=api_id,
            stageName="qa",
            deploymentId=deployment_id,
            canarySettings={"percentTraffic": -1.0},
        )
    for info in (on_deploy, on_create):
        assert error_of(info) == (
            400,
            "BadRequestException",
            "Canary traffic percentage must be between 0.0 and 100.0",
        )
    assert "canarySettings" not in apigw.get_stage(restApiId=api_id, stageName="dev")


def test_a_plain_deployment_to_a_canary_stage_replaces_stage_and_canary(apigw: Any) -> None:
    api_id, _ = deployed_api(apigw, stage="prod")
    apigw.create_deployment(
        restApiId=api_id, stageName="prod", canarySettings={"percentTraffic": 10.0}
    )
    latest = apigw.create_deployment(restApiId=api_id, stageName="prod")["id"]
    stage = apigw.get_stage(restApiId=api_id, stageName="prod")
    assert stage["deploymentId"] == latest and "canarySettings" not in stage


def test_update_stage_op_outside_the_enum_fails_validation_as_every_update_does(
    apigw: Any,
) -> None:
    # AWS validates `op` against the PatchOperation enum before the operation runs, the same
    # way for every Update*: ValidationException naming the input member and the values.
    api_id, _ = deployed_api(apigw)
    with pytest.raises(ClientError) as info:
        _update(apigw, api_id, {"op": "merge", "path": "/description", "value": "x"})
    assert error_of(info) == (
        400,
        "ValidationException",
        "1 validation error detected: Value 'merge' at 'updateStageInput.patchOperations.1."
        "member.op' failed to satisfy constraint: Member must satisfy enum value set: "
        "[add, remove, move, test, replace, copy]",
    )
    with pytest.raises(ClientError) as info:
        apigw.update_rest_api(
            restApiId=api_id, patchOperations=[{"op": "merge", "path": "/description"}]
        )
    assert error_of(info)[:2] == (400, "ValidationException")

"""CreateStage, GetStage, GetStages, UpdateStage, DeleteStage, and what the data plane's
wiring reads: each stage with the snapshots of its deployment and of its canary's.

https://docs.aws.amazon.com/apigateway/latest/api/API_CreateStage.html
https://docs.aws.amazon.com/apigateway/latest/api/API_UpdateStage.html
https://docs.aws.amazon.com/apigateway/latest/developerguide/stages.html
"""

from __future__ import annotations

import re
from typing import Any, NamedTuple

from lamina.aws.service import Operation, OperationInput, OperationOutput
from lamina.core.store import Reader, Store
from lamina.services.apigateway import patching, stage_patch
from lamina.services.apigateway.deploy_records import CanarySettings, Records, Stage, render
from lamina.services.apigateway.error import bad_request, conflict, not_found
from lamina.services.apigateway.state import ApiGatewayState

# https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-stages.html
_STAGE_NAME = re.compile(r"[A-Za-z0-9_-]{1,128}")


class DeployedStage(NamedTuple):
    """A stage as the compiler takes it (CONTEXT's StageInput): the GetStage output, the
    snapshot its deployment froze, and its canary deployment's snapshot (or None)."""

    stage: dict[str, Any]
    snapshot: dict[str, Any]
    canary_snapshot: dict[str, Any] | None


def check_stage_name(name: str) -> str:
    if not _STAGE_NAME.fullmatch(name):
        raise bad_request("Stage name only allows a-zA-Z0-9_")
    return name


def stage_not_found() -> Exception:
    return not_found("Invalid Stage identifier specified")


def stage_output(stage: Stage) -> dict[str, Any]:
    return render(stage, "restApiId")


def stage_record(records: Records, rest_api_id: str, name: str, tx: Reader | None = None) -> Stage:
    record = records.stages.get(f"{rest_api_id}/{name}", tx)
    if record is None:
        raise stage_not_found()
    return record


def deployed_stages(
    store: Store, rest_api_id: str, tx: Reader | None = None
) -> list[DeployedStage]:
    """Every stage of the API with the snapshots it serves, read in one consistent view
    (`tx`'s, else a transaction of its own)."""
    if tx is None:
        with store.transaction() as own:
            return deployed_stages(store, rest_api_id, own)
    records = Records(store)
    found = (_deployed(records, stage, tx) for stage in records.stages.all(f"{rest_api_id}/", tx))
    return [deployed for deployed in found if deployed is not None]


def all_deployed_stages(store: Store, tx: Reader) -> dict[str, list[DeployedStage]]:
    """deployed_stages of every API that has stages, by API id, from one scan of the
    stages (the data plane's rebuild reads them all)."""
    records = Records(store)
    out: dict[str, list[DeployedStage]] = {}
    for stage in records.stages.all("", tx):
        deployed = _deployed(records, stage, tx)
        if deployed is not None:
            out.setdefault(stage.rest_api_id, []).append(deployed)
    return out


def _deployed(records: Records, stage: Stage, tx: Reader) -> DeployedStage | None:
    """The stage with its snapshots; None when its deployment is gone."""
    api_id = stage.rest_api_id
    frozen = records.snapshot(api_id, stage.deployment_id, tx)
    if frozen is None:
        return None
    canary = stage.canary_settings
    canary_frozen = (
        records.snapshot(api_id, canary.deployment_id, tx)
        if canary is not None and canary.deployment_id
        else None
    )
    return DeployedStage(stage_output(stage), frozen, canary_frozen)


def _exists(records: Records, rest_api_id: str, tx: Reader) -> stage_patch.DeploymentExists:
    def exists(deployment_id: str) -> bool:
        return records.deployments.get(f"{rest_api_id}/{deployment_id}", tx) is not None

    return exists


def _canary_settings(
    given: dict[str, Any] | None, deployment_id: str, exists: stage_patch.DeploymentExists
) -> CanarySettings | None:
    if given is None:
        return None
    canary_deployment = given.get("deploymentId") or deployment_id
    if not exists(canary_deployment):
        raise bad_request("Deployment id does not exist")
    return CanarySettings(
        deployment_id=canary_deployment,
        percent_traffic=stage_patch.check_percent(float(given.get("percentTraffic", 0.0))),
        stage_variable_overrides=stage_patch.check_variables(given.get("stageVariableOverrides")),
        use_stage_cache=bool(given.get("useStageCache", False)),
    )


def _create_stage(state: ApiGatewayState, params: OperationInput) -> OperationOutput:
    api_id, name, deployment_id = params["restApiId"], params["stageName"], params["deploymentId"]
    check_stage_name(name)
    records, now = Records(state.store), state.now()
    with state.store.transaction() as tx:
        state.rest_api(api_id, tx)
        exists = _exists(records, api_id, tx)
        if not exists(deployment_id):
            raise bad_request("Deployment id does not exist")
        if records.stages.get(f"{api_id}/{name}", tx) is not None:
            raise conflict("Stage already exists")
        stage = Stage(
            rest_api_id=api_id,
            stage_name=name,
            deployment_id=deployment_id,
            created_date=now,
            last_updated_date=now,
            description=params.get("description"),
            cache_cluster_enabled=bool(params.get("cacheClusterEnabled", False)),
            cache_cluster_size=params.get("cacheClusterSize"),
            variables=stage_patch.check_variables(params.get("variables")),
            documentation_version=params.get("documentationVersion"),
            canary_settings=_canary_settings(params.get("canarySettings"), deployment_id, exists),
            tracing_enabled=bool(params.get("tracingEnabled", False)),
            tags=dict(params["tags"]) if params.get("tags") else None,
        )
        records.stages.put(f"{api_id}/{name}", stage, tx)
    state.changed(api_id)
    return stage_output(stage)


def _get_stage(state: ApiGatewayState, params: OperationInput) -> OperationOutput:
    api_id = params["restApiId"]
    state.rest_api(api_id)
    return stage_output(stage_record(Records(state.store), api_id, params["stageName"]))


def _get_stages(state: ApiGatewayState, params: OperationInput) -> OperationOutput:
    # Not paged: GetStages answers every stage (optionally those of one deployment).
    api_id, wanted = params["restApiId"], params.get("deploymentId")
    state.rest_api(api_id)
    stages = Records(state.store).stages.all(f"{api_id}/")
    return {
        "item": [
            stage_output(stage)
            for stage in stages
            if wanted is None or stage.deployment_id == wanted
        ]
    }


def _update_stage(state: ApiGatewayState, params: OperationInput) -> OperationOutput:
    api_id, records = params["restApiId"], Records(state.store)
    with state.store.transaction() as tx:
        state.rest_api(api_id, tx)
        stage = stage_record(records, api_id, params["stageName"], tx)
        exists = _exists(records, api_id, tx)
        for patch in patching.patches(params, "updateStageInput"):
            stage_patch.apply(stage, patch, exists)
        stage.last_updated_date = state.now()
        records.stages.put(f"{api_id}/{stage.stage_name}", stage, tx)
    state.changed(api_id)
    return stage_output(stage)


def _delete_stage(state: ApiGatewayState, params: OperationInput) -> OperationOutput:
    api_id, name, records = params["restApiId"], params["stageName"], Records(state.store)
    with state.store.transaction() as tx:
        state.rest_api(api_id, tx)
        stage_record(records, api_id, name, tx)
        records.stages.delete(f"{api_id}/{name}", tx)
    state.changed(api_id)
    return {}


OPERATIONS: dict[str, Operation[ApiGatewayState]] = {
    "CreateStage": _create_stage,
    "GetStage": _get_stage,
    "GetStages": _get_stages,
    "UpdateStage": _update_stage,
    "DeleteStage": _delete_stage,
}

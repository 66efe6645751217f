"""CreateDeployment, GetDeployment, GetDeployments, UpdateDeployment, DeleteDeployment.

A deployment freezes the API as snapshot.py reads it at that moment and keeps it beside
the deployment record; stages serve deployments, never the live definition.
https://docs.aws.amazon.com/apigateway/latest/api/API_CreateDeployment.html
https://docs.aws.amazon.com/apigateway/latest/developerguide/how-to-deploy-api.html
"""

from __future__ import annotations

from typing import Any

from lamina.aws.service import Operation, OperationInput, OperationOutput
from lamina.core.store import Reader, Transaction
from lamina.services.apigateway import patching
from lamina.services.apigateway.deploy_records import (
    SNAPSHOTS,
    CanarySettings,
    Deployment,
    Records,
    Stage,
    render,
)
from lamina.services.apigateway.error import bad_request, not_found
from lamina.services.apigateway.ids import new_id
from lamina.services.apigateway.listing import page
from lamina.services.apigateway.snapshot import snapshot
from lamina.services.apigateway.stage_patch import check_percent, check_variables
from lamina.services.apigateway.stages import check_stage_name
from lamina.services.apigateway.state import ApiGatewayState

_IN_USE = "Active stages pointing to this deployment must be moved or deleted"


def deployment_not_found() -> Exception:
    return not_found("Invalid Deployment identifier specified")


def deployment(
    records: Records, rest_api_id: str, deployment_id: str, tx: Reader | None = None
) -> Deployment:
    record = records.deployments.get(f"{rest_api_id}/{deployment_id}", tx)
    if record is None:
        raise deployment_not_found()
    return record


def deployment_output(record: Deployment, embed: tuple[str, ...] = ()) -> dict[str, Any]:
    out = render(record, "restApiId", "apiSummary")
    if "apisummary" in embed:
        # GetDeployment?embed=apisummary: {path: {method: {authorizationType, apiKeyRequired}}}
        out["apiSummary"] = record.api_summary
    return out


def _frozen(state: ApiGatewayState, rest_api_id: str, tx: Reader) -> dict[str, Any]:
    """The API's snapshot, refused as AWS refuses to deploy an API without methods or with a
    method lacking its integration."""
    frozen = snapshot(state, rest_api_id, tx)
    methods = [
        method
        for resource in frozen.get("resources", ())
        for method in (resource.get("resourceMethods") or {}).values()
    ]
    if not methods:
        raise bad_request("The REST API doesn't contain any methods")
    if any(not method.get("methodIntegration") for method in methods):
        raise bad_request("No integration defined for method")
    api = frozen.get("restApi") or {}
    if (api.get("endpointConfiguration") or {}).get("types") == ["PRIVATE"] and not api.get(
        "policy"
    ):
        # https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-private-api-create.html
        raise bad_request("Private REST API doesn't have a resource policy attached to it")
    return frozen


def _api_summary(frozen: dict[str, Any]) -> dict[str, dict[str, dict[str, Any]]]:
    summary: dict[str, dict[str, dict[str, Any]]] = {}
    for resource in frozen.get("resources", ()):
        for verb, method in (resource.get("resourceMethods") or {}).items():
            summary.setdefault(resource["path"], {})[verb] = {
                "authorizationType": method.get("authorizationType", "NONE"),
                "apiKeyRequired": bool(method.get("apiKeyRequired", False)),
            }
    return summary


def _check_canary(records: Records, params: OperationInput, tx: Reader) -> None:
    # A canary release deploys onto an existing stage.
    # https://docs.aws.amazon.com/apigateway/latest/developerguide/create-canary-deployment.html
    name = params.get("stageName")
    if not name:
        shown = "null" if name is None else name
        raise bad_request(
            "Invalid deployment content specified.Non null and non empty stageName must be "
            f"provided for canary deployment. Provided value is {shown}"
        )
    if records.stages.get(f"{params['restApiId']}/{name}", tx) is None:
        raise bad_request(
            f"Invalid deployment content specified.Stage {name} must already be created before "
            "making a canary release deployment"
        )


def _deploy_to_stage(
    state: ApiGatewayState,
    records: Records,
    params: OperationInput,
    deployment_id: str,
    tx: Transaction,
) -> None:
    """Point `stageName` at the new deployment (creating the stage), or, with canarySettings,
    make the deployment the stage's canary and leave the stage where it is."""
    api_id, name, now = params["restApiId"], params["stageName"], state.now()
    stage = records.stages.get(f"{api_id}/{name}", tx)
    if stage is None:
        stage = Stage(
            rest_api_id=api_id,
            stage_name=check_stage_name(name),
            deployment_id=deployment_id,
            created_date=now,
            last_updated_date=now,
        )
    canary = params.get("canarySettings")
    if canary is not None:
        stage.canary_settings = CanarySettings(
            deployment_id=deployment_id,
            percent_traffic=check_percent(float(canary.get("percentTraffic", 0.0))),
            stage_variable_overrides=check_variables(canary.get("stageVariableOverrides")),
            use_stage_cache=bool(canary.get("useStageCache", False)),
        )
    else:
        # A plain deployment to the stage replaces what it serves, canary included.
        stage.deployment_id = deployment_id
        stage.canary_settings = None
    if params.get("stageDescription") is not None:
        stage.description = params["stageDescription"]
    if params.get("variables") is not None:
        stage.variables = check_variables(params["variables"])
    for member, field in (
        ("tracingEnabled", "tracing_enabled"),
        ("cacheClusterEnabled", "cache_cluster_enabled"),
        ("cacheClusterSize", "cache_cluster_size"),
    ):
        if params.get(member) is not None:
            setattr(stage, field, params[member])
    stage.last_updated_date = now
    records.stages.put(f"{api_id}/{name}", stage, tx)


def _create_deployment(state: ApiGatewayState, params: OperationInput) -> OperationOutput:
    api_id = params["restApiId"]
    records = Records(state.store)
    with state.store.transaction() as tx:
        frozen = _frozen(state, api_id, tx)
        record = Deployment(
            rest_api_id=api_id,
            id=new_id(),
            created_date=state.now(),
            description=params.get("description"),
            api_summary=_api_summary(frozen),
        )
        if params.get("canarySettings") is not None:
            _check_canary(records, params, tx)
        records.deployments.put(f"{api_id}/{record.id}", record, tx)
        records.put_snapshot(api_id, record.id, frozen, tx)
        if params.get("stageName"):
            _deploy_to_stage(state, records, params, record.id, tx)
    if params.get("stageName"):
        state.changed(api_id)
    return deployment_output(record)


def _get_deployment(state: ApiGatewayState, params: OperationInput) -> OperationOutput:
    api_id = params["restApiId"]
    state.rest_api(api_id)
    record = deployment(Records(state.store), api_id, params["deploymentId"])
    return deployment_output(record, tuple(params.get("embed") or ()))


def _get_deployments(state: ApiGatewayState, params: OperationInput) -> OperationOutput:
    api_id = params["restApiId"]
    state.rest_api(api_id)
    items = [deployment_output(r) for r in Records(state.store).deployments.all(f"{api_id}/")]
    return page(items, params)


def _update_deployment(state: ApiGatewayState, params: OperationInput) -> OperationOutput:
    # Only the description of a deployment changes; what it froze never does.
    # https://docs.aws.amazon.com/apigateway/latest/api/patch-operations.html
    api_id, records = params["restApiId"], Records(state.store)
    with state.store.transaction() as tx:
        state.rest_api(api_id, tx)
        record = deployment(records, api_id, params["deploymentId"], tx)
        for patch in patching.patches(params, "updateDeploymentInput"):
            if patch.path != "/description":
                raise patching.invalid_path(patch.path)
            if patch.op == "remove":
                record.description = None
            elif patch.op in ("replace", "add"):
                record.description = patch.value
            else:
                raise patching.invalid_op(patch)
        records.deployments.put(f"{api_id}/{record.id}", record, tx)
    return deployment_output(record)


def _delete_deployment(state: ApiGatewayState, params: OperationInput) -> OperationOutput:
    api_id, deployment_id = params["restApiId"], params["deploymentId"]
    records = Records(state.store)
    with state.store.transaction() as tx:
        state.rest_api(api_id, tx)
        deployment(records, api_id, deployment_id, tx)
        if deployment_id in _serving(records, api_id, tx):
            raise bad_request(_IN_USE)
        _forget(records, api_id, deployment_id, tx)
    return {}


def _serving(records: Records, rest_api_id: str, tx: Reader) -> set[str]:
    """The deployments the API's stages serve, canaries included."""
    ids: set[str] = set()
    for stage in records.stages.all(f"{rest_api_id}/", tx):
        ids.add(stage.deployment_id)
        if stage.canary_settings is not None and stage.canary_settings.deployment_id:
            ids.add(stage.canary_settings.deployment_id)
    return ids


def _forget(records: Records, rest_api_id: str, deployment_id: str, tx: Transaction) -> None:
    records.deployments.delete(f"{rest_api_id}/{deployment_id}", tx)
    tx.delete(SNAPSHOTS, f"{rest_api_id}/{deployment_id}")


OPERATIONS: dict[str, Operation[ApiGatewayState]] = {
    "CreateDeployment": _create_deployment,
    "GetDeployment": _get_deployment,
    "GetDeployments": _get_deployments,
    "UpdateDeployment": _update_deployment,
    "DeleteDeployment": _delete_deployment,
}

"""HTTP API stages and deployments: CreateStage / GetStage(s) / UpdateStage / DeleteStage,
DeleteRouteSettings, DeleteAccessLogSettings, CreateDeployment / GetDeployment(s) /
UpdateDeployment / DeleteDeployment.

A stage serves one deployment (an immutable snapshot, see state.py); with AutoDeploy it is
re-pointed at a new deployment whenever the API's definition changes.
https://docs.aws.amazon.com/apigatewayv2/latest/api-reference/apis-apiid-stages.html
https://docs.aws.amazon.com/apigatewayv2/latest/api-reference/apis-apiid-deployments.html
https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-stages.html
"""

from __future__ import annotations

import re
from typing import Any

from lamina.aws.service import Operation, OperationInput, OperationOutput
from lamina.core.store import Reader, Transaction
from lamina.services.apigateway.domain_store import Domains
from lamina.services.apigatewayv2.routes import route_by_key
from lamina.services.apigatewayv2.state import (
    Data,
    HttpApiState,
    bad_request,
    conflict,
    merge,
    not_found,
    page,
)

DEFAULT_STAGE = "$default"
_STAGE_NAME = re.compile(r"[A-Za-z0-9_-]{1,128}")
# "Stage variable names can only contain alphanumeric and underscore characters."
# https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-stages.stage-variables.html
_VARIABLE_NAME = re.compile(r"[A-Za-z0-9_]+")
_LOG_GROUP_ARN = re.compile(r"arn:[a-z-]+:logs:[a-z0-9-]+:\d{12}:log-group:[^:]+(?::\*)?")
_MEMBERS = ("AccessLogSettings", "ClientCertificateId", "DefaultRouteSettings", "Description")


def new_stage(
    state: HttpApiState, api_id: str, params: OperationInput, tx: Transaction, *, managed: bool
) -> Data:
    state.api(api_id, tx)
    name = params["StageName"]
    if name != DEFAULT_STAGE and not _STAGE_NAME.fullmatch(name):
        raise bad_request(
            f"Invalid stage name '{name}': use $default or up to 128 letters, digits, '-' and '_'"
        )
    if state.stages.get(f"{api_id}/{name}", tx) is not None:
        raise conflict(f"Stage {name} already exists")
    now = state.now()
    record: Data = {
        "AutoDeploy": bool(params.get("AutoDeploy", False)),
        "CreatedDate": now,
        "DefaultRouteSettings": {"DetailedMetricsEnabled": False},
        "LastUpdatedDate": now,
        "RouteSettings": {},
        "StageName": name,
        "StageVariables": {},
        "Tags": dict(params.get("Tags") or {}),
    }
    if managed:
        record["ApiGatewayManaged"] = True
    _apply(state, api_id, record, params, tx)
    if record["AutoDeploy"]:
        state.auto_deploy_stage(api_id, record, tx)
    state.put_child(state.stages, api_id, name, record, tx)
    return record


def _apply(
    state: HttpApiState, api_id: str, record: Data, params: OperationInput, tx: Reader
) -> None:
    """Validate and copy CreateStage / UpdateStage members onto the stage."""
    merge(record, params, _MEMBERS)
    if "AutoDeploy" in params:
        record["AutoDeploy"] = bool(params["AutoDeploy"])
    if "DeploymentId" in params:
        state.deployment(api_id, params["DeploymentId"], tx)
        record["DeploymentId"] = params["DeploymentId"]
    for name, value in (params.get("StageVariables") or {}).items():
        if not _VARIABLE_NAME.fullmatch(name):
            raise bad_request(
                f"Stage variable names can only contain alphanumeric and underscore "
                f"characters: {name}"
            )
        record["StageVariables"][name] = value
    for key, settings in (params.get("RouteSettings") or {}).items():
        # AWS: "Unable to find Route by key GET /x within the provided RouteSettings".
        route_by_key(state, api_id, key, tx)
        _check_throttle(settings)
        record["RouteSettings"][key] = {**record["RouteSettings"].get(key, {}), **settings}
    _check_throttle(record.get("DefaultRouteSettings") or {})
    _check_access_log(record.get("AccessLogSettings"))


def _check_throttle(settings: dict[str, Any]) -> None:
    # https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-throttling.html
    for member in ("ThrottlingBurstLimit", "ThrottlingRateLimit"):
        value = settings.get(member)
        if value is not None and value < 0:
            raise bad_request(f"{member} must not be negative")


def _check_access_log(settings: dict[str, Any] | None) -> None:
    # https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-logging.html
    if not settings:
        return
    arn = settings.get("DestinationArn")
    if arn is not None and not _LOG_GROUP_ARN.fullmatch(arn):
        raise bad_request(f"Invalid CloudWatch Logs log group ARN: {arn}")
    if arn is not None and not settings.get("Format"):
        raise bad_request("Access log settings need a Format with a DestinationArn")


def _unmanaged(stage: Data) -> Data:
    """ "If you created an API using quick create, the $default stage is managed by API
    Gateway. You can't modify the $default stage."
    https://docs.aws.amazon.com/apigatewayv2/latest/api-reference/apis-apiid-stages-stagename.html
    """
    if stage.get("ApiGatewayManaged"):
        raise bad_request(f"The stage {stage['StageName']} is managed by API Gateway")
    return stage


def _create_stage(state: HttpApiState, params: OperationInput) -> OperationOutput:
    api_id = params["ApiId"]
    with state.change(api_id) as (tx, _):
        return new_stage(state, api_id, params, tx, managed=False)


def _get_stage(state: HttpApiState, params: OperationInput) -> OperationOutput:
    return state.stage(params["ApiId"], params["StageName"])


def _get_stages(state: HttpApiState, params: OperationInput) -> OperationOutput:
    return state.page_of(state.stages, params)


def _update_stage(state: HttpApiState, params: OperationInput) -> OperationOutput:
    api_id, name = params["ApiId"], params["StageName"]
    with state.change(api_id) as (tx, _):
        record = _unmanaged(state.stage(api_id, name, tx))
        deploying = params.get("AutoDeploy") is True and not record.get("AutoDeploy")
        _apply(state, api_id, record, params, tx)
        record["LastUpdatedDate"] = state.now()
        if deploying:
            # Turning AutoDeploy on deploys the current definition at once.
            state.auto_deploy_stage(api_id, record, tx)
        state.put_child(state.stages, api_id, name, record, tx)
    return record


def _delete_stage(state: HttpApiState, params: OperationInput) -> OperationOutput:
    api_id, name = params["ApiId"], params["StageName"]
    with state.change(api_id) as (tx, _):
        _unmanaged(state.stage(api_id, name, tx))
        for mapping in Domains(state.store).mappings_to(api_id, tx, stage=name):
            raise conflict(
                f"Stage {name} is mapped to a custom domain name (API mapping "
                f"{mapping.id}); delete the API mapping first"
            )
        state.stages.delete(f"{api_id}/{name}", tx)
    return {}


def _delete_route_settings(state: HttpApiState, params: OperationInput) -> OperationOutput:
    api_id, name, key = params["ApiId"], params["StageName"], params["RouteKey"]
    with state.change(api_id) as (tx, _):
        record = state.stage(api_id, name, tx)
        if record["RouteSettings"].pop(key, None) is None:
            raise not_found(f"Unable to find route settings for route key {key}")
        record["LastUpdatedDate"] = state.now()
        state.put_child(state.stages, api_id, name, record, tx)
    return {}


def _delete_access_log_settings(state: HttpApiState, params: OperationInput) -> OperationOutput:
    api_id, name = params["ApiId"], params["StageName"]
    with state.change(api_id) as (tx, _):
        record = state.stage(api_id, name, tx)
        record.pop("AccessLogSettings", None)
        record["LastUpdatedDate"] = state.now()
        state.put_child(state.stages, api_id, name, record, tx)
    return {}


def _create_deployment(state: HttpApiState, params: OperationInput) -> OperationOutput:
    api_id = params["ApiId"]
    with state.change() as (tx, announce):
        stage = state.stage(api_id, params["StageName"], tx) if "StageName" in params else None
        deployment = state.deploy(api_id, tx, description=params.get("Description"), auto=False)
        if stage is not None:
            state.point_stage(api_id, stage, deployment["DeploymentId"], tx)
            announce.add(api_id)
    return deployment


def _get_deployment(state: HttpApiState, params: OperationInput) -> OperationOutput:
    return state.deployment(params["ApiId"], params["DeploymentId"])


def _get_deployments(state: HttpApiState, params: OperationInput) -> OperationOutput:
    api_id = params["ApiId"]
    state.api(api_id)
    return page([record.data for record in state.deployments.all(f"{api_id}/")], params)


def _update_deployment(state: HttpApiState, params: OperationInput) -> OperationOutput:
    api_id, deployment_id = params["ApiId"], params["DeploymentId"]
    with state.change() as (tx, _):
        found = state.deployment_record(api_id, deployment_id, tx)
        if "Description" in params:
            found.data["Description"] = params["Description"]
        state.deployments.put(f"{api_id}/{deployment_id}", found, tx)
    return found.data


def _delete_deployment(state: HttpApiState, params: OperationInput) -> OperationOutput:
    api_id, deployment_id = params["ApiId"], params["DeploymentId"]
    with state.change() as (tx, _):
        state.deployment(api_id, deployment_id, tx)
        for stage in state.all_of(state.stages, api_id, tx):
            if stage.get("DeploymentId") == deployment_id:
                # The REST API's wording for the same rule.
                # https://docs.aws.amazon.com/apigateway/latest/api/API_DeleteDeployment.html
                raise bad_request(
                    "Active stages pointing to this deployment must be moved or deleted"
                )
        state.deployments.delete(f"{api_id}/{deployment_id}", tx)
    return {}


OPERATIONS: dict[str, Operation[HttpApiState]] = {
    "CreateStage": _create_stage,
    "GetStage": _get_stage,
    "GetStages": _get_stages,
    "UpdateStage": _update_stage,
    "DeleteStage": _delete_stage,
    "DeleteRouteSettings": _delete_route_settings,
    "DeleteAccessLogSettings": _delete_access_log_settings,
    "CreateDeployment": _create_deployment,
    "GetDeployment": _get_deployment,
    "GetDeployments": _get_deployments,
    "UpdateDeployment": _update_deployment,
    "DeleteDeployment": _delete_deployment,
}

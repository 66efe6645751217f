"""Template-declared HTTP APIs written into the store as deployed APIs, so the management API
lists and changes them and the data plane serves every HTTP API from the store alike.

`adopt` takes what config/apigatewayv2_render makes of a template API (a snapshot and its
stages' records, all on one deployment named by the snapshot's content) and writes, in one
transaction: the API record, its routes / integrations / authorizers, that deployment and
the stages pointing at it. The API record carries an internal member, `TEMPLATE_MEMBER`, that
is no member of botocore's Api shape (so GetApi / GetApis never show it) and says which
template wrote it: its logical id, a digest of what was adopted, the deployment and the
template's stage names. The API is also tagged as CloudFormation tags what it creates
(aws:cloudformation:logical-id, and aws:cloudformation:stack-name when a stack name is given).
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-resource-tags.html

Adopting what was adopted last changes nothing (management-made changes since then stay).
Adopting changed content replaces the definition (routes, integrations, authorizers the
template no longer declares are gone), re-points the template's stages (and stages that
deploy themselves) at the new deployment, deletes template stages the template dropped, and
keeps stages and deployments made through the management API.
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Iterable, Sequence

from lamina.core.store import Reader, Transaction
from lamina.services.apigateway.domain_store import Domains
from lamina.services.apigatewayv2.state import Data, DeploymentRecord, HttpApiState

TEMPLATE_MEMBER = "LaminaTemplate"
TEMPLATE_DESCRIPTION = "Deployed from the template"
STACK_TAG = "aws:cloudformation:stack-name"
LOGICAL_ID_TAG = "aws:cloudformation:logical-id"


def adopt(
    state: HttpApiState,
    snapshot: Data,
    stages: Sequence[Data],
    *,
    logical_id: str,
    stack_name: str | None = None,
) -> bool:
    """Write (or overwrite) a template API as deployed; whether anything changed. A change is
    announced to `state.on_change` after the commit."""
    api_id = str(snapshot["api"]["ApiId"])
    digest = _digest(snapshot, stages, [logical_id, stack_name])
    deployment_id = _deployment_id(stages)
    with state.change() as (tx, announce):
        found = state.apis.get(api_id, tx)
        before = found.data.get(TEMPLATE_MEMBER) if found is not None else None
        if before is not None and before.get("Digest") == digest:
            return False
        changed = found is None or state.snapshot(api_id, tx) != snapshot
        now = state.now()
        record = _api_record(state, found.data if found else None, snapshot, tx, now)
        record[TEMPLATE_MEMBER] = {
            "DeploymentId": deployment_id,
            "Digest": digest,
            "LogicalId": logical_id,
            "Stages": [stage["StageName"] for stage in stages],
        }
        tags = record["Tags"] = dict(record.get("Tags") or {})
        tags[LOGICAL_ID_TAG] = logical_id
        if stack_name is not None:
            tags[STACK_TAG] = stack_name
        state.put_api(record, tx)
        if changed:
            _write_definition(state, api_id, snapshot, tx)
        if deployment_id is not None:
            _write_deployment(state, api_id, deployment_id, snapshot, tx, now)
        for stage in stages:
            _write_stage(state, api_id, stage, tx, now)
        dropped = set((before or {}).get("Stages") or ()) - {s["StageName"] for s in stages}
        for name in sorted(dropped):
            _delete_stage(state, api_id, name, tx)
        if changed:
            _redeploy_self_deploying(
                state, api_id, deployment_id, set(record[TEMPLATE_MEMBER]["Stages"]), tx
            )
        _prune(state, api_id, (before or {}).get("DeploymentId"), deployment_id, tx)
        announce.add(api_id)
    return True


def forget_missing(
    state: HttpApiState, template_api_ids: Iterable[str], *, stack_name: str | None = None
) -> list[str]:
    """Delete the template-adopted APIs (of the stack `stack_name` when given) whose ids are
    not in `template_api_ids` (a template that no longer declares them), with their API
    mappings; their ids, announced after the commit."""
    keep = set(template_api_ids)
    with state.change() as (tx, announce):
        for record in state.apis.all("", tx):
            api_id = record.data["ApiId"]
            stack = (record.data.get("Tags") or {}).get(STACK_TAG)
            ours = stack_name is None or stack == stack_name
            if TEMPLATE_MEMBER in record.data and ours and api_id not in keep:
                _delete_mappings(state, tx, api_id)
                state.delete_api(api_id, tx)
                announce.add(api_id)
        gone = sorted(announce)
    return gone


def template_logical_id(state: HttpApiState, api_id: str, tx: Reader | None = None) -> str | None:
    """The template logical id an adopted API was declared under; None for the APIs made
    through the management API (and unknown ids)."""
    found = state.apis.get(api_id, tx)
    template = found.data.get(TEMPLATE_MEMBER) if found is not None else None
    return str(template["LogicalId"]) if template else None


def _digest(snapshot: Data, stages: Sequence[Data], names: list[str | None]) -> str:
    text = json.dumps([snapshot, list(stages), names], sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def _deployment_id(stages: Sequence[Data]) -> str | None:
    """The one deployment the template's stages serve; None when it declares no stage."""
    ids = {str(stage["DeploymentId"]) for stage in stages}
    if len(ids) > 1:
        raise ValueError(f"template stages name several deployments: {sorted(ids)}")
    return ids.pop() if ids else None


def _api_record(
    state: HttpApiState, found: Data | None, snapshot: Data, tx: Reader, now: float
) -> Data:
    """The GetApi record: the snapshot's members over the existing record's (its creation
    date, tags, description stay), as CreateApi would have made it."""
    api_id = snapshot["api"]["ApiId"]
    if found is None:
        record: Data = {
            "ApiEndpoint": f"https://{api_id}.execute-api.{state.region}.amazonaws.com",
            "CreatedDate": now,
            "Tags": {},
        }
    else:
        record = dict(found)
        for member in state.snapshot(api_id, tx)["api"]:
            record.pop(member, None)
    record.update(copy.deepcopy(snapshot["api"]))
    return record


def _write_definition(state: HttpApiState, api_id: str, snapshot: Data, tx: Transaction) -> None:
    """The snapshot's routes, integrations and authorizers replace the API's, written in the
    snapshot's order (the store lists them in write order, so a deployment of the API made
    through the management API freezes an equal snapshot)."""
    for collection, key, id_member in (
        (state.routes, "routes", "RouteId"),
        (state.integrations, "integrations", "IntegrationId"),
        (state.authorizers, "authorizers", "AuthorizerId"),
    ):
        tx.delete_prefix(collection.kind, f"{api_id}/")
        for item in snapshot[key]:
            state.put_child(collection, api_id, item[id_member], copy.deepcopy(item), tx)


def _write_deployment(
    state: HttpApiState,
    api_id: str,
    deployment_id: str,
    snapshot: Data,
    tx: Transaction,
    now: float,
) -> None:
    """The content-named deployment, once: the same content keeps its creation date."""
    key = f"{api_id}/{deployment_id}"
    if state.deployments.get(key, tx) is not None:
        return
    # https://docs.aws.amazon.com/apigatewayv2/latest/api-reference/apis-apiid-deployments-deploymentid.html
    data: Data = {
        "AutoDeployed": False,
        "CreatedDate": now,
        "DeploymentId": deployment_id,
        "DeploymentStatus": "DEPLOYED",
        "Description": TEMPLATE_DESCRIPTION,
    }
    state.deployments.put(key, DeploymentRecord(data, copy.deepcopy(snapshot)), tx)


def _write_stage(
    state: HttpApiState, api_id: str, rendered: Data, tx: Transaction, now: float
) -> None:
    """The template's members over the existing stage's (its creation date, tags and
    description stay); untouched when nothing differs."""
    name = rendered["StageName"]
    found = state.stages.get(f"{api_id}/{name}", tx)
    before: Data = found.data if found is not None else {}
    record: Data = {"CreatedDate": now, "Tags": {}, **before}
    record.pop("AccessLogSettings", None)
    record.update(copy.deepcopy(rendered))
    if record == before:
        return
    record["LastUpdatedDate"] = now
    if before.get("DeploymentId") != record["DeploymentId"]:
        state.point_stage(api_id, record, record["DeploymentId"], tx)
        return
    state.put_child(state.stages, api_id, name, record, tx)


def _redeploy_self_deploying(
    state: HttpApiState, api_id: str, deployment_id: str | None, template: set[str], tx: Transaction
) -> None:
    """Stages made through the management API with AutoDeploy follow a changed definition,
    as they follow any change to the API's configuration."""
    # https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-stages.html
    for stage in state.all_of(state.stages, api_id, tx):
        if stage["StageName"] in template or not stage.get("AutoDeploy"):
            continue
        if deployment_id is None:
            state.auto_deploy_stage(api_id, stage, tx)
        elif stage.get("DeploymentId") != deployment_id:
            state.point_stage(api_id, stage, deployment_id, tx)


def _delete_stage(state: HttpApiState, api_id: str, name: str, tx: Transaction) -> None:
    state.stages.delete(f"{api_id}/{name}", tx)
    _delete_mappings(state, tx, api_id, stage=name)


def _delete_mappings(
    state: HttpApiState, tx: Transaction, api_id: str, stage: str | None = None
) -> None:
    Domains(state.store).drop_mappings_to(api_id, tx, stage)


def _prune(
    state: HttpApiState, api_id: str, old: str | None, new: str | None, tx: Transaction
) -> None:
    """The previous template deployment goes once no stage serves it (a stage re-pointed at
    it through UpdateStage keeps it)."""
    if not old or old == new:
        return
    if any(s.get("DeploymentId") == old for s in state.all_of(state.stages, api_id, tx)):
        return
    state.deployments.delete(f"{api_id}/{old}", tx)

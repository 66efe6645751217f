"""adopt(): a template's REST API written into the management API's records, as
CloudFormation leaves one behind: the API, its resources, methods, authorizers and
gateway responses, one deployment of that definition, and the template's stages on it.
So GetRestApis / GetResources / GetStages show template APIs, and UpdateStage or
CreateDeployment change what they serve like any other API's.

Each adoption (every `lamina up`, every reload) is one transaction, and follows what a
stack update does:
- the definition records are replaced by the template's (a resource the template no
  longer has is gone);
- a deployment is added only when the definition is new (its id derives from the
  content, lamina.config.apigateway_render), and the template's stages move to it when
  it differs from the one they were last moved to; while the template is unchanged a
  stage stays wherever the API moved it (a rollback survives a restart);
- a stage's settings are the template's when the template's stage changed since the last
  adoption (what it leaves unset, e.g. a canary made through the API, is kept); while it
  is unchanged, what the API changed on the stage (variables, a canary ...) is kept.
APIs are tagged as CloudFormation tags what it creates (aws:cloudformation:stack-name,
aws:cloudformation:logical-id); `forget_removed` deletes a stack's APIs its template
no longer declares.
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-resource-tags.html
"""

from __future__ import annotations

from collections.abc import Collection as Names
from typing import Any

import msgspec
import orjson

from lamina.services.apigateway.deploy_records import Deployment, Records, Stage
from lamina.services.apigateway.records import (
    Authorizer,
    GatewayResponse,
    Model,
    RequestValidator,
    Resource,
    RestApi,
)
from lamina.services.apigateway.state import ApiGatewayState

STACK_TAG = "aws:cloudformation:stack-name"
LOGICAL_ID_TAG = "aws:cloudformation:logical-id"
ADOPTED = "apigw/adopted"
"""`{restApiId}/template` -> the deployment the template's stages were last moved to;
`{restApiId}/{stage}/settings` -> the template's stage as last adopted. Keyed under the
API, so they go when the API is deleted."""
_DEFINITION_KINDS = (
    "apigw/resources",
    "apigw/authorizers",
    "apigw/gatewayresponses",
    "apigw/models",
    "apigw/requestvalidators",
)


def adopt(
    state: ApiGatewayState,
    snapshot: dict[str, Any],
    stages: list[dict[str, Any]],
    *,
    stack_name: str,
    logical_id: str,
) -> None:
    api_id = str(snapshot["restApi"]["id"])
    records = Records(state.store)
    now = state.now()
    resources = [msgspec.convert(r, Resource) for r in snapshot.get("resources", ())]
    root = next((r.id for r in resources if r.path == "/"), resources[0].id if resources else "")
    with state.store.transaction() as tx:
        known = state.rest_apis.get(api_id, tx)
        fields = {**snapshot["restApi"]}
        fields["createdDate"] = known.created_date if known is not None else now
        fields["rootResourceId"] = root
        fields["tags"] = {
            **((known.tags or {}) if known is not None else {}),
            STACK_TAG: stack_name,
            LOGICAL_ID_TAG: logical_id,
        }
        state.rest_apis.put(api_id, msgspec.convert(fields, RestApi), tx)
        for kind in _DEFINITION_KINDS:
            tx.delete_prefix(kind, f"{api_id}/")
        for resource in resources:
            state.put_resource(api_id, resource, tx)
        for found in snapshot.get("authorizers", ()):
            record = msgspec.convert(found, Authorizer)
            state.authorizers.put(f"{api_id}/{record.id}", record, tx)
        for found in snapshot.get("gatewayResponses", ()):
            response = msgspec.convert(found, GatewayResponse)
            state.gateway_responses.put(f"{api_id}/{response.response_type}", response, tx)
        for found in snapshot.get("models", ()):
            model = msgspec.convert(found, Model)
            state.models.put(f"{api_id}/{model.name}", model, tx)
        for found in snapshot.get("requestValidators", ()):
            validator = msgspec.convert(found, RequestValidator)
            state.validators.put(f"{api_id}/{validator.id}", validator, tx)
        last = tx.get(ADOPTED, f"{api_id}/template")
        for given in stages:
            deployment_id = str(given["deploymentId"])
            if records.deployments.get(f"{api_id}/{deployment_id}", tx) is None:
                records.deployments.put(
                    f"{api_id}/{deployment_id}",
                    Deployment(
                        rest_api_id=api_id,
                        id=deployment_id,
                        created_date=now,
                        description=f"{stack_name}/{logical_id}",
                    ),
                    tx,
                )
                records.put_snapshot(api_id, deployment_id, snapshot, tx)
            key = f"{api_id}/{given['stageName']}"
            moved = last is None or last.decode() != deployment_id
            settings = {name: value for name, value in given.items() if name != "deploymentId"}
            seen = tx.get(ADOPTED, f"{key}/settings")
            current = records.stages.get(key, tx)
            if current is not None and seen is not None and orjson.loads(seen) == settings:
                # The template's stage is as last adopted: keep what the API changed.
                if moved:
                    current.deployment_id = deployment_id
                    current.last_updated_date = now
                    records.stages.put(key, current, tx)
            else:
                records.stages.put(key, _stage(api_id, current, given, moved, now), tx)
            tx.put(ADOPTED, f"{key}/settings", orjson.dumps(settings))
            tx.put(ADOPTED, f"{api_id}/template", deployment_id.encode())


def forget_removed(state: ApiGatewayState, stack_name: str, declared: Names[str]) -> list[str]:
    """Delete the stack's APIs whose logical ids the template no longer declares."""
    gone = []
    with state.store.transaction() as tx:
        for api in state.rest_apis.all("", tx):
            tags = api.tags or {}
            if tags.get(STACK_TAG) == stack_name and tags.get(LOGICAL_ID_TAG) not in declared:
                state.delete_api_records(api.id, tx)
                gone.append(api.id)
    return gone


def logical_id_of(api: RestApi) -> str | None:
    return (api.tags or {}).get(LOGICAL_ID_TAG)


def _stage(
    api_id: str, known: Stage | None, given: dict[str, Any], moved: bool, now: float
) -> Stage:
    fields = {**given, "restApiId": api_id}
    fields.setdefault("createdDate", now)
    fields["lastUpdatedDate"] = now
    if known is None:
        return msgspec.convert(fields, Stage)
    fields["createdDate"] = known.created_date
    if not moved:  # the definition is unchanged: keep where the API moved the stage
        fields["deploymentId"] = known.deployment_id
    stage = msgspec.convert(fields, Stage)
    return msgspec.structs.replace(
        stage,
        canary_settings=stage.canary_settings or known.canary_settings,
        method_settings=stage.method_settings or known.method_settings,
        description=stage.description or known.description,
        tags=stage.tags or known.tags,
    )

"""CreateUsagePlan, GetUsagePlan(s), UpdateUsagePlan, DeleteUsagePlan, the usage plan keys
(Create/Get/GetMany/Delete UsagePlanKey); GetUsage and UpdateUsage are in usage.py.
https://docs.aws.amazon.com/apigateway/latest/api/API_CreateUsagePlan.html
https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-api-usage-plans.html
"""

from __future__ import annotations

import re
from typing import Any, NamedTuple

from lamina.aws.service import Operation, OperationInput, OperationOutput
from lamina.core.store import Reader, Store
from lamina.services.apigateway import patching
from lamina.services.apigateway.api_keys import API_KEY_TYPE, api_key
from lamina.services.apigateway.deploy_records import (
    EVERYTHING,
    ApiStage,
    QuotaSettings,
    Records,
    ThrottleSettings,
    UsagePlan,
    UsagePlanKey,
    render,
)
from lamina.services.apigateway.error import bad_request, conflict, not_found
from lamina.services.apigateway.ids import new_id
from lamina.services.apigateway.listing import page
from lamina.services.apigateway.patch import unescape
from lamina.services.apigateway.state import ApiGatewayState

_PERIODS = ("DAY", "WEEK", "MONTH")
# What UpdateUsagePlan removes, in AWS's words when asked to remove anything else.
_REMOVABLE = (
    "[/apiStages, /quota, /throttle, /productCode, "
    "/apiStages/<apidId:stageName>/throttle/<resourcePath>/<httpMethod>, "
    "/apiStages/<apidId:stageName>/throttle]"
)
_STAGE_THROTTLE = re.compile(r"/apiStages/[^/]+:[^/]+/throttle(/.+/[^/]+)?")


class PlanKeys(NamedTuple):
    """A usage plan with the keys it admits, as the data plane enforces them."""

    plan: dict[str, Any]
    keys: list[dict[str, Any]]
    """GetApiKey(includeValue) outputs."""


def plan_not_found() -> Exception:
    return not_found("Invalid Usage Plan ID specified")


def usage_plan(records: Records, plan_id: str, tx: Reader | None = None) -> UsagePlan:
    record = records.usage_plans.get(plan_id, tx)
    if record is None:
        raise plan_not_found()
    return record


def plans_with_keys(store: Store, tx: Reader | None = None) -> list[PlanKeys]:
    """Every usage plan and its keys' values, in one consistent read (`tx`'s, else a
    transaction of its own), for the wiring."""
    if tx is None:
        with store.transaction() as own:
            return plans_with_keys(store, own)
    records = Records(store)
    out = []
    for plan in records.usage_plans.all("", tx):
        keys = [
            render(key)
            for link in records.plan_keys.all(f"{plan.id}/", tx)
            if (key := records.api_keys.get(link.key_id, tx)) is not None
        ]
        out.append(PlanKeys(render(plan), keys))
    return out


def _api_stage(state: ApiGatewayState, records: Records, given: dict[str, Any], tx: Reader) -> Any:
    api_id, stage = given.get("apiId", ""), given.get("stage", "")
    if records.stages.get(f"{api_id}/{stage}", tx) is None:
        raise not_found(f"API Stage not found: {api_id}:{stage}")
    throttle = {
        path: ThrottleSettings(burst_limit=t.get("burstLimit"), rate_limit=t.get("rateLimit"))
        for path, t in (given.get("throttle") or {}).items()
    }
    return ApiStage(api_id=api_id, stage=stage, throttle=throttle or None)


def _quota(given: dict[str, Any] | None) -> QuotaSettings | None:
    if given is None:
        return None
    if given.get("period") not in _PERIODS:
        raise bad_request("Quota period must be one of DAY, WEEK or MONTH")
    if int(given.get("limit", 0)) < 0:
        raise bad_request("Quota limit must be a non-negative integer")
    return QuotaSettings(
        limit=given.get("limit"), offset=given.get("offset", 0), period=given["period"]
    )


def _create_usage_plan(state: ApiGatewayState, params: OperationInput) -> OperationOutput:
    records = Records(state.store)
    throttle = params.get("throttle")
    with state.store.transaction() as tx:
        record = UsagePlan(
            id=new_id(),
            name=params["name"],
            description=params.get("description"),
            api_stages=[_api_stage(state, records, s, tx) for s in params.get("apiStages") or ()],
            throttle=None
            if throttle is None
            else ThrottleSettings(
                burst_limit=throttle.get("burstLimit"), rate_limit=throttle.get("rateLimit")
            ),
            quota=_quota(params.get("quota")),
            tags=dict(params["tags"]) if params.get("tags") else None,
        )
        records.usage_plans.put(record.id, record, tx)
    state.changed(EVERYTHING)
    return render(record)


def _get_usage_plan(state: ApiGatewayState, params: OperationInput) -> OperationOutput:
    return render(usage_plan(Records(state.store), params["usagePlanId"]))


def _get_usage_plans(state: ApiGatewayState, params: OperationInput) -> OperationOutput:
    records, key_id = Records(state.store), params.get("keyId")
    plans = records.usage_plans.all()
    if key_id is not None:
        plans = [p for p in plans if records.plan_keys.get(f"{p.id}/{key_id}") is not None]
    return page([render(plan) for plan in plans], params)


def _update_usage_plan(state: ApiGatewayState, params: OperationInput) -> OperationOutput:
    # https://docs.aws.amazon.com/apigateway/latest/api/patch-operations.html (UpdateUsagePlan)
    records = Records(state.store)
    with state.store.transaction() as tx:
        record = usage_plan(records, params["usagePlanId"], tx)
        for patch in patching.patches(params, "updateUsagePlanInput"):
            _apply(state, records, record, patch, tx)
        records.usage_plans.put(record.id, record, tx)
    state.changed(EVERYTHING)
    return render(record)


def _apply(
    state: ApiGatewayState, records: Records, plan: UsagePlan, patch: patching.Patch, tx: Reader
) -> None:
    path, op = patch.path, patch.op
    if op == "remove" and not _removable(path):
        raise bad_request(
            f"Invalid patch path  '{path}' specified for op 'remove'. Must be one of: {_REMOVABLE}"
        )
    if path == "/productCode" and op == "remove":
        plan.product_code = None
    elif path in ("/name", "/description", "/productCode"):
        if op != "replace":
            raise patching.invalid_op(patch)
        field = {"/name": "name", "/description": "description", "/productCode": "product_code"}
        setattr(plan, field[path], patching.required(patch) if path == "/name" else patch.value)
    elif path in ("/throttle", "/quota") and op == "remove":
        setattr(plan, path[1:], None)
    elif path in ("/throttle/burstLimit", "/throttle/rateLimit"):
        if op not in ("replace", "add"):
            raise patching.invalid_op(patch)
        throttle = plan.throttle or ThrottleSettings()
        if path.endswith("burstLimit"):
            throttle.burst_limit = patching.to_int(patch)
        else:
            throttle.rate_limit = patching.to_float(patch)
        plan.throttle = throttle
    elif path in ("/quota/limit", "/quota/offset", "/quota/period"):
        _apply_quota(plan, patch)
    elif path == "/apiStages":
        _apply_api_stages(state, records, plan, patch, tx)
    elif path.startswith("/apiStages/"):
        _apply_method_throttle(plan, patch)
    else:
        raise patching.invalid_path(path)


def _removable(path: str) -> bool:
    if path in ("/apiStages", "/quota", "/throttle", "/productCode"):
        return True
    leaf = path.rsplit("/", 1)[-1]
    return leaf not in ("burstLimit", "rateLimit") and bool(_STAGE_THROTTLE.fullmatch(path))


def _apply_quota(plan: UsagePlan, patch: patching.Patch) -> None:
    if patch.op not in ("replace", "add"):
        raise patching.invalid_op(patch)
    quota = plan.quota or QuotaSettings(offset=0)
    if patch.path == "/quota/period":
        period = patching.required(patch)
        if period not in _PERIODS:
            raise bad_request("Quota period must be one of DAY, WEEK or MONTH")
        quota.period = period
    elif patch.path == "/quota/limit":
        quota.limit = patching.to_int(patch)
    else:
        quota.offset = patching.to_int(patch)
    plan.quota = quota


def _apply_api_stages(
    state: ApiGatewayState, records: Records, plan: UsagePlan, patch: patching.Patch, tx: Reader
) -> None:
    # value "{apiId}:{stage}"
    api_id, _, stage = patching.required(patch).partition(":")
    present = [s for s in plan.api_stages if (s.api_id, s.stage) == (api_id, stage)]
    if patch.op == "add":
        if not present:
            added = _api_stage(state, records, {"apiId": api_id, "stage": stage}, tx)
            plan.api_stages = [*plan.api_stages, added]
    elif patch.op == "remove":
        if not present:
            raise bad_request("Invalid API Stage specified")
        plan.api_stages = [s for s in plan.api_stages if s not in present]
    else:
        raise patching.invalid_op(patch)


def _apply_method_throttle(plan: UsagePlan, patch: patching.Patch) -> None:
    """/apiStages/{apiId}:{stage}/throttle/{resourcePath}/{httpMethod}[/burstLimit|rateLimit]:
    the per-method throttle keyed "{resourcePath}/{httpMethod}" ("/pets/GET")."""
    parts = patch.path.split("/")[2:]
    api_id, _, stage_name = parts[0].partition(":")
    stage = next((s for s in plan.api_stages if (s.api_id, s.stage) == (api_id, stage_name)), None)
    if stage is None:
        raise not_found(f"API Stage not found: {api_id}:{stage_name}")
    rest = parts[1:]
    if rest == ["throttle"] and patch.op == "remove":
        stage.throttle = None
        return
    if len(rest) < 3 or rest[0] != "throttle":
        raise patching.invalid_path(patch.path)
    leaf = rest[-1] if rest[-1] in ("burstLimit", "rateLimit") else None
    method_parts = rest[1:-1] if leaf else rest[1:]
    key = "/".join(unescape(p) for p in method_parts)
    throttles = dict(stage.throttle or {})
    if patch.op == "remove" and leaf is None:
        throttles.pop(key, None)
    elif patch.op in ("replace", "add") and leaf is not None:
        setting = throttles.get(key) or ThrottleSettings()
        if leaf == "burstLimit":
            setting.burst_limit = patching.to_int(patch)
        else:
            setting.rate_limit = patching.to_float(patch)
        throttles[key] = setting
    else:
        raise patching.invalid_op(patch)
    stage.throttle = throttles or None


def _delete_usage_plan(state: ApiGatewayState, params: OperationInput) -> OperationOutput:
    records = Records(state.store)
    with state.store.transaction() as tx:
        plan = usage_plan(records, params["usagePlanId"], tx)
        if plan.api_stages:
            first = plan.api_stages[0]
            raise bad_request(
                f"Cannot delete Usage Plan {plan.id} because there are API Stages associated "
                f"with it, including {first.api_id}:{first.stage}"
            )
        records.usage_plans.delete(plan.id, tx)
        tx.delete_prefix(records.plan_keys.kind, f"{plan.id}/")
    state.changed(EVERYTHING)
    return {}


def _plan_key_output(
    records: Records, link: UsagePlanKey, tx: Reader | None = None
) -> dict[str, Any]:
    key = api_key(records, link.key_id, tx)
    return {"id": key.id, "type": link.key_type, "value": key.value, "name": key.name}


def _create_usage_plan_key(state: ApiGatewayState, params: OperationInput) -> OperationOutput:
    records, plan_id, key_id = Records(state.store), params["usagePlanId"], params["keyId"]
    if params["keyType"] != API_KEY_TYPE:
        raise bad_request(f"Invalid key type: {params['keyType']}. Must be {API_KEY_TYPE}")
    with state.store.transaction() as tx:
        usage_plan(records, plan_id, tx)
        api_key(records, key_id, tx)
        if records.plan_keys.get(f"{plan_id}/{key_id}", tx) is not None:
            raise conflict(f"Usage Plan {plan_id} already contains API Key {key_id}")
        link = UsagePlanKey(usage_plan_id=plan_id, key_id=key_id, key_type=API_KEY_TYPE)
        records.plan_keys.put(f"{plan_id}/{key_id}", link, tx)
        output = _plan_key_output(records, link, tx)
    state.changed(EVERYTHING)
    return output


def plan_key(records: Records, params: OperationInput, tx: Reader | None = None) -> UsagePlanKey:
    usage_plan(records, params["usagePlanId"], tx)
    link = records.plan_keys.get(f"{params['usagePlanId']}/{params['keyId']}", tx)
    if link is None:
        raise not_found("Invalid Usage Plan Key identifier specified")
    return link


def _get_usage_plan_key(state: ApiGatewayState, params: OperationInput) -> OperationOutput:
    records = Records(state.store)
    return _plan_key_output(records, plan_key(records, params))


def _get_usage_plan_keys(state: ApiGatewayState, params: OperationInput) -> OperationOutput:
    records, plan_id, name = Records(state.store), params["usagePlanId"], params.get("nameQuery")
    usage_plan(records, plan_id)
    items = [_plan_key_output(records, link) for link in records.plan_keys.all(f"{plan_id}/")]
    items = [i for i in items if name is None or (i.get("name") or "").startswith(name)]
    return page(items, params)


def _delete_usage_plan_key(state: ApiGatewayState, params: OperationInput) -> OperationOutput:
    records = Records(state.store)
    with state.store.transaction() as tx:
        link = plan_key(records, params, tx)
        records.plan_keys.delete(f"{link.usage_plan_id}/{link.key_id}", tx)
    state.changed(EVERYTHING)
    return {}


OPERATIONS: dict[str, Operation[ApiGatewayState]] = {
    "CreateUsagePlan": _create_usage_plan,
    "GetUsagePlan": _get_usage_plan,
    "GetUsagePlans": _get_usage_plans,
    "UpdateUsagePlan": _update_usage_plan,
    "DeleteUsagePlan": _delete_usage_plan,
    "CreateUsagePlanKey": _create_usage_plan_key,
    "GetUsagePlanKey": _get_usage_plan_key,
    "GetUsagePlanKeys": _get_usage_plan_keys,
    "DeleteUsagePlanKey": _delete_usage_plan_key,
}

"""Usage plans through boto3: CreateUsagePlan, GetUsagePlan(s), UpdateUsagePlan,
DeleteUsagePlan, the usage plan keys and GetUsage.

https://docs.aws.amazon.com/apigateway/latest/api/API_CreateUsagePlan.html
https://docs.aws.amazon.com/apigateway/latest/api/API_GetUsage.html
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import pytest
from botocore.exceptions import ClientError

from lamina.gateway.limits.limiter import InProcessLimiter
from lamina.gateway.limits.model import Quota
from lamina.gateway.limits.usage_reader import LimiterUsage
from lamina.services.apigateway.usage_plans import plans_with_keys

from .deploy_server import deployed_api, error_of


def _plan(apigw: Any, api_id: str, **options: Any) -> Any:
    return apigw.create_usage_plan(
        name="basic",
        apiStages=[{"apiId": api_id, "stage": "dev"}],
        throttle={"burstLimit": 10, "rateLimit": 5.0},
        quota={"limit": 1000, "period": "DAY"},
        **options,
    )


def _ops(*ops: tuple[str, str, str]) -> list[dict[str, str]]:
    return [{"op": op, "path": path, "value": value} for op, path, value in ops]


def test_create_usage_plan_with_stages_throttle_and_quota(apigw: Any, server: Any) -> None:
    api_id, _ = deployed_api(apigw)
    server.changes.clear()
    plan = _plan(apigw, api_id, description="the basic tier")
    assert plan["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert plan["apiStages"] == [{"apiId": api_id, "stage": "dev"}]
    assert plan["throttle"] == {"burstLimit": 10, "rateLimit": 5.0}
    assert plan["quota"] == {"limit": 1000, "offset": 0, "period": "DAY"}
    assert server.changes == [""]
    fetched = apigw.get_usage_plan(usagePlanId=plan["id"])
    assert fetched["name"] == "basic" and fetched["description"] == "the basic tier"


def test_create_usage_plan_on_unknown_stage_is_not_found(apigw: Any) -> None:
    api_id, _ = deployed_api(apigw)
    with pytest.raises(ClientError) as info:
        apigw.create_usage_plan(name="p", apiStages=[{"apiId": api_id, "stage": "prod"}])
    assert error_of(info) == (404, "NotFoundException", f"API Stage not found: {api_id}:prod")
    assert apigw.get_usage_plans()["items"] == []


def test_get_usage_plans_filters_by_key(apigw: Any) -> None:
    first = apigw.create_usage_plan(name="one")["id"]
    second = apigw.create_usage_plan(name="two")["id"]
    key = apigw.create_api_key(name="k")["id"]
    apigw.create_usage_plan_key(usagePlanId=second, keyId=key, keyType="API_KEY")
    assert [p["id"] for p in apigw.get_usage_plans()["items"]] == [first, second]
    assert [p["id"] for p in apigw.get_usage_plans(keyId=key)["items"]] == [second]


def test_update_usage_plan_patches_limits_and_stages(apigw: Any) -> None:
    api_id, _ = deployed_api(apigw)
    apigw.create_deployment(restApiId=api_id, stageName="prod")
    plan = _plan(apigw, api_id)["id"]
    updated = apigw.update_usage_plan(
        usagePlanId=plan,
        patchOperations=_ops(
            ("replace", "/name", "gold"),
            ("replace", "/throttle/rateLimit", "100"),
            ("replace", "/throttle/burstLimit", "200"),
            ("replace", "/quota/limit", "5000"),
            ("replace", "/quota/period", "MONTH"),
            ("add", "/apiStages", f"{api_id}:prod"),
            ("remove", "/apiStages", f"{api_id}:dev"),
            ("replace", f"/apiStages/{api_id}:prod/throttle/~1pets/GET/rateLimit", "3"),
        ),
    )
    assert updated["name"] == "gold"
    assert updated["throttle"] == {"burstLimit": 200, "rateLimit": 100.0}
    assert updated["quota"] == {"limit": 5000, "offset": 0, "period": "MONTH"}
    assert updated["apiStages"] == [
        {"apiId": api_id, "stage": "prod", "throttle": {"/pets/GET": {"rateLimit": 3.0}}}
    ]
    cleared = apigw.update_usage_plan(
        usagePlanId=plan, patchOperations=[{"op": "remove", "path": "/quota"}]
    )
    assert "quota" not in cleared
    with pytest.raises(ClientError) as info:
        apigw.update_usage_plan(usagePlanId=plan, patchOperations=_ops(("replace", "/id", "x")))
    assert error_of(info) == (400, "BadRequestException", "Invalid patch path /id")
    with pytest.raises(ClientError) as missing_stage:
        apigw.update_usage_plan(
            usagePlanId=plan, patchOperations=_ops(("add", "/apiStages", f"{api_id}:nope"))
        )
    assert error_of(missing_stage)[:2] == (404, "NotFoundException")


def test_remove_paths_usage_plans_take_and_the_message_for_others(apigw: Any) -> None:
    api_id, _ = deployed_api(apigw)
    plan = _plan(apigw, api_id)["id"]
    apigw.update_usage_plan(
        usagePlanId=plan,
        patchOperations=_ops(
            ("replace", f"/apiStages/{api_id}:dev/throttle/~1pets/GET/burstLimit", "4"),
        ),
    )
    stage_path = f"/apiStages/{api_id}:dev"
    with pytest.raises(ClientError) as info:
        apigw.update_usage_plan(
            usagePlanId=plan, patchOperations=[{"op": "remove", "path": stage_path}]
        )
    assert error_of(info) == (
        400,
        "BadRequestException",
        f"Invalid patch path  '{stage_path}' specified for op 'remove'. Must be one of: "
        "[/apiStages, /quota, /throttle, /productCode, "
        "/apiStages/<apidId:stageName>/throttle/<resourcePath>/<httpMethod>, "
        "/apiStages/<apidId:stageName>/throttle]",
    )
    cleared = apigw.update_usage_plan(
        usagePlanId=plan,
        patchOperations=[
            {"op": "remove", "path": f"{stage_path}/throttle"},
            {"op": "remove", "path": "/throttle"},
        ],
    )
    assert cleared["apiStages"] == [{"apiId": api_id, "stage": "dev"}]
    assert "throttle" not in cleared
    with pytest.raises(ClientError) as not_associated:
        apigw.update_usage_plan(
            usagePlanId=plan, patchOperations=_ops(("remove", "/apiStages", f"{api_id}:prod"))
        )
    assert error_of(not_associated) == (400, "BadRequestException", "Invalid API Stage specified")


def test_a_usage_plan_with_api_stages_cannot_be_deleted(apigw: Any) -> None:
    api_id, _ = deployed_api(apigw)
    plan = _plan(apigw, api_id)["id"]
    with pytest.raises(ClientError) as info:
        apigw.delete_usage_plan(usagePlanId=plan)
    assert error_of(info) == (
        400,
        "BadRequestException",
        f"Cannot delete Usage Plan {plan} because there are API Stages associated with it, "
        f"including {api_id}:dev",
    )
    apigw.update_usage_plan(
        usagePlanId=plan, patchOperations=_ops(("remove", "/apiStages", f"{api_id}:dev"))
    )
    apigw.delete_usage_plan(usagePlanId=plan)
    assert apigw.get_usage_plans()["items"] == []


def test_delete_usage_plan_and_unknown_plan(apigw: Any) -> None:
    plan = apigw.create_usage_plan(name="p")["id"]
    assert apigw.delete_usage_plan(usagePlanId=plan)["ResponseMetadata"]["HTTPStatusCode"] == 202
    with pytest.raises(ClientError) as info:
        apigw.get_usage_plan(usagePlanId=plan)
    assert error_of(info) == (404, "NotFoundException", "Invalid Usage Plan ID specified")


def test_usage_plan_keys_are_added_listed_fetched_and_removed(apigw: Any, server: Any) -> None:
    plan = apigw.create_usage_plan(name="p")["id"]
    key = apigw.create_api_key(name="alpha", value="alpha-key-0123456789abc", enabled=True)
    other = apigw.create_api_key(name="beta")
    server.changes.clear()
    added = apigw.create_usage_plan_key(usagePlanId=plan, keyId=key["id"], keyType="API_KEY")
    assert added["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert {k: added[k] for k in ("id", "type", "value", "name")} == {
        "id": key["id"],
        "type": "API_KEY",
        "value": "alpha-key-0123456789abc",
        "name": "alpha",
    }
    assert server.changes == [""]
    apigw.create_usage_plan_key(usagePlanId=plan, keyId=other["id"], keyType="API_KEY")
    with pytest.raises(ClientError) as twice:
        apigw.create_usage_plan_key(usagePlanId=plan, keyId=key["id"], keyType="API_KEY")
    assert error_of(twice)[:2] == (409, "ConflictException")
    listed = apigw.get_usage_plan_keys(usagePlanId=plan)["items"]
    assert [k["id"] for k in listed] == [key["id"], other["id"]]
    named = apigw.get_usage_plan_keys(usagePlanId=plan, nameQuery="be")["items"]
    assert [k["id"] for k in named] == [other["id"]]
    assert apigw.get_usage_plan_key(usagePlanId=plan, keyId=key["id"])["name"] == "alpha"
    (view,) = plans_with_keys(server.store)
    assert view.plan["id"] == plan
    assert [k["value"] for k in view.keys] == ["alpha-key-0123456789abc", other["value"]]
    apigw.delete_usage_plan_key(usagePlanId=plan, keyId=key["id"])
    with pytest.raises(ClientError) as gone:
        apigw.get_usage_plan_key(usagePlanId=plan, keyId=key["id"])
    assert error_of(gone)[:2] == (404, "NotFoundException")


def test_usage_plan_key_of_unknown_key_or_type_is_refused(apigw: Any) -> None:
    plan = apigw.create_usage_plan(name="p")["id"]
    with pytest.raises(ClientError) as unknown:
        apigw.create_usage_plan_key(usagePlanId=plan, keyId="nope000000", keyType="API_KEY")
    assert error_of(unknown) == (404, "NotFoundException", "Invalid API Key identifier specified")
    key = apigw.create_api_key(name="k")["id"]
    with pytest.raises(ClientError) as bad_type:
        apigw.create_usage_plan_key(usagePlanId=plan, keyId=key, keyType="COGNITO")
    assert error_of(bad_type)[:2] == (400, "BadRequestException")


def test_get_usage_without_a_usage_source_reports_nothing_used(apigw: Any) -> None:
    api_id, _ = deployed_api(apigw)
    plan = _plan(apigw, api_id)["id"]
    key = apigw.create_api_key(name="k")["id"]
    apigw.create_usage_plan_key(usagePlanId=plan, keyId=key, keyType="API_KEY")
    usage = apigw.get_usage(usagePlanId=plan, startDate="2026-11-01", endDate="2026-11-03")
    assert usage["usagePlanId"] == plan
    assert (usage["startDate"], usage["endDate"]) == ("2026-11-01", "2026-11-03")
    assert usage["items"] == {key: [[0, 1000], [0, 1000], [0, 1000]]}
    with pytest.raises(ClientError) as backwards:
        apigw.get_usage(usagePlanId=plan, startDate="2026-11-03", endDate="2026-11-01")
    assert error_of(backwards)[:2] == (400, "BadRequestException")


def test_get_usage_reads_the_data_planes_counts(apigw: Any, server: Any) -> None:
    plan = apigw.create_usage_plan(name="p", quota={"limit": 10, "period": "DAY"})["id"]
    key = apigw.create_api_key(name="k")["id"]
    apigw.create_usage_plan_key(usagePlanId=plan, keyId=key, keyType="API_KEY")
    limiter = InProcessLimiter()
    server.provider.usage = LimiterUsage(limiter)
    for _ in range(3):
        assert asyncio.run(limiter.count(plan, key, Quota(limit=10, period="DAY")))
    today = datetime.now(UTC).date().isoformat()
    usage = apigw.get_usage(usagePlanId=plan, keyId=key, startDate=today, endDate=today)
    assert usage["items"] == {key: [[3, 7]]}

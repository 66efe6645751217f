"""GetUsage and UpdateUsage through boto3 against `lamina up`: the counts are the ones the
gateway enforces, with the in-process limiter and with the limiter in the real Redis.

https://docs.aws.amazon.com/apigateway/latest/api/API_GetUsage.html
https://docs.aws.amazon.com/apigateway/latest/api/API_UpdateUsage.html
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
import redis
from botocore.exceptions import ClientError

from tests.clients import aws_client
from tests.conftest import FIXTURES, LaminaProcess

APP = FIXTURES / "apps" / "limits"
REDIS_DB = "redis://127.0.0.1:6379/0"
QUOTA_KEY = "quota-key-0123456789abcdef"


@pytest.fixture(scope="module", params=["in-process", "redis"])
def lamina(request: pytest.FixtureRequest) -> Iterator[LaminaProcess]:
    if request.param == "in-process":
        process = LaminaProcess(APP, "--no-watch")
        yield process
        process.stop()
        return
    prefix = f"lamina-test:usage-api:{uuid.uuid4().hex}:"
    process = LaminaProcess(APP, "--no-watch", "--limits", f"{REDIS_DB}?key_prefix={prefix}")
    try:
        yield process
    finally:
        process.stop()
        raw = redis.Redis.from_url(REDIS_DB)
        for key in raw.scan_iter(match=prefix + "*"):
            raw.delete(key)
        raw.close()


def _apigw(lamina: LaminaProcess) -> Any:
    return aws_client(lamina.base, "apigateway")


def _keyed_plan(apigw: Any, limit: int) -> tuple[str, str, str]:
    """A plan made through the API on the template API's prod stage, with one new key."""
    (api,) = [
        api
        for api in apigw.get_rest_apis()["items"]
        if api.get("tags", {}).get("aws:cloudformation:logical-id") == "LimitsApi"
    ]
    plan = apigw.create_usage_plan(
        name=f"usage-{uuid.uuid4().hex[:6]}",
        apiStages=[{"apiId": api["id"], "stage": "prod"}],
        quota={"limit": limit, "period": "DAY"},
    )["id"]
    value = f"usage-key-{uuid.uuid4().hex}"
    key = apigw.create_api_key(name=value, value=value, enabled=True)["id"]
    apigw.create_usage_plan_key(usagePlanId=plan, keyId=key, keyType="API_KEY")
    return plan, key, value


def _statuses(lamina: LaminaProcess, value: str, n: int) -> list[int]:
    with httpx.Client(base_url=lamina.base, timeout=20) as http:
        return [http.get("/prod/keyed", headers={"x-api-key": value}).status_code for _ in range(n)]


def test_get_usage_counts_the_requests_the_gateway_admitted(lamina: LaminaProcess) -> None:
    apigw = _apigw(lamina)
    plan, key, value = _keyed_plan(apigw, limit=10)
    assert _statuses(lamina, value, 4) == [200] * 4
    today = datetime.now(UTC).date().isoformat()
    usage = apigw.get_usage(usagePlanId=plan, startDate=today, endDate=today)
    assert (usage["usagePlanId"], usage["startDate"], usage["endDate"]) == (plan, today, today)
    assert usage["items"] == {key: [[4, 6]]}
    one = apigw.get_usage(usagePlanId=plan, keyId=key, startDate=today, endDate=today)
    assert one["items"] == {key: [[4, 6]]}


def test_update_usage_grants_and_removes_remaining_quota(lamina: LaminaProcess) -> None:
    apigw = _apigw(lamina)
    plan, key, value = _keyed_plan(apigw, limit=3)
    assert _statuses(lamina, value, 4) == [200, 200, 200, 429]
    granted = apigw.update_usage(
        usagePlanId=plan,
        keyId=key,
        patchOperations=[{"op": "replace", "path": "/remaining", "value": "2"}],
    )
    today = datetime.now(UTC).date().isoformat()
    assert granted["items"] == {key: [[3, 2]]}
    assert (granted["startDate"], granted["endDate"]) == (today, today)
    assert _statuses(lamina, value, 3) == [200, 200, 429]
    usage = apigw.get_usage(usagePlanId=plan, keyId=key, startDate=today, endDate=today)
    assert usage["items"] == {key: [[5, 0]]}
    apigw.update_usage(
        usagePlanId=plan,
        keyId=key,
        patchOperations=[{"op": "replace", "path": "/remaining", "value": "0"}],
    )
    assert _statuses(lamina, value, 1) == [429]


def test_update_usage_refuses_what_aws_refuses(lamina: LaminaProcess) -> None:
    apigw = _apigw(lamina)
    plan, key, _ = _keyed_plan(apigw, limit=3)
    with pytest.raises(ClientError) as path:
        apigw.update_usage(
            usagePlanId=plan,
            keyId=key,
            patchOperations=[{"op": "replace", "path": "/used", "value": "1"}],
        )
    assert path.value.response["Error"]["Code"] == "BadRequestException"
    with pytest.raises(ClientError) as unknown:
        apigw.update_usage(
            usagePlanId=plan,
            keyId="nokey00000",
            patchOperations=[{"op": "replace", "path": "/remaining", "value": "1"}],
        )
    assert unknown.value.response["Error"]["Code"] == "NotFoundException"


def test_template_keys_and_plans_are_listed_and_their_usage_readable(
    lamina: LaminaProcess,
) -> None:
    """The template's ApiKey / UsagePlan / UsagePlanKey resources (and SAM's Auth.UsagePlan)
    are in the management API as CloudFormation leaves them, and GetUsage reads what the
    gateway counted for them."""
    apigw = _apigw(lamina)
    plans = {plan["name"]: plan for plan in apigw.get_usage_plans()["items"]}
    small = plans["small-quota"]
    assert small["quota"] == {"limit": 3, "offset": 0, "period": "DAY"}
    (api_id,) = {stage["apiId"] for stage in small["apiStages"]}
    assert small["apiStages"] == [{"apiId": api_id, "stage": "prod"}]
    assert plans["LimitsApiUsagePlan"]["throttle"] == {"burstLimit": 50, "rateLimit": 50.0}
    keys = {key["name"]: key for key in apigw.get_api_keys(includeValues=True)["items"]}
    quota_key = keys["quota-key"]
    assert (quota_key["value"], quota_key["enabled"]) == (QUOTA_KEY, True)
    assert keys["disabled-key"]["enabled"] is False
    attached = apigw.get_usage_plan_keys(usagePlanId=small["id"])["items"]
    assert sorted(key["name"] for key in attached) == ["disabled-key", "quota-key"]
    assert _statuses(lamina, QUOTA_KEY, 1) == [200]
    today = datetime.now(UTC).date().isoformat()
    usage = apigw.get_usage(
        usagePlanId=small["id"], keyId=quota_key["id"], startDate=today, endDate=today
    )
    assert usage["items"] == {quota_key["id"]: [[1, 2]]}


def test_key_disabled_or_taken_out_of_its_plan_is_refused_at_once(lamina: LaminaProcess) -> None:
    """UpdateApiKey enabled=false, DeleteUsagePlanKey and DeleteApiKey reach the gateway
    with the next request: 403 Forbidden, as for an unknown key; undone, admitted again."""
    apigw = _apigw(lamina)
    plan, key, value = _keyed_plan(apigw, limit=100)
    with httpx.Client(base_url=lamina.base, timeout=20) as http:

        def call() -> httpx.Response:
            # Header names are case-insensitive: the key is found whatever the case.
            return http.get("/prod/keyed", headers={"X-API-Key": value})

        assert call().status_code == 200
        enabled = {"op": "replace", "path": "/enabled", "value": "false"}
        apigw.update_api_key(apiKey=key, patchOperations=[enabled])
        refused = call()
        assert (refused.status_code, refused.content) == (403, b'{"message":"Forbidden"}')
        assert refused.headers["x-amzn-errortype"] == "ForbiddenException"
        apigw.update_api_key(apiKey=key, patchOperations=[{**enabled, "value": "true"}])
        assert call().status_code == 200
        apigw.delete_usage_plan_key(usagePlanId=plan, keyId=key)
        assert call().status_code == 403
        apigw.create_usage_plan_key(usagePlanId=plan, keyId=key, keyType="API_KEY")
        assert call().status_code == 200
        apigw.delete_api_key(apiKey=key)
        assert call().status_code == 403

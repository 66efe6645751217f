"""A template's API keys and usage plans adopted into the management API's records
(adopt_limits), read back with boto3: listed as CloudFormation leaves them; a property the
template changed since the last adoption applied, what the API changed otherwise kept (as
CloudFormation leaves drift); deleted when the template drops them; a key attached through
the API to a template plan stays attached; a template key taking another key's value
refused with CreateApiKey's conflict, naming both."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest
from botocore.exceptions import ClientError

from lamina.aws.service import ServiceError
from lamina.gateway.limits.model import (
    AccessLimits,
    ApiKey,
    PlanStage,
    Quota,
    Throttle,
    UsagePlan,
    render_limits,
)
from lamina.services.apigateway.usage_adopt import adopt_limits

from .conftest import ApiGatewayServer
from .deploy_server import error_of

KEY = ApiKey(id="tkey000001", name="template-key", value="template-key-0123456789", enabled=True)
OTHER = ApiKey(id="tkey000002", name="other-key", value="other-key-0123456789ab")


def _plan(api_id: str, *key_ids: str, limit: int = 100) -> UsagePlan:
    return UsagePlan(
        id="tpl001",
        name="gold",
        stages=(
            PlanStage(
                api_id=api_id,
                stage="prod",
                method_throttles={"/pets/GET": Throttle(rate=5.0, burst=-1)},
            ),
        ),
        throttle=Throttle(rate=10.0, burst=20),
        quota=Quota(limit=limit, period="WEEK", offset=1),
        key_ids=key_ids,
    )


def _adopt(server: ApiGatewayServer, keys: tuple[ApiKey, ...], *plans: UsagePlan) -> None:
    limits = AccessLimits(api_keys=keys, usage_plans=plans)
    adopt_limits(server.provider, *render_limits(limits), stack_name="shop")


def test_usage_adopt_template_plan_and_keys_read_as_aws_shapes(
    server: ApiGatewayServer, apigw: Any, api: dict[str, Any]
) -> None:
    _adopt(server, (KEY, OTHER), _plan(api["id"], KEY.id))
    plan = apigw.get_usage_plan(usagePlanId="tpl001")
    assert plan["name"] == "gold"
    assert plan["apiStages"] == [
        {"apiId": api["id"], "stage": "prod", "throttle": {"/pets/GET": {"rateLimit": 5.0}}}
    ]
    assert plan["throttle"] == {"burstLimit": 20, "rateLimit": 10.0}
    assert plan["quota"] == {"limit": 100, "offset": 1, "period": "WEEK"}
    assert plan["tags"] == {"aws:cloudformation:stack-name": "shop"}
    key = apigw.get_api_key(apiKey=KEY.id, includeValue=True)
    assert (key["name"], key["value"], key["enabled"]) == (KEY.name, KEY.value, True)
    assert apigw.get_api_key(apiKey=OTHER.id)["enabled"] is False
    linked = apigw.get_usage_plan_keys(usagePlanId="tpl001")["items"]
    assert [(k["id"], k["type"]) for k in linked] == [(KEY.id, "API_KEY")]


def test_usage_adopt_changed_template_replaces_and_forgets(
    server: ApiGatewayServer, apigw: Any, api: dict[str, Any]
) -> None:
    _adopt(server, (KEY, OTHER), _plan(api["id"], KEY.id, OTHER.id))
    value = "api-made-key-0123456789"
    made = apigw.create_api_key(name="made", value=value, enabled=True)
    apigw.create_usage_plan_key(usagePlanId="tpl001", keyId=made["id"], keyType="API_KEY")
    _adopt(server, (KEY,), _plan(api["id"], KEY.id, limit=7))  # OTHER dropped, quota changed
    assert apigw.get_usage_plan(usagePlanId="tpl001")["quota"]["limit"] == 7
    linked = {k["id"] for k in apigw.get_usage_plan_keys(usagePlanId="tpl001")["items"]}
    assert linked == {KEY.id, made["id"]}
    assert {k["id"] for k in apigw.get_api_keys()["items"]} == {KEY.id, made["id"]}
    _adopt(server, ())  # the template has no keys or plans any more
    assert apigw.get_usage_plans()["items"] == []
    assert [k["id"] for k in apigw.get_api_keys()["items"]] == [made["id"]]


def test_usage_adopt_unchanged_template_leaves_api_changes_alone(
    server: ApiGatewayServer, apigw: Any, api: dict[str, Any]
) -> None:
    _adopt(server, (KEY, OTHER), _plan(api["id"], KEY.id))
    apigw.update_api_key(apiKey=KEY.id, patchOperations=[_replace("/enabled", "false")])
    apigw.update_usage_plan(usagePlanId="tpl001", patchOperations=[_replace("/quota/limit", "9")])
    apigw.delete_usage_plan_key(usagePlanId="tpl001", keyId=KEY.id)
    apigw.delete_api_key(apiKey=OTHER.id)
    _adopt(server, (KEY, OTHER), _plan(api["id"], KEY.id))  # a reload, these unchanged
    assert apigw.get_api_key(apiKey=KEY.id)["enabled"] is False
    assert apigw.get_usage_plan(usagePlanId="tpl001")["quota"]["limit"] == 9
    assert apigw.get_usage_plan_keys(usagePlanId="tpl001")["items"] == []
    assert [k["id"] for k in apigw.get_api_keys()["items"]] == [KEY.id]


def test_usage_adopt_changed_template_property_applies_over_api_changes(
    server: ApiGatewayServer, apigw: Any, api: dict[str, Any]
) -> None:
    _adopt(server, (KEY, OTHER), _plan(api["id"], KEY.id))
    apigw.update_api_key(apiKey=KEY.id, patchOperations=[_replace("/enabled", "false")])
    apigw.update_api_key(apiKey=OTHER.id, patchOperations=[_replace("/enabled", "true")])
    apigw.update_usage_plan(usagePlanId="tpl001", patchOperations=[_replace("/quota/limit", "9")])
    renamed = msgspec.structs.replace(KEY, name="renamed-key")
    _adopt(server, (renamed, OTHER), _plan(api["id"], KEY.id, limit=50))
    key = apigw.get_api_key(apiKey=KEY.id)
    assert (key["name"], key["enabled"]) == ("renamed-key", False)  # only the name changed
    assert apigw.get_api_key(apiKey=OTHER.id)["enabled"] is True
    assert apigw.get_usage_plan(usagePlanId="tpl001")["quota"]["limit"] == 50
    enabled_again = msgspec.structs.replace(OTHER, enabled=True)  # false -> true: applied
    _adopt(server, (msgspec.structs.replace(renamed, enabled=False), enabled_again))
    _adopt(server, (renamed, enabled_again))  # the template's Enabled back to true
    assert apigw.get_api_key(apiKey=KEY.id)["enabled"] is True


def test_usage_adopt_key_deleted_through_api_returns_when_its_declaration_changes(
    server: ApiGatewayServer, apigw: Any
) -> None:
    _adopt(server, (KEY,))
    apigw.delete_api_key(apiKey=KEY.id)
    _adopt(server, (KEY,))
    assert apigw.get_api_keys()["items"] == []
    _adopt(server, (msgspec.structs.replace(KEY, enabled=False),))
    assert apigw.get_api_key(apiKey=KEY.id)["enabled"] is False


def test_usage_adopt_template_value_of_an_api_key_is_refused_naming_both(
    server: ApiGatewayServer, apigw: Any
) -> None:
    made = apigw.create_api_key(name="made", value=KEY.value, enabled=True)
    with pytest.raises(ServiceError) as info:
        _adopt(server, (KEY, OTHER))
    assert (info.value.code, info.value.status) == ("ConflictException", 409)
    assert info.value.message == (
        f"API Key already exists: the template's API key 'template-key' ({KEY.id}) "
        f"has the value of API key 'made' ({made['id']})"
    )
    assert [k["id"] for k in apigw.get_api_keys()["items"]] == [made["id"]]  # nothing adopted


def test_usage_adopt_two_template_keys_with_one_value_are_refused(server: ApiGatewayServer) -> None:
    twin = msgspec.structs.replace(OTHER, value=KEY.value)
    with pytest.raises(ServiceError, match="API Key already exists"):
        _adopt(server, (KEY, twin))


def test_create_api_key_with_a_template_key_value_is_a_conflict(
    server: ApiGatewayServer, apigw: Any
) -> None:
    _adopt(server, (KEY,))
    with pytest.raises(ClientError) as info:
        apigw.create_api_key(name="copy", value=KEY.value)
    assert error_of(info) == (409, "ConflictException", "API Key already exists")


def _replace(path: str, value: str) -> dict[str, str]:
    return {"op": "replace", "path": path, "value": value}

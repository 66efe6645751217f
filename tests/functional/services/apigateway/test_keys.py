"""API keys through boto3: CreateApiKey, GetApiKey(s), UpdateApiKey, DeleteApiKey,
ImportApiKeys.

https://docs.aws.amazon.com/apigateway/latest/api/API_CreateApiKey.html
https://docs.aws.amazon.com/apigateway/latest/developerguide/api-key-file-format.html
"""

from __future__ import annotations

import string
from typing import Any

import pytest
from botocore.exceptions import ClientError

from .deploy_server import deployed_api, error_of

VALUE = "abcdefghij0123456789xyz"


def test_create_api_key_generates_a_40_character_value_and_is_disabled_by_default(
    apigw: Any, server: Any
) -> None:
    server.changes.clear()
    key = apigw.create_api_key(name="partner", description="for partner", customerId="c-1")
    assert key["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert len(key["value"]) == 40
    assert set(key["value"]) <= set(string.ascii_letters + string.digits)
    assert len(key["id"]) == 10
    assert key["enabled"] is False
    assert key["stageKeys"] == []
    assert key["customerId"] == "c-1"
    assert key["createdDate"] == key["lastUpdatedDate"]
    assert server.changes == [""]


def test_get_api_key_shows_the_value_only_when_asked(apigw: Any) -> None:
    key = apigw.create_api_key(name="k", value=VALUE, enabled=True)
    plain = apigw.get_api_key(apiKey=key["id"])
    assert "value" not in plain and plain["enabled"] is True
    assert apigw.get_api_key(apiKey=key["id"], includeValue=True)["value"] == VALUE


def test_short_or_duplicate_values_are_refused(apigw: Any) -> None:
    with pytest.raises(ClientError) as short:
        apigw.create_api_key(name="short", value="tooshort")
    assert error_of(short) == (
        400,
        "BadRequestException",
        "API Key value should be at least 20 characters",
    )
    apigw.create_api_key(name="first", value=VALUE)
    with pytest.raises(ClientError) as duplicate:
        apigw.create_api_key(name="second", value=VALUE)
    assert error_of(duplicate) == (409, "ConflictException", "API Key already exists")


def test_stage_keys_name_existing_stages(apigw: Any) -> None:
    api_id, _ = deployed_api(apigw)
    key = apigw.create_api_key(name="k", stageKeys=[{"restApiId": api_id, "stageName": "dev"}])
    assert key["stageKeys"] == [f"{api_id}/dev"]
    with pytest.raises(ClientError) as info:
        apigw.create_api_key(name="k2", stageKeys=[{"restApiId": api_id, "stageName": "nope"}])
    assert error_of(info)[:2] == (400, "BadRequestException")


def test_get_api_keys_filters_by_name_prefix_and_customer_and_pages(apigw: Any) -> None:
    made = [
        apigw.create_api_key(name=f"team-{n}", customerId="acme" if n % 2 else "other")["id"]
        for n in range(4)
    ]
    apigw.create_api_key(name="solo")
    named = apigw.get_api_keys(nameQuery="team-")["items"]
    assert [k["id"] for k in named] == made
    assert all("value" not in k for k in named)
    with_values = apigw.get_api_keys(nameQuery="team-", includeValues=True)["items"]
    assert all(len(k["value"]) == 40 for k in with_values)
    acme = apigw.get_api_keys(customerId="acme")["items"]
    assert [k["id"] for k in acme] == [made[1], made[3]]
    first = apigw.get_api_keys(limit=2)
    rest = apigw.get_api_keys(limit=10, position=first["position"])
    assert len(first["items"]) == 2 and len(rest["items"]) == 3 and "position" not in rest


def test_update_api_key_patches_fields_and_stages(apigw: Any, server: Any) -> None:
    api_id, _ = deployed_api(apigw)
    key = apigw.create_api_key(name="k")
    server.changes.clear()
    updated = apigw.update_api_key(
        apiKey=key["id"],
        patchOperations=[
            {"op": "replace", "path": "/enabled", "value": "true"},
            {"op": "replace", "path": "/name", "value": "renamed"},
            {"op": "replace", "path": "/description", "value": "d"},
            {"op": "add", "path": "/stages", "value": f"{api_id}/dev"},
        ],
    )
    assert updated["enabled"] is True and updated["name"] == "renamed"
    assert updated["stageKeys"] == [f"{api_id}/dev"]
    assert "value" not in updated
    assert server.changes == [""]
    removed = apigw.update_api_key(
        apiKey=key["id"],
        patchOperations=[{"op": "remove", "path": "/stages", "value": f"{api_id}/dev"}],
    )
    assert removed["stageKeys"] == []
    with pytest.raises(ClientError) as info:
        apigw.update_api_key(
            apiKey=key["id"], patchOperations=[{"op": "replace", "path": "/value", "value": "x"}]
        )
    assert error_of(info) == (400, "BadRequestException", "Invalid patch path /value")


def test_delete_api_key_forgets_it_and_its_plan_memberships(apigw: Any) -> None:
    key = apigw.create_api_key(name="k")
    plan = apigw.create_usage_plan(name="basic")
    apigw.create_usage_plan_key(usagePlanId=plan["id"], keyId=key["id"], keyType="API_KEY")
    assert apigw.delete_api_key(apiKey=key["id"])["ResponseMetadata"]["HTTPStatusCode"] == 202
    with pytest.raises(ClientError) as info:
        apigw.get_api_key(apiKey=key["id"])
    assert error_of(info) == (404, "NotFoundException", "Invalid API Key identifier specified")
    assert apigw.get_usage_plan_keys(usagePlanId=plan["id"])["items"] == []
    with pytest.raises(ClientError) as again:
        apigw.delete_api_key(apiKey=key["id"])
    assert error_of(again)[:2] == (404, "NotFoundException")


def test_import_api_keys_from_csv_creates_overwrites_and_joins_plans(apigw: Any) -> None:
    plan = apigw.create_usage_plan(name="imported")["id"]
    body = (
        "Name,key,description,Enabled,usageplanIds\n"
        f"first,{VALUE},An imported key,TRUE,{plan}\n"
        "second,zyxwvutsrqponmlkjihg0123,,false,\n"
    )
    imported = apigw.import_api_keys(body=body.encode(), format="csv")
    assert imported["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert len(imported["ids"]) == 2 and "warnings" not in imported
    first = apigw.get_api_key(apiKey=imported["ids"][0], includeValue=True)
    assert (first["name"], first["value"], first["enabled"]) == ("first", VALUE, True)
    assert first["description"] == "An imported key"
    second = apigw.get_api_key(apiKey=imported["ids"][1])
    assert second["enabled"] is False
    keys = apigw.get_usage_plan_keys(usagePlanId=plan)["items"]
    assert [k["id"] for k in keys] == [imported["ids"][0]]
    again = apigw.import_api_keys(body=f"key,name\n{VALUE},renamed\n".encode(), format="csv")
    assert again["ids"] == [imported["ids"][0]]
    assert apigw.get_api_key(apiKey=again["ids"][0])["name"] == "renamed"


def test_import_api_keys_warns_about_bad_rows_or_fails_on_warnings(apigw: Any) -> None:
    body = f"name,key\nok,{VALUE}\nbad,short\n".encode()
    with pytest.raises(ClientError) as strict:
        apigw.import_api_keys(body=body, format="csv", failOnWarnings=True)
    assert error_of(strict)[:2] == (400, "BadRequestException")
    assert apigw.get_api_keys()["items"] == []
    lenient = apigw.import_api_keys(body=body, format="csv")
    assert len(lenient["ids"]) == 1
    assert lenient["warnings"] == ["Row 3: Key must be between 20 and 128 characters"]
    with pytest.raises(ClientError) as no_columns:
        apigw.import_api_keys(body=b"value\nabc\n", format="csv")
    assert error_of(no_columns)[:2] == (400, "BadRequestException")

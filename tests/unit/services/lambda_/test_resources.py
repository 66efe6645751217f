"""Concurrency, permissions, layers and event invoke configs against the store."""

from __future__ import annotations

import json

import pytest

from lamina.aws.service import ServiceError

from .conftest import ACCOUNT, REGION, Call, create, zipped

ARN = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:fn"


async def test_function_concurrency_put_get_delete(call: Call) -> None:
    await create(call)
    assert await call("GetFunctionConcurrency", FunctionName="fn") == {}
    put = await call("PutFunctionConcurrency", FunctionName="fn", ReservedConcurrentExecutions=3)
    assert put == {"ReservedConcurrentExecutions": 3}
    settings = await call("GetAccountSettings")
    assert settings["AccountLimit"]["UnreservedConcurrentExecutions"] == 997
    await call("DeleteFunctionConcurrency", FunctionName="fn")
    assert await call("GetFunctionConcurrency", FunctionName="fn") == {}


async def test_reserving_below_100_unreserved_is_invalid(call: Call) -> None:
    await create(call)
    with pytest.raises(ServiceError) as raised:
        await call("PutFunctionConcurrency", FunctionName="fn", ReservedConcurrentExecutions=901)
    assert raised.value.code == "InvalidParameterValueException"
    assert "minimum value of [100]" in raised.value.message


async def test_permission_round_trip_policy_is_json_string(call: Call) -> None:
    await create(call)
    added = await call(
        "AddPermission",
        FunctionName="fn",
        StatementId="s3",
        Action="lambda:InvokeFunction",
        Principal="s3.amazonaws.com",
        SourceArn="arn:aws:s3:::bucket",
        SourceAccount=ACCOUNT,
    )
    statement = json.loads(added["Statement"])
    assert statement == {
        "Sid": "s3",
        "Effect": "Allow",
        "Principal": {"Service": "s3.amazonaws.com"},
        "Action": "lambda:InvokeFunction",
        "Resource": ARN,
        "Condition": {
            "StringEquals": {"AWS:SourceAccount": ACCOUNT},
            "ArnLike": {"AWS:SourceArn": "arn:aws:s3:::bucket"},
        },
    }
    policy = json.loads((await call("GetPolicy", FunctionName="fn"))["Policy"])
    assert policy["Statement"] == [statement]
    assert policy["Version"] == "2012-10-17"
    await call("RemovePermission", FunctionName="fn", StatementId="s3")
    with pytest.raises(ServiceError) as raised:
        await call("GetPolicy", FunctionName="fn")
    assert raised.value.code == "ResourceNotFoundException"


async def test_duplicate_statement_id_is_conflict(call: Call) -> None:
    await create(call)
    params = {"StatementId": "x", "Action": "lambda:InvokeFunction", "Principal": ACCOUNT}
    added = json.loads((await call("AddPermission", FunctionName="fn", **params))["Statement"])
    assert added["Principal"] == {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}
    with pytest.raises(ServiceError) as raised:
        await call("AddPermission", FunctionName="fn", **params)
    assert raised.value.code == "ResourceConflictException"


async def test_layer_versions_publish_get_and_list(call: Call) -> None:
    content = {"ZipFile": zipped({"python/lib.py": "x = 1\n"})}
    first = await call(
        "PublishLayerVersion", LayerName="libs", Content=content, CompatibleRuntimes=["python3.12"]
    )
    second = await call("PublishLayerVersion", LayerName="libs", Content=content)
    assert (first["Version"], second["Version"]) == (1, 2)
    assert first["LayerVersionArn"] == f"arn:aws:lambda:{REGION}:{ACCOUNT}:layer:libs:1"
    got = await call("GetLayerVersion", LayerName="libs", VersionNumber=1)
    assert got["Content"]["CodeSha256"] == first["Content"]["CodeSha256"]
    listed = await call("ListLayerVersions", LayerName="libs")
    assert [v["Version"] for v in listed["LayerVersions"]] == [2, 1]
    layers = await call("ListLayers", CompatibleRuntime="python3.12")
    assert layers["Layers"][0]["LatestMatchingVersion"]["Version"] == 1


async def test_function_with_layer_reports_it(call: Call) -> None:
    content = {"ZipFile": zipped({"python/lib.py": "x = 1\n"})}
    layer = await call("PublishLayerVersion", LayerName="libs", Content=content)
    config = await create(call, Layers=[layer["LayerVersionArn"]])
    assert config["Layers"] == [
        {"Arn": layer["LayerVersionArn"], "CodeSize": layer["Content"]["CodeSize"]}
    ]
    with pytest.raises(ServiceError):
        await create(call, "other", Layers=[layer["LayerVersionArn"][:-1] + "9"])


async def test_event_invoke_config_round_trip_and_missing(call: Call) -> None:
    await create(call)
    with pytest.raises(ServiceError) as raised:
        await call("GetFunctionEventInvokeConfig", FunctionName="fn")
    assert raised.value.code == "ResourceNotFoundException"
    put = await call("PutFunctionEventInvokeConfig", FunctionName="fn", MaximumRetryAttempts=1)
    got = await call("GetFunctionEventInvokeConfig", FunctionName="fn")
    assert got == put
    assert (got["MaximumRetryAttempts"], got["FunctionArn"]) == (1, f"{ARN}:$LATEST")

"""CreateFunction, Get*, List*, Update*, DeleteFunction against the store (no workers)."""

from __future__ import annotations

import base64
import hashlib
import re

import pytest

from lamina.aws.service import ServiceError

from .conftest import ACCOUNT, CODE, REGION, ROLE, Call, create, zipped

ARN = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:fn"


async def test_create_function_returns_lambda_configuration(call: Call) -> None:
    config = await create(call, Timeout=10, MemorySize=256, Description="d")
    assert config["FunctionArn"] == ARN
    assert config["CodeSha256"] == base64.b64encode(hashlib.sha256(CODE).digest()).decode()
    assert config["CodeSize"] == len(CODE)
    assert (config["Timeout"], config["MemorySize"], config["Description"]) == (10, 256, "d")
    assert (config["Version"], config["State"], config["LastUpdateStatus"]) == (
        "$LATEST",
        "Active",
        "Successful",
    )
    assert config["Role"] == ROLE
    assert config["PackageType"] == "Zip"
    assert config["Architectures"] == ["x86_64"]
    assert config["EphemeralStorage"] == {"Size": 512}
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000", config["LastModified"])


async def test_create_function_twice_is_resource_conflict(call: Call) -> None:
    await create(call)
    with pytest.raises(ServiceError) as raised:
        await create(call)
    assert (raised.value.code, raised.value.message) == (
        "ResourceConflictException",
        "Function already exist: fn",
    )


async def test_create_function_from_s3_is_invalid_parameter_naming_s3(call: Call) -> None:
    with pytest.raises(ServiceError) as raised:
        await create(call, Code={"S3Bucket": "b", "S3Key": "k"})
    assert raised.value.code == "InvalidParameterValueException"
    assert "S3 is not available yet" in raised.value.message


async def test_create_function_environment_over_4kb_is_invalid(call: Call) -> None:
    variables = {"BIG": "x" * 4090}
    with pytest.raises(ServiceError) as raised:
        await create(call, Environment={"Variables": variables})
    assert raised.value.code == "InvalidParameterValueException"
    assert "exceeded the 4KB limit" in raised.value.message


async def test_get_function_unknown_is_not_found_with_arn(call: Call) -> None:
    with pytest.raises(ServiceError) as raised:
        await call("GetFunction", FunctionName="nope")
    assert raised.value.code == "ResourceNotFoundException"
    assert raised.value.message == f"Function not found: {ARN[:-2]}nope"
    assert raised.value.status == 404


async def test_get_function_accepts_arn_and_reports_concurrency(call: Call) -> None:
    await create(call)
    await call("PutFunctionConcurrency", FunctionName="fn", ReservedConcurrentExecutions=5)
    answer = await call("GetFunction", FunctionName=ARN)
    assert answer["Configuration"]["FunctionName"] == "fn"
    assert answer["Concurrency"] == {"ReservedConcurrentExecutions": 5}


async def test_list_functions_includes_template_functions_and_pages(call: Call) -> None:
    for name in ("a", "b", "c"):
        await create(call, name)
    first = await call("ListFunctions", MaxItems=2)
    second = await call("ListFunctions", MaxItems=2, Marker=first["NextMarker"])
    names = [f["FunctionName"] for f in first["Functions"] + second["Functions"]]
    assert names == ["FromTemplate", "a", "b", "c"]
    assert "NextMarker" not in second


async def test_update_function_code_changes_sha_and_revision(call: Call) -> None:
    created = await create(call)
    new_code = zipped({"app.py": "def handler(e, c):\n    return 2\n"})
    updated = await call("UpdateFunctionCode", FunctionName="fn", ZipFile=new_code)
    assert updated["CodeSha256"] != created["CodeSha256"]
    assert updated["RevisionId"] != created["RevisionId"]


async def test_update_with_stale_revision_is_precondition_failed(call: Call) -> None:
    created = await create(call)
    await call("UpdateFunctionConfiguration", FunctionName="fn", Description="new")
    with pytest.raises(ServiceError) as raised:
        await call(
            "UpdateFunctionConfiguration",
            FunctionName="fn",
            MemorySize=512,
            RevisionId=created["RevisionId"],
        )
    assert (raised.value.code, raised.value.status) == ("PreconditionFailedException", 412)


async def test_update_function_configuration_applies_runtime_fields(call: Call) -> None:
    await create(call)
    answer = await call(
        "UpdateFunctionConfiguration",
        FunctionName="fn",
        Timeout=30,
        Handler="app.other",
        Environment={"Variables": {"A": "1"}},
    )
    assert (answer["Timeout"], answer["Handler"]) == (30, "app.other")
    assert answer["Environment"] == {"Variables": {"A": "1"}}


async def test_update_timeout_over_900_is_invalid(call: Call) -> None:
    await create(call)
    with pytest.raises(ServiceError) as raised:
        await call("UpdateFunctionConfiguration", FunctionName="fn", Timeout=901)
    assert raised.value.code == "InvalidParameterValueException"


async def test_delete_function_removes_it(call: Call) -> None:
    await create(call)
    assert await call("DeleteFunction", FunctionName="fn") == {}
    with pytest.raises(ServiceError):
        await call("GetFunction", FunctionName="fn")


async def test_qualifier_in_name_and_parameter_must_agree(call: Call) -> None:
    await create(call)
    with pytest.raises(ServiceError) as raised:
        await call("GetFunction", FunctionName="fn:1", Qualifier="2")
    assert raised.value.code == "InvalidParameterValueException"


async def test_get_account_settings_counts_functions_and_limits(call: Call) -> None:
    await create(call)
    settings = await call("GetAccountSettings")
    assert settings["AccountLimit"]["ConcurrentExecutions"] == 1000
    assert settings["AccountLimit"]["CodeSizeZipped"] == 52_428_800
    assert settings["AccountUsage"]["FunctionCount"] == 2

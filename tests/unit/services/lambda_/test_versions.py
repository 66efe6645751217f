"""PublishVersion, ListVersionsByFunction, aliases and DeleteFunction of a version."""

from __future__ import annotations

import pytest

from lamina.aws.service import ServiceError

from .conftest import ACCOUNT, REGION, Call, create, zipped

ARN = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:fn"


async def test_publish_version_numbers_and_qualifies_arn(call: Call) -> None:
    await create(call)
    version = await call("PublishVersion", FunctionName="fn", Description="first")
    assert (version["Version"], version["FunctionArn"]) == ("1", f"{ARN}:1")
    assert version["Description"] == "first"


async def test_publish_unchanged_function_returns_the_last_version(call: Call) -> None:
    await create(call)
    first = await call("PublishVersion", FunctionName="fn")
    again = await call("PublishVersion", FunctionName="fn")
    assert again["Version"] == first["Version"] == "1"
    await call("UpdateFunctionConfiguration", FunctionName="fn", MemorySize=256)
    assert (await call("PublishVersion", FunctionName="fn"))["Version"] == "2"


async def test_publish_with_stale_code_sha_is_invalid(call: Call) -> None:
    await create(call)
    with pytest.raises(ServiceError) as raised:
        await call("PublishVersion", FunctionName="fn", CodeSha256="bm9wZQ==")
    assert raised.value.code == "InvalidParameterValueException"


async def test_version_keeps_its_configuration_after_update(call: Call) -> None:
    await create(call)
    await call("PublishVersion", FunctionName="fn")
    new_code = zipped({"app.py": "x = 1\n"})
    await call("UpdateFunctionCode", FunctionName="fn", ZipFile=new_code)
    one = await call("GetFunctionConfiguration", FunctionName="fn", Qualifier="1")
    latest = await call("GetFunctionConfiguration", FunctionName="fn")
    assert one["CodeSha256"] != latest["CodeSha256"]


async def test_list_versions_starts_with_qualified_latest(call: Call) -> None:
    await create(call, Publish=True)
    versions = (await call("ListVersionsByFunction", FunctionName="fn"))["Versions"]
    assert [v["Version"] for v in versions] == ["$LATEST", "1"]
    assert versions[0]["FunctionArn"] == f"{ARN}:$LATEST"


async def test_create_with_publish_returns_version_one(call: Call) -> None:
    assert (await create(call, Publish=True))["Version"] == "1"


async def test_alias_round_trip_with_routing(call: Call) -> None:
    await create(call, Publish=True)
    await call("UpdateFunctionConfiguration", FunctionName="fn", MemorySize=256)
    await call("PublishVersion", FunctionName="fn")
    routing = {"AdditionalVersionWeights": {"2": 0.25}}
    created = await call(
        "CreateAlias", FunctionName="fn", Name="live", FunctionVersion="1", RoutingConfig=routing
    )
    assert created["AliasArn"] == f"{ARN}:live"
    assert created["RoutingConfig"] == routing
    got = await call("GetAlias", FunctionName="fn", Name="live")
    assert got == created
    updated = await call(
        "UpdateAlias",
        FunctionName="fn",
        Name="live",
        FunctionVersion="2",
        RoutingConfig={"AdditionalVersionWeights": {}},
    )
    assert updated["FunctionVersion"] == "2"
    assert "RoutingConfig" not in updated
    listed = await call("ListAliases", FunctionName="fn")
    assert [a["Name"] for a in listed["Aliases"]] == ["live"]
    assert await call("DeleteAlias", FunctionName="fn", Name="live") == {}
    with pytest.raises(ServiceError) as raised:
        await call("GetAlias", FunctionName="fn", Name="live")
    assert raised.value.message == f"Alias not found: {ARN}:live"


async def test_create_alias_twice_is_conflict_and_missing_version_not_found(call: Call) -> None:
    await create(call, Publish=True)
    await call("CreateAlias", FunctionName="fn", Name="a", FunctionVersion="1")
    with pytest.raises(ServiceError) as raised:
        await call("CreateAlias", FunctionName="fn", Name="a", FunctionVersion="1")
    assert raised.value.code == "ResourceConflictException"
    with pytest.raises(ServiceError) as raised:
        await call("CreateAlias", FunctionName="fn", Name="b", FunctionVersion="9")
    assert raised.value.code == "ResourceNotFoundException"


async def test_routing_weight_out_of_range_is_invalid(call: Call) -> None:
    await create(call, Publish=True)
    await call("UpdateFunctionConfiguration", FunctionName="fn", MemorySize=256)
    await call("PublishVersion", FunctionName="fn")
    with pytest.raises(ServiceError) as raised:
        await call(
            "CreateAlias",
            FunctionName="fn",
            Name="a",
            FunctionVersion="1",
            RoutingConfig={"AdditionalVersionWeights": {"2": 1.5}},
        )
    assert raised.value.code == "InvalidParameterValueException"


async def test_delete_version_referenced_by_alias_is_conflict(call: Call) -> None:
    await create(call, Publish=True)
    await call("CreateAlias", FunctionName="fn", Name="live", FunctionVersion="1")
    with pytest.raises(ServiceError) as raised:
        await call("DeleteFunction", FunctionName="fn", Qualifier="1")
    assert raised.value.code == "ResourceConflictException"
    await call("DeleteAlias", FunctionName="fn", Name="live")
    await call("DeleteFunction", FunctionName="fn", Qualifier="1")
    versions = (await call("ListVersionsByFunction", FunctionName="fn"))["Versions"]
    assert [v["Version"] for v in versions] == ["$LATEST"]


async def test_delete_latest_qualifier_is_invalid(call: Call) -> None:
    await create(call)
    with pytest.raises(ServiceError) as raised:
        await call("DeleteFunction", FunctionName="fn", Qualifier="$LATEST")
    assert raised.value.code == "InvalidParameterValueException"

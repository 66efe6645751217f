"""Layers and EphemeralStorage through the Lambda API: what FunctionConfig gets, what the
API reports, and Lambda's errors."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from lamina.aws.service import ServiceError
from lamina.functions.model import FunctionConfig
from lamina.functions.service import FunctionService
from lamina.services.lambda_ import LambdaProvider
from lamina.services.lambda_.layers import adopt

from .conftest import ACCOUNT, REGION, Call, caller, create, zipped

LAYER_ARN = f"arn:aws:lambda:{REGION}:{ACCOUNT}:layer"


async def publish(call: Call, name: str = "libs", module: str = "lib") -> dict[str, Any]:
    content = {"ZipFile": zipped({f"python/{module}.py": f"NAME = {module!r}\n"})}
    return await call("PublishLayerVersion", LayerName=name, Content=content)


async def refused(call: Call, operation: str, **params: Any) -> ServiceError:
    with pytest.raises(ServiceError) as raised:
        await call(operation, **params)
    return raised.value


async def test_create_function_layers_become_unpacked_folders_in_order(
    call: Call, service: FunctionService
) -> None:
    libs, tools = await publish(call), await publish(call, "tools", "tool")
    await create(call, Layers=[tools["LayerVersionArn"], libs["LayerVersionArn"]])
    folders = [Path(folder) for folder in service.get("fn").layers]
    assert [sorted(p.name for p in (f / "python").iterdir()) for f in folders] == [
        ["tool.py"],
        ["lib.py"],
    ]


async def test_same_zip_published_twice_is_unpacked_once(
    call: Call, service: FunctionService
) -> None:
    first, second = await publish(call), await publish(call)
    await create(call, "one", Layers=[first["LayerVersionArn"]])
    await create(call, "two", Layers=[second["LayerVersionArn"]])
    assert service.get("one").layers == service.get("two").layers
    unpacked = Path(service.get("one").layers[0])
    assert [p.name for p in unpacked.parent.iterdir() if p.is_dir()] == [unpacked.name]


async def test_get_function_reports_layers_and_ephemeral_storage(call: Call) -> None:
    layer = await publish(call)
    await create(call, Layers=[layer["LayerVersionArn"]], EphemeralStorage={"Size": 2048})
    config = (await call("GetFunction", FunctionName="fn"))["Configuration"]
    assert config["Layers"] == [
        {"Arn": f"{LAYER_ARN}:libs:1", "CodeSize": layer["Content"]["CodeSize"]}
    ]
    assert config["EphemeralStorage"] == {"Size": 2048}


async def test_update_configuration_replaces_then_removes_layers(
    call: Call, service: FunctionService
) -> None:
    first, second = await publish(call), await publish(call, "tools", "tool")
    await create(call, Layers=[first["LayerVersionArn"]])
    updated = await call(
        "UpdateFunctionConfiguration", FunctionName="fn", Layers=[second["LayerVersionArn"]]
    )
    assert [layer["Arn"] for layer in updated["Layers"]] == [second["LayerVersionArn"]]
    assert (Path(service.get("fn").layers[0]) / "python" / "tool.py").is_file()
    cleared = await call("UpdateFunctionConfiguration", FunctionName="fn", Layers=[])
    assert "Layers" not in cleared
    assert service.get("fn").layers == ()


async def test_update_configuration_without_layers_keeps_them(
    call: Call, service: FunctionService
) -> None:
    layer = await publish(call)
    await create(call, Layers=[layer["LayerVersionArn"]])
    updated = await call("UpdateFunctionConfiguration", FunctionName="fn", Timeout=9)
    assert [entry["Arn"] for entry in updated["Layers"]] == [layer["LayerVersionArn"]]
    assert len(service.get("fn").layers) == 1


async def test_update_configuration_sets_ephemeral_storage(
    call: Call, service: FunctionService
) -> None:
    await create(call)
    updated = await call(
        "UpdateFunctionConfiguration", FunctionName="fn", EphemeralStorage={"Size": 10240}
    )
    assert updated["EphemeralStorage"] == {"Size": 10240}
    assert service.get("fn").ephemeral_storage_mb == 10240


async def test_published_version_keeps_its_layers(call: Call, service: FunctionService) -> None:
    first, second = await publish(call), await publish(call, "tools", "tool")
    await create(call, Layers=[first["LayerVersionArn"]], Publish=True)
    await call("UpdateFunctionConfiguration", FunctionName="fn", Layers=[second["LayerVersionArn"]])
    version = await call("GetFunctionConfiguration", FunctionName="fn", Qualifier="1")
    assert [layer["Arn"] for layer in version["Layers"]] == [first["LayerVersionArn"]]
    assert service.get("fn", "1").layers != service.get("fn").layers


@pytest.mark.parametrize("size", [511, 10241])
async def test_ephemeral_storage_outside_range_is_invalid(call: Call, size: int) -> None:
    error = await refused(
        call,
        "CreateFunction",
        FunctionName="fn",
        Runtime="python3.12",
        Handler="app.handler",
        Code={"ZipFile": zipped({"app.py": ""})},
        EphemeralStorage={"Size": size},
    )
    assert error.code == "InvalidParameterValueException"
    assert f"Value '{size}' at 'ephemeralStorage.size'" in error.message


async def test_six_layers_are_refused(call: Call) -> None:
    arn = (await publish(call))["LayerVersionArn"]
    params = {"FunctionName": "FromTemplate", "Layers": [arn] * 6}
    error = await refused(call, "UpdateFunctionConfiguration", **params)
    assert (error.code, error.message) == (
        "InvalidParameterValueException",
        "Cannot reference more than 5 layers.",
    )


async def test_missing_layer_version_is_invalid_parameter(call: Call) -> None:
    await publish(call)
    missing = f"{LAYER_ARN}:libs:9"
    with pytest.raises(ServiceError) as raised:
        await create(call, Layers=[missing])
    assert (raised.value.code, raised.value.message) == (
        "InvalidParameterValueException",
        f"Layer version {missing} does not exist.",
    )


async def test_two_versions_of_one_layer_are_refused(call: Call) -> None:
    first, second = await publish(call), await publish(call)
    with pytest.raises(ServiceError) as raised:
        await create(call, Layers=[first["LayerVersionArn"], second["LayerVersionArn"]])
    assert raised.value.message == (
        "Two different versions of the same layer are not allowed to be referenced in the "
        f"same function. {first['LayerVersionArn']} and {second['LayerVersionArn']} are "
        "versions of the same layer."
    )


async def test_layer_in_another_region_is_refused(call: Call) -> None:
    elsewhere = f"arn:aws:lambda:us-west-2:{ACCOUNT}:layer:libs:1"
    with pytest.raises(ServiceError) as raised:
        await create(call, Layers=[elsewhere])
    assert raised.value.message == (
        f"Layers are not in the same region as the function. "
        f"Layers are expected to be in region {REGION}."
    )


async def test_layer_of_another_account_is_not_held(call: Call) -> None:
    public = f"arn:aws:lambda:{REGION}:017000801446:layer:Powertools:3"
    with pytest.raises(ServiceError) as raised:
        await create(call, Layers=[public])
    assert raised.value.code == "InvalidParameterValueException"
    assert raised.value.message.startswith(f"Layer version {public} does not exist.")


async def test_malformed_layer_arn_is_validation_error(call: Call) -> None:
    with pytest.raises(ServiceError) as raised:
        await create(call, Layers=["libs:1"])
    assert raised.value.code == "ValidationException"
    assert raised.value.message.startswith(
        "1 validation error detected: Value '[libs:1]' at 'layers' failed to satisfy constraint"
    )


async def test_get_missing_layer_version_is_not_found(call: Call) -> None:
    error = await refused(call, "GetLayerVersion", LayerName="libs", VersionNumber=3)
    assert (error.code, error.message) == (
        "ResourceNotFoundException",
        f"Layer version {LAYER_ARN}:libs:3 does not exist.",
    )


@pytest.fixture
async def template(tmp_path: Path) -> AsyncIterator[tuple[Call, FunctionService]]:
    """A template function using a template layer, adopted as `lamina up` adopts it."""
    folder = tmp_path / "layer"
    (folder / "python").mkdir(parents=True)
    (folder / "python" / "shared.py").write_text("VALUE = 1\n")
    config = FunctionConfig(
        name="Layered", code_path=str(tmp_path), layers=(str(folder),), ephemeral_storage_mb=1024
    )
    functions = FunctionService(
        [config], region=REGION, account_id=ACCOUNT, state_dir=tmp_path / "state"
    )
    provider = LambdaProvider(
        functions, region=REGION, account_id=ACCOUNT, state_dir=tmp_path / "state"
    )
    adopt(provider.state, "shared", str(folder), description="from the template")
    yield caller(provider), functions
    await functions.close()


async def test_template_function_reports_its_adopted_layer(
    template: tuple[Call, FunctionService],
) -> None:
    call, _ = template
    config = await call("GetFunctionConfiguration", FunctionName="Layered")
    assert config["Layers"] == [{"Arn": f"{LAYER_ARN}:shared:1", "CodeSize": len("VALUE = 1\n")}]
    assert config["EphemeralStorage"] == {"Size": 1024}
    listed = await call("ListLayers")
    assert listed["Layers"][0]["LatestMatchingVersion"]["Description"] == "from the template"


async def test_adopted_layer_serves_new_functions_and_next_publish_is_version_2(
    template: tuple[Call, FunctionService],
) -> None:
    call, functions = template
    await create(call, Layers=[f"{LAYER_ARN}:shared:1"])
    assert functions.get("fn").layers == functions.get("Layered").layers
    assert (await publish(call, "shared"))["Version"] == 2

"""Layers and EphemeralStorage through boto3: a published layer's module is importable by
the functions using it, and /tmp has the size the function asked for.

https://docs.aws.amazon.com/lambda/latest/dg/packaging-layers.html
https://docs.aws.amazon.com/lambda/latest/dg/configuration-ephemeral-storage.html
"""

from __future__ import annotations

import io
import json
import os
import sys
import zipfile
from typing import Any

import pytest
from botocore.exceptions import ClientError

from lamina.functions.sandbox.policy import IsolationMode, requested_mode
from lamina.functions.sandbox.probe import probe

from .conftest import create

HANDLER = """
import os


def handler(event, context):
    import shared

    tmp = os.statvfs("/tmp")
    return {
        "value": shared.VALUE,
        "file": shared.__file__,
        "tmp_mb": tmp.f_blocks * tmp.f_frsize // (1 << 20),
    }
"""


def layer_zip(value: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("python/shared.py", f"VALUE = {value!r}\n")
    return buffer.getvalue()


def publish(client: Any, value: str) -> str:
    answer = client.publish_layer_version(
        LayerName="shared", Content={"ZipFile": layer_zip(value)}, CompatibleRuntimes=["python3.12"]
    )
    arn: str = answer["LayerVersionArn"]
    return arn


def invoke(client: Any, name: str) -> dict[str, Any]:
    response = client.invoke(FunctionName=name, Payload=b"{}")
    payload: dict[str, Any] = json.loads(response["Payload"].read())
    assert "FunctionError" not in response, payload
    return payload


def isolated() -> tuple[bool, str]:
    """Whether workers run in their own mount namespace (what sizes /tmp), and why not."""
    if requested_mode(os.environ) is IsolationMode.FALLBACK:
        return False, "LAMINA_ISOLATION=fallback"
    support = probe(sys.executable)
    return support.mode is IsolationMode.NAMESPACE, support.reason


def test_function_imports_module_its_layer_provides(client: Any) -> None:
    arn = publish(client, "first")
    created = create(client, "layered", HANDLER, Layers=[arn])
    assert [layer["Arn"] for layer in created["Layers"]] == [arn]
    answer = invoke(client, "layered")
    assert answer["value"] == "first"
    assert answer["file"].endswith("/python/shared.py")


def test_update_function_layers_switches_the_module(client: Any) -> None:
    first, second = publish(client, "first"), publish(client, "second")
    create(client, "layered", HANDLER, Layers=[first])
    assert invoke(client, "layered")["value"] == "first"
    client.update_function_configuration(FunctionName="layered", Layers=[second])
    reported = client.get_function(FunctionName="layered")["Configuration"]["Layers"]
    assert [layer["Arn"] for layer in reported] == [second]
    assert invoke(client, "layered")["value"] == "second"


def test_tmp_size_matches_ephemeral_storage(client: Any) -> None:
    create(client, "roomy", HANDLER, Layers=[publish(client, "x")], EphemeralStorage={"Size": 1536})
    configuration = client.get_function_configuration(FunctionName="roomy")
    assert configuration["EphemeralStorage"] == {"Size": 1536}
    answer = invoke(client, "roomy")
    namespace, reason = isolated()
    if not namespace:
        pytest.skip(f"/tmp is sized only with namespace isolation: {reason}")
    assert answer["file"] == "/opt/python/shared.py"
    assert answer["tmp_mb"] == 1536


def test_missing_layer_version_is_refused_by_boto3(client: Any) -> None:
    missing = "arn:aws:lambda:us-east-1:123456789012:layer:shared:7"
    with pytest.raises(ClientError) as raised:
        create(client, "broken", HANDLER, Layers=[missing])
    error = raised.value.response["Error"]
    assert error["Code"] == "InvalidParameterValueException"
    assert error["Message"] == f"Layer version {missing} does not exist."


def test_ephemeral_storage_above_limit_is_refused_by_boto3(client: Any) -> None:
    with pytest.raises(ClientError) as raised:
        create(client, "huge", HANDLER, EphemeralStorage={"Size": 10241})
    assert raised.value.response["Error"]["Code"] == "InvalidParameterValueException"

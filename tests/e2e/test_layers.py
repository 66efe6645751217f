"""`lamina up` on a SAM app whose function imports a module only its layer provides.

https://docs.aws.amazon.com/lambda/latest/dg/packaging-layers.html
https://docs.aws.amazon.com/lambda/latest/dg/configuration-ephemeral-storage.html
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator

import httpx
import pytest

from lamina.functions.sandbox.policy import IsolationMode, requested_mode
from lamina.functions.sandbox.probe import probe
from tests.conftest import FIXTURES, LaminaProcess

LAYERED_APP = FIXTURES / "apps" / "layered"
PUBLIC_LAYER = (
    "arn:aws:lambda:us-east-1:017000801446:layer:AWSLambdaPowertoolsPythonV3-python311-x86_64:7"
)


@pytest.fixture(scope="module")
def lamina() -> Iterator[LaminaProcess]:
    process = LaminaProcess(LAYERED_APP)
    yield process
    process.stop()


def hello(lamina: LaminaProcess, name: str) -> dict[str, object]:
    response = httpx.get(f"{lamina.base}/hello/{name}", timeout=20)
    assert response.status_code == 200, response.text
    body: dict[str, object] = response.json()
    return body


def test_layered_app_function_imports_module_from_its_layer(lamina: LaminaProcess) -> None:
    assert not (LAYERED_APP / "src" / "greeting.py").exists()
    body = hello(lamina, "Ada")
    assert body["greeting"] == "Hello, Ada, from the layer"
    assert str(body["module"]).endswith("/python/greeting.py")


def test_layered_app_warns_about_the_public_layer_it_cannot_fetch(lamina: LaminaProcess) -> None:
    hello(lamina, "Grace")  # the banner and warnings are written before the first answer
    out = lamina.output()
    warnings = [line for line in out.splitlines() if line.startswith("warning:")]
    assert any("HelloFunction" in line and PUBLIC_LAYER in line for line in warnings), out
    assert "LayerVersion" not in "\n".join(warnings)


def test_layered_app_tmp_has_the_ephemeral_storage_size(lamina: LaminaProcess) -> None:
    body = hello(lamina, "Linus")
    if requested_mode(os.environ) is IsolationMode.FALLBACK:
        pytest.skip("LAMINA_ISOLATION=fallback: /tmp is not sized")
    support = probe(sys.executable)
    if support.mode is not IsolationMode.NAMESPACE:
        pytest.skip(f"/tmp is sized only with namespace isolation: {support.reason}")
    assert body["module"] == "/opt/python/greeting.py"
    assert body["tmp_mb"] == 1024


def test_layered_app_boto3_reports_the_template_layer(lamina: LaminaProcess) -> None:
    import boto3

    client = boto3.client(
        "lambda",
        endpoint_url=lamina.base,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )
    configuration = client.get_function_configuration(FunctionName="HelloFunction")
    assert [layer["Arn"] for layer in configuration["Layers"]] == [
        "arn:aws:lambda:us-east-1:123456789012:layer:greeting:1"
    ]
    assert configuration["EphemeralStorage"] == {"Size": 1024}
    names = [layer["LayerName"] for layer in client.list_layers()["Layers"]]
    assert names == ["greeting"]

"""boto3's Lambda client against `lamina up`: the template's functions, on the one port."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator

import boto3
import pytest
from botocore.exceptions import ClientError

from tests.conftest import FIXTURES, LaminaProcess


@pytest.fixture(scope="module")
def lamina() -> Iterator[LaminaProcess]:
    process = LaminaProcess(FIXTURES / "apps" / "proxy")
    yield process
    process.stop()


@pytest.fixture
def client(lamina: LaminaProcess):  # type: ignore[no-untyped-def]
    return boto3.client(
        "lambda",
        endpoint_url=lamina.base,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )


def test_boto3_lists_the_template_functions(client) -> None:  # type: ignore[no-untyped-def]
    names = {f["FunctionName"] for f in client.list_functions()["Functions"]}
    assert {"EchoFunction", "ShapesFunction", "SlowFunction"} <= names


def test_boto3_invoke_returns_payload_and_log_tail(client) -> None:  # type: ignore[no-untyped-def]
    response = client.invoke(
        FunctionName="ShapesFunction",
        Payload=json.dumps({"pathParameters": {"kind": "plain"}}),
        LogType="Tail",
    )
    assert response["StatusCode"] == 200
    assert json.loads(response["Payload"].read()) == {"hello": "world"}
    assert "REPORT RequestId:" in base64.b64decode(response["LogResult"]).decode()


def test_boto3_invoke_error_has_function_error(client) -> None:  # type: ignore[no-untyped-def]
    response = client.invoke(
        FunctionName="ShapesFunction", Payload=json.dumps({"pathParameters": {"kind": "raise"}})
    )
    assert response["FunctionError"] == "Unhandled"
    assert json.loads(response["Payload"].read())["errorType"] == "ValueError"


def test_boto3_unknown_function_is_resource_not_found(client) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ClientError) as raised:
        client.get_function(FunctionName="Nope")
    assert raised.value.response["Error"]["Code"] == "ResourceNotFoundException"
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404


def test_gateway_still_serves_next_to_the_aws_api(lamina: LaminaProcess) -> None:
    import httpx

    assert httpx.get(f"{lamina.base}/shape/plain", timeout=20).json() == {"hello": "world"}


def test_boto3_event_invoke_is_accepted_and_runs(client, lamina: LaminaProcess) -> None:  # type: ignore[no-untyped-def]
    import time

    before = lamina.output().count("[SlowFunction] START")
    response = client.invoke(FunctionName="SlowFunction", InvocationType="Event", Payload=b"{}")
    assert response["StatusCode"] == 202
    for _ in range(100):
        if lamina.output().count("[SlowFunction] START") > before:
            break
        time.sleep(0.05)
    assert lamina.output().count("[SlowFunction] START") > before


def test_resource_policy_decides_whether_the_gateway_may_invoke(  # type: ignore[no-untyped-def]
    client, lamina: LaminaProcess
) -> None:
    import httpx

    # SAM's permission for the HTTP API route, as the template declared it.
    policy = json.loads(client.get_policy(FunctionName="ShapesFunction")["Policy"])
    [statement] = [s for s in policy["Statement"] if s["Sid"] == "ShapesFunctionHttpPermission"]
    source_arn = statement["Condition"]["ArnLike"]["AWS:SourceArn"]
    assert source_arn.endswith("/*/GET/shape/*")

    client.remove_permission(FunctionName="ShapesFunction", StatementId=statement["Sid"])
    denied = httpx.get(f"{lamina.base}/shape/plain", timeout=20)
    assert (denied.status_code, denied.content) == (500, b'{"message":"Internal Server Error"}')
    assert "Invalid permissions on Lambda function ShapesFunction" in lamina.output()

    client.add_permission(
        FunctionName="ShapesFunction",
        StatementId="again",
        Action="lambda:InvokeFunction",
        Principal="apigateway.amazonaws.com",
        SourceArn=source_arn,
    )
    assert httpx.get(f"{lamina.base}/shape/plain", timeout=20).status_code == 200


def test_handler_sdk_calls_reach_lamina_through_aws_endpoint_url(lamina: LaminaProcess) -> None:
    import httpx

    response = httpx.get(f"{lamina.base}/Prod/shape/sdk", timeout=30)
    assert response.status_code == 200, lamina.output()[-3000:]
    assert {"EchoFunction", "ShapesFunction"} <= set(response.json())

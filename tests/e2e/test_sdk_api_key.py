"""A generated client sends the API key a method requires (x-api-key), and the AWS CLI's
`aws apigateway get-sdk` writes the zip: an API built through the management API on
`lamina up` (MOCK integration, API key, usage plan), its Python client asked for by the
AWS CLI and run in a child interpreter with and without the key."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from tests.conftest import FIXTURES, LaminaProcess

STAGE = "v1"
KEY = "sdk-test-key-0123456789abcdef"


@pytest.fixture(scope="module")
def lamina() -> Iterator[LaminaProcess]:
    process = LaminaProcess(FIXTURES / "apps" / "proxy")
    yield process
    process.stop()


@pytest.fixture(scope="module")
def keyed_api(lamina: LaminaProcess) -> str:
    """GET /secret, API key required, answering {"ok": true} from a MOCK integration."""
    apigw: Any = boto3.client(
        "apigateway",
        endpoint_url=lamina.base,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )
    api_id: str = apigw.create_rest_api(name="keyed")["id"]
    root = apigw.get_resources(restApiId=api_id)["items"][0]["id"]
    resource = apigw.create_resource(restApiId=api_id, parentId=root, pathPart="secret")["id"]
    common = {"restApiId": api_id, "resourceId": resource, "httpMethod": "GET"}
    apigw.put_method(**common, authorizationType="NONE", apiKeyRequired=True)
    apigw.put_integration(
        **common, type="MOCK", requestTemplates={"application/json": '{"statusCode": 200}'}
    )
    apigw.put_method_response(**common, statusCode="200")
    apigw.put_integration_response(
        **common, statusCode="200", responseTemplates={"application/json": '{"ok": true}'}
    )
    apigw.create_deployment(restApiId=api_id, stageName=STAGE)
    key_id = apigw.create_api_key(name="sdk", enabled=True, value=KEY)["id"]
    plan = apigw.create_usage_plan(name="sdk", apiStages=[{"apiId": api_id, "stage": STAGE}])
    apigw.create_usage_plan_key(usagePlanId=plan["id"], keyId=key_id, keyType="API_KEY")
    return api_id


def test_aws_cli_get_sdk_and_the_client_sends_the_api_key(
    lamina: LaminaProcess, keyed_api: str, tmp_path: Path
) -> None:
    outfile = tmp_path / "keyed-python-sdk.zip"
    base_url = f"{lamina.base}/restapis/{keyed_api}/{STAGE}/_user_request_"
    env = {
        **os.environ,
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_CONFIG_FILE": str(tmp_path / "config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "credentials"),
    }
    cli = [sys.executable, "-m", "awscli", "--endpoint-url", lamina.base, "apigateway"]
    done = subprocess.run(
        [
            *cli,
            *("get-sdk", "--rest-api-id", keyed_api, "--stage-name", STAGE),
            *("--sdk-type", "python", "--parameters", f"baseUrl={base_url}", str(outfile)),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["contentType"] == "application/zip"
    with zipfile.ZipFile(outfile) as archive:
        archive.extractall(tmp_path / "sdk")
    (sdk,) = (tmp_path / "sdk").iterdir()
    script = (
        "import json, sys, keyed_client as k\n"
        "config = k.Configuration()\n"
        "if sys.argv[1]:\n"
        "    config.api_key['api_key'] = sys.argv[1]\n"
        "with k.ApiClient(config) as client:\n"
        "    try:\n"
        "        print(json.dumps(k.DefaultApi(client).secret_get()))\n"
        "    except k.ApiException as error:\n"
        "        print(json.dumps({'status': error.status}))\n"
    )
    with_key = _run(sdk, script, KEY)
    without = _run(sdk, script, "")
    assert with_key == {"ok": True}
    assert without == {"status": 403}


def _run(cwd: Path, script: str, key: str) -> Any:
    ran = subprocess.run(
        [sys.executable, "-c", script, key], cwd=cwd, capture_output=True, text=True, timeout=60
    )
    assert ran.returncode == 0, ran.stderr
    return json.loads(ran.stdout)

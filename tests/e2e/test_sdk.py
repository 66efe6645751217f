"""Client SDKs from a running `lamina up` (examples/hello): GetSdkTypes/GetSdkType list what
Lamina generates, GetSdk answers a zip per language, and each generated client calls the
API and gets the function's answer: the Python one imported in a child interpreter (via
`lamina sdk`), the JavaScript and TypeScript ones run with node when the machine has it.

The JavaScript client imports superagent and the TypeScript one is compiled with tsc, as
their READMEs say: both come from the npm registry (`npm install`), into a scratch folder.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from tests.conftest import ROOT, LaminaProcess

APP = ROOT / "examples" / "hello"
STAGE = "Prod"
NODE = shutil.which("node")
NPM = shutil.which("npm")
EXPECTED_FILES = {
    "python": "hello_client/api/default_api.py",
    "javascript": "src/api/DefaultApi.js",
    "typescript": "src/apis/DefaultApi.ts",
}

# Node runs the JavaScript client's ES modules as written: specifiers without ".js" and
# files under src/ that package.json does not mark as modules (its build uses babel).
ESM_HOOKS = """
export async function resolve(specifier, context, next) {
  if (/^\\.\\.?\\//.test(specifier) && !/\\.[cm]?js$/.test(specifier)) {
    return next(specifier + '.js', context);
  }
  return next(specifier, context);
}
export async function load(url, context, next) {
  if (url.startsWith('file:') && url.includes('/src/')) {
    return next(url, { ...context, format: 'module' });
  }
  return next(url, context);
}
"""
REGISTER = "import { register } from 'node:module';\nregister('./hooks.mjs', import.meta.url);\n"


@pytest.fixture(scope="module")
def hello() -> Iterator[LaminaProcess]:
    lamina = LaminaProcess(APP)
    yield lamina
    lamina.stop()


@pytest.fixture(scope="module")
def apigw(hello: LaminaProcess) -> Any:
    return boto3.client(
        "apigateway",
        endpoint_url=hello.base,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )


@pytest.fixture(scope="module")
def api_id(apigw: Any) -> str:
    (api,) = apigw.get_rest_apis()["items"]
    identifier: str = api["id"]
    return identifier


@pytest.fixture(scope="module")
def base_url(hello: LaminaProcess, api_id: str) -> str:
    return f"{hello.base}/restapis/{api_id}/{STAGE}/_user_request_"


@pytest.fixture(scope="module")
def node_modules(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """superagent (the JavaScript client's one dependency) and typescript, from npm."""
    if NODE is None or NPM is None:
        pytest.skip("node/npm are not on this machine: the JS/TS clients cannot be run")
    folder = tmp_path_factory.mktemp("npm")
    done = subprocess.run(
        [NPM, "install", "--no-audit", "--no-fund", "--silent", "superagent@5", "typescript@5"],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, done.stderr
    return folder / "node_modules"


def _sdk(apigw: Any, api_id: str, sdk_type: str, base_url: str) -> dict[str, Any]:
    answer: dict[str, Any] = apigw.get_sdk(
        restApiId=api_id, stageName=STAGE, sdkType=sdk_type, parameters={"baseUrl": base_url}
    )
    answer["zip"] = zipfile.ZipFile(io.BytesIO(answer["body"].read()))
    return answer


def _unpacked(apigw: Any, api_id: str, sdk_type: str, base_url: str, into: Path) -> Path:
    archive = _sdk(apigw, api_id, sdk_type, base_url)["zip"]
    archive.extractall(into)
    (folder,) = into.iterdir()
    return folder


def test_sdk_types_list_what_lamina_generates(apigw: Any) -> None:
    listed = apigw.get_sdk_types()["items"]
    assert [t["id"] for t in listed] == ["javascript", "python", "typescript"]
    assert apigw.get_sdk_types(limit=1)["items"][0]["id"] == "javascript"
    python = apigw.get_sdk_type(id="python")
    assert python["friendlyName"] == "Python"
    assert {p["name"] for p in python["configurationProperties"]} >= {"packageName", "baseUrl"}
    with pytest.raises(ClientError) as caught:
        apigw.get_sdk_type(id="cobol")
    assert caught.value.response["Error"]["Code"] == "NotFoundException"


@pytest.mark.parametrize("sdk_type", ["python", "javascript", "typescript"])
def test_get_sdk_answers_a_zip_of_the_client(
    apigw: Any, api_id: str, base_url: str, sdk_type: str
) -> None:
    answer = _sdk(apigw, api_id, sdk_type, base_url)
    assert answer["contentType"] == "application/zip"
    assert re.fullmatch(
        rf'attachment; filename="{sdk_type}_\d{{4}}-\d\d-\d\dT\d\d:\d\d:\d\dZ\.zip"',
        answer["contentDisposition"],
    )
    names = answer["zip"].namelist()
    assert f"hello-{sdk_type}-sdk/{EXPECTED_FILES[sdk_type]}" in names
    source = answer["zip"].read(f"hello-{sdk_type}-sdk/{EXPECTED_FILES[sdk_type]}").decode()
    assert base_url in "".join(answer["zip"].read(n).decode(errors="replace") for n in names)
    for path in ("/hello/{name}", "/echo", "/items"):
        assert path in source


def test_unknown_sdk_type_is_a_bad_request(apigw: Any, api_id: str) -> None:
    with pytest.raises(ClientError) as caught:
        apigw.get_sdk(restApiId=api_id, stageName=STAGE, sdkType="cobol")
    error = caught.value.response["Error"]
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert (error["Code"], error["Message"]) == (
        "BadRequestException",
        "Invalid SDK type specified: cobol",
    )


def test_aws_types_lamina_does_not_generate_say_so(apigw: Any, api_id: str) -> None:
    with pytest.raises(ClientError) as caught:
        apigw.get_sdk(restApiId=api_id, stageName=STAGE, sdkType="ruby")
    error = caught.value.response["Error"]
    assert error["Code"] == "BadRequestException"
    assert error["Message"].startswith("Lamina does not generate the ruby SDK type yet")


def test_missing_stage_and_unknown_parameter(apigw: Any, api_id: str) -> None:
    with pytest.raises(ClientError) as caught:
        apigw.get_sdk(restApiId=api_id, stageName="nope", sdkType="python")
    assert caught.value.response["Error"]["Code"] == "NotFoundException"
    with pytest.raises(ClientError) as caught:
        apigw.get_sdk(
            restApiId=api_id, stageName=STAGE, sdkType="python", parameters={"color": "red"}
        )
    assert caught.value.response["Error"]["Code"] == "BadRequestException"


def test_lamina_sdk_writes_a_python_client_that_calls_the_api(
    hello: LaminaProcess, tmp_path: Path
) -> None:
    out = tmp_path / "client"
    done = subprocess.run(
        [
            *(sys.executable, "-m", "lamina.cli", "sdk", "--language", "python"),
            *("--api", "ServerlessRestApi", "--stage", STAGE, "--output", str(out)),
            *("--endpoint-url", hello.base),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert (out / "hello_client" / "__init__.py").is_file()
    assert (out / "README.md").is_file()
    script = (
        "import json, hello_client\n"
        "with hello_client.ApiClient(hello_client.Configuration()) as client:\n"
        "    api = hello_client.DefaultApi(client)\n"
        "    print(json.dumps([api.hello_name_get('sdk'), api.echo_post({'n': 1}),"
        " api.hello_get()]))\n"
    )
    ran = subprocess.run(
        [sys.executable, "-c", script], cwd=out, capture_output=True, text=True, timeout=60
    )
    assert ran.returncode == 0, ran.stderr
    named, echoed, plain = json.loads(ran.stdout)
    assert named == {"message": "Hello, sdk!", "service": "hello-us-east-1", "stage": STAGE}
    assert echoed["received"] == {"n": 1}
    assert echoed["content_type"] == "application/json"
    assert plain["message"] == "Hello, world!"


def test_javascript_client_calls_the_api_under_node(
    apigw: Any, api_id: str, base_url: str, node_modules: Path, tmp_path: Path
) -> None:
    sdk = _unpacked(apigw, api_id, "javascript", base_url, tmp_path)
    (sdk / "node_modules").symlink_to(node_modules)
    (sdk / "hooks.mjs").write_text(ESM_HOOKS)
    (sdk / "register.mjs").write_text(REGISTER)
    (sdk / "main.mjs").write_text(
        "import { ApiClient, DefaultApi } from './src/index.js';\n"
        "const api = new DefaultApi(ApiClient.instance);\n"
        "const named = await api.helloNameGet('node');\n"
        "const echoed = await api.echoPost({ body: { js: true } });\n"
        "console.log(JSON.stringify([named, echoed]));\n"
    )
    named, echoed = _node(sdk, "--import", "./register.mjs", "main.mjs")
    assert named["message"] == "Hello, node!"
    assert echoed["received"] == {"js": True}


def test_typescript_client_compiles_and_calls_the_api(
    apigw: Any, api_id: str, base_url: str, node_modules: Path, tmp_path: Path
) -> None:
    sdk = _unpacked(apigw, api_id, "typescript", base_url, tmp_path)
    (sdk / "node_modules").symlink_to(node_modules)
    compiled = subprocess.run(
        [str(node_modules / ".bin" / "tsc"), "-p", "tsconfig.json"],
        cwd=sdk,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert compiled.returncode == 0, compiled.stdout + compiled.stderr
    (sdk / "main.js").write_text(
        "const { DefaultApi } = require('./dist/index.js');\n"
        "(async () => {\n"
        "  const api = new DefaultApi();\n"
        "  const named = await api.helloNameGet({ name: 'ts' });\n"
        "  const echoed = await api.echoPost({ body: { ts: 1 } });\n"
        "  console.log(JSON.stringify([named, echoed]));\n"
        "})();\n"
    )
    named, echoed = _node(sdk, "main.js")
    assert named["message"] == "Hello, ts!"
    assert echoed["received"] == {"ts": 1}


def _node(cwd: Path, *args: str) -> Any:
    assert NODE is not None
    ran = subprocess.run(
        [NODE, *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "NO_COLOR": "1"},
    )
    assert ran.returncode == 0, ran.stdout + ran.stderr
    return json.loads(ran.stdout)

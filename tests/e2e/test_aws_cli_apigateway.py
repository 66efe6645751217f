"""The AWS CLI drives API Gateway's management API against `lamina up`, and the gateway
serves what it builds: a REST API made resource by resource, deployed to two stages that
serve different deployments, a canary promoted with UpdateStage patch operations, the
template's own API listed and re-pointed, and all of it still there after a restart."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx

from tests.conftest import FIXTURES, LaminaProcess

APP = FIXTURES / "apps" / "proxy"
REGION = "us-east-1"
ACCOUNT = "123456789012"


class Cli:
    """`aws apigateway ...` (the awscli package) with --endpoint-url at Lamina."""

    def __init__(self, base: str, tmp: Path) -> None:
        self.base = base
        self.env = {
            **os.environ,
            "AWS_ACCESS_KEY_ID": "test",
            "AWS_SECRET_ACCESS_KEY": "test",
            "AWS_DEFAULT_REGION": REGION,
            "AWS_CONFIG_FILE": str(tmp / "config"),
            "AWS_SHARED_CREDENTIALS_FILE": str(tmp / "credentials"),
        }

    def __call__(self, *args: str) -> Any:
        command = [sys.executable, "-m", "awscli", "--endpoint-url", self.base, "--output", "json"]
        done = subprocess.run(
            [*command, *args], capture_output=True, text=True, env=self.env, timeout=60
        )
        assert done.returncode == 0, f"aws {' '.join(args)}: {done.stderr}"
        return json.loads(done.stdout) if done.stdout.strip() else None

    def fails(self, *args: str) -> str:
        command = [sys.executable, "-m", "awscli", "--endpoint-url", self.base]
        done = subprocess.run(
            [*command, *args], capture_output=True, text=True, env=self.env, timeout=60
        )
        assert done.returncode != 0, done.stdout
        return done.stderr


def _function_uri(name: str) -> str:
    arn = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}"
    return f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/{arn}/invocations"


def _url(base: str, api_id: str, stage: str, path: str) -> str:
    return f"{base}/restapis/{api_id}/{stage}/_user_request_{path}"


def test_the_aws_cli_builds_deploys_and_canaries_a_rest_api(tmp_path: Path) -> None:
    state = tmp_path / "state"
    lamina = LaminaProcess(APP, state_dir=state)
    aws = Cli(lamina.base, tmp_path)
    try:
        api = aws("apigateway", "create-rest-api", "--name", "made-by-cli")
        api_id = api["id"]
        root = aws("apigateway", "get-resources", "--rest-api-id", api_id)["items"][0]
        pets = aws(
            "apigateway",
            "create-resource",
            "--rest-api-id",
            api_id,
            "--parent-id",
            root["id"],
            "--path-part",
            "pets",
        )
        common = ["--rest-api-id", api_id, "--resource-id", pets["id"], "--http-method", "GET"]
        aws("apigateway", "put-method", *common, "--authorization-type", "NONE")
        aws(
            "apigateway",
            "put-integration",
            *common,
            "--type",
            "AWS_PROXY",
            "--integration-http-method",
            "POST",
            "--uri",
            _function_uri("EchoFunction"),
        )
        # As on AWS, the function's resource policy must let API Gateway call it.
        for function in ("EchoFunction", "ShapesFunction"):
            aws("lambda", "add-permission", "--function-name", function, "--statement-id",
                f"cli-{api_id}", "--action", "lambda:InvokeFunction", "--principal",
                "apigateway.amazonaws.com", "--source-arn",
                f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{api_id}/*/*/*")  # fmt: skip
        first = aws(
            "apigateway", "create-deployment", "--rest-api-id", api_id, "--stage-name", "prod"
        )
        answer = httpx.get(_url(lamina.base, api_id, "prod", "/pets"), timeout=30)
        assert answer.status_code == 200, lamina.output()[-3000:]
        assert answer.json()["event"]["requestContext"]["stage"] == "prod"

        # A second deployment, with /cats, on "dev" only: prod keeps serving the first.
        cats = aws(
            "apigateway",
            "create-resource",
            "--rest-api-id",
            api_id,
            "--parent-id",
            root["id"],
            "--path-part",
            "cats",
        )
        on_cats = ["--rest-api-id", api_id, "--resource-id", cats["id"], "--http-method", "GET"]
        aws("apigateway", "put-method", *on_cats, "--authorization-type", "NONE")
        aws("apigateway", "put-integration", *on_cats, "--type", "AWS_PROXY",
            "--integration-http-method", "POST",
            "--uri", _function_uri("EchoFunction"))  # fmt: skip
        second = aws(
            "apigateway", "create-deployment", "--rest-api-id", api_id, "--stage-name", "dev"
        )
        assert httpx.get(_url(lamina.base, api_id, "prod", "/cats"), timeout=30).status_code == 403
        assert httpx.get(_url(lamina.base, api_id, "dev", "/cats"), timeout=30).status_code == 200

        # Canary on prod at 100 %, then promoted with AWS's two patch operations.
        patch = json.dumps(
            [
                {"op": "replace", "path": "/canarySettings/percentTraffic", "value": "100"},
                {"op": "replace", "path": "/canarySettings/deploymentId", "value": second["id"]},
            ]
        )
        aws("apigateway", "update-stage", "--rest-api-id", api_id, "--stage-name", "prod",
            "--patch-operations", patch)  # fmt: skip
        canary = httpx.get(_url(lamina.base, api_id, "prod", "/cats"), timeout=30)
        assert canary.status_code == 200, canary.text
        promote = json.dumps(
            [
                {"op": "replace", "path": "/deploymentId", "value": second["id"]},
                {"op": "remove", "path": "/canarySettings"},
            ]
        )
        stage = aws("apigateway", "update-stage", "--rest-api-id", api_id, "--stage-name", "prod",
                    "--patch-operations", promote)  # fmt: skip
        assert stage["deploymentId"] == second["id"] and "canarySettings" not in stage
        # Rollback: prod back on the first deployment.
        rollback = json.dumps([{"op": "replace", "path": "/deploymentId", "value": first["id"]}])
        aws("apigateway", "update-stage", "--rest-api-id", api_id, "--stage-name", "prod",
            "--patch-operations", rollback)  # fmt: skip
        assert httpx.get(_url(lamina.base, api_id, "prod", "/cats"), timeout=30).status_code == 403

        # The template's API is there too, and its stage variables change through the API.
        apis = {a["name"]: a for a in aws("apigateway", "get-rest-apis")["items"]}
        assert len(apis) == 2 and "made-by-cli" in apis, apis
        template_api = next(a for a in apis.values() if a["id"] != api_id)
        assert template_api["tags"]["aws:cloudformation:logical-id"] == "Api"
        variable = json.dumps([{"op": "replace", "path": "/variables/color", "value": "blue"}])
        aws("apigateway", "update-stage", "--rest-api-id", template_api["id"], "--stage-name",
            "Prod", "--patch-operations", variable)  # fmt: skip
        echoed = httpx.get(f"{lamina.base}/Prod/echo/ann", timeout=30).json()
        assert echoed["event"]["stageVariables"] == {"color": "blue"}, echoed

        assert "NotFoundException" in aws.fails(
            "apigateway", "get-rest-api", "--rest-api-id", "nope000000"
        )
    finally:
        lamina.stop()

    again = LaminaProcess(APP, state_dir=state)
    try:
        answer = httpx.get(_url(again.base, api_id, "prod", "/pets"), timeout=30)
        assert answer.status_code == 200, again.output()[-3000:]
        assert httpx.get(_url(again.base, api_id, "prod", "/cats"), timeout=30).status_code == 403
        assert httpx.get(_url(again.base, api_id, "dev", "/cats"), timeout=30).status_code == 200
        echoed = httpx.get(f"{again.base}/Prod/echo/ann", timeout=30).json()
        assert echoed["event"]["stageVariables"] == {"color": "blue"}
    finally:
        again.stop()

"""Re-pointing a stage under load: does any request fail while deployments swap?

    .venv/bin/python bench/stage_swap.py [--seconds 10] [--connections 16]

`lamina up` serves a REST API made through the management API (boto3 apigateway):
GET /pets on a Python function, two deployments of it. wrk drives 16 connections at the
stage for 10 s, twice: once with the stage left alone, once while another client
re-points the stage from one deployment to the other as fast as it can (each UpdateStage
recompiles every API and swaps the gateway's deployment). Issue #6 asks for no errors at
16 connections; the figures also show what the swaps cost in throughput and latency.
A run faster than the account-level throttle (10,000 requests/s with a burst of 5,000,
AWS's default) gets 429s, as on AWS: they are counted apart, not as failures.

Writes bench/results/stage_swap.json and prints the figures.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import boto3
from load import LoadSettings, Target, run_wrk
from server import HOST, Server, free_port

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "tests" / "fixtures" / "apps" / "proxy"
RESULTS = ROOT / "bench" / "results" / "stage_swap.json"
REGION, ACCOUNT = "us-east-1", "123456789012"


def _client(base: str, service: str) -> Any:
    return boto3.client(
        service,
        endpoint_url=base,
        region_name=REGION,
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )


def build_api(base: str) -> tuple[str, str, str]:
    """(api id, deployment one, deployment two), stage "prod" on deployment one."""
    apigw = _client(base, "apigateway")
    api_id = apigw.create_rest_api(name="swap")["id"]
    root = apigw.get_resources(restApiId=api_id)["items"][0]["id"]
    pets = apigw.create_resource(restApiId=api_id, parentId=root, pathPart="pets")["id"]
    apigw.put_method(restApiId=api_id, resourceId=pets, httpMethod="GET", authorizationType="NONE")
    function = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:EchoFunction"
    apigw.put_integration(
        restApiId=api_id,
        resourceId=pets,
        httpMethod="GET",
        type="AWS_PROXY",
        integrationHttpMethod="POST",
        uri=f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/{function}/invocations",
    )
    _client(base, "lambda").add_permission(
        FunctionName="EchoFunction",
        StatementId="bench-swap",
        Action="lambda:InvokeFunction",
        Principal="apigateway.amazonaws.com",
        SourceArn=f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{api_id}/*/*/*",
    )
    one = apigw.create_deployment(restApiId=api_id, stageName="prod")["id"]
    two = apigw.create_deployment(restApiId=api_id, description="second")["id"]
    return api_id, one, two


class Swapper(threading.Thread):
    def __init__(self, base: str, api_id: str, deployments: tuple[str, str]) -> None:
        super().__init__(daemon=True)
        self.apigw = _client(base, "apigateway")
        self.api_id = api_id
        self.deployments = deployments
        self.stop = threading.Event()
        self.swaps = 0
        self.seconds: list[float] = []

    def run(self) -> None:
        while not self.stop.is_set() and self.swaps < 100_000:
            target = self.deployments[self.swaps % 2]
            started = time.perf_counter()
            self.apigw.update_stage(
                restApiId=self.api_id,
                stageName="prod",
                patchOperations=[{"op": "replace", "path": "/deploymentId", "value": target}],
            )
            self.seconds.append(time.perf_counter() - started)
            self.swaps += 1


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args()
    settings = LoadSettings(connections=args.connections, duration_s=args.seconds)
    with tempfile.TemporaryDirectory(prefix="lamina-swap-") as scratch:
        port = free_port()
        command = [sys.executable, "-m", "lamina.cli", "up", str(APP), "--port", str(port)]
        command += ["--state-dir", str(Path(scratch) / "state"), "--no-watch"]
        with Server(command, port, Path(scratch) / "up.log") as server:
            server.wait_listening(30)
            base = f"http://{HOST}:{port}"
            api_id, one, two = build_api(base)
            target = Target(url=f"{base}/restapis/{api_id}/prod/_user_request_/pets")
            run_wrk(target, LoadSettings(connections=args.connections, duration_s=2))  # warm
            steady = run_wrk(target, settings)
            swapper = Swapper(base, api_id, (two, one))
            swapper.start()
            try:
                swapping = run_wrk(target, settings)
            finally:
                swapper.stop.set()
                swapper.join(30)
    swap_ms = sorted(s * 1000 for s in swapper.seconds)
    figures = {
        "connections": args.connections,
        "seconds": args.seconds,
        "steady": steady.as_json(),
        "swapping": swapping.as_json(),
        "swaps": swapper.swaps,
        "update_stage_p50_ms": round(swap_ms[len(swap_ms) // 2], 2) if swap_ms else None,
        # 429s are the account throttle (10,000 rps, AWS's default) doing its job.
        "failed_requests_while_swapping": swapping.non_200
        - swapping.throttled
        + swapping.socket_errors,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(figures, indent=2) + "\n")
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()

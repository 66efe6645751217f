"""Per-call cost of the Lambda API path (boto3 Invoke) vs the gateway path (HTTP GET),
both to the same warm function of examples/hello on one `lamina up`, one client, in turn.

    .venv/bin/python bench/api_overhead.py [--calls N]

Writes bench/results/api_overhead.json and prints the figures.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import boto3
import httpx
from server import HOST, Server, free_port

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
RESULTS = BENCH / "results"
EVENT = {"pathParameters": {"name": "bench"}, "requestContext": {"stage": "Prod"}}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=2000)
    args = parser.parse_args()
    port = free_port()
    lamina = str(Path(sys.executable).parent / "lamina")
    command = [lamina, "up", "examples/hello", "--port", str(port)]
    with Server(command, port, RESULTS / "api_overhead.log.tmp", cwd=REPO) as server:
        server.wait_listening(20)
        base = f"http://{HOST}:{port}"
        figures = {
            "calls": args.calls,
            "gateway_http_get_us": _gateway(base, args.calls),
            "lambda_api_boto3_invoke_us": _lambda_api(base, args.calls),
        }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "api_overhead.json").write_text(json.dumps(figures, indent=2) + "\n")
    print(json.dumps(figures, indent=2))
    return 0


def _timed(call: object, calls: int) -> dict[str, float]:
    assert callable(call)
    for _ in range(50):
        call()  # warm the worker and the connection
    samples = []
    for _ in range(calls):
        start = time.perf_counter()
        call()
        samples.append((time.perf_counter() - start) * 1e6)
    samples.sort()
    return {
        "p50": round(statistics.median(samples), 1),
        "p99": round(samples[int(len(samples) * 0.99) - 1], 1),
        "mean": round(statistics.fmean(samples), 1),
    }


def _gateway(base: str, calls: int) -> dict[str, float]:
    with httpx.Client(base_url=base) as client:

        def get() -> None:
            assert client.get("/Prod/hello/bench").status_code == 200

        return _timed(get, calls)


def _lambda_api(base: str, calls: int) -> dict[str, float]:
    client = boto3.client(
        "lambda",
        endpoint_url=base,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )
    payload = json.dumps(EVENT).encode()

    def invoke() -> None:
        response = client.invoke(FunctionName="GreetingFunction", Payload=payload)
        assert response["StatusCode"] == 200 and "FunctionError" not in response

    return _timed(invoke, calls)


if __name__ == "__main__":
    sys.exit(main())

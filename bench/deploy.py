"""Time from `lamina up` of a 20-function, 3-API template to its first 200 response.

    .venv/bin/python bench/deploy.py [--runs 5]

The template (written to a temporary folder) has 20 Python functions, two REST APIs and
one HTTP API, each function behind a route of one of them. Each run starts `lamina up`
with a fresh state folder and polls one route of each API until all three answer 200;
the time counted runs from spawning the process to the last of those 200s. The first
run also translates the SAM template (aws-sam-translator); later runs reuse the cached
translation, as a developer's restarts do. Target (issue #6): <= 1.5 s.

Writes bench/results/deploy.json and prints the figures.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx
from server import HOST, Server, free_port

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "deploy.json"
FUNCTIONS = 20
HANDLER = """import json


def handler(event, context):
    return {"statusCode": 200, "body": json.dumps({"fn": context.function_name})}
"""


def write_app(folder: Path) -> list[str]:
    """The template and code; the three paths to poll (one per API)."""
    (folder / "src").mkdir(parents=True)
    (folder / "src" / "app.py").write_text(HANDLER)
    resources = [
        "  RestOne:\n    Type: AWS::Serverless::Api\n    Properties:\n      StageName: one\n",
        "  RestTwo:\n    Type: AWS::Serverless::Api\n    Properties:\n      StageName: two\n",
    ]
    for n in range(FUNCTIONS):
        kind = ("Api", "Api", "HttpApi")[n % 3]
        api = {0: "RestOne", 1: "RestTwo"}.get(n % 3)
        api_line = f"            RestApiId: !Ref {api}\n" if api else ""
        resources.append(
            f"  Fn{n}:\n    Type: AWS::Serverless::Function\n    Properties:\n"
            "      CodeUri: src/\n      Handler: app.handler\n      Runtime: python3.11\n"
            f"      Events:\n        Call:\n          Type: {kind}\n          Properties:\n"
            f"            Path: /fn{n}\n            Method: get\n{api_line}"
        )
    (folder / "template.yaml").write_text(
        "AWSTemplateFormatVersion: '2010-09-09'\nTransform: AWS::Serverless-2016-10-31\n"
        "Resources:\n" + "".join(resources)
    )
    return ["fn0", "fn1", "fn2"]


def one_run(folder: Path, state: Path) -> float:
    port = free_port()
    command = [sys.executable, "-m", "lamina.cli", "up", str(folder), "--port", str(port)]
    command += ["--state-dir", str(state)]
    with Server(command, port, state.parent / f"up-{port}.log") as server:
        started = server.started_at
        base = f"http://{HOST}:{port}"
        # The root URL serves the HTTP API; REST APIs are reached host-style by id, which
        # the banner prints: poll the path-style URL of each instead.
        pending = set(_urls(server, base))
        deadline = time.perf_counter() + 30
        with httpx.Client(timeout=5) as client:
            while pending and time.perf_counter() < deadline:
                for url in list(pending):
                    try:
                        if client.get(url).status_code == 200:
                            pending.discard(url)
                    except httpx.TransportError:
                        pass  # not listening yet
                if pending:
                    time.sleep(0.005)
        if pending:
            raise RuntimeError(f"no 200 from {sorted(pending)}:\n{server.log_path.read_text()}")
        return time.perf_counter() - started


def _urls(server: Server, base: str) -> list[str]:
    """The three routes' URLs, read from the banner once it is printed."""
    deadline = time.perf_counter() + 30
    while time.perf_counter() < deadline:
        text = server.log_path.read_text(errors="replace")
        if "Listening on" in text:
            ids = {}
            for line in text.splitlines():
                parts = line.split()
                if len(parts) >= 2 and parts[0] in ("RestOne", "RestTwo"):
                    ids[parts[0]] = parts[1].removeprefix("id=")
            return [
                f"{base}/restapis/{ids['RestOne']}/one/_user_request_/fn0",
                f"{base}/restapis/{ids['RestTwo']}/two/_user_request_/fn1",
                f"{base}/fn2",
            ]
        time.sleep(0.002)
    raise RuntimeError(f"lamina up printed no banner:\n{server.log_path.read_text()}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="lamina-deploy-") as scratch:
        folder = Path(scratch) / "app"
        write_app(folder)
        times = [one_run(folder, Path(scratch) / f"state-{n}") for n in range(args.runs)]
    figures = {
        "functions": FUNCTIONS,
        "apis": 3,
        "first_run_s": round(times[0], 3),
        "cached_runs_s": [round(t, 3) for t in times[1:]],
        "cached_median_s": round(statistics.median(times[1:]), 3) if len(times) > 1 else None,
        "target_s": 1.5,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(figures, indent=2) + "\n")
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()

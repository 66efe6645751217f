"""X-Ray tracing under `lamina up`: a request to a REST stage with TracingEnabled becomes one
trace — API Gateway's segment with a subsegment per stage, Lambda's service and function
segments (Initialization on a cold start, Invocation, Overhead), the function's STS call
(server side) and the AWS X-Ray SDK's own subsegments sent to the daemon endpoint — read
back through the X-Ray API with boto3 and the AWS CLI.
https://docs.aws.amazon.com/xray/latest/devguide/xray-services-apigateway.html
https://docs.aws.amazon.com/lambda/latest/dg/services-xray.html
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import botocore.exceptions
import httpx
import pytest

from tests.clients import aws_client, until
from tests.conftest import FIXTURES, LaminaProcess

APP = FIXTURES / "apps" / "traced" / "template.yaml"


@pytest.fixture(scope="module")
def lamina() -> Iterator[LaminaProcess]:
    process = LaminaProcess(APP, "--xray-daemon-address", "127.0.0.1:0")
    yield process
    process.stop()


def _next_second() -> None:
    """Wait for the next wall-clock second (the sampler's reservoir is per second): no
    request this test made before is in it."""
    time.sleep(1.0 - time.time() % 1.0 + 0.01)


def _root() -> str:
    return f"1-{int(time.time()):08x}-{random.getrandbits(96):024x}"


def _trace(xray: Any, root: str, wanted: int) -> list[dict[str, Any]]:
    """The trace's segment documents once `wanted` segments arrived."""
    found: list[dict[str, Any]] = []

    def arrived() -> bool:
        nonlocal found
        traces = xray.batch_get_traces(TraceIds=[root])["Traces"]
        found = [json.loads(s["Document"]) for t in traces for s in t["Segments"]]
        return len(found) >= wanted

    until(arrived, timeout_s=15)
    return found


def _walk(document: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield document
    for child in document.get("subsegments", ()):
        yield from _walk(child)


def _by_origin(segments: list[dict[str, Any]], origin: str) -> dict[str, Any]:
    (found,) = [s for s in segments if s.get("origin") == origin]
    return found


def test_a_sampled_request_is_one_trace_across_gateway_function_and_sdk_call(
    lamina: LaminaProcess,
) -> None:
    root = _root()
    header = f"Root={root};Parent=53995c3f42cd8ad8;Sampled=1"
    response = httpx.get(f"{lamina.base}/prod/hello", headers={"X-Amzn-Trace-Id": header})
    assert response.status_code == 200
    function_header = response.json()["trace"]
    assert function_header.startswith(f"Root={root};Parent=") and "Sampled=1" in function_header

    segments = _trace(aws_client(lamina.base, "xray"), root, wanted=3)
    gateway = _by_origin(segments, "AWS::ApiGateway::Stage")
    assert gateway["parent_id"] == "53995c3f42cd8ad8"  # the caller's segment
    assert gateway["http"]["response"]["status"] == 200
    stages = [s["name"] for s in gateway["subsegments"]]
    assert stages[:1] == ["routing"] and "integration" in stages
    integration = next(s for s in gateway["subsegments"] if s["name"] == "integration")

    service = _by_origin(segments, "AWS::Lambda")
    assert service["name"] == "Hello" and service["parent_id"] == integration["id"]
    function = _by_origin(segments, "AWS::Lambda::Function")
    assert function["parent_id"] == service["id"]
    assert function_header.split(";")[1] == f"Parent={function['id']}"
    names = [s["name"] for s in function["subsegments"]]
    assert names[:3] == ["Initialization", "Invocation", "Overhead"]  # the first call is cold
    init, invocation, overhead = function["subsegments"][:3]
    assert init["end_time"] <= invocation["start_time"] < invocation["end_time"]
    assert invocation["end_time"] == overhead["start_time"] <= overhead["end_time"]
    (sts,) = [s for s in function["subsegments"] if s.get("namespace") == "aws"]
    assert (sts["name"], sts["aws"]["operation"]) == ("STS", "GetCallerIdentity")
    assert all(s["trace_id"] == root for s in segments)


def test_x_ray_sdk_subsegments_from_the_daemon_endpoint_join_the_function_segment(
    lamina: LaminaProcess,
) -> None:
    root = _root()
    headers = {"X-Amzn-Trace-Id": f"Root={root};Sampled=1"}
    assert httpx.get(f"{lamina.base}/prod/sdk", headers=headers).status_code == 200
    xray = aws_client(lamina.base, "xray")

    def has_sdk_subsegment() -> bool:
        segments = _trace(xray, root, wanted=3)
        return any(d["name"] == "compute" for s in segments for d in _walk(s))

    assert until(has_sdk_subsegment, timeout_s=15)
    function = _by_origin(_trace(xray, root, 3), "AWS::Lambda::Function")
    (compute,) = [d for d in _walk(function) if d["name"] == "compute"]
    assert compute["annotations"] == {"customer": "c-42"}
    # The SDK's own STS subsegment, and Lamina's server side of that call under it.
    (client,) = [d for d in _walk(compute) if d["name"] == "sts"]  # the SDK names it so
    (server,) = client["subsegments"]
    assert (server["name"], server["aws"]["operation"]) == ("STS", "GetCallerIdentity")
    assert server["aws"]["request_id"] == client["aws"]["request_id"]


def test_sampled_0_and_untraced_functions_record_nothing(lamina: LaminaProcess) -> None:
    root = _root()
    headers = {"X-Amzn-Trace-Id": f"Root={root};Sampled=0"}
    assert httpx.get(f"{lamina.base}/prod/hello", headers=headers).status_code == 200
    lambda_ = aws_client(lamina.base, "lambda")
    answer = json.loads(lambda_.invoke(FunctionName="Plain")["Payload"].read())
    assert answer["trace"].endswith("Sampled=0")  # PassThrough, no upstream decision
    time.sleep(0.5)
    xray = aws_client(lamina.base, "xray")
    assert xray.batch_get_traces(TraceIds=[root])["UnprocessedTraceIds"] == [root]
    plain_root = answer["trace"].split(";")[0].removeprefix("Root=")
    assert xray.batch_get_traces(TraceIds=[plain_root])["Traces"] == []


def test_trace_summaries_filter_by_service_and_status(lamina: LaminaProcess) -> None:
    root = _root()
    headers = {"X-Amzn-Trace-Id": f"Root={root};Sampled=1"}
    assert httpx.get(f"{lamina.base}/prod/hello", headers=headers).status_code == 200
    xray = aws_client(lamina.base, "xray")
    _trace(xray, root, wanted=3)
    now = datetime.now(UTC)
    window = {"StartTime": now - timedelta(minutes=5), "EndTime": now + timedelta(minutes=1)}

    def ids(expression: str) -> set[str]:
        found = xray.get_trace_summaries(**window, FilterExpression=expression)
        return {summary["Id"] for summary in found["TraceSummaries"]}

    assert root in ids('service("Hello")')
    assert root in ids("http.status = 200 AND ok")
    assert root not in ids("http.status = 500")
    assert root not in ids('service("Sdk")')
    (summary,) = [
        s for s in xray.get_trace_summaries(**window)["TraceSummaries"] if s["Id"] == root
    ]
    assert summary["EntryPoint"]["Type"] == "AWS::ApiGateway::Stage"
    assert summary["Http"]["HttpMethod"] == "GET" and summary["Http"]["HttpStatus"] == 200
    with pytest.raises(botocore.exceptions.ClientError) as refused:
        xray.get_trace_summaries(**window, FilterExpression="edge(a, b)")
    assert refused.value.response["Error"]["Code"] == "InvalidRequestException"
    graph = xray.get_service_graph(**window)["Services"]
    by_name = {(s["Name"], s["Type"]): s for s in graph}
    gateway = next(s for (name, kind), s in by_name.items() if kind == "AWS::ApiGateway::Stage")
    lambda_node = by_name[("Hello", "AWS::Lambda")]
    assert lambda_node["ReferenceId"] in [e["ReferenceId"] for e in gateway["Edges"]]


def test_aws_cli_batch_get_traces_reads_a_trace(lamina: LaminaProcess) -> None:
    root = _root()
    headers = {"X-Amzn-Trace-Id": f"Root={root};Sampled=1"}
    assert httpx.get(f"{lamina.base}/prod/hello", headers=headers).status_code == 200
    _trace(aws_client(lamina.base, "xray"), root, wanted=3)
    env = {**os.environ, "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test"}
    done = subprocess.run(
        [sys.executable, "-m", "awscli", "xray", "batch-get-traces", "--trace-ids", root,
         "--endpoint-url", lamina.base, "--region", "us-east-1", "--output", "json"],
        capture_output=True, text=True, env=env, timeout=60, check=True,
    )  # fmt: skip
    (trace,) = json.loads(done.stdout)["Traces"]
    origins = {json.loads(s["Document"]).get("origin") for s in trace["Segments"]}
    assert {"AWS::ApiGateway::Stage", "AWS::Lambda", "AWS::Lambda::Function"} <= origins


def test_a_request_without_a_header_is_sampled_by_the_default_rule(
    lamina: LaminaProcess,
) -> None:
    _next_second()  # its first request is in the reservoir
    response = httpx.get(f"{lamina.base}/prod/hello")
    header = response.headers["x-amzn-trace-id"]
    assert header.endswith(";Sampled=1")
    root = header.split(";")[0].removeprefix("Root=")
    segments = _trace(aws_client(lamina.base, "xray"), root, wanted=3)
    assert "parent_id" not in _by_origin(segments, "AWS::ApiGateway::Stage")


def test_a_stage_with_tracing_off_passes_the_callers_decision_on(lamina: LaminaProcess) -> None:
    apigateway, xray = aws_client(lamina.base, "apigateway"), aws_client(lamina.base, "xray")
    (api,) = apigateway.get_rest_apis()["items"]

    def tracing(value: str) -> Any:
        operation = {"op": "replace", "path": "/tracingEnabled", "value": value}
        return apigateway.update_stage(
            restApiId=api["id"], stageName="prod", patchOperations=[operation]
        )

    assert tracing("false")["tracingEnabled"] is False
    try:
        origins: set[str] = set()

        def untraced_gateway() -> bool:
            nonlocal origins
            root = _root()
            headers = {"X-Amzn-Trace-Id": f"Root={root};Parent=53995c3f42cd8ad8;Sampled=1"}
            assert httpx.get(f"{lamina.base}/prod/hello", headers=headers).status_code == 200
            segments = _trace(xray, root, wanted=2)
            origins = {str(s.get("origin")) for s in segments}
            return "AWS::ApiGateway::Stage" not in origins

        assert until(untraced_gateway, timeout_s=10)
        # The Active function still honours the caller's Sampled=1.
        assert origins == {"AWS::Lambda", "AWS::Lambda::Function"}
    finally:
        assert tracing("true")["tracingEnabled"] is True


def test_tracing_config_through_the_lambda_api_turns_active_tracing_on(
    lamina: LaminaProcess,
) -> None:
    lambda_ = aws_client(lamina.base, "lambda")
    assert lambda_.get_function_configuration(FunctionName="Hello")["TracingConfig"] == {
        "Mode": "Active"
    }
    updated = lambda_.update_function_configuration(
        FunctionName="Plain", TracingConfig={"Mode": "Active"}
    )
    assert updated["TracingConfig"] == {"Mode": "Active"}
    try:
        _next_second()  # the direct invoke is the reservoir's first
        answer = json.loads(lambda_.invoke(FunctionName="Plain")["Payload"].read())
        assert answer["trace"].endswith(";Sampled=1")
        root = answer["trace"].split(";")[0].removeprefix("Root=")
        segments = _trace(aws_client(lamina.base, "xray"), root, wanted=2)
        service = _by_origin(segments, "AWS::Lambda")
        assert service["name"] == "Plain" and "parent_id" not in service  # the trace's root
    finally:
        lambda_.update_function_configuration(
            FunctionName="Plain", TracingConfig={"Mode": "PassThrough"}
        )


def test_powertools_tracer_subsegments_join_the_function_segment(lamina: LaminaProcess) -> None:
    root = _root()
    headers = {"X-Amzn-Trace-Id": f"Root={root};Sampled=1"}
    response = httpx.get(f"{lamina.base}/prod/powertools", headers=headers)
    assert (response.status_code, response.text) == (200, "42")
    xray = aws_client(lamina.base, "xray")

    def handler_recorded() -> bool:
        segments = _trace(xray, root, wanted=3)
        return any(d["name"] == "## handler" for s in segments for d in _walk(s))

    assert until(handler_recorded, timeout_s=15)
    function = _by_origin(_trace(xray, root, 3), "AWS::Lambda::Function")
    (handler,) = [d for d in _walk(function) if d["name"] == "## handler"]
    assert handler["annotations"]["ColdStart"] is True
    assert handler["annotations"]["Service"] == "orders"
    (price,) = [d for d in _walk(handler) if d["name"] == "## tools.price"]
    assert price["annotations"]["order"] == "o-7"


def test_put_trace_segments_keeps_valid_documents_and_reports_the_others(
    lamina: LaminaProcess,
) -> None:
    xray = aws_client(lamina.base, "xray")
    root, now = _root(), time.time()
    good = {"trace_id": root, "id": "70de5b6f19ff9a0a", "name": "batch-job",
            "start_time": now, "end_time": now + 0.5}  # fmt: skip
    bad = {"trace_id": "1-nope", "id": "70de5b6f19ff9a0b", "name": "x", "start_time": now}
    answer = xray.put_trace_segments(TraceSegmentDocuments=[json.dumps(good), json.dumps(bad)])
    (refused,) = answer["UnprocessedTraceSegments"]
    assert refused["Id"] == "70de5b6f19ff9a0b" and "trace_id" in refused["Message"]
    (segment,) = _trace(xray, root, wanted=1)
    assert segment == good

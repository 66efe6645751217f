"""Metrics and access logs through a real `lamina up`: requests to a REST and an HTTP API,
then `/_lamina/metrics` (Prometheus text) and the stages' access log files."""

from __future__ import annotations

import json
import re
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import httpx
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import FIXTURES, LaminaProcess

REST_LOG = Path(".lamina/logs/access/observe-rest-access.log")
HTTP_LOG = Path(".lamina/logs/access/observe/http-access.log")
# The console's CLF preset, as rendered.
CLF = re.compile(
    r'127\.0\.0\.1 - - \[\d\d/\w{3}/\d{4}:\d\d:\d\d:\d\d \+0000\] "GET (?P<resource>\S+) '
    r'HTTP/1\.1" (?P<status>\d{3}) (?P<length>\d+) (?P<id>[0-9a-f-]{36})'
)


class Observed:
    def __init__(self, lamina: LaminaProcess, root: Path) -> None:
        self.lamina = lamina
        self.root = root
        self.client = httpx.Client(base_url=lamina.base, timeout=20)
        self.rest_ids: dict[str, list[str]] = {}
        self.http_ids: list[str] = []

    def rest(self, path: str) -> httpx.Response:
        response = self.client.get("/Prod" + path)
        self.rest_ids.setdefault(path, []).append(response.headers["x-amzn-requestid"])
        return response

    def lambda_client(self) -> Any:
        return boto3.client(
            "lambda",
            endpoint_url=self.lamina.base,
            region_name="us-east-1",
            aws_access_key_id="test",
            aws_secret_access_key="test",
            # One attempt: boto3 retries a 429, and each retry is one more throttle.
            config=Config(retries={"total_max_attempts": 1}),
        )

    def samples(self) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
        text = self.client.get("/_lamina/metrics").text
        found = {}
        for family in text_string_to_metric_families(text):
            for sample in family.samples:
                labels = frozenset((k, v) for k, v in sample.labels.items() if v)
                found[(sample.name, labels)] = sample.value
        return found

    def lines(self, relative: Path, count: int) -> list[str]:
        """The file's lines once it has ``count`` (the writer flushes in the background)."""
        path = self.root / relative
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if path.exists():
                lines = path.read_text().splitlines()
                if len(lines) >= count:
                    return lines
            time.sleep(0.05)
        raise AssertionError(f"{path} did not get {count} lines")


@pytest.fixture(scope="module")
def observed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Observed]:
    root = tmp_path_factory.mktemp("observe") / "app"
    shutil.copytree(FIXTURES / "apps" / "observe", root, ignore=shutil.ignore_patterns(".lamina"))
    lamina = LaminaProcess(root / "template.yaml")
    found = Observed(lamina, root)
    for _ in range(3):
        assert found.rest("/hello").status_code == 200
    assert found.rest("/boom").status_code == 502
    assert found.rest("/missing").status_code == 403
    hi = found.client.get("/hi")
    assert hi.status_code == 200
    found.http_ids.append(hi.headers["apigw-requestid"])
    yield found
    lamina.stop()


def _labels(**labels: str) -> frozenset[tuple[str, str]]:
    return frozenset(labels.items())


REST = {"ApiName": "observed-rest", "Stage": "Prod"}


def _rest_id(samples: dict[tuple[str, frozenset[tuple[str, str]]], float]) -> str:
    """The REST API's id, read from its series (ApiId is a label of every series)."""
    for name, labels in samples:
        found = dict(labels)
        if name == "AWS_ApiGateway_Count_total" and found.get("ApiName") == "observed-rest":
            return found["ApiId"]
    raise AssertionError("no series for the REST API")


def test_observe_metrics_count_rest_requests_per_method_and_resource(observed: Observed) -> None:
    samples = observed.samples()
    api_id = _rest_id(samples)
    hello = _labels(**REST, ApiId=api_id, Method="GET", Resource="/hello")
    boom = _labels(**REST, ApiId=api_id, Method="GET", Resource="/boom")
    assert samples[("AWS_ApiGateway_Count_total", hello)] == 3
    assert samples[("AWS_ApiGateway_4XXError_total", hello)] == 0
    assert samples[("AWS_ApiGateway_5XXError_total", hello)] == 0
    assert samples[("AWS_ApiGateway_Latency_count", hello)] == 3
    assert samples[("AWS_ApiGateway_IntegrationLatency_count", hello)] == 3
    assert samples[("AWS_ApiGateway_5XXError_total", boom)] == 1
    # An unrouted request counts for the API and stage (no method, no resource).
    stage = _labels(**REST, ApiId=api_id)
    assert samples[("AWS_ApiGateway_4XXError_total", stage)] == 1


def test_observe_metrics_count_http_api_routes_with_4xx_5xx_names(observed: Observed) -> None:
    samples = observed.samples()
    route = [
        labels
        for name, labels in samples
        if name == "AWS_ApiGateway_Count_total" and ("Route", "GET /hi") in labels
    ]
    assert len(route) == 1
    assert dict(route[0])["Stage"] == "$default"
    assert samples[("AWS_ApiGateway_Count_total", route[0])] == 1
    assert samples[("AWS_ApiGateway_4xx_total", route[0])] == 0
    assert samples[("AWS_ApiGateway_5xx_total", route[0])] == 0
    assert ("AWS_ApiGateway_4XXError_total", route[0]) not in samples


def test_observe_metrics_count_lambda_invocations_errors_and_duration(
    observed: Observed,
) -> None:
    samples = observed.samples()
    hello = _labels(
        FunctionName="observe-hello", Resource="observe-hello", ExecutedVersion="$LATEST"
    )
    boom = _labels(FunctionName="observe-boom", Resource="observe-boom", ExecutedVersion="$LATEST")
    assert samples[("AWS_Lambda_Invocations_total", hello)] == 4  # 3 REST + 1 HTTP API
    assert samples[("AWS_Lambda_Errors_total", hello)] == 0
    assert samples[("AWS_Lambda_Duration_count", hello)] == 4
    assert samples[("AWS_Lambda_Invocations_total", boom)] == 1
    assert samples[("AWS_Lambda_Errors_total", boom)] == 1
    # Nothing runs between requests.
    assert samples[("AWS_Lambda_ConcurrentExecutions", _labels(FunctionName="observe-hello"))] == 0


def test_observe_metrics_endpoint_is_prometheus_text(observed: Observed) -> None:
    response = observed.client.get("/_lamina/metrics")
    assert response.status_code == 200
    # The text exposition format, in the version prometheus-client writes.
    assert response.headers["content-type"].startswith("text/plain; version=")
    assert "# TYPE AWS_ApiGateway_Latency histogram" in response.text


def test_observe_rest_access_log_has_one_clf_line_per_request(observed: Observed) -> None:
    lines = observed.lines(REST_LOG, 5)
    parsed = [CLF.fullmatch(line) for line in lines]
    assert all(parsed), lines
    by_id = {match["id"]: match for match in parsed if match}
    for request_id in observed.rest_ids["/hello"]:
        assert (by_id[request_id]["resource"], by_id[request_id]["status"]) == ("/hello", "200")
        assert by_id[request_id]["length"] == "5"  # "hello"
    assert by_id[observed.rest_ids["/boom"][0]]["status"] == "502"
    # No resource matched: API Gateway logs `-`.
    missing = by_id[observed.rest_ids["/missing"][0]]
    assert (missing["resource"], missing["status"]) == ("-", "403")


def test_observe_http_access_log_uses_the_json_preset(observed: Observed) -> None:
    (line,) = observed.lines(HTTP_LOG, 1)
    entry = json.loads(line)
    assert entry["requestId"] == observed.http_ids[0]
    assert entry["routeKey"] == "GET /hi"
    assert (entry["status"], entry["httpMethod"], entry["protocol"]) == ("200", "GET", "HTTP/1.1")
    assert entry["responseLength"] == "5"
    assert entry["ip"] == "127.0.0.1"


def test_observe_access_log_lines_are_counted(observed: Observed) -> None:
    observed.lines(REST_LOG, 5)
    samples = observed.samples()
    assert samples[("lamina_access_log_lines_dropped_total", frozenset())] == 0


def test_observe_metrics_async_invocation_is_received_aged_and_run(observed: Observed) -> None:
    client = observed.lambda_client()
    answer = client.invoke(FunctionName="observe-async", InvocationType="Event", Payload=b"{}")
    assert answer["StatusCode"] == 202
    run = _labels(FunctionName="observe-async", Resource="observe-async", ExecutedVersion="$LATEST")
    deadline = time.monotonic() + 15
    while ("AWS_Lambda_Invocations_total", run) not in observed.samples():
        assert time.monotonic() < deadline, "the event did not run"
        time.sleep(0.1)
    samples = observed.samples()
    function = _labels(FunctionName="observe-async")
    assert samples[("AWS_Lambda_AsyncEventsReceived_total", function)] == 1
    assert samples[("AWS_Lambda_AsyncEventAge_count", function)] == 1
    assert samples[("AWS_Lambda_Invocations_total", run)] == 1


def test_observe_metrics_throttled_invoke_counts_throttles_not_invocations(
    observed: Observed,
) -> None:
    """Runs last: it leaves observe-boom with reserved concurrency 0."""
    client = observed.lambda_client()
    client.put_function_concurrency(FunctionName="observe-boom", ReservedConcurrentExecutions=0)
    with pytest.raises(ClientError) as raised:
        client.invoke(FunctionName="observe-boom", Payload=b"{}")
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 429
    samples = observed.samples()
    throttled = _labels(FunctionName="observe-boom", Resource="observe-boom")
    assert samples[("AWS_Lambda_Throttles_total", throttled)] == 1
    ran = _labels(FunctionName="observe-boom", Resource="observe-boom", ExecutedVersion="$LATEST")
    assert samples[("AWS_Lambda_Invocations_total", ran)] == 1  # the fixture's one request


def test_observe_metrics_off_records_nothing_but_still_logs_access(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "app"
    shutil.copytree(FIXTURES / "apps" / "observe", root, ignore=shutil.ignore_patterns(".lamina"))
    monkeypatch.setenv("LAMINA_METRICS", "off")  # inherited by `lamina up`
    lamina = LaminaProcess(root / "template.yaml")
    try:
        off = Observed(lamina, root)
        assert off.rest("/hello").status_code == 200
        names = {name for name, _ in off.samples()}
        assert not any(name.startswith(("AWS_ApiGateway_", "AWS_Lambda_")) for name in names)
        assert len(off.lines(REST_LOG, 1)) == 1
    finally:
        lamina.stop()

"""`lamina up` publishes API Gateway's and Lambda's CloudWatch metrics and a function's
Embedded Metric Format lines; boto3 and the AWS CLI read them with GetMetricStatistics,
GetMetricData and ListMetrics.

https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-metrics-and-dimensions.html
https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import httpx
import pytest

from tests.conftest import LaminaProcess

REQUESTS = 7
TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Resources:
  Api:
    Type: AWS::Serverless::Api
    Properties: {StageName: Prod}
  OrderFunction:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.11
      CodeUri: src/
      Handler: app.handler
      Events:
        Order: {Type: Api, Properties: {RestApiId: !Ref Api, Path: /order, Method: get}}
        Missing: {Type: Api, Properties: {RestApiId: !Ref Api, Path: /fail, Method: get}}
        Http: {Type: HttpApi, Properties: {Path: /order, Method: get}}
"""
# What Powertools Metrics prints: one EMF document per flush, values as numbers.
HANDLER = """\
import json, time

def handler(event, context):
    if event.get("path") == "/fail":
        raise RuntimeError("failing on purpose")
    print(json.dumps({
        "_aws": {"Timestamp": int(time.time() * 1000), "CloudWatchMetrics": [{
            "Namespace": "Shop", "Dimensions": [["service"]],
            "Metrics": [{"Name": "OrderValue", "Unit": "Count"}]}]},
        "service": "orders", "OrderValue": 12.5,
    }))
    return {"statusCode": 200, "body": "ok"}
"""


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LaminaProcess]:
    root = tmp_path_factory.mktemp("shop")
    (root / "src").mkdir()
    (root / "src" / "app.py").write_text(HANDLER)
    (root / "template.yaml").write_text(TEMPLATE)
    lamina = LaminaProcess(root, state_dir=root / ".lamina")
    yield lamina
    lamina.stop()


def _client(base: str) -> Any:
    return boto3.client(
        "cloudwatch",
        endpoint_url=base,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )


def _api_name(base: str) -> str:
    apis = boto3.client(
        "apigateway",
        endpoint_url=base,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    ).get_rest_apis()["items"]
    return str(apis[0]["name"])


def _http_api_id(base: str) -> str:
    apis = boto3.client(
        "apigatewayv2",
        endpoint_url=base,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    ).get_apis()["Items"]
    return str(apis[0]["ApiId"])


def _window() -> tuple[datetime, datetime]:
    now = datetime.now(UTC)
    return now - timedelta(minutes=10), now + timedelta(minutes=2)


def _sum(client: Any, namespace: str, name: str, dims: dict[str, str]) -> float:
    start, end = _window()
    points = client.get_metric_statistics(
        Namespace=namespace,
        MetricName=name,
        Dimensions=[{"Name": key, "Value": value} for key, value in dims.items()],
        StartTime=start,
        EndTime=end,
        Period=60,
        Statistics=["Sum"],
    )["Datapoints"]
    return float(sum(point["Sum"] for point in points))


def _eventually(read: Any, expected: float, deadline_s: float = 10.0) -> float:
    """The EMF line reaches the store when the function's log text is flushed."""
    end = time.monotonic() + deadline_s
    value = read()
    while value != expected and time.monotonic() < end:
        time.sleep(0.1)
        value = read()
    return float(value)


def test_api_requests_and_invocations_are_counted(shop: LaminaProcess) -> None:
    for _ in range(REQUESTS):
        assert httpx.get(f"{shop.base}/Prod/order", timeout=30).status_code == 200
    assert httpx.get(f"{shop.base}/Prod/fail", timeout=30).status_code == 502
    client = _client(shop.base)
    api = {"ApiName": _api_name(shop.base), "Stage": "Prod"}
    assert _sum(client, "AWS/ApiGateway", "Count", api) == REQUESTS + 1
    assert _sum(client, "AWS/ApiGateway", "5XXError", api) == 1
    per_method = {**api, "Method": "GET", "Resource": "/order"}
    assert _sum(client, "AWS/ApiGateway", "Count", per_method) == REQUESTS
    for _ in range(2):
        assert httpx.get(f"{shop.base}/order", timeout=30).status_code == 200
    http_api = {"ApiId": _http_api_id(shop.base), "Stage": "$default"}
    assert _sum(client, "AWS/ApiGateway", "Count", http_api) == 2
    assert _sum(client, "AWS/ApiGateway", "Count", {**http_api, "Route": "GET /order"}) == 2
    assert _sum(client, "AWS/ApiGateway", "4xx", http_api) == 0
    function = {"FunctionName": "OrderFunction"}
    assert _sum(client, "AWS/Lambda", "Invocations", function) == REQUESTS + 1 + 2
    assert _sum(client, "AWS/Lambda", "Errors", function) == 1
    names = {
        metric["MetricName"] for metric in client.list_metrics(Namespace="AWS/Lambda")["Metrics"]
    }
    assert {"Invocations", "Errors", "Duration"} <= names


def test_emf_line_becomes_a_metric(shop: LaminaProcess) -> None:
    assert httpx.get(f"{shop.base}/Prod/order", timeout=30).status_code == 200
    client = _client(shop.base)
    dims = {"service": "orders"}
    total = _eventually(lambda: _sum(client, "Shop", "OrderValue", dims), 12.5)
    assert total >= 12.5 and total % 12.5 == 0
    start, end = _window()
    answer = client.get_metric_data(
        MetricDataQueries=[{"Id": "orders", "MetricStat": {
            "Metric": {"Namespace": "Shop", "MetricName": "OrderValue",
                       "Dimensions": [{"Name": "service", "Value": "orders"}]},
            "Period": 60, "Stat": "Maximum"}}],
        StartTime=start, EndTime=end,
    )  # fmt: skip
    assert set(answer["MetricDataResults"][0]["Values"]) == {12.5}


def test_aws_cli_get_metric_statistics(shop: LaminaProcess, tmp_path: Path) -> None:
    httpx.get(f"{shop.base}/Prod/order", timeout=30)
    start, end = _window()
    env = {
        **os.environ,
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_CONFIG_FILE": str(tmp_path / "config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "credentials"),
    }
    done = subprocess.run(
        [sys.executable, "-m", "awscli", "--endpoint-url", shop.base, "--output", "json",
         "cloudwatch", "get-metric-statistics", "--namespace", "AWS/ApiGateway",
         "--metric-name", "Count", "--dimensions", f"Name=ApiName,Value={_api_name(shop.base)}",
         "Name=Stage,Value=Prod", "--start-time", start.isoformat(), "--end-time",
         end.isoformat(), "--period", "60", "--statistics", "Sum", "SampleCount"],
        env=env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert answer["Label"] == "Count"
    assert sum(point["Sum"] for point in answer["Datapoints"]) >= 1
    assert all(point["Unit"] == "Count" for point in answer["Datapoints"])


def test_metrics_are_on_disk_after_lamina_stops(shop: LaminaProcess) -> None:
    # Runs last: it stops the module's server. What it served is written at shutdown.
    assert shop.stop() == 0
    assert shop.state_dir is not None
    database = shop.state_dir / "metrics.sqlite3"
    with sqlite3.connect(database) as db:
        namespaces = {row[0] for row in db.execute("SELECT DISTINCT namespace FROM datapoints")}
    assert {"AWS/ApiGateway", "AWS/Lambda", "Shop"} <= namespaces

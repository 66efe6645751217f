"""API Gateway's metrics and access log lines, recorded by the real pipeline (a scripted
invoker stands in for the runtime) into a fresh Prometheus registry."""

from __future__ import annotations

from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry

from lamina.functions.model import InvokeResult
from lamina.gateway.access_log import AccessLogFormat
from lamina.gateway.access_log_writer import AccessLogWriter
from lamina.gateway.app import Gateway
from lamina.gateway.deployment import Deployment
from lamina.gateway.error import GatewayError, ResponseType
from lamina.gateway.model import (
    AccessLogSetting,
    HttpApi,
    LambdaIntegration,
    Method,
    Resource,
    RestApi,
    Route,
    Stage,
)
from lamina.gateway.observe import GatewayMetrics, RequestObserver
from lamina.gateway.request import GatewayRequest
from tests.gateway_request import gateway_request
from tests.invoker import ScriptedInvoker

OK = InvokeResult(payload=b'{"statusCode": 200, "body": "ok"}')
FAILED = InvokeResult(payload=b'{"errorMessage": "x"}', function_error="Unhandled")
CSV = (
    "$context.identity.sourceIp,$context.identity.caller,$context.identity.user,"
    "$context.requestTime,$context.httpMethod,$context.resourcePath,$context.protocol,"
    "$context.status,$context.responseLength,$context.requestId"
)
HTTP_JSON = (
    '{"requestId":"$context.requestId","routeKey":"$context.routeKey",'
    '"status":"$context.status","integrationLatency":"$context.integrationLatency",'
    '"error":"$context.error.message"}'
)


def _deployment() -> Deployment:
    lam = LambdaIntegration(function_name="Fn", timeout_ms=1000)
    rest = RestApi(
        id="restapi001",
        logical_id="Rest",
        name="Shop",
        stages=(
            Stage(
                name="Prod",
                access_log=AccessLogSetting(
                    destination_arn="arn:aws:logs:us-east-1:123456789012:log-group:shop-access",
                    log_group="shop-access",
                    format=CSV,
                ),
            ),
        ),
        resources=(
            Resource(
                id="a",
                path="/items/{id}",
                methods={"GET": Method(http_method="GET", integration=lam)},
            ),
        ),
    )
    http = HttpApi(
        id="httpapi001",
        logical_id="Http",
        name="Orders",
        stages=(
            Stage(
                name="$default",
                access_log=AccessLogSetting(
                    destination_arn="arn:aws:logs:us-east-1:123456789012:log-group:/aws/orders",
                    log_group="/aws/orders",
                    format=HTTP_JSON,
                ),
            ),
        ),
        routes=(
            Route(
                route_key="GET /v2/items/{id}",
                integration=LambdaIntegration(function_name="Fn", payload_format="2.0"),
            ),
        ),
    )
    return Deployment((rest,), (http,), account_id="123456789012", region="us-east-1")


def _request(path: str) -> GatewayRequest:
    return gateway_request(
        path,
        headers=[("User-Agent", "curl/8")],
        source_ip="10.0.0.9",
        time_epoch_ms=1_764_090_000_000,
    )


class Harness:
    def __init__(self, tmp_path: Path, result: InvokeResult) -> None:
        self.registry = CollectorRegistry()
        self.writer = AccessLogWriter(tmp_path)
        self.directory = tmp_path
        observer = RequestObserver(GatewayMetrics(self.registry), self.writer)
        self.gateway = Gateway(_deployment(), ScriptedInvoker(result), observer=observer)

    async def get(self, path: str) -> int:
        return (await self.gateway.handle(_request(path), "127.0.0.1:3000")).status

    def value(self, name: str, **labels: str) -> float | None:
        full = {"ApiName": "", "ApiId": "", "Stage": "", "Method": "", "Resource": "", "Route": ""}
        full.update(labels)
        return self.registry.get_sample_value(name, full)


REST = {"ApiName": "Shop", "ApiId": "restapi001", "Stage": "Prod"}
REST_ITEM = {**REST, "Method": "GET", "Resource": "/items/{id}"}
HTTP_ROUTE = {
    "ApiName": "Orders",
    "ApiId": "httpapi001",
    "Stage": "$default",
    "Route": "GET /v2/items/{id}",
}


async def test_observe_rest_method_counts_requests_and_errors_per_resource(
    tmp_path: Path,
) -> None:
    harness = Harness(tmp_path, OK)
    assert await harness.get("/Prod/items/1") == 200
    assert await harness.get("/Prod/items/2") == 200
    assert harness.value("AWS_ApiGateway_Count_total", **REST_ITEM) == 2
    # CloudWatch publishes 0 errors for requests that did not fail.
    assert harness.value("AWS_ApiGateway_4XXError_total", **REST_ITEM) == 0
    assert harness.value("AWS_ApiGateway_5XXError_total", **REST_ITEM) == 0
    assert harness.value("AWS_ApiGateway_Latency_count", **REST_ITEM) == 2
    assert harness.value("AWS_ApiGateway_IntegrationLatency_count", **REST_ITEM) == 2
    # HTTP API names are not used for REST APIs.
    assert harness.value("AWS_ApiGateway_4xx_total", **REST_ITEM) is None


async def test_observe_rest_function_error_counts_5xxerror(tmp_path: Path) -> None:
    harness = Harness(tmp_path, FAILED)
    assert await harness.get("/Prod/items/1") == 502
    assert harness.value("AWS_ApiGateway_5XXError_total", **REST_ITEM) == 1
    assert harness.value("AWS_ApiGateway_4XXError_total", **REST_ITEM) == 0


async def test_observe_rest_unrouted_request_counts_4xxerror_at_stage_level(
    tmp_path: Path,
) -> None:
    harness = Harness(tmp_path, OK)
    assert await harness.get("/Prod/nothing/here") == 403  # Missing Authentication Token
    assert harness.value("AWS_ApiGateway_4XXError_total", **REST) == 1
    # No integration ran: no IntegrationLatency sample.
    assert harness.value("AWS_ApiGateway_IntegrationLatency_count", **REST) == 0
    assert harness.value("AWS_ApiGateway_Latency_count", **REST) == 1


async def test_observe_http_route_uses_4xx_5xx_names_and_route_label(tmp_path: Path) -> None:
    harness = Harness(tmp_path, FAILED)
    assert await harness.get("/v2/items/1") == 500
    assert harness.value("AWS_ApiGateway_Count_total", **HTTP_ROUTE) == 1
    assert harness.value("AWS_ApiGateway_5xx_total", **HTTP_ROUTE) == 1
    assert harness.value("AWS_ApiGateway_4xx_total", **HTTP_ROUTE) == 0
    assert harness.value("AWS_ApiGateway_5XXError_total", **HTTP_ROUTE) is None
    # DataProcessed (HTTP APIs only): request body (none) + the 500's body.
    body = b'{"message":"Internal Server Error"}'
    assert harness.value("AWS_ApiGateway_DataProcessed_total", **HTTP_ROUTE) == len(body)
    assert harness.value("AWS_ApiGateway_DataProcessed_total", **REST_ITEM) is None


async def test_observe_latency_lands_in_millisecond_buckets(tmp_path: Path) -> None:
    harness = Harness(tmp_path, OK)
    await harness.get("/Prod/items/1")
    # A scripted invocation takes well under 30 s and more than 0 ms.
    assert harness.value("AWS_ApiGateway_Latency_bucket", **REST_ITEM, le="30000.0") == 1
    total = harness.value("AWS_ApiGateway_Latency_sum", **REST_ITEM)
    assert total is not None and 0 < total < 30_000


async def test_observe_writes_the_stage_access_log_line(tmp_path: Path) -> None:
    harness = Harness(tmp_path, OK)
    await harness.get("/Prod/items/42")
    await harness.writer.close()
    assert harness.registry.get_sample_value("lamina_access_log_lines_written_total") == 1
    assert harness.registry.get_sample_value("lamina_access_log_lines_dropped_total") == 0
    lines = (tmp_path / "shop-access.log").read_text().splitlines()
    assert lines == [
        "10.0.0.9,-,-,25/Nov/2025:17:00:00 +0000,GET,/items/{id},HTTP/1.1,200,2,"
        "11111111-2222-4333-8444-555555555555"
    ]


async def test_observe_http_access_log_has_route_error_and_nested_group(tmp_path: Path) -> None:
    harness = Harness(tmp_path, FAILED)
    await harness.get("/v2/items/1")
    await harness.get("/nowhere")
    await harness.writer.close()
    lines = (tmp_path / "aws" / "orders.log").read_text().splitlines()
    first, second = lines
    # HTTP APIs' requestId is the short id.
    assert first.startswith('{"requestId":"AAAAAAAAAAAAAAA=","routeKey":"GET /v2/items/{id}"')
    assert '"status":"500"' in first and '"error":"Internal Server Error"' in first
    latency = first.split('"integrationLatency":"')[1].split('"')[0]
    assert latency.isdigit()
    assert second == (
        '{"requestId":"AAAAAAAAAAAAAAA=","routeKey":"-","status":"404",'
        '"integrationLatency":"-","error":"Not Found"}'
    )


async def test_observe_metrics_off_still_writes_access_logs(tmp_path: Path) -> None:
    writer = AccessLogWriter(tmp_path)
    gateway = Gateway(_deployment(), ScriptedInvoker(OK), observer=RequestObserver(None, writer))
    await gateway.handle(_request("/Prod/items/1"), "127.0.0.1:3000")
    await writer.close()
    assert len((tmp_path / "shop-access.log").read_text().splitlines()) == 1


async def test_observe_request_rejected_before_routing_counts_and_logs(tmp_path: Path) -> None:
    harness = Harness(tmp_path, OK)
    error = GatewayError(ResponseType.REQUEST_TOO_LARGE)
    response = harness.gateway.reject(_request("/Prod/items/1"), "127.0.0.1:3000", error)
    assert response.status == 413
    assert harness.value("AWS_ApiGateway_4XXError_total", **REST) == 1
    await harness.writer.close()
    (line,) = (tmp_path / "shop-access.log").read_text().splitlines()
    assert ",413," in line


async def test_observe_access_log_failure_never_changes_the_response(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(self: AccessLogFormat, served: object) -> str:
        raise KeyError("a bug in a getter")

    monkeypatch.setattr(AccessLogFormat, "render", broken)
    harness = Harness(tmp_path, OK)
    assert await harness.get("/Prod/items/1") == 200
    assert harness.value("AWS_ApiGateway_Count_total", **REST_ITEM) == 1
    await harness.writer.close()
    assert not (tmp_path / "shop-access.log").exists()

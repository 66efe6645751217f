"""The events Lamina builds equal the golden AWS events in tests/fixtures/events/.

Each golden file is our rewrite of an event on an AWS documentation page (see the README
beside them); here we replay the request it stands for and compare the whole document.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from lamina.gateway.events.v1 import V1Target, build_v1_event
from lamina.gateway.events.v2 import V2Target, build_v2_event
from lamina.gateway.request import GatewayRequest

EVENTS = Path(__file__).resolve().parents[2] / "fixtures" / "events"


def _golden(name: str) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads((EVENTS / name).read_text())
    return doc


def _replay(golden: dict[str, Any], **fields: Any) -> GatewayRequest:
    context = golden["requestContext"]
    http = context.get("http", {})
    return GatewayRequest(
        method=fields.pop("method"),
        path=fields.pop("path"),
        query_string=fields.pop("query_string"),
        headers=fields.pop("headers"),
        body=fields.pop("body", b""),
        source_ip=http.get("sourceIp") or context["identity"]["sourceIp"],
        protocol="HTTP/1.1",
        domain_name=context["domainName"],
        request_id=fields.pop("request_id"),
        extended_request_id=fields.pop("extended_request_id"),
        time_epoch_ms=context.get("timeEpoch") or context["requestTimeEpoch"],
        trace_id=fields.pop("trace_id"),
        server_port=3000,
    )


def test_rest_v1_event_equals_golden() -> None:
    golden = _golden("rest_v1_proxy.json")
    context = golden["requestContext"]
    request = _replay(
        golden,
        method="GET",
        path="/hello/ada",
        query_string="greeting=hi&tag=a&tag=b",
        headers=[
            ("accept", "application/json"),
            ("Host", golden["headers"]["Host"]),
            ("User-Agent", "curl/8.5.0"),
            ("X-Tag", "one"),
            ("X-Tag", "two"),
        ],
        request_id=context["requestId"],
        extended_request_id=context["extendedRequestId"],
        trace_id=golden["headers"]["X-Amzn-Trace-Id"],
    )
    target = V1Target(
        account_id=context["accountId"],
        api_id=context["apiId"],
        stage="dev",
        stage_path_prefix="/dev",
        stage_variables={},
        resource_id=context["resourceId"],
        resource_path="/hello/{name}",
        path_params={"name": "ada"},
        binary=False,
    )
    assert build_v1_event(request, target, http_api=False) == golden


def test_http_v2_event_equals_golden() -> None:
    golden = _golden("http_v2_proxy.json")
    context = golden["requestContext"]
    headers = golden["headers"]
    request = _replay(
        golden,
        method="POST",
        path="/hello/ada",
        query_string="tag=a&tag=b",
        headers=[
            ("Content-Length", headers["content-length"]),
            ("Content-Type", "application/json"),
            ("Host", headers["host"]),
            ("User-Agent", "curl/8.5.0"),
            ("Cookie", "theme=dark; session=abc123"),
            ("X-Tag", "one"),
            ("X-Tag", "two"),
        ],
        body=golden["body"].encode(),
        request_id="unused-on-http-apis",
        extended_request_id=context["requestId"],
        trace_id=headers["x-amzn-trace-id"],
    )
    target = V2Target(
        account_id=context["accountId"],
        api_id=context["apiId"],
        stage="dev",
        stage_variables={},
        route_key="POST /hello/{name}",
        path_params={"name": "ada"},
    )
    assert build_v2_event(request, target, "/dev/hello/ada") == golden


def test_http_v1_event_equals_golden() -> None:
    golden = _golden("http_v1_proxy.json")
    context = golden["requestContext"]
    headers = golden["headers"]
    request = _replay(
        golden,
        method="POST",
        path="/hello/ada",
        query_string="greeting=hi",
        headers=[
            ("Accept", "application/json"),
            ("Content-Length", headers["content-length"]),
            ("Content-Type", "text/plain"),
            ("Host", headers["host"]),
            ("User-Agent", "curl/8.5.0"),
        ],
        body=golden["body"].encode(),
        request_id="unused-on-http-apis",
        extended_request_id=context["requestId"],
        trace_id=headers["x-amzn-trace-id"],
    )
    target = V1Target(
        account_id=context["accountId"],
        api_id=context["apiId"],
        stage="$default",
        stage_path_prefix="",
        stage_variables={},
        resource_id="POST /hello/{name}",
        resource_path="/hello/{name}",
        path_params={"name": "ada"},
        binary=False,
    )
    assert build_v1_event(request, target, http_api=True) == golden

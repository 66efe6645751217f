"""Traces exported over OTLP/HTTP (protobuf) to a collector: a receiver started here parses
each ExportTraceServiceRequest with opentelemetry-proto; `lamina up --otlp-endpoint` sends
the gateway's and the function's segments as spans of one OpenTelemetry trace whose id is
the X-Ray root's hex digits.
https://opentelemetry.io/docs/specs/otlp/#otlphttp
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)

from tests.clients import until
from tests.conftest import FIXTURES, LaminaProcess

APP = FIXTURES / "apps" / "traced" / "template.yaml"


class Receiver(ThreadingHTTPServer):
    """An OTLP/HTTP traces endpoint keeping every span it is sent."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.spans: list[tuple[str, Any]] = []  # (service.name, Span)
        self.paths: list[str] = []
        self.content_types: list[str] = []


class _Handler(BaseHTTPRequestHandler):
    server: Receiver

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.paths.append(self.path)
        self.server.content_types.append(self.headers["Content-Type"])
        request = ExportTraceServiceRequest()
        request.ParseFromString(body)
        for resource_spans in request.resource_spans:
            service = next(
                a.value.string_value
                for a in resource_spans.resource.attributes
                if a.key == "service.name"
            )
            for scope_spans in resource_spans.scope_spans:
                self.server.spans.extend((service, span) for span in scope_spans.spans)
        answer = ExportTraceServiceResponse().SerializeToString()
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_lamina_up_exports_a_traced_request_over_otlp(receiver: Receiver) -> None:
    endpoint = f"http://127.0.0.1:{receiver.server_address[1]}"
    lamina = LaminaProcess(APP, "--xray-daemon-address", "127.0.0.1:0", "--otlp-endpoint", endpoint)
    try:
        root = f"1-{int(time.time()):08x}-{random.getrandbits(96):024x}"
        headers = {"X-Amzn-Trace-Id": f"Root={root};Sampled=1"}
        assert httpx.get(f"{lamina.base}/prod/hello", headers=headers).status_code == 200
        trace_id = bytes.fromhex(root[2:10] + root[11:])

        def names() -> set[str]:
            return {span.name for _, span in receiver.spans if span.trace_id == trace_id}

        assert until(lambda: {"Invocation", "Overhead", "routing"} <= names(), timeout_s=15)
    finally:
        lamina.stop()
    assert set(receiver.paths) == {"/v1/traces"}
    assert set(receiver.content_types) == {"application/x-protobuf"}
    spans = {span.name: (service, span) for service, span in receiver.spans
             if span.trace_id == trace_id}  # fmt: skip
    _, gateway = next(v for v in spans.values() if v[0].endswith("/prod"))
    assert gateway.kind == gateway.SPAN_KIND_SERVER
    assert gateway.parent_span_id == b""  # the client sent no Parent: the trace's root
    _, routing = spans["routing"]
    assert routing.parent_span_id == gateway.span_id
    function_service, invocation = spans["Invocation"]
    assert function_service == "Hello"
    (function,) = [
        span
        for _, span in receiver.spans
        if span.trace_id == trace_id
        and any(a.value.string_value == "AWS::Lambda::Function" for a in span.attributes)
    ]
    assert invocation.parent_span_id == function.span_id
    attributes = {a.key: a.value for a in gateway.attributes}
    assert attributes["http.response.status_code"].int_value == 200
    assert attributes["aws.xray.origin"].string_value == "AWS::ApiGateway::Stage"
    _, sts = spans["STS"]
    assert sts.kind == sts.SPAN_KIND_CLIENT
    assert {a.key: a.value.string_value for a in sts.attributes}["rpc.method"] == (
        "GetCallerIdentity"
    )
    assert gateway.end_time_unix_nano > gateway.start_time_unix_nano

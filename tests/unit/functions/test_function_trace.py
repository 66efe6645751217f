"""Which invocations Lambda traces (Active samples when no upstream decided, PassThrough
follows upstream only) and the segments it records: AWS::Lambda, then AWS::Lambda::Function
with Initialization (cold starts), Invocation and Overhead.
https://docs.aws.amazon.com/lambda/latest/dg/services-xray.html
"""

from __future__ import annotations

from typing import Any

from lamina.core.trace import Sampler, Tracer
from lamina.core.trace_store import assembled
from lamina.functions.environment import worker_environment
from lamina.functions.model import FunctionConfig, InvokeResult
from lamina.functions.trace import FunctionTracing

ROOT = "1-5759e988-bd862e3fe1be46a994272793"
ACTIVE = FunctionConfig(name="fn", tracing_mode="Active")
PASSTHROUGH = FunctionConfig(name="fn")


def _tracing(reservoir: int = 1) -> FunctionTracing:
    tracer = Tracer(sampler=Sampler(reservoir=reservoir, rate=0.0))
    return FunctionTracing(tracer, region="us-east-1", account_id="123456789012")


def test_passthrough_traces_only_what_upstream_sampled() -> None:
    tracing = _tracing()
    assert tracing.begin(PASSTHROUGH, None) is None
    assert tracing.begin(PASSTHROUGH, f"Root={ROOT}") is None
    assert tracing.begin(PASSTHROUGH, f"Root={ROOT};Sampled=0") is None
    assert tracing.begin(PASSTHROUGH, f"Root={ROOT};Sampled=1") is not None


def test_active_samples_when_no_upstream_decided() -> None:
    tracing = _tracing(reservoir=1)
    first = tracing.begin(ACTIVE, None)
    assert first is not None and first.header.endswith(";Sampled=1")
    assert tracing.begin(ACTIVE, None) is None  # the reservoir is spent, rate 0
    assert tracing.begin(ACTIVE, f"Root={ROOT};Sampled=0") is None  # upstream said no
    assert tracing.begin(ACTIVE, f"Root={ROOT};Sampled=1") is not None


def _documents(tracing: FunctionTracing) -> list[dict[str, Any]]:
    trace = tracing.tracer.store.get(ROOT)
    assert trace is not None
    return assembled(trace)


def test_a_cold_invocation_records_service_and_function_segments() -> None:
    tracing = _tracing()
    trace = tracing.begin(ACTIVE, f"Root={ROOT};Parent=53995c3f42cd8ad8;Sampled=1")
    assert trace is not None
    trace.end(InvokeResult(payload=b"{}", request_id="r-1", duration_ms=2.0, init_ms=5.0))
    service, function = _documents(tracing)
    assert (service["origin"], service["parent_id"]) == ("AWS::Lambda", "53995c3f42cd8ad8")
    assert service["aws"]["request_id"] == "r-1"
    assert service["resource_arn"] == "arn:aws:lambda:us-east-1:123456789012:function:fn"
    assert (function["origin"], function["parent_id"]) == ("AWS::Lambda::Function", service["id"])
    assert trace.header == f"Root={ROOT};Parent={function['id']};Sampled=1"
    init, invocation, overhead = function["subsegments"]
    assert [init["name"], invocation["name"], overhead["name"]] == [
        "Initialization", "Invocation", "Overhead"]  # fmt: skip
    assert init["start_time"] == function["start_time"]
    assert init["end_time"] <= invocation["start_time"]
    assert overhead["start_time"] == invocation["end_time"] <= overhead["end_time"]
    assert "fault" not in function


def test_a_warm_failed_invocation_is_a_fault_without_initialization() -> None:
    tracing = _tracing()
    trace = tracing.begin(ACTIVE, f"Root={ROOT};Sampled=1")
    assert trace is not None
    error = b'{"errorMessage": "boom", "errorType": "ValueError"}'
    trace.end(InvokeResult(payload=error, function_error="Unhandled", duration_ms=1.0))
    service, function = _documents(tracing)
    assert "parent_id" not in service
    assert [s["name"] for s in function["subsegments"]] == ["Invocation", "Overhead"]
    assert function["fault"] is True
    assert "boom" in function["subsegments"][0]["cause"]["exceptions"][0]["message"]


def test_workers_get_the_daemon_address_only_when_tracing_is_wired() -> None:
    common: dict[str, Any] = {"region": "us-east-1", "runtime_api": "", "log_stream": "s",
                              "host": {}}  # fmt: skip
    env = worker_environment(ACTIVE, **common, xray_daemon="127.0.0.1:2000")
    assert env["AWS_XRAY_DAEMON_ADDRESS"] == "127.0.0.1:2000"
    assert env["AWS_XRAY_CONTEXT_MISSING"] == "LOG_ERROR"
    assert "AWS_XRAY_DAEMON_ADDRESS" not in worker_environment(ACTIVE, **common)

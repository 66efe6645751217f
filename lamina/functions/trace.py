"""X-Ray tracing of invocations, as Lambda records them: an `AWS::Lambda` segment (the
service handling the invoke) and an `AWS::Lambda::Function` segment under it with the
subsegments Initialization (a cold start), Invocation (the handler) and Overhead (the
runtime's work around the handler: sending the event, reading the answer).

    FunctionService.invoke ─ tracing.begin(config, trace_id) ─► InvokeTrace | None
        the worker gets `Root=...;Parent=<function segment id>;Sampled=1` as
        _X_AMZN_TRACE_ID (and Lambda-Runtime-Trace-Id), so the X-Ray SDK's subsegments
        inside the function (sent to the daemon endpoint) nest under the function segment
    pool.invoke ─ result ─► trace.end(result) ─► Tracer.record(both segments)

Which invocations are traced: a header with Sampled=1 or Sampled=0 decides (upstream's
decision, e.g. API Gateway's); without a decision, `Active` functions apply the sampling
rule and `PassThrough` ones are not traced.
https://docs.aws.amazon.com/lambda/latest/dg/services-xray.html
https://docs.aws.amazon.com/xray/latest/devguide/xray-services-lambda.html
"""

from __future__ import annotations

import time
from typing import Any

from lamina.core.ids import new_trace_id
from lamina.core.trace import (
    TraceHeader,
    Tracer,
    new_segment_id,
    parse_trace_header,
    subsegment,
)
from lamina.functions.model import FunctionConfig, InvokeResult

ACTIVE = "Active"


class FunctionTracing:
    """The runtime's hook into a Tracer."""

    def __init__(self, tracer: Tracer, *, region: str, account_id: str) -> None:
        self.tracer = tracer
        self._region = region
        self._account = account_id

    def begin(self, config: FunctionConfig, trace_id: str | None) -> InvokeTrace | None:
        """A trace of this invocation, or None (then `trace_id` goes to the worker as is)."""
        active = config.tracing_mode == ACTIVE
        if not active and (not trace_id or "Sampled=1" not in trace_id):
            return None  # the common case, decided without parsing the header
        header = parse_trace_header(trace_id)
        if header is None or header.sampled is None:
            if not active:
                return None
            if header is None:
                header = TraceHeader(new_trace_id(int(time.time()))[len("Root=") :])
            if not self.tracer.decide(header):
                return None
        elif not header.sampled:
            return None
        arn = config.arn or (
            f"arn:aws:lambda:{self._region}:{self._account}:function:{config.name}"
        )
        return InvokeTrace(self.tracer, config, header, arn)


class InvokeTrace:
    __slots__ = ("_arn", "_config", "_function_id", "_header", "_service_id", "_start", "_tracer")

    def __init__(
        self, tracer: Tracer, config: FunctionConfig, header: TraceHeader, arn: str
    ) -> None:
        self._tracer = tracer
        self._config = config
        self._header = header
        self._arn = arn
        self._service_id = new_segment_id()
        self._function_id = new_segment_id()
        self._start = time.time()

    @property
    def header(self) -> str:
        """_X_AMZN_TRACE_ID for the worker: the function segment is the parent of what the
        function records itself."""
        return str(self._header.child(self._function_id, True))

    def end(self, result: InvokeResult) -> None:
        end = time.time()
        self._tracer.record(self._service_segment(result, end))
        self._tracer.record(self._function_segment(result, end))

    def _service_segment(self, result: InvokeResult, end: float) -> dict[str, Any]:
        document: dict[str, Any] = {
            "trace_id": self._header.root,
            "id": self._service_id,
            "name": self._config.name,
            "origin": "AWS::Lambda",
            "start_time": self._start,
            "end_time": end,
            "resource_arn": self._arn,
            "http": {"response": {"status": 200}},
            "aws": {"request_id": result.request_id, "account_id": _account(self._arn)},
        }
        if self._header.parent:
            document["parent_id"] = self._header.parent
        return document

    def _function_segment(self, result: InvokeResult, end: float) -> dict[str, Any]:
        """Initialization from the invoke's start (a cold start waits for it), then
        Invocation for the handler's own Duration, then Overhead: the rest of the time the
        invoke took (handing the event over, reading the answer back)."""
        init_s = (result.init_ms or 0.0) / 1000.0
        run_s = result.duration_ms / 1000.0
        invoked = min(self._start + init_s, end)  # clipped to the invoke's own time
        spans = []
        if result.init_ms is not None:
            spans.append(subsegment("Initialization", self._start, invoked))
        invocation = subsegment("Invocation", invoked, min(invoked + run_s, end))
        spans.append(invocation)
        spans.append(subsegment("Overhead", invocation["end_time"], end))
        document: dict[str, Any] = {
            "trace_id": self._header.root,
            "id": self._function_id,
            "parent_id": self._service_id,
            "name": self._config.name,
            "origin": "AWS::Lambda::Function",
            "start_time": self._start,
            "end_time": end,
            "resource_arn": self._arn,
            "aws": {
                "function_arn": self._arn,
                "resource_names": [self._config.name],
                "account_id": _account(self._arn),
            },
            "subsegments": spans,
        }
        if result.function_error:
            # A function error is a fault of the function segment (X-Ray: 5xx-like).
            document["fault"] = invocation["fault"] = True
            exception = {"id": new_segment_id(), "message": _message(result)}
            invocation["cause"] = {"exceptions": [exception]}
        return document


def _message(result: InvokeResult) -> str:
    head = result.payload[:200].decode(errors="replace")
    return head or (result.function_error or "Unhandled")


def _account(arn: str) -> str:
    """The account id of `arn:aws:lambda:{region}:{account}:function:{name}`."""
    parts = arn.split(":")
    return parts[4] if len(parts) > 4 else ""

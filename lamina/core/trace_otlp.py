"""Export recorded traces over OTLP (http/protobuf) to any OpenTelemetry collector.

    Tracer.record ─► OtlpExport(document): a deque append (bounded; past the cap dropped
                     and counted), nothing else on the request path
    worker thread, every `interval_s`: take the pending documents, turn each segment and
    subsegment into an OpenTelemetry span, send them in one OTLPSpanExporter.export call

Conversion (the mapping the OpenTelemetry collector's awsxray receiver also makes):
- trace id: the X-Ray root's 8 hex epoch seconds and 24 hex random digits, as 128 bits
  (`1-5759e988-bd862e3fe1be46a994272793` → `5759e988bd862e3fe1be46a994272793`);
- span id: the (sub)segment id; parent: its parent_id, or the segment it is nested in;
- kind: SERVER for segments, CLIENT for subsegments calling out (namespace aws / remote),
  INTERNAL otherwise; status ERROR for a fault;
- resource `service.name`: the segment's name (its subsegments share it);
- attributes: http.request.method, url.full, http.response.status_code, rpc.system /
  rpc.service / rpc.method for AWS calls, aws.request_id, cloud.resource_id, aws.xray.*.
https://docs.aws.amazon.com/xray/latest/devguide/xray-api-segmentdocuments.html
https://opentelemetry.io/docs/specs/otel/protocol/exporter/
"""

from __future__ import annotations

import collections
import logging
import threading
from collections.abc import Iterator
from typing import Any

from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.util.instrumentation import InstrumentationScope
from opentelemetry.trace import SpanContext, SpanKind, Status, StatusCode, TraceFlags

log = logging.getLogger("lamina.trace")

Document = dict[str, Any]
MAX_PENDING = 20_000
_SCOPE = InstrumentationScope("lamina.xray")
_SAMPLED = TraceFlags(TraceFlags.SAMPLED)


class OtlpExport:
    """A Tracer sink sending its documents to an OTLP/HTTP collector from a thread."""

    def __init__(self, endpoint: str, *, interval_s: float = 1.0, max_pending: int = MAX_PENDING):
        """`endpoint`: the full traces URL (`http://collector:4318/v1/traces`)."""
        self._exporter = OTLPSpanExporter(endpoint=endpoint, timeout=10)
        self._pending: collections.deque[Document] = collections.deque()
        """Appended on the event loop, taken from the left by the worker (both thread-safe)."""
        self._max_pending = max_pending
        self._interval_s = interval_s
        self._wake = threading.Event()
        self._stopped = False
        self.dropped = 0
        self.exported = 0
        self.failed = 0
        self._thread = threading.Thread(target=self._run, name="lamina-otlp", daemon=True)
        self._thread.start()

    def __call__(self, document: Document) -> None:
        if len(self._pending) >= self._max_pending:
            self.dropped += 1
            return
        self._pending.append(document)

    def _run(self) -> None:
        while not self._stopped:
            self._wake.wait(self._interval_s)
            self._wake.clear()
            self._flush()
        self._flush()

    def _flush(self) -> None:
        pending = self._pending
        batch = [pending.popleft() for _ in range(len(pending))]
        if not batch:
            return
        spans: list[ReadableSpan] = []
        for document in batch:
            try:  # what the daemon and PutTraceSegments accept is checked loosely
                spans.extend(to_spans(document))
            except (KeyError, TypeError, ValueError):
                self.failed += 1
        if not spans:
            return
        try:
            outcome = self._exporter.export(spans)
        except Exception:  # a collector's failure must never reach requests
            log.exception("OTLP export of %d spans failed", len(spans))
            self.failed += len(spans)
            return
        if outcome.name == "SUCCESS":
            self.exported += len(spans)
        else:
            self.failed += len(spans)

    def close(self) -> None:
        """Send what is pending, then stop."""
        self._stopped = True
        self._wake.set()
        self._thread.join(timeout=15)
        self._exporter.shutdown()  # type: ignore[no-untyped-call]


def trace_id_of(root: str) -> int:
    """`1-<8 hex>-<24 hex>` → the 128-bit OpenTelemetry trace id."""
    return int(root[2:10] + root[11:], 16)


def to_spans(document: Document) -> Iterator[ReadableSpan]:
    """The span of a segment or independent subsegment, then those of its subsegments."""
    name = str(document.get("name", ""))
    service = "lamina" if document.get("type") == "subsegment" else name
    resource = Resource({"service.name": service})
    trace_id = trace_id_of(str(document["trace_id"]))
    parent = document.get("parent_id")
    kind = SpanKind.INTERNAL if document.get("type") == "subsegment" else SpanKind.SERVER
    yield from _spans(document, trace_id, str(parent) if parent else None, resource, kind)


def _spans(
    document: Document, trace_id: int, parent: str | None, resource: Resource, kind: SpanKind
) -> Iterator[ReadableSpan]:
    if document.get("namespace") in ("aws", "remote"):
        kind = SpanKind.CLIENT
    start = float(document.get("start_time", 0.0))
    end = document.get("end_time")
    context = SpanContext(trace_id, int(str(document["id"]), 16), False, _SAMPLED)
    parent_context = (
        SpanContext(trace_id, int(parent, 16), True, _SAMPLED) if parent is not None else None
    )
    yield ReadableSpan(
        str(document.get("name", "")),
        context=context,
        parent=parent_context,
        resource=resource,
        attributes=_attributes(document),
        kind=kind,
        status=Status(StatusCode.ERROR) if document.get("fault") else Status(StatusCode.UNSET),
        start_time=int(start * 1e9),
        end_time=int(float(end if end is not None else start) * 1e9),
        instrumentation_scope=_SCOPE,
    )
    for child in document.get("subsegments", ()):
        yield from _spans(child, trace_id, str(document["id"]), resource, SpanKind.INTERNAL)


def _attributes(document: Document) -> dict[str, Any]:
    found: dict[str, Any] = {}
    http = document.get("http") or {}
    request, response = http.get("request") or {}, http.get("response") or {}
    for key, value in (
        ("http.request.method", request.get("method")),
        ("url.full", request.get("url")),
        ("client.address", request.get("client_ip")),
        ("user_agent.original", request.get("user_agent")),
        ("http.response.status_code", response.get("status")),
        ("cloud.resource_id", document.get("resource_arn")),
        ("aws.xray.origin", document.get("origin")),
        ("aws.xray.namespace", document.get("namespace")),
    ):
        if value is not None and value != "":
            found[key] = value
    aws = document.get("aws") or {}
    if aws.get("operation"):
        found["rpc.system"] = "aws-api"
        found["rpc.service"] = str(document.get("name", ""))
        found["rpc.method"] = str(aws["operation"])
    if aws.get("request_id"):
        found["aws.request_id"] = str(aws["request_id"])
    for flag in ("error", "fault", "throttle"):
        if document.get(flag):
            found[f"aws.xray.{flag}"] = True
    for key, value in (document.get("annotations") or {}).items():
        if isinstance(value, str | bool | int | float):
            found[f"aws.xray.annotations.{key}"] = value
    return found

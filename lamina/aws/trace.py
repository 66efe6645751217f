"""X-Ray subsegments for calls to Lamina's AWS endpoint made inside a traced request.

A function's SDK call carries the invocation's trace: botocore copies _X_AMZN_TRACE_ID into
the X-Amzn-Trace-Id header when it runs in Lambda, and the X-Ray SDK's patched clients
send their own subsegment as Parent. A call whose header says Sampled=1 gets a subsegment
(namespace `aws`, named after the service as the X-Ray SDKs name theirs) in the caller's
trace, under the Parent the header names: the server's side of the call.
https://docs.aws.amazon.com/xray/latest/devguide/xray-concepts.html#xray-concepts-tracingheader
https://docs.aws.amazon.com/xray/latest/devguide/xray-api-segmentdocuments.html#api-segmentdocuments-aws
"""

from __future__ import annotations

import time
from typing import Any

from lamina.aws.binding import find_operation
from lamina.aws.claim import Claim
from lamina.aws.rest_xml import path_style
from lamina.aws.service import ServiceError
from lamina.core.trace import (
    TraceHeader,
    Tracer,
    http_fault_fields,
    new_segment_id,
    parse_trace_header,
)
from lamina.http.message import HttpRequest, HttpResponse


class AwsCallTracing:
    """The AWS endpoint's hook into a Tracer."""

    def __init__(self, tracer: Tracer, *, region: str) -> None:
        self.tracer = tracer
        self._region = region

    def begin(self, request: HttpRequest, claim: Claim) -> AwsCallTrace | None:
        """A trace of the call when its header carries a sampled trace."""
        value = request.header("x-amzn-trace-id")
        if not value or "Sampled=1" not in value:
            return None  # every unsampled call from a function: decided without parsing
        header = parse_trace_header(value)
        if header is None or not header.sampled:
            return None
        return AwsCallTrace(self, request, claim, header)


class AwsCallTrace:
    __slots__ = ("_claim", "_header", "_owner", "_request", "_start")

    def __init__(
        self, owner: AwsCallTracing, request: HttpRequest, claim: Claim, header: TraceHeader
    ) -> None:
        self._owner = owner
        self._request = request
        self._claim = claim
        self._header = header
        self._start = time.time()

    def end(self, response: HttpResponse) -> None:
        spec = self._claim.specs[0]
        document: dict[str, Any] = {
            "trace_id": self._header.root,
            "id": new_segment_id(),
            "name": spec.model.metadata.get("serviceId") or spec.name,
            "namespace": "aws",
            "start_time": self._start,
            "end_time": time.time(),
            "http": {"response": {"status": response.status}},
            "aws": {
                "operation": self._operation(),
                "region": self._owner._region,
                "request_id": _request_id(response),
            },
        }
        if self._header.parent:
            document["type"] = "subsegment"
            document["parent_id"] = self._header.parent
        else:  # no caller segment to hang under: the service's own segment
            document["origin"] = f"AWS::{document['name']}"
        document.update(http_fault_fields(response.status))
        self._owner.tracer.record(document)

    def _operation(self) -> str:
        claim = self._claim
        if claim.target or claim.action:
            return str(claim.target or claim.action)
        try:
            _, operation, _ = find_operation(claim, path_style(self._request))
        except ServiceError:
            return ""
        return str(operation.name)


def _request_id(response: HttpResponse) -> str:
    for name, value in response.headers:
        if name.lower() in (b"x-amzn-requestid", b"x-amz-request-id"):
            return value.decode()
    return ""

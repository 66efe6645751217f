"""X-Ray tracing: the trace header, sampling, and the Tracer every layer records into.

    edge (X-Amzn-Trace-Id in, or a new Root) ─► gateway stages ─► function invoke
        └─ each traced layer builds its segment document (X-Ray's JSON) and calls
           Tracer.record(document)
                ├─ TraceStore: bounded, in memory, read by the X-Ray API (services/xray)
                └─ sinks (OTLP export): a list append; a worker thread sends batches

A Tracer is passed to the layers that record (never a module global); each layer keeps
`None` when tracing is not wired in, so an untraced request costs one attribute check.

Header: https://docs.aws.amazon.com/xray/latest/devguide/xray-concepts.html#xray-concepts-tracingheader
Segment documents: https://docs.aws.amazon.com/xray/latest/devguide/xray-api-segmentdocuments.html
Sampling: https://docs.aws.amazon.com/xray/latest/devguide/xray-console-sampling.html
"""

from __future__ import annotations

import random
import re
import time
from collections.abc import Callable
from typing import Any

from lamina.core.ids import new_trace_id
from lamina.core.trace_store import TraceStore

Document = dict[str, Any]
"""A segment or subsegment document as X-Ray's API and daemon carry it (raw JSON)."""
Sink = Callable[[Document], None]

_bits = random.getrandbits
_ROOT = re.compile(r"1-[0-9a-f]{8}-[0-9a-f]{24}")
_PARENT = re.compile(r"[0-9a-f]{16}")


class TraceHeader:
    """One X-Amzn-Trace-Id value: Root, Parent (the caller's segment), Sampled."""

    __slots__ = ("parent", "root", "sampled")

    def __init__(self, root: str, parent: str | None = None, sampled: bool | None = None) -> None:
        self.root = root
        """`1-<epoch seconds, 8 hex>-<24 hex>`."""
        self.parent = parent
        self.sampled = sampled
        """True/False: an upstream decision; None: the receiver decides."""

    def __str__(self) -> str:
        text = f"Root={self.root}"
        if self.parent:
            text += f";Parent={self.parent}"
        if self.sampled is not None:
            text += ";Sampled=1" if self.sampled else ";Sampled=0"
        return text

    def child(self, parent: str | None, sampled: bool | None) -> TraceHeader:
        """The header a traced segment passes downstream: the same Root, itself as Parent."""
        return TraceHeader(self.root, parent, sampled)


def parse_trace_header(value: str | None) -> TraceHeader | None:
    """The header's fields; None when it carries no valid Root (then a new trace starts).
    Unknown fields (Lineage, Self, application data) are dropped."""
    if not value:
        return None
    root = parent = None
    sampled: bool | None = None
    for part in value.split(";"):
        key, _, field = part.strip().partition("=")
        if key == "Root":
            root = field
        elif key == "Parent":
            parent = field
        elif key == "Sampled":
            sampled = True if field == "1" else False if field == "0" else None
    if root is None or not _ROOT.fullmatch(root):
        return None
    if parent is not None and not _PARENT.fullmatch(parent):
        parent = None
    return TraceHeader(root, parent, sampled)


def header_or_new(value: str | None, epoch_s: int) -> str:
    """The request's header when it carries a valid Root, else a new `Root=...`; what the
    edge stores as the request's trace id (the header it got, as it got it)."""
    if value and parse_trace_header(value) is not None:
        return value
    return new_trace_id(epoch_s)


def new_segment_id() -> str:
    """A segment or subsegment id: 64 random bits, 16 hex digits."""
    return f"{_bits(64):016x}"


class Sampler:
    """X-Ray's default sampling rule: a reservoir of the first `reservoir` requests each
    second, then `rate` (5 %) of the others.
    https://docs.aws.amazon.com/xray/latest/devguide/xray-console-sampling.html"""

    __slots__ = ("_rate", "_reservoir", "_second", "_taken", "_uniform")

    def __init__(
        self,
        reservoir: int = 1,
        rate: float = 0.05,
        uniform: Callable[[], float] = random.random,
    ) -> None:
        self._reservoir = reservoir
        self._rate = rate
        self._uniform = uniform
        self._second = -1
        self._taken = 0

    def sample(self, now_s: float) -> bool:
        second = int(now_s)
        if second != self._second:
            self._second, self._taken = second, 0
        if self._taken < self._reservoir:
            self._taken += 1
            return True
        return self._uniform() < self._rate


class Tracer:
    """Where traced layers record their segment documents and get sampling decisions."""

    def __init__(
        self,
        store: TraceStore | None = None,
        sampler: Sampler | None = None,
        *,
        daemon_address: str = "",
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store or TraceStore()
        self.sampler = sampler or Sampler()
        self.daemon_address = daemon_address
        """host:port of the X-Ray daemon endpoint functions send to (AWS_XRAY_DAEMON_ADDRESS);
        empty when none listens."""
        self.clock = clock
        self._sinks: list[Sink] = []

    def add_sink(self, sink: Sink) -> None:
        """Hand every recorded document to `sink` too (it must only queue)."""
        self._sinks.append(sink)

    def decide(self, header: TraceHeader | None) -> bool:
        """Whether a traced service records this request: the caller's decision when the
        header carries one, else the sampling rule."""
        if header is not None and header.sampled is not None:
            return header.sampled
        return self.sampler.sample(self.clock())

    def record(self, document: Document) -> None:
        self.store.put(document)
        if document.get("in_progress"):
            return  # sinks get the complete document that replaces it (one span, not two)
        for sink in self._sinks:
            sink(document)


def subsegment(name: str, start: float, end: float, **fields: Any) -> Document:
    """A subsegment embedded in its segment (times in epoch seconds)."""
    return {"id": new_segment_id(), "name": name, "start_time": start, "end_time": end, **fields}


def http_fault_fields(status: int) -> dict[str, bool]:
    """X-Ray's flags for an HTTP status: error (4xx), throttle (429, with error), fault (5xx).
    https://docs.aws.amazon.com/xray/latest/devguide/xray-api-segmentdocuments.html#api-segmentdocuments-errors
    """
    if status >= 500:
        return {"fault": True}
    if status == 429:
        return {"error": True, "throttle": True}
    if status >= 400:
        return {"error": True}
    return {}

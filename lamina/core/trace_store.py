"""Recorded traces, bounded and in memory, assembled and summarized as X-Ray's API returns
them (services/xray reads this).

    put(document) ─► trace by its Root (oldest trace evicted past `max_traces`;
                     documents past `max_documents` per trace dropped, LimitExceeded)
    segments(trace) ─► each segment with the independent subsegments sent for it
                       (the daemon's, PutTraceSegments') nested under their parent_id
    summary(trace)  ─► GetTraceSummaries' TraceSummary fields

X-Ray merges subsegments sent on their own into their segment the same way:
https://docs.aws.amazon.com/xray/latest/devguide/xray-api-segmentdocuments.html#api-segmentdocuments-subsegments
"""

from __future__ import annotations

import collections
import copy
import re
from collections.abc import Iterator
from typing import Any

Document = dict[str, Any]

MAX_TRACES = 10_000
MAX_DOCUMENTS = 500


_ROOT = re.compile(r"1-[0-9a-f]{8}-[0-9a-f]{24}")
_ID = re.compile(r"[0-9a-f]{16}")


def document_problem(document: object) -> str | None:
    """Why `document` is not a segment document X-Ray would take; None when it is.
    https://docs.aws.amazon.com/xray/latest/devguide/xray-api-segmentdocuments.html"""
    if not isinstance(document, dict):
        return "a segment document is a JSON object"
    if not isinstance(document.get("trace_id"), str) or not _ROOT.fullmatch(document["trace_id"]):
        return "trace_id must be 1-<8 hex digits>-<24 hex digits>"
    if not isinstance(document.get("id"), str) or not _ID.fullmatch(document["id"]):
        return "id must be 16 hex digits"
    if not _number(document.get("start_time")):
        return "start_time must be epoch seconds"
    if "name" not in document and document.get("type") != "subsegment":
        return "the segment document has no name"
    if document.get("type") == "subsegment" and not isinstance(document.get("parent_id"), str):
        return "an independent subsegment needs its parent_id"
    end = document.get("end_time")
    if (end is None and not document.get("in_progress")) or (end is not None and not _number(end)):
        return "end_time must be epoch seconds (or in_progress true)"
    return None


def _number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


class StoredTrace:
    __slots__ = ("documents", "first_seen", "limit_exceeded", "positions", "root")

    def __init__(self, root: str, first_seen: float) -> None:
        self.root = root
        self.first_seen = first_seen
        self.documents: list[Document] = []
        self.positions: dict[object, int] = {}
        """Each document's place in `documents` by its id (a resent id replaces it)."""
        self.limit_exceeded = False

    @property
    def start(self) -> float:
        return min(float(d.get("start_time", self.first_seen)) for d in self.documents)

    @property
    def end(self) -> float:
        return max(_end(d) for d in self.documents)


def _end(document: Document) -> float:
    end = document.get("end_time")
    return float(end if end is not None else document.get("start_time", 0.0))


class TraceStore:
    """What the Tracer recorded and the daemon / PutTraceSegments received."""

    def __init__(self, max_traces: int = MAX_TRACES, max_documents: int = MAX_DOCUMENTS) -> None:
        self._traces: collections.OrderedDict[str, StoredTrace] = collections.OrderedDict()
        self._max_traces = max_traces
        self._max_documents = max_documents

    def put(self, document: Document) -> None:
        root = str(document["trace_id"])
        trace = self._traces.get(root)
        if trace is None:
            trace = StoredTrace(root, float(document.get("start_time", 0.0)))
            self._traces[root] = trace
            if len(self._traces) > self._max_traces:
                self._traces.popitem(last=False)
        # A complete document replaces the in-progress one sent under the same id ("send
        # the complete segment to overwrite the in-progress segment").
        # https://docs.aws.amazon.com/xray/latest/devguide/xray-api-segmentdocuments.html#api-segmentdocuments-fields
        position = trace.positions.get(document["id"])
        if position is not None:
            trace.documents[position] = document
            return
        if len(trace.documents) >= self._max_documents:
            trace.limit_exceeded = True
            return
        trace.positions[document["id"]] = len(trace.documents)
        trace.documents.append(document)

    def get(self, root: str) -> StoredTrace | None:
        return self._traces.get(root)

    def __len__(self) -> int:
        return len(self._traces)

    def traces(self) -> Iterator[StoredTrace]:
        """Oldest first."""
        return iter(list(self._traces.values()))


def assembled(trace: StoredTrace) -> list[Document]:
    """The trace's segments, each a copy with its independent subsegments nested in."""
    segments: list[Document] = []
    pending: list[Document] = []
    for document in trace.documents:
        if document.get("type") == "subsegment":
            pending.append(document)
        else:
            segments.append(copy.deepcopy(document))
    by_id: dict[str, Document] = {}
    for segment in segments:
        _index(segment, by_id)
    progress = True
    while pending and progress:  # a subsegment may arrive before its parent subsegment
        progress = False
        for document in list(pending):
            parent = by_id.get(str(document.get("parent_id")))
            if parent is None:
                continue
            child = {k: v for k, v in document.items() if k not in _INDEPENDENT}
            parent.setdefault("subsegments", []).append(child)
            _index(child, by_id)
            pending.remove(document)
            progress = True
    return segments


_INDEPENDENT = ("type", "trace_id", "parent_id")


def _index(document: Document, by_id: dict[str, Document]) -> None:
    by_id[str(document.get("id"))] = document
    for child in document.get("subsegments", ()):
        _index(child, by_id)


def _walk(document: Document) -> Iterator[Document]:
    yield document
    for child in document.get("subsegments", ()):
        yield from _walk(child)


def root_segment(segments: list[Document]) -> Document | None:
    """The entry point: the segment no other segment of the trace is the parent of."""
    ids = {str(d.get("id")) for s in segments for d in _walk(s)}
    roots = [s for s in segments if str(s.get("parent_id")) not in ids]
    return min(roots, key=lambda s: float(s.get("start_time", 0.0))) if roots else None


def service_type(segment: Document) -> str:
    return str(segment.get("origin") or "client")


def summary(trace: StoredTrace, segments: list[Document]) -> dict[str, Any]:
    """TraceSummary: https://docs.aws.amazon.com/xray/latest/api/API_TraceSummary.html"""
    root = root_segment(segments) or segments[0]
    every = [d for s in segments for d in _walk(s)]
    start, end = trace.start, trace.end
    services: dict[tuple[str, str], dict[str, Any]] = {}
    for segment in segments:
        key = (str(segment.get("name")), service_type(segment))
        services[key] = {"Name": key[0], "Names": [key[0]], "Type": key[1]}
        account = segment.get("aws", {}).get("account_id")
        if account:
            services[key]["AccountId"] = str(account)
    http = root.get("http", {})
    request, response = http.get("request", {}), http.get("response", {})
    found: dict[str, Any] = {
        "Id": trace.root,
        "StartTime": start,
        "Duration": round(end - start, 3),
        "ResponseTime": round(_end(root) - float(root.get("start_time", start)), 3),
        "HasFault": any(d.get("fault") for d in every),
        "HasError": any(d.get("error") for d in every),
        "HasThrottle": any(d.get("throttle") for d in every),
        "IsPartial": any(d.get("in_progress") for d in segments),
        "ServiceIds": list(services.values()),
        "EntryPoint": {
            "Name": str(root.get("name")),
            "Names": [str(root.get("name"))],
            "Type": service_type(root),
        },
        "Annotations": _annotations(every),
        "Users": [],
    }
    if request or response:
        found["Http"] = {
            k: v
            for k, v in (
                ("HttpURL", request.get("url")),
                ("HttpStatus", response.get("status")),
                ("HttpMethod", request.get("method")),
                ("UserAgent", request.get("user_agent")),
                ("ClientIp", request.get("client_ip")),
            )
            if v is not None
        }
    return found


def _annotations(documents: list[Document]) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {}
    for document in documents:
        for key, value in (document.get("annotations") or {}).items():
            typed: dict[str, object]
            if isinstance(value, bool):
                typed = {"BooleanValue": value}
            elif isinstance(value, int | float):
                typed = {"NumberValue": value}
            else:
                typed = {"StringValue": str(value)}
            found.setdefault(key, []).append({"AnnotationValue": typed})
    return found

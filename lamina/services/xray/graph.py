"""GetServiceGraph: a node per service (segment name and origin) seen in the time range,
an edge where one service's segment is the parent of another's (or of a subsegment that
called it), with X-Ray's summary statistics per node and per edge.
https://docs.aws.amazon.com/xray/latest/api/API_GetServiceGraph.html
https://docs.aws.amazon.com/xray/latest/devguide/xray-concepts.html#xray-concepts-servicegraph
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from lamina.core.trace_store import Document, service_type

_Key = tuple[str, str]


class _Stats:
    __slots__ = ("end", "error", "fault", "ok", "start", "throttle", "total", "total_time")

    def __init__(self) -> None:
        self.ok = self.error = self.fault = self.throttle = self.total = 0
        self.total_time = 0.0
        self.start = float("inf")
        self.end = 0.0

    def add(self, segment: Document) -> None:
        start = float(segment.get("start_time", 0.0))
        end = float(segment.get("end_time") or start)
        self.total += 1
        self.total_time += end - start
        self.start, self.end = min(self.start, start), max(self.end, end)
        if segment.get("fault"):
            self.fault += 1
        elif segment.get("error"):
            self.error += 1
            self.throttle += 1 if segment.get("throttle") else 0
        else:
            self.ok += 1

    def render(self) -> dict[str, Any]:
        return {
            "OkCount": self.ok,
            "ErrorStatistics": {
                "ThrottleCount": self.throttle,
                "OtherCount": self.error - self.throttle,
                "TotalCount": self.error,
            },
            "FaultStatistics": {"OtherCount": self.fault, "TotalCount": self.fault},
            "TotalCount": self.total,
            "TotalResponseTime": round(self.total_time, 6),
        }


def service_graph(traces: Iterable[list[Document]], account_id: str) -> list[dict[str, Any]]:
    """The Services list for the assembled traces given."""
    nodes: dict[_Key, _Stats] = {}
    edges: dict[tuple[_Key, _Key], _Stats] = {}
    roots: set[_Key] = set()
    for segments in traces:
        owner: dict[str, _Key] = {}
        for segment in segments:
            key = (str(segment.get("name")), service_type(segment))
            nodes.setdefault(key, _Stats()).add(segment)
            for document in _walk(segment):
                owner[str(document.get("id"))] = key
        for segment in segments:
            key = (str(segment.get("name")), service_type(segment))
            caller = owner.get(str(segment.get("parent_id")))
            if caller is None:
                roots.add(key)
            elif caller != key:
                edges.setdefault((caller, key), _Stats()).add(segment)
    ids = {key: index for index, key in enumerate(nodes)}
    return [
        {
            "ReferenceId": ids[key],
            "Name": key[0],
            "Names": [key[0]],
            "Root": key in roots,
            "AccountId": account_id,
            "Type": key[1],
            "State": "active",
            "StartTime": _time(stats.start),
            "EndTime": _time(stats.end),
            "Edges": [
                {
                    "ReferenceId": ids[callee],
                    "StartTime": _time(edge.start),
                    "EndTime": _time(edge.end),
                    "SummaryStatistics": edge.render(),
                    "Aliases": [],
                }
                for (caller, callee), edge in edges.items()
                if caller == key
            ],
            "SummaryStatistics": stats.render(),
        }
        for key, stats in nodes.items()
    ]


def _walk(document: Document) -> Iterable[Document]:
    yield document
    for child in document.get("subsegments", ()):
        yield from _walk(child)


def _time(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)

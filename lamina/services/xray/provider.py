"""XRayProvider: the botocore "xray" service (rest-json) over a Tracer's TraceStore.

PutTraceSegments records documents as the daemon does; GetTraceSummaries lists traces whose
time falls in [StartTime, EndTime] (the trace id's epoch for TimeRangeType TraceId, the
segments' times otherwise), filtered by FilterExpression (services/xray/filter.py);
BatchGetTraces returns up to 5 traces, each segment a JSON document with the subsegments
sent for it nested in; GetServiceGraph summarizes services and calls between them.
https://docs.aws.amazon.com/xray/latest/api/Welcome.html
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import orjson

from lamina.aws.service import (
    AwsRequestContext,
    Handler,
    OperationInput,
    OperationOutput,
    ServiceError,
)
from lamina.core.trace import Tracer
from lamina.core.trace_store import StoredTrace, assembled, document_problem, summary
from lamina.services.xray.filter import compile_filter
from lamina.services.xray.graph import service_graph

MAX_TRACE_IDS = 5  # BatchGetTraces (the model says so; AWS answers InvalidRequestException)
PAGE = 100


class XRayProvider:
    def __init__(self, tracer: Tracer, *, account_id: str) -> None:
        self._tracer = tracer
        self._account = account_id
        self._handlers: dict[str, Handler] = {
            "PutTraceSegments": self._put_trace_segments,
            "GetTraceSummaries": self._get_trace_summaries,
            "BatchGetTraces": self._batch_get_traces,
            "GetServiceGraph": self._get_service_graph,
        }

    @property
    def service_name(self) -> str:
        return "xray"

    def handlers(self) -> Mapping[str, Handler]:
        return self._handlers

    async def _put_trace_segments(
        self, ctx: AwsRequestContext, params: OperationInput
    ) -> OperationOutput:
        # https://docs.aws.amazon.com/xray/latest/api/API_PutTraceSegments.html
        unprocessed = []
        for text in params.get("TraceSegmentDocuments", []):
            try:
                document = orjson.loads(text)
            except orjson.JSONDecodeError as error:
                unprocessed.append(_unprocessed("", f"not JSON: {error}"))
                continue
            problem = document_problem(document)
            if problem is not None:
                found = document.get("id") if isinstance(document, dict) else ""
                unprocessed.append(_unprocessed(str(found or ""), problem))
                continue
            self._tracer.record(document)
        return {"UnprocessedTraceSegments": unprocessed}

    async def _get_trace_summaries(
        self, ctx: AwsRequestContext, params: OperationInput
    ) -> OperationOutput:
        # https://docs.aws.amazon.com/xray/latest/api/API_GetTraceSummaries.html
        begin, until = _range(params)
        by_trace_id = params.get("TimeRangeType") == "TraceId"
        matches = compile_filter(params.get("FilterExpression"))
        found = []
        processed = 0
        for trace in self._tracer.store.traces():
            when = _trace_epoch(trace) if by_trace_id else trace.start
            if not begin <= when <= until:
                continue
            processed += 1
            segments = assembled(trace)
            if not segments:
                continue  # only subsegments so far: nothing to summarize
            item = summary(trace, segments)
            item["_services"] = {s["Name"] for s in item["ServiceIds"]}
            if matches(item):
                del item["_services"]
                item["StartTime"] = _time(item["StartTime"])
                found.append(item)
        found.sort(key=lambda item: item["StartTime"], reverse=True)
        start = _token(params.get("NextToken"))
        page = found[start : start + PAGE]
        result: dict[str, Any] = {
            "TraceSummaries": page,
            "ApproximateTime": datetime.now(UTC),
            "TracesProcessedCount": processed,
        }
        if start + PAGE < len(found):
            result["NextToken"] = str(start + PAGE)
        return result

    async def _batch_get_traces(
        self, ctx: AwsRequestContext, params: OperationInput
    ) -> OperationOutput:
        # https://docs.aws.amazon.com/xray/latest/api/API_BatchGetTraces.html
        ids = params.get("TraceIds", [])
        if len(ids) > MAX_TRACE_IDS:
            raise ServiceError(
                "InvalidRequestException",
                f"TraceIds must contain at most {MAX_TRACE_IDS} trace ids",
            )
        traces, unprocessed = [], []
        for trace_id in ids:
            trace = self._tracer.store.get(trace_id)
            segments = assembled(trace) if trace is not None else []
            if trace is None or not segments:
                unprocessed.append(trace_id)
                continue
            traces.append(
                {
                    "Id": trace_id,
                    "Duration": round(trace.end - trace.start, 3),
                    "LimitExceeded": trace.limit_exceeded,
                    "Segments": [
                        {"Id": str(s["id"]), "Document": orjson.dumps(s).decode()} for s in segments
                    ],
                }
            )
        return {"Traces": traces, "UnprocessedTraceIds": unprocessed}

    async def _get_service_graph(
        self, ctx: AwsRequestContext, params: OperationInput
    ) -> OperationOutput:
        # https://docs.aws.amazon.com/xray/latest/api/API_GetServiceGraph.html
        begin, until = _range(params)
        traces = [
            assembled(trace)
            for trace in self._tracer.store.traces()
            if begin <= trace.start <= until
        ]
        return {
            "StartTime": params["StartTime"],
            "EndTime": params["EndTime"],
            "Services": service_graph(traces, self._account),
            "ContainsOldGroupVersions": False,
        }


def _unprocessed(segment_id: str, message: str) -> dict[str, str]:
    return {"Id": segment_id, "ErrorCode": "InvalidSegment", "Message": message}


def _range(params: OperationInput) -> tuple[float, float]:
    begin = params["StartTime"].timestamp()
    until = params["EndTime"].timestamp()
    if until < begin:
        raise ServiceError("InvalidRequestException", "EndTime must be after StartTime")
    return begin, until


def _trace_epoch(trace: StoredTrace) -> float:
    """The epoch seconds in the trace id (`1-<8 hex>-...`)."""
    return float(int(trace.root[2:10], 16))


def _token(token: str | None) -> int:
    if not token:
        return 0
    if not token.isdigit():
        raise ServiceError("InvalidRequestException", "The NextToken is not valid")
    return int(token)


def _time(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)

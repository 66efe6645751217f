"""The X-Ray header, the default sampling rule, the bounded trace store and how it
assembles and summarizes traces, the daemon endpoint, and the X-Ray → OTel conversion.
https://docs.aws.amazon.com/xray/latest/devguide/xray-concepts.html#xray-concepts-tracingheader
https://docs.aws.amazon.com/xray/latest/devguide/xray-console-sampling.html
"""

from __future__ import annotations

import asyncio
import itertools
import json
import socket
import time

from lamina.core.trace import (
    Sampler,
    Tracer,
    header_or_new,
    http_fault_fields,
    parse_trace_header,
)
from lamina.core.trace_daemon import TraceDaemon
from lamina.core.trace_otlp import to_spans, trace_id_of
from lamina.core.trace_store import TraceStore, assembled, summary

ROOT = "1-5759e988-bd862e3fe1be46a994272793"


def test_header_fields_parse_and_print_back() -> None:
    header = parse_trace_header(f"Root={ROOT};Parent=53995c3f42cd8ad8;Sampled=1")
    assert header is not None
    assert (header.root, header.parent, header.sampled) == (ROOT, "53995c3f42cd8ad8", True)
    assert str(header) == f"Root={ROOT};Parent=53995c3f42cd8ad8;Sampled=1"
    assert str(header.child("0123456789abcdef", False)) == (
        f"Root={ROOT};Parent=0123456789abcdef;Sampled=0"
    )


def test_header_without_a_decision_leaves_it_to_the_receiver() -> None:
    header = parse_trace_header(f"Root={ROOT};Lineage=a:1")
    assert header is not None and header.sampled is None and header.parent is None


def test_header_with_an_invalid_root_is_no_trace_and_the_edge_starts_one() -> None:
    assert parse_trace_header("Root=1-xyz-123;Sampled=1") is None
    assert parse_trace_header("") is None
    made = header_or_new("Root=nonsense", 0x5759E988)
    assert made.startswith("Root=1-5759e988-") and len(made) == len("Root=") + len(ROOT)
    kept = f"Root={ROOT};Sampled=1"
    assert header_or_new(kept, 0) == kept


def test_header_with_a_malformed_parent_drops_the_parent() -> None:
    header = parse_trace_header(f"Root={ROOT};Parent=zz;Sampled=0")
    assert header is not None and header.parent is None and header.sampled is False


def test_sampler_takes_the_first_request_each_second_then_five_percent() -> None:
    draws = itertools.cycle([0.5, 0.01])
    sampler = Sampler(uniform=lambda: next(draws))
    assert sampler.sample(100.1) is True  # the reservoir
    assert sampler.sample(100.2) is False  # 0.5 >= 5 %
    assert sampler.sample(100.3) is True  # 0.01 < 5 %
    assert sampler.sample(101.0) is True  # a new second refills the reservoir


def test_tracer_follows_the_callers_decision_before_sampling() -> None:
    tracer = Tracer(sampler=Sampler(reservoir=0, rate=0.0))
    assert tracer.decide(parse_trace_header(f"Root={ROOT};Sampled=1")) is True
    assert tracer.decide(parse_trace_header(f"Root={ROOT}")) is False


def _segment(segment_id: str, start: float, **fields: object) -> dict[str, object]:
    return {"trace_id": ROOT, "id": segment_id, "name": "api/prod", "start_time": start,
            "end_time": start + 1, **fields}  # fmt: skip


def test_store_evicts_the_oldest_trace_past_its_cap() -> None:
    store = TraceStore(max_traces=2)
    for index in range(3):
        store.put({**_segment("a" * 16, 1.0), "trace_id": f"1-00000000-{index:024x}"})
    assert len(store) == 2
    assert store.get(f"1-00000000-{0:024x}") is None
    assert store.get(f"1-00000000-{2:024x}") is not None


def test_store_stops_keeping_a_trace_past_its_document_cap() -> None:
    store = TraceStore(max_documents=2)
    for index in range(3):
        store.put(_segment(f"{index:016x}", 1.0))
    trace = store.get(ROOT)
    assert trace is not None and len(trace.documents) == 2 and trace.limit_exceeded


def test_complete_segment_replaces_its_in_progress_document_and_only_it_is_exported() -> None:
    exported: list[dict[str, object]] = []
    tracer = Tracer()
    tracer.add_sink(exported.append)
    started = {**_segment("0" * 16, 1.0), "in_progress": True}
    del started["end_time"]
    tracer.record(started)
    tracer.record(_segment("0" * 16, 1.0, http={"response": {"status": 200}}))
    trace = tracer.store.get(ROOT)
    assert trace is not None
    (segment,) = assembled(trace)
    assert "in_progress" not in segment and segment["end_time"] == 2.0
    assert summary(trace, [segment])["IsPartial"] is False
    assert [document.get("in_progress") for document in exported] == [None]


def test_independent_subsegments_nest_under_their_parent_whatever_the_order() -> None:
    store = TraceStore()
    sub = {"type": "subsegment", "trace_id": ROOT, "parent_id": "1111111111111111"}
    store.put({**sub, "id": "2222222222222222", "name": "inner", "start_time": 1.2})
    store.put(_segment("0000000000000000", 1.0, subsegments=[
        {"id": "1111111111111111", "name": "outer", "start_time": 1.1}]))  # fmt: skip
    store.put({**sub, "parent_id": "ffffffffffffffff", "id": "3" * 16, "name": "orphan",
               "start_time": 1.3})  # fmt: skip
    trace = store.get(ROOT)
    assert trace is not None
    (segment,) = assembled(trace)
    (outer,) = segment["subsegments"]
    (inner,) = outer["subsegments"]
    assert inner["name"] == "inner" and "parent_id" not in inner and "type" not in inner
    assert store.get(ROOT) is not None and len(trace.documents) == 3  # the store is unchanged


def test_summary_reports_the_entry_point_http_and_flags() -> None:
    store = TraceStore()
    http = {"request": {"method": "GET", "url": "http://h/prod/x"}, "response": {"status": 502}}
    store.put(_segment("0000000000000000", 10.0, origin="AWS::ApiGateway::Stage", http=http,
                       fault=True))  # fmt: skip
    store.put({**_segment("1111111111111111", 10.2, origin="AWS::Lambda", parent_id="0" * 16),
               "name": "fn", "end_time": 10.5, "annotations": {"tier": "gold"}})  # fmt: skip
    trace = store.get(ROOT)
    assert trace is not None
    found = summary(trace, assembled(trace))
    assert found["EntryPoint"] == {"Name": "api/prod", "Names": ["api/prod"],
                                   "Type": "AWS::ApiGateway::Stage"}  # fmt: skip
    assert found["Http"] == {"HttpURL": "http://h/prod/x", "HttpStatus": 502, "HttpMethod": "GET"}
    assert (found["HasFault"], found["HasError"], found["Duration"]) == (True, False, 1.0)
    assert found["Annotations"] == {"tier": [{"AnnotationValue": {"StringValue": "gold"}}]}
    assert {s["Type"] for s in found["ServiceIds"]} == {"AWS::ApiGateway::Stage", "AWS::Lambda"}


def test_http_status_flags_follow_x_ray() -> None:
    assert http_fault_fields(200) == {}
    assert http_fault_fields(404) == {"error": True}
    assert http_fault_fields(429) == {"error": True, "throttle": True}
    assert http_fault_fields(503) == {"fault": True}


def test_daemon_endpoint_records_what_the_x_ray_sdk_sends() -> None:
    async def scenario() -> tuple[Tracer, int]:
        tracer = Tracer()
        daemon = TraceDaemon(tracer)
        address = await daemon.start("127.0.0.1:0")
        host, port = address.split(":")
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sender:
            document = _segment("0000000000000000", 1.0)
            sender.sendto(b'{"format": "json", "version": 1}\n' + json.dumps(document).encode(),
                          (host, int(port)))  # fmt: skip
            sender.sendto(b'{"format": "xml"}\n{}', (host, int(port)))
            sender.sendto(b"not json at all", (host, int(port)))
            for _ in range(100):
                if daemon.protocol.received + daemon.protocol.dropped == 3:
                    break
                await asyncio.sleep(0.01)
        daemon.close()
        assert tracer.daemon_address == address
        return tracer, daemon.protocol.dropped

    tracer, dropped = asyncio.run(scenario())
    assert tracer.store.get(ROOT) is not None and dropped == 2


def test_otel_spans_keep_the_x_ray_ids_and_nesting() -> None:
    assert trace_id_of(ROOT) == 0x5759E988BD862E3FE1BE46A994272793
    document = _segment("00000000000000aa", 1.0, parent_id="00000000000000ff", subsegments=[
        {"id": "00000000000000bb", "name": "DynamoDB", "namespace": "aws", "start_time": 1.1,
         "end_time": 1.2, "aws": {"operation": "GetItem"}}], fault=True)  # fmt: skip
    segment, call = to_spans(document)
    assert segment.context is not None and segment.parent is not None
    assert (segment.context.span_id, segment.parent.span_id) == (0xAA, 0xFF)
    assert segment.kind.name == "SERVER" and segment.status.status_code.name == "ERROR"
    assert segment.resource.attributes["service.name"] == "api/prod"
    assert call.parent is not None and call.parent.span_id == 0xAA
    assert call.kind.name == "CLIENT"
    assert call.attributes is not None and call.attributes["rpc.method"] == "GetItem"
    assert (segment.start_time, segment.end_time) == (1_000_000_000, 2_000_000_000)


def test_otlp_export_skips_a_malformed_document_and_keeps_running() -> None:
    from lamina.core.trace_otlp import OtlpExport

    export = OtlpExport("http://127.0.0.1:9/v1/traces", interval_s=0.01)  # nothing listens
    export({"trace_id": "not-a-root", "id": "zz", "start_time": 1.0})
    for _ in range(200):
        if export.failed:
            break
        time.sleep(0.01)
    assert export.failed == 1 and export._thread.is_alive()
    export.close()

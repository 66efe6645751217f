"""Embedded Metric Format lines into datapoints: the specification's example, Powertools
Metrics' output, and the documents the specification calls invalid.

https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from lamina.core.metric_feed import Datapoint
from lamina.services.cloudwatch.emf import EmfTap, parse_line

# The specification page's example document.
SPEC_EXAMPLE: dict[str, Any] = {
    "_aws": {
        "Timestamp": 1574109732004,
        "CloudWatchMetrics": [
            {
                "Namespace": "lambda-function-metrics",
                "Dimensions": [["functionVersion"]],
                "Metrics": [{"Name": "time", "Unit": "Milliseconds", "StorageResolution": 60}],
            }
        ],
    },
    "functionVersion": "$LATEST",
    "time": 100,
    "requestId": "989ffbf8-9ace-4817-a57c-e4dd734019ee",
}

# As aws_lambda_powertools.Metrics flushes (service dimension, a list for repeated adds).
POWERTOOLS: dict[str, Any] = {
    "_aws": {
        "Timestamp": 1700000000123,
        "CloudWatchMetrics": [
            {
                "Namespace": "ServerlessAirline",
                "Dimensions": [["service", "environment"]],
                "Metrics": [
                    {"Name": "SuccessfulBooking", "Unit": "Count"},
                    {"Name": "Latency", "Unit": "Milliseconds", "StorageResolution": 1},
                ],
            }
        ],
    },
    "service": "booking",
    "environment": "prod",
    "SuccessfulBooking": [1.0, 1.0, 1.0],
    "Latency": 42,
}


def test_specification_example_becomes_one_datapoint() -> None:
    [point] = parse_line(json.dumps(SPEC_EXAMPLE))
    assert point == Datapoint(
        "lambda-function-metrics", "time", (("functionVersion", "$LATEST"),), 1574109720,
        "Milliseconds", 1.0, 100.0, 100.0, 100.0, ((100.0, 1.0),), 60,
    )  # fmt: skip


def test_powertools_document_with_value_lists_and_high_resolution() -> None:
    booking, latency = parse_line(json.dumps(POWERTOOLS))
    dims = (("environment", "prod"), ("service", "booking"))
    assert (booking.name, booking.dimensions, booking.count, booking.sum) == (
        "SuccessfulBooking", dims, 3.0, 3.0,
    )  # fmt: skip
    assert booking.timestamp == 1699999980  # the minute
    assert (latency.resolution, latency.timestamp, latency.unit) == (1, 1700000000, "Milliseconds")


def test_a_log_prefix_before_the_document_is_allowed() -> None:
    line = "2024-01-01T00:00:00Z\tabc\tINFO\t" + json.dumps(SPEC_EXAMPLE)
    assert len(parse_line(line)) == 1


def test_each_dimension_set_gets_the_values() -> None:
    document = json.loads(json.dumps(POWERTOOLS))
    document["_aws"]["CloudWatchMetrics"][0]["Dimensions"] = [["service"], ["environment"], []]
    points = parse_line(json.dumps(document))
    assert {p.dimensions for p in points if p.name == "Latency"} == {
        (("service", "booking"),), (("environment", "prod"),), (),
    }  # fmt: skip


def _broken(change: Any) -> str:
    document = json.loads(json.dumps(SPEC_EXAMPLE))
    change(document)
    return json.dumps(document)


def test_invalid_documents_are_only_log_lines() -> None:
    cases = [
        "plain text",
        '{"_aws": "nope"}',
        "{not json _aws",
        _broken(lambda d: d["_aws"].pop("Timestamp")),
        _broken(lambda d: d.pop("functionVersion")),  # a dimension without its member
        _broken(lambda d: d.__setitem__("functionVersion", 3)),  # not a string
        _broken(lambda d: d.__setitem__("time", "100")),  # not a number
        _broken(lambda d: d.__setitem__("time", [1.0] * 101)),  # more than 100 values
        _broken(lambda d: d["_aws"]["CloudWatchMetrics"][0].__setitem__("Namespace", "AWS/X")),
        _broken(lambda d: d["_aws"]["CloudWatchMetrics"][0]["Metrics"][0].__setitem__(
            "Unit", "Furlongs")),
        _broken(lambda d: d["_aws"]["CloudWatchMetrics"][0]["Metrics"][0].__setitem__(
            "StorageResolution", 5)),
    ]  # fmt: skip
    for line in cases:
        assert parse_line(line) == [], line


def test_tap_forwards_every_text_and_records_emf_lines_later() -> None:
    seen: list[tuple[str, str]] = []
    recorded: list[Datapoint] = []
    tap = EmfTap(lambda name, text: seen.append((name, text)), recorded.extend)
    text = "START RequestId: 1\n" + json.dumps(SPEC_EXAMPLE) + "\nEND RequestId: 1\n"

    async def run() -> int:
        tap("fn", text)
        tap("fn", "no metrics here\n")
        before = len(recorded)
        await asyncio.sleep(0)
        return before

    assert asyncio.run(run()) == 0  # not parsed in the caller's turn
    assert seen == [("fn", text), ("fn", "no metrics here\n")]
    assert [point.name for point in recorded] == ["time"]

"""FilterLogEvents through boto3: filter patterns, stream selection, time and paging.

https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_FilterLogEvents.html
"""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.clock import ManualClock as Clock

MESSAGES = {
    "api": [
        '{"level": "ERROR", "latency": 250, "path": "/orders"}',
        '{"level": "INFO", "latency": 20, "path": "/orders"}',
        '127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /index.html HTTP/1.0" 404 1534',
    ],
    "worker": [
        "ERROR Failed to process job 7",
        "WARN retrying job 7",
        "ERROR Exiting",
    ],
}


@pytest.fixture
def group(logs: Any, clock: Clock) -> str:
    logs.create_log_group(logGroupName="g")
    now = int(clock.now * 1000)
    for stream, messages in MESSAGES.items():
        logs.create_log_stream(logGroupName="g", logStreamName=stream)
        events = [
            {"timestamp": now - 100 + index * 10 + (stream == "worker"), "message": message}
            for index, message in enumerate(messages)
        ]
        logs.put_log_events(logGroupName="g", logStreamName=stream, logEvents=events)
    return "g"


def _messages(logs: Any, **options: Any) -> list[str]:
    return [e["message"] for e in logs.filter_log_events(logGroupName="g", **options)["events"]]


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("", [*MESSAGES["api"][:1], *MESSAGES["worker"][:1], *MESSAGES["api"][1:2],
              *MESSAGES["worker"][1:2], *MESSAGES["api"][2:], *MESSAGES["worker"][2:]]),
        ("ERROR -Exiting", [MESSAGES["api"][0], MESSAGES["worker"][0]]),
        ('"Failed to process"', [MESSAGES["worker"][0]]),
        ("?WARN ?Exiting", [MESSAGES["worker"][1], MESSAGES["worker"][2]]),
        ('{ $.level = "ERROR" }', [MESSAGES["api"][0]]),
        ("{ $.latency > 100 }", [MESSAGES["api"][0]]),
        ('{ $.latency < 100 && $.path = "/ord*" }', [MESSAGES["api"][1]]),
        ("[ip, user, username, timestamp, request = *html*, status_code = 4*, bytes]",
         [MESSAGES["api"][2]]),
    ],
)  # fmt: skip
def test_filter_pattern_selects_matching_events_oldest_first(
    logs: Any, group: str, pattern: str, expected: list[str]
) -> None:
    assert _messages(logs, filterPattern=pattern) == expected


def test_filter_events_name_their_stream_and_have_ids(logs: Any, group: str) -> None:
    (event,) = logs.filter_log_events(logGroupName="g", filterPattern="WARN")["events"]
    assert event["logStreamName"] == "worker"
    assert len(event["eventId"]) == 56 and event["eventId"].isdigit()
    assert event["ingestionTime"] >= event["timestamp"]


def test_filter_by_stream_names_prefix_and_time(logs: Any, group: str, clock: Clock) -> None:
    assert _messages(logs, logStreamNames=["worker"]) == MESSAGES["worker"]
    assert _messages(logs, logStreamNamePrefix="wor") == MESSAGES["worker"]
    assert _messages(logs, logStreamNamePrefix="none") == []
    now = int(clock.now * 1000)
    assert _messages(logs, startTime=now - 90, endTime=now - 89) == [
        MESSAGES["api"][1],
        MESSAGES["worker"][1],
    ]
    with pytest.raises(ClientError) as error:
        logs.filter_log_events(logGroupName="g", logStreamNames=["a"], logStreamNamePrefix="a")
    assert error.value.response["Error"]["Code"] == "InvalidParameterException"


def test_filter_pages_with_next_token(logs: Any, group: str) -> None:
    first = logs.filter_log_events(logGroupName="g", limit=4)
    assert len(first["events"]) == 4 and "nextToken" in first
    second = logs.filter_log_events(logGroupName="g", limit=4, nextToken=first["nextToken"])
    assert len(second["events"]) == 2 and "nextToken" not in second
    paginator = logs.get_paginator("filter_log_events")
    pages = paginator.paginate(
        logGroupName="g", filterPattern="ERROR", PaginationConfig={"PageSize": 1}
    )
    assert [e["message"] for page in pages for e in page["events"]] == [
        MESSAGES["api"][0], MESSAGES["worker"][0], MESSAGES["worker"][2]
    ]  # fmt: skip


def test_filter_invalid_pattern_or_group_is_an_error(logs: Any, group: str) -> None:
    with pytest.raises(ClientError) as error:
        logs.filter_log_events(logGroupName="g", filterPattern="{ $.level = ")
    assert error.value.response["Error"]["Code"] == "InvalidParameterException"
    with pytest.raises(ClientError) as error:
        logs.filter_log_events(logGroupName="missing")
    assert error.value.response["Error"]["Code"] == "ResourceNotFoundException"

"""StartLiveTail through boto3: the event stream (initial-response, sessionStart, then
sessionUpdate events with what is ingested after the session starts), the filters, AWS's
errors, and the session timeout as a SessionTimeoutException event.

https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_StartLiveTail.html
"""

from __future__ import annotations

import time
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import EventStreamError

from tests.loopback import ACCOUNT, REGION

from .conftest import LogsServer

GROUP = "/app/orders"
ARN = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{GROUP}"


def _client(server: LogsServer) -> Any:
    options = server.client_options()
    # botocore prefixes StartLiveTail's host with "stream-" (the model's hostPrefix).
    config = options["config"].merge(Config(inject_host_prefix=False))
    return boto3.client("logs", **{**options, "config": config})


def _put(logs: Any, stream: str, *messages: str) -> None:
    now = int(time.time() * 1000)
    logs.put_log_events(
        logGroupName=GROUP,
        logStreamName=stream,
        logEvents=[{"timestamp": now, "message": m} for m in messages],
    )


@pytest.fixture
def tail(server: LogsServer) -> Any:
    server.provider.live_tail._update_s = 0.1
    logs = _client(server)
    logs.create_log_group(logGroupName=GROUP)
    for stream in ("web-1", "worker-1"):
        logs.create_log_stream(logGroupName=GROUP, logStreamName=stream)
    return logs


def _collect(stream: Any, wanted: int, timeout_s: float = 10.0) -> list[dict[str, Any]]:
    """Session results until `wanted` arrived (the stream is closed after)."""
    found: list[dict[str, Any]] = []
    deadline = time.monotonic() + timeout_s
    for event in stream:
        if "sessionUpdate" in event:
            found.extend(event["sessionUpdate"]["sessionResults"])
        if len(found) >= wanted or time.monotonic() > deadline:
            break
    stream.close()
    return found


def test_live_tail_streams_what_is_ingested_after_it_starts(tail: Any) -> None:
    _put(tail, "web-1", "before the session")
    answer = tail.start_live_tail(logGroupIdentifiers=[ARN])
    stream = answer["responseStream"]
    first = next(iter(stream))
    start = first["sessionStart"]
    assert start["logGroupIdentifiers"] == [ARN]
    assert start["sessionId"] and start["requestId"]
    # The session reads what is ingested after it started (before its answer was sent).
    _put(tail, "web-1", "GET /orders 200")
    _put(tail, "worker-1", "order 7 shipped")
    results = _collect(stream, 2)
    assert [(r["logStreamName"], r["message"]) for r in results] == [
        ("web-1", "GET /orders 200"),
        ("worker-1", "order 7 shipped"),
    ]
    assert all(r["logGroupIdentifier"] == ARN for r in results)
    assert all(isinstance(r["ingestionTime"], int) for r in results)


def test_live_tail_filters_by_stream_prefix_and_pattern(tail: Any) -> None:
    answer = tail.start_live_tail(
        logGroupIdentifiers=[ARN],
        logStreamNamePrefixes=["web-"],
        logEventFilterPattern="ERROR",
    )
    stream = answer["responseStream"]
    _put(tail, "worker-1", "ERROR in the worker")
    _put(tail, "web-1", "INFO fine", "ERROR timeout talking to payments")
    results = _collect(stream, 1)
    assert [r["message"] for r in results] == ["ERROR timeout talking to payments"]


def test_live_tail_errors(tail: Any) -> None:
    with pytest.raises(tail.exceptions.ResourceNotFoundException):
        tail.start_live_tail(logGroupIdentifiers=[ARN + "-missing"])
    with pytest.raises(tail.exceptions.InvalidParameterException):
        tail.start_live_tail(
            logGroupIdentifiers=[ARN], logStreamNames=["a"], logStreamNamePrefixes=["b"]
        )


def test_live_tail_session_times_out_with_its_exception(server: LogsServer, tail: Any) -> None:
    server.provider.live_tail._session_s = 0.3
    stream = tail.start_live_tail(logGroupIdentifiers=[ARN])["responseStream"]
    with pytest.raises(EventStreamError) as raised:
        for _ in stream:
            pass
    assert raised.value.response["Error"]["Code"] == "SessionTimeoutException"
    assert "reached its timeout" in raised.value.response["Error"]["Message"]


def test_live_tail_server_failure_ends_the_stream_with_session_streaming_exception(
    server: LogsServer, tail: Any
) -> None:
    stream = tail.start_live_tail(logGroupIdentifiers=[ARN])["responseStream"]
    events = iter(stream)
    assert "sessionStart" in next(events)
    server.provider.store.close()  # as at shutdown: the session's next read fails
    with pytest.raises(EventStreamError) as raised:
        for _ in events:
            pass
    assert raised.value.response["Error"]["Code"] == "SessionStreamingException"

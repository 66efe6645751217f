"""PutLogEvents' batch rules and GetLogEvents' reading and tokens, through boto3.

https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutLogEvents.html
https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_GetLogEvents.html
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.clock import ManualClock as Clock

HOUR_MS = 3_600_000
DAY_MS = 24 * HOUR_MS


@pytest.fixture
def stream(logs: Any) -> dict[str, str]:
    logs.create_log_group(logGroupName="g")
    logs.create_log_stream(logGroupName="g", logStreamName="s")
    return {"logGroupName": "g", "logStreamName": "s"}


def _now(clock: Clock) -> int:
    return int(clock.now * 1000)


def _put(logs: Any, stream: dict[str, str], *events: tuple[int, str]) -> dict[str, Any]:
    batch = [{"timestamp": t, "message": m} for t, m in events]
    return logs.put_log_events(**stream, logEvents=batch)  # type: ignore[no-any-return]


def _code(error: pytest.ExceptionInfo[ClientError]) -> str:
    return str(error.value.response["Error"]["Code"])


def test_put_then_get_returns_events_in_order_with_ingestion_time(
    logs: Any, stream: dict[str, str], clock: Clock
) -> None:
    now = _now(clock)
    answer = _put(logs, stream, (now - 2, "one"), (now - 1, "two"))
    assert "rejectedLogEventsInfo" not in answer
    assert re.fullmatch(r"\d+", answer["nextSequenceToken"])
    events = logs.get_log_events(**stream)["events"]
    assert [(e["timestamp"], e["message"]) for e in events] == [(now - 2, "one"), (now - 1, "two")]
    assert all(e["ingestionTime"] == now for e in events)


def test_put_out_of_order_batch_is_invalid_parameter(
    logs: Any, stream: dict[str, str], clock: Clock
) -> None:
    now = _now(clock)
    with pytest.raises(ClientError) as error:
        _put(logs, stream, (now, "later"), (now - 5, "earlier"))
    assert _code(error) == "InvalidParameterException"
    assert "chronological order" in error.value.response["Error"]["Message"]
    assert logs.get_log_events(**stream)["events"] == []


def test_put_rejects_too_old_and_too_new_events_and_keeps_the_rest(
    logs: Any, stream: dict[str, str], clock: Clock
) -> None:
    now = _now(clock)
    answer = _put(
        logs,
        stream,
        (now - 15 * DAY_MS, "too old"),
        (now - 14 * DAY_MS - 1, "too old too"),
        (now - 1000, "kept"),
        (now + 2 * HOUR_MS + 1, "too new"),
    )
    assert answer["rejectedLogEventsInfo"] == {
        "tooOldLogEventEndIndex": 2,
        "tooNewLogEventStartIndex": 3,
    }
    assert [e["message"] for e in logs.get_log_events(**stream)["events"]] == ["kept"]


def test_put_before_the_retention_period_is_expired(
    logs: Any, stream: dict[str, str], clock: Clock
) -> None:
    logs.put_retention_policy(logGroupName="g", retentionInDays=1)
    now = _now(clock)
    answer = _put(logs, stream, (now - 2 * DAY_MS, "expired"), (now, "kept"))
    assert answer["rejectedLogEventsInfo"] == {"expiredLogEventEndIndex": 1}


def test_put_batch_over_one_megabyte_is_invalid_parameter(
    logs: Any, stream: dict[str, str], clock: Clock
) -> None:
    now = _now(clock)
    # 1,048,576 bytes: the messages in UTF-8 plus 26 bytes an event.
    with pytest.raises(ClientError) as error:
        _put(logs, stream, (now, "x" * (1_048_576 - 26 * 2)), (now, "y"))
    assert _code(error) == "InvalidParameterException"
    _put(logs, stream, (now, "x" * (1_048_576 - 26 * 2 - 1)), (now, "y"))


def test_put_to_missing_group_or_stream_is_resource_not_found(logs: Any, clock: Clock) -> None:
    event = [{"timestamp": _now(clock), "message": "x"}]
    with pytest.raises(ClientError) as error:
        logs.put_log_events(logGroupName="nope", logStreamName="s", logEvents=event)
    assert error.value.response["Error"]["Message"] == "The specified log group does not exist."
    logs.create_log_group(logGroupName="g")
    with pytest.raises(ClientError) as error:
        logs.put_log_events(logGroupName="g", logStreamName="nope", logEvents=event)
    assert _code(error) == "ResourceNotFoundException"


def test_get_without_token_returns_the_newest_events(
    logs: Any, stream: dict[str, str], clock: Clock
) -> None:
    now = _now(clock)
    _put(logs, stream, *[(now - 10 + i, f"m{i}") for i in range(10)])
    tail = logs.get_log_events(**stream, limit=3)
    assert [e["message"] for e in tail["events"]] == ["m7", "m8", "m9"]
    head = logs.get_log_events(**stream, limit=3, startFromHead=True)
    assert [e["message"] for e in head["events"]] == ["m0", "m1", "m2"]
    assert re.fullmatch(r"f/\d{56}/s", head["nextForwardToken"])
    assert re.fullmatch(r"b/\d{56}/s", head["nextBackwardToken"])


def test_get_forward_token_reads_on_and_repeats_at_the_end(
    logs: Any, stream: dict[str, str], clock: Clock
) -> None:
    now = _now(clock)
    _put(logs, stream, *[(now - 10 + i, f"m{i}") for i in range(5)])
    page = logs.get_log_events(**stream, limit=2, startFromHead=True)
    seen = [e["message"] for e in page["events"]]
    token = page["nextForwardToken"]
    for _ in range(10):
        page = logs.get_log_events(**stream, nextToken=token, limit=2)
        if page["nextForwardToken"] == token:
            assert page["events"] == []
            break
        seen += [e["message"] for e in page["events"]]
        token = page["nextForwardToken"]
    assert seen == ["m0", "m1", "m2", "m3", "m4"]
    # Events that arrive later are read with the token the end handed back.
    _put(logs, stream, (now, "new"))
    later = logs.get_log_events(**stream, nextToken=token)
    assert [e["message"] for e in later["events"]] == ["new"]


def test_get_backward_token_reads_older_events(
    logs: Any, stream: dict[str, str], clock: Clock
) -> None:
    now = _now(clock)
    _put(logs, stream, *[(now - 10 + i, f"m{i}") for i in range(5)])
    newest = logs.get_log_events(**stream, limit=2)
    older = logs.get_log_events(**stream, limit=2, nextToken=newest["nextBackwardToken"])
    assert [e["message"] for e in older["events"]] == ["m1", "m2"]
    oldest = logs.get_log_events(**stream, limit=2, nextToken=older["nextBackwardToken"])
    assert [e["message"] for e in oldest["events"]] == ["m0"]
    start = logs.get_log_events(**stream, limit=2, nextToken=oldest["nextBackwardToken"])
    assert start["events"] == [] and start["nextBackwardToken"] == oldest["nextBackwardToken"]


def test_get_time_window_and_errors(logs: Any, stream: dict[str, str], clock: Clock) -> None:
    now = _now(clock)
    _put(logs, stream, (now - 30, "a"), (now - 20, "b"), (now - 10, "c"))
    window = logs.get_log_events(**stream, startTime=now - 20, endTime=now - 10)
    assert [e["message"] for e in window["events"]] == ["b"]
    with pytest.raises(ClientError) as error:
        logs.get_log_events(**stream, nextToken="garbage")
    assert _code(error) == "InvalidParameterException"
    with pytest.raises(ClientError) as error:
        logs.get_log_events(logGroupName="g", logStreamName="missing")
    assert _code(error) == "ResourceNotFoundException"

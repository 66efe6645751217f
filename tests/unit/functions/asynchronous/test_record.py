"""The invocation record sent to asynchronous destinations.

https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html
"""

from __future__ import annotations

import json

from lamina.functions.asynchronous.model import QueuedEvent, Response
from lamina.functions.asynchronous.record import invocation_record, iso_timestamp

ARN = "arn:aws:lambda:us-east-1:123456789012:function:fn:$LATEST"


def test_record_failure_carries_request_response_and_condition() -> None:
    error = b'{"errorMessage": "boom", "errorType": "ValueError"}'
    event = QueuedEvent(
        id="req-1",
        function="fn",
        qualifier=None,
        payload=b'{"order": 7}',
        enqueued_at=0.0,
        invoke_count=3,
        last_response=Response(payload=error, function_error="Unhandled"),
    )
    record = json.loads(
        invocation_record(event, condition="RetriesExhausted", function_arn=ARN, now=1573755365.568)
    )
    assert record == {
        "version": "1.0",
        "timestamp": "2019-11-14T18:16:05.568Z",
        "requestContext": {
            "requestId": "req-1",
            "functionArn": ARN,
            "condition": "RetriesExhausted",
            "approximateInvokeCount": 3,
        },
        "requestPayload": {"order": 7},
        "responseContext": {
            "statusCode": 200,
            "executedVersion": "$LATEST",
            "functionError": "Unhandled",
        },
        "responsePayload": {"errorMessage": "boom", "errorType": "ValueError"},
    }


def test_record_success_has_no_function_error() -> None:
    event = QueuedEvent(
        id="r",
        function="fn",
        qualifier="live",
        payload=b"[1]",
        enqueued_at=0.0,
        invoke_count=1,
        last_response=Response(payload=b"null", executed_version="3"),
    )
    record = json.loads(invocation_record(event, condition="Success", function_arn=ARN, now=0.0))
    assert record["responseContext"] == {"statusCode": 200, "executedVersion": "3"}
    assert record["responsePayload"] is None
    assert record["requestPayload"] == [1]


def test_record_without_any_response_omits_response_fields() -> None:
    event = QueuedEvent(id="r", function="fn", qualifier=None, payload=b"{}", enqueued_at=0.0)
    record = json.loads(
        invocation_record(event, condition="EventAgeExceeded", function_arn=ARN, now=0.0)
    )
    assert "responseContext" not in record and "responsePayload" not in record
    assert record["requestContext"]["approximateInvokeCount"] == 0


def test_record_payload_that_is_not_json_is_kept_as_text() -> None:
    event = QueuedEvent(
        id="r",
        function="fn",
        qualifier=None,
        payload=b"{}",
        enqueued_at=0.0,
        last_response=Response(payload=b"not json"),
    )
    record = json.loads(invocation_record(event, condition="Success", function_arn=ARN, now=0.0))
    assert record["responsePayload"] == "not json"


def test_record_timestamp_is_utc_with_milliseconds() -> None:
    assert iso_timestamp(0.25) == "1970-01-01T00:00:00.250Z"

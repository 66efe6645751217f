"""The invocation record Lambda sends to an asynchronous invocation's destinations.

https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html
"""

from __future__ import annotations

import time
from typing import Any

import orjson

from lamina.functions.asynchronous.model import QueuedEvent

VERSION = "1.0"
SUCCESS = "Success"
RETRIES_EXHAUSTED = "RetriesExhausted"
EVENT_AGE_EXCEEDED = "EventAgeExceeded"


def invocation_record(
    event: QueuedEvent, *, condition: str, function_arn: str, now: float
) -> bytes:
    """The JSON record; ``function_arn`` is qualified ($LATEST when the caller named none).

    responseContext and responsePayload are present once an attempt reached the function.
    """
    record: dict[str, Any] = {
        "version": VERSION,
        "timestamp": iso_timestamp(now),
        "requestContext": {
            "requestId": event.id,
            "functionArn": function_arn,
            "condition": condition,
            "approximateInvokeCount": event.invoke_count,
        },
        "requestPayload": json_value(event.payload),
    }
    response = event.last_response
    if response is not None:
        context: dict[str, Any] = {"statusCode": 200, "executedVersion": response.executed_version}
        if response.function_error is not None:
            context["functionError"] = response.function_error
        record["responseContext"] = context
        record["responsePayload"] = json_value(response.payload)
    return orjson.dumps(record)


def iso_timestamp(now: float) -> str:
    """``2019-11-14T18:16:05.568Z``: UTC with milliseconds, as in AWS's example record."""
    millis = int((now % 1) * 1000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now)) + f".{millis:03d}Z"


def json_value(payload: bytes) -> Any:
    """The payload as JSON, or as text when it is not JSON (an empty answer is null)."""
    if not payload.strip():
        return None
    try:
        return orjson.loads(payload)
    except orjson.JSONDecodeError:
        return payload.decode("utf-8", "replace")

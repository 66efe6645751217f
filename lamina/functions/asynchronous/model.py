"""What the asynchronous queue holds and the settings that govern one function's events."""

from __future__ import annotations

import msgspec

# https://docs.aws.amazon.com/lambda/latest/api/API_PutFunctionEventInvokeConfig.html
DEFAULT_RETRY_ATTEMPTS = 2
DEFAULT_EVENT_AGE_S = 21600
"""Six hours: how long Lambda keeps an event it could not yet run."""


class Response(msgspec.Struct, frozen=True, kw_only=True):
    """What the last invocation that reached the function answered."""

    payload: bytes
    function_error: str | None = None
    executed_version: str = "$LATEST"


class QueuedEvent(msgspec.Struct, frozen=True, kw_only=True):
    """One accepted Event invocation, as the queue stores it between attempts."""

    id: str
    """The request id Invoke answered with (x-amzn-RequestId)."""
    function: str
    qualifier: str | None
    payload: bytes
    enqueued_at: float
    """Epoch seconds when Invoke accepted the event; its age counts from here."""
    invoke_count: int = 0
    """Attempts made so far, throttled ones included (approximateInvokeCount)."""
    function_errors: int = 0
    """Attempts the function failed; retried up to MaximumRetryAttempts."""
    throttles: int = 0
    """Consecutive throttled or system-failed attempts (they set the backoff)."""
    last_response: Response | None = None


class EventConfig(msgspec.Struct, frozen=True, kw_only=True):
    """A function's (or qualifier's) asynchronous invocation settings.

    https://docs.aws.amazon.com/lambda/latest/api/API_FunctionEventInvokeConfig.html
    """

    maximum_retry_attempts: int = DEFAULT_RETRY_ATTEMPTS
    maximum_event_age_s: int = DEFAULT_EVENT_AGE_S
    on_success: str | None = None
    """Destination ARN for records of successful invocations."""
    on_failure: str | None = None
    """Destination ARN for records of events that failed or expired."""
    dead_letter: str | None = None
    """The function's DeadLetterConfig TargetArn: receives the event itself on failure."""

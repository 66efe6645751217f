"""When a failed asynchronous invocation runs again, and when its event is too old.

https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-error-handling.html:
a function error is retried after one minute, then after two more; throttles (429) and
system errors (500-series) go back to the queue with a delay that grows exponentially from
1 second to at most 5 minutes, until the event is older than MaximumEventAgeInSeconds.

``time_scale`` multiplies every one of these durations (1.0 in production), so tests can
run Lambda's minutes in milliseconds.
"""

from __future__ import annotations

import msgspec

from lamina.functions.asynchronous.model import EventConfig, QueuedEvent

FUNCTION_ERROR_DELAYS_S = (60.0, 120.0)
"""Wait before the first and the second retry of a function error."""
BACKOFF_FIRST_S = 1.0
BACKOFF_MAX_S = 300.0


class RetryPolicy(msgspec.Struct, frozen=True, kw_only=True):
    time_scale: float = 1.0

    def function_error_delay(self, retry: int) -> float:
        """Seconds to wait before retry number ``retry`` (1 or 2) of a function error."""
        index = min(max(retry, 1), len(FUNCTION_ERROR_DELAYS_S)) - 1
        return FUNCTION_ERROR_DELAYS_S[index] * self.time_scale

    def backoff_delay(self, throttles: int) -> float:
        """Seconds to wait after the ``throttles``-th consecutive throttle or system error."""
        exponent = min(max(throttles, 1) - 1, 16)
        return min(BACKOFF_FIRST_S * 2.0**exponent, BACKOFF_MAX_S) * self.time_scale

    def expired(self, event: QueuedEvent, config: EventConfig, now: float) -> bool:
        """Whether the event has waited longer than MaximumEventAgeInSeconds."""
        return now - event.enqueued_at > config.maximum_event_age_s * self.time_scale

    def retries_exhausted(self, event: QueuedEvent, config: EventConfig) -> bool:
        """Whether the function has failed more often than MaximumRetryAttempts allows."""
        return event.function_errors > config.maximum_retry_attempts

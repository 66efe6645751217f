"""RetryPolicy: Lambda's retry delays, backoff and event age, scaled for tests."""

from __future__ import annotations

import pytest

from lamina.functions.asynchronous.model import EventConfig, QueuedEvent
from lamina.functions.asynchronous.policy import RetryPolicy

EVENT = QueuedEvent(id="r", function="fn", qualifier=None, payload=b"{}", enqueued_at=1000.0)


def test_policy_function_error_delays_are_one_then_two_minutes() -> None:
    # https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-error-handling.html
    policy = RetryPolicy()
    assert [policy.function_error_delay(n) for n in (1, 2)] == [60.0, 120.0]


def test_policy_time_scale_shrinks_every_delay() -> None:
    policy = RetryPolicy(time_scale=0.001)
    assert policy.function_error_delay(2) == pytest.approx(0.12)
    assert policy.backoff_delay(1) == pytest.approx(0.001)


def test_policy_backoff_doubles_from_one_second_up_to_five_minutes() -> None:
    policy = RetryPolicy()
    delays = [policy.backoff_delay(n) for n in range(1, 12)]
    assert delays[:5] == [1.0, 2.0, 4.0, 8.0, 16.0]
    assert delays[-1] == 300.0
    assert policy.backoff_delay(10_000) == 300.0


def test_policy_event_older_than_max_age_is_expired() -> None:
    policy = RetryPolicy()
    config = EventConfig(maximum_event_age_s=60)
    assert not policy.expired(EVENT, config, now=1060.0)
    assert policy.expired(EVENT, config, now=1060.5)


def test_policy_default_max_age_is_six_hours() -> None:
    policy = RetryPolicy()
    assert not policy.expired(EVENT, EventConfig(), now=1000.0 + 21600)
    assert policy.expired(EVENT, EventConfig(), now=1000.0 + 21601)


@pytest.mark.parametrize(
    ("errors", "limit", "exhausted"), [(1, 2, False), (2, 2, False), (3, 2, True), (1, 0, True)]
)
def test_policy_retries_exhausted_after_max_retry_attempts(
    errors: int, limit: int, exhausted: bool
) -> None:
    event = QueuedEvent(
        id="r",
        function="fn",
        qualifier=None,
        payload=b"{}",
        enqueued_at=0.0,
        function_errors=errors,
    )
    config = EventConfig(maximum_retry_attempts=limit)
    assert RetryPolicy().retries_exhausted(event, config) is exhausted

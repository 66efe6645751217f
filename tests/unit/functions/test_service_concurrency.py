"""Reserved and account-level concurrency accounting (no processes)."""

from __future__ import annotations

import pytest

from lamina.functions.concurrency import ConcurrencyLimiter
from lamina.functions.error import FunctionThrottledError


def test_acquire_over_reserved_raises_reserved_limit_reason() -> None:
    limiter = ConcurrencyLimiter(10)
    limiter.reserve("f", 1)
    limiter.acquire("f")
    with pytest.raises(FunctionThrottledError) as raised:
        limiter.acquire("f")
    assert raised.value.reason == "ReservedFunctionConcurrentInvocationLimitExceeded"


def test_reserved_zero_throttles_every_invocation() -> None:
    limiter = ConcurrencyLimiter(10)
    limiter.reserve("f", 0)
    with pytest.raises(FunctionThrottledError):
        limiter.acquire("f")


def test_unreserved_functions_share_account_limit_minus_reservations() -> None:
    limiter = ConcurrencyLimiter(3)
    limiter.reserve("reserved", 1)
    limiter.acquire("a")
    limiter.acquire("b")
    with pytest.raises(FunctionThrottledError) as raised:
        limiter.acquire("a")
    assert raised.value.reason == "ConcurrentInvocationLimitExceeded"
    limiter.acquire("reserved")  # its reservation is not used by the others


def test_release_frees_a_slot() -> None:
    limiter = ConcurrencyLimiter(1)
    limiter.acquire("a")
    limiter.release("a")
    limiter.acquire("b")
    assert (limiter.running("a"), limiter.running("b")) == (0, 1)


def test_removing_a_reservation_moves_running_calls_to_the_shared_pool() -> None:
    limiter = ConcurrencyLimiter(2)
    limiter.reserve("f", 1)
    limiter.acquire("f")
    limiter.reserve("f", None)
    limiter.acquire("g")
    with pytest.raises(FunctionThrottledError):
        limiter.acquire("g")
    limiter.release("f")
    limiter.acquire("g")

"""Concurrency accounting: reserved concurrency per function and the account-wide limit.

A function with reserved concurrency may run at most that many invocations at once, and
those never count against the other functions. Functions without a reservation share the
unreserved rest of the account limit.
https://docs.aws.amazon.com/lambda/latest/dg/lambda-concurrency.html
https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html
"""

from __future__ import annotations

from lamina.functions.error import FunctionThrottledError

# https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html
DEFAULT_ACCOUNT_LIMIT = 1000

RESERVED_EXCEEDED = "ReservedFunctionConcurrentInvocationLimitExceeded"
ACCOUNT_EXCEEDED = "ConcurrentInvocationLimitExceeded"
_MESSAGE = "Rate Exceeded."


class ConcurrencyLimiter:
    def __init__(self, account_limit: int = DEFAULT_ACCOUNT_LIMIT) -> None:
        self.account_limit = account_limit
        self._reserved: dict[str, int] = {}
        self._running: dict[str, int] = {}
        self._unreserved_running = 0

    def reserved(self, name: str) -> int | None:
        return self._reserved.get(name)

    @property
    def reserved_total(self) -> int:
        return sum(self._reserved.values())

    @property
    def unreserved_limit(self) -> int:
        return self.account_limit - self.reserved_total

    def reserve(self, name: str, count: int | None) -> None:
        """Set (or, with None, remove) a function's reserved concurrency."""
        was_reserved = name in self._reserved
        if count is None:
            self._reserved.pop(name, None)
        else:
            self._reserved[name] = count
        running = self._running.get(name, 0)
        # Invocations in flight move between the shared pool and the reservation.
        if was_reserved and count is None:
            self._unreserved_running += running
        elif not was_reserved and count is not None:
            self._unreserved_running -= running

    def running(self, name: str) -> int:
        return self._running.get(name, 0)

    def acquire(self, name: str) -> None:
        """Count one more invocation of ``name``, or raise FunctionThrottledError."""
        reserved = self._reserved.get(name)
        running = self._running.get(name, 0)
        if reserved is not None:
            if running >= reserved:
                raise FunctionThrottledError(_MESSAGE, reason=RESERVED_EXCEEDED)
        elif self._unreserved_running >= self.unreserved_limit:
            raise FunctionThrottledError(_MESSAGE, reason=ACCOUNT_EXCEEDED)
        else:
            self._unreserved_running += 1
        self._running[name] = running + 1

    def release(self, name: str) -> None:
        running = self._running.get(name, 0) - 1
        if running <= 0:
            self._running.pop(name, None)
        else:
            self._running[name] = running
        if name not in self._reserved:
            self._unreserved_running -= 1

    def forget(self, name: str) -> None:
        """A deleted function: drop its reservation (its running calls still release)."""
        self.reserve(name, None)

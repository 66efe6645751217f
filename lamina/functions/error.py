"""Errors the function runtime raises to its callers (the gateway, the Lambda API)."""

from __future__ import annotations

from lamina.core.error import LaminaError


class FunctionError(LaminaError):
    """Base of the function runtime's errors."""


class FunctionNotFoundError(FunctionError):
    """No function (or no such version/alias of it) has this name."""


class RequestTooLargeError(FunctionError):
    """The invocation payload is over Lambda's 6 MB synchronous limit.

    https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html
    """


class RuntimeStartError(FunctionError):
    """The zygote process for an interpreter could not be started."""


class FunctionAccessDeniedError(FunctionError):
    """The function's resource-based policy does not let the calling service invoke it."""


class FunctionThrottledError(FunctionError):
    """The invocation would exceed a concurrency limit; Lambda answers 429.

    ``reason`` is the TooManyRequestsException Reason Lambda reports:
    "ReservedFunctionConcurrentInvocationLimitExceeded" or
    "ConcurrentInvocationLimitExceeded".
    https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html#API_Invoke_Errors
    """

    def __init__(self, message: str, *, reason: str) -> None:
        super().__init__(message)
        self.reason = reason

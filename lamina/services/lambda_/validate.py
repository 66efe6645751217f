"""Checks Lambda applies to a function's configuration before accepting it.

https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html
https://docs.aws.amazon.com/lambda/latest/api/API_CreateFunction.html
"""

from __future__ import annotations

from typing import Any

import orjson

from lamina.functions import logformat
from lamina.functions.model import LoggingConfig
from lamina.functions.sandbox.policy import MAX_EPHEMERAL_MB, MIN_EPHEMERAL_MB
from lamina.services.lambda_.error import invalid

MAX_ENVIRONMENT_BYTES = 4096
"""4 KB: all environment variables together, measured as their JSON object."""


def environment(variables: dict[str, str]) -> dict[str, str]:
    measured = orjson.dumps(variables).decode()
    if len(measured.encode()) > MAX_ENVIRONMENT_BYTES:
        raise invalid(
            "Lambda was unable to configure your environment variables because the "
            "environment variables you have provided exceeded the 4KB limit. "
            f"String measured: {measured}"
        )
    return dict(variables)


def bounded(value: int, field: str, low: int, high: int) -> int:
    """A numeric parameter within Lambda's range, worded as its validation error."""
    if value < low:
        raise invalid(_constraint(value, field, f"greater than or equal to {low}"))
    if value > high:
        raise invalid(_constraint(value, field, f"less than or equal to {high}"))
    return value


def _constraint(value: int, field: str, rule: str) -> str:
    return (
        f"1 validation error detected: Value '{value}' at '{field}' failed to satisfy "
        f"constraint: Member must have value {rule}"
    )


def timeout(value: int) -> int:
    return bounded(value, "timeout", 1, 900)


def memory(value: int) -> int:
    return bounded(value, "memorySize", 128, 10240)


def ephemeral_storage(value: int) -> int:
    # https://docs.aws.amazon.com/lambda/latest/api/API_EphemeralStorage.html
    return bounded(value, "ephemeralStorage.size", MIN_EPHEMERAL_MB, MAX_EPHEMERAL_MB)


def logging(fields: dict[str, Any], current: LoggingConfig) -> LoggingConfig:
    """LoggingConfig merged over the function's current one.
    https://docs.aws.amazon.com/lambda/latest/api/API_LoggingConfig.html"""
    try:
        return logformat.logging_config(fields, current)
    except ValueError as error:
        raise invalid(str(error)) from None

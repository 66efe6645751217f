"""Lambda's error objects for failures that happen inside the worker.

Shapes follow the Python runtime: https://docs.aws.amazon.com/lambda/latest/dg/python-exceptions.html
"""

from __future__ import annotations

import os
import traceback
from types import TracebackType
from typing import Any

_BOOTSTRAP_DIR = os.path.dirname(os.path.abspath(__file__))


class Fault(Exception):
    """A runtime-detected failure with Lambda's own errorType (Runtime.*)."""

    def __init__(self, error_type: str, message: str, trace: list[str] | None = None) -> None:
        super().__init__(message)
        self.error_type = error_type
        self.message = message
        self.trace = trace or []


def error_object(
    error_type: str, message: str, request_id: str, trace: list[str]
) -> dict[str, Any]:
    return {
        "errorMessage": message,
        "errorType": error_type,
        "requestId": request_id,
        "stackTrace": trace,
    }


def user_stack(tb: TracebackType | None) -> list[str]:
    """The traceback's formatted frames, without the runtime's own frames on top."""
    frames = traceback.extract_tb(tb)
    start = 0
    while start < len(frames) and frames[start].filename.startswith(_BOOTSTRAP_DIR):
        start += 1
    return traceback.format_list(frames[start:])


def from_exception(error: BaseException, request_id: str) -> dict[str, Any]:
    if isinstance(error, Fault):
        return error_object(error.error_type, error.message, request_id, error.trace)
    stack = user_stack(error.__traceback__)
    return error_object(type(error).__name__, str(error), request_id, stack)


def log_lines(error: dict[str, Any]) -> str:
    """The ``[ERROR] Type: message`` block the runtime logs for a failed invocation.

    Lambda joins these lines with carriage returns so CloudWatch keeps them as one event;
    locally they go to a terminal and a file, so they are joined with newlines.
    """
    head = "[ERROR]"
    if error["errorType"]:
        head += " " + error["errorType"]
    if error["errorMessage"]:
        head += (":" if error["errorType"] else "") + " " + error["errorMessage"]
    lines = [head, "Traceback (most recent call last):"]
    for element in error["stackTrace"]:
        lines.extend(element.splitlines() or [""])
    return "\n".join(lines) + "\n"

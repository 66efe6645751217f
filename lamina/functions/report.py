"""The lines Lambda writes around each invocation's own output (START / END / REPORT).

https://docs.aws.amazon.com/lambda/latest/dg/python-logging.html
"""

from __future__ import annotations

import math
import time


def start_line(request_id: str, version: str) -> str:
    return f"START RequestId: {request_id} Version: {version}\n"


def end_line(request_id: str) -> str:
    return f"END RequestId: {request_id}\n"


def report_line(
    request_id: str,
    *,
    duration_ms: float,
    memory_mb: int,
    max_memory_kb: int,
    init_ms: float | None = None,
    status: str | None = None,
    error_type: str | None = None,
) -> str:
    """REPORT with Lambda's tab-separated fields; billing rounds up to the next 1 ms.

    https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs.html
    """
    billed = max(1, math.ceil(duration_ms))
    used_mb = math.ceil(max_memory_kb / 1024)
    line = (
        f"REPORT RequestId: {request_id}\tDuration: {duration_ms:.2f} ms"
        f"\tBilled Duration: {billed} ms\tMemory Size: {memory_mb} MB"
        f"\tMax Memory Used: {used_mb} MB"
    )
    if init_ms is not None:
        line += f"\tInit Duration: {init_ms:.2f} ms"
    if status is not None:
        line += f"\tStatus: {status}"
    if error_type is not None:
        line += f"\tError Type: {error_type}"
    # Every field, the last included, ends with a tab (the raw CloudWatch message in
    # https://docs.aws.amazon.com/lambda/latest/dg/python-logging.html).
    return line + "\t\n"


def timeout_line(request_id: str, timeout_s: float, now: float | None = None) -> str:
    """The line Lambda logs when it stops a function at its timeout."""
    if now is None:
        now = time.time()
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now))
    millis = int((now % 1) * 1000)
    return f"{stamp}.{millis:03d}Z {request_id} Task timed out after {timeout_s:.2f} seconds\n"


def frame_log(request_id: str, version: str, output: str, report: str) -> str:
    """START, the invocation's own output (newline-terminated), END and REPORT."""
    if output and not output.endswith("\n"):
        output += "\n"
    return start_line(request_id, version) + output + end_line(request_id) + report

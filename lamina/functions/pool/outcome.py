"""How every kind of worker words an invocation's outcome: payload, log and REPORT line.

The log is Lambda's: START, what the invocation printed, END, and REPORT (with Init
Duration on a cold start, and Status / Error Type when the runtime itself failed).
https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs.html
"""

from __future__ import annotations

import time

from lamina.functions import logformat, report
from lamina.functions.model import FunctionConfig, InvokeResult
from lamina.functions.pool.handle import Call


def result(
    config: FunctionConfig,
    call: Call,
    payload: bytes,
    *,
    function_error: str | None,
    output: str,
    duration_ms: float,
    rss_kb: int,
    status: str | None = None,
    error_type: str | None = None,
) -> InvokeResult:
    if logformat.is_json(config.logging):
        if status is None:
            status = "error" if function_error else "success"
        log = _json_log(config, call, output, duration_ms, rss_kb, status, error_type)
    else:
        log = _text_log(config, call, output, duration_ms, rss_kb, status, error_type)
    return InvokeResult(
        payload=payload,
        function_error=function_error,
        log=log,
        request_id=call.request_id,
        duration_ms=duration_ms,
        executed_version=config.version,
        init_ms=call.init_ms,
    )


def _text_log(
    config: FunctionConfig,
    call: Call,
    output: str,
    duration_ms: float,
    rss_kb: int,
    status: str | None,
    error_type: str | None,
) -> str:
    line = report.report_line(
        call.request_id,
        duration_ms=duration_ms,
        memory_mb=config.memory_mb,
        max_memory_kb=rss_kb,
        init_ms=call.init_ms,
        status=status,
        error_type=error_type,
    )
    return report.frame_log(call.request_id, config.version, output, line)


def _json_log(
    config: FunctionConfig,
    call: Call,
    output: str,
    duration_ms: float,
    rss_kb: int,
    status: str,
    error_type: str | None,
) -> str:
    ended = time.time()
    invocation = logformat.Invocation(
        request_id=call.request_id,
        version=config.version,
        function_name=config.name,
        function_arn=call.arn or config.arn,
        memory_mb=config.memory_mb,
        duration_ms=duration_ms,
        max_memory_kb=rss_kb,
        init_ms=call.init_ms,
        status=status,
        error_type=error_type,
        started=ended - duration_ms / 1000,
        ended=ended,
    )
    return logformat.json_log(config.logging, invocation, output)


def failed(
    config: FunctionConfig,
    call: Call,
    payload: bytes,
    error_type: str,
    *,
    output: str,
    duration_ms: float,
    rss_kb: int,
    status: str = "error",
) -> InvokeResult:
    """A failure of the runtime, not the handler (REPORT carries Status and Error Type)."""
    return result(
        config,
        call,
        payload,
        function_error="Unhandled",
        output=output,
        duration_ms=duration_ms,
        rss_kb=rss_kb,
        status=status,
        error_type=None if status == "timeout" else error_type,
    )


def ended(text: str) -> str:
    """``text`` ending with a newline (unless empty)."""
    return text if not text or text.endswith("\n") else text + "\n"


def since(call: Call) -> float:
    """Milliseconds since ``call`` started."""
    return (time.perf_counter() - call.started) * 1000.0

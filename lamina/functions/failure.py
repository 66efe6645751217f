"""Error payloads for failures the supervisor observes (the worker cannot report them).

The payloads are what Lambda's Invoke API returns with X-Amz-Function-Error: Unhandled.
https://docs.aws.amazon.com/lambda/latest/dg/python-exceptions.html
"""

from __future__ import annotations

import signal

import orjson

# Lambda's synchronous limits: the request is checked against 6 MB exactly, the response
# against 6 MB plus the 100 bytes the Runtime API tolerates.
# https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html
MAX_REQUEST_BYTES = 6_291_456
MAX_RESPONSE_BYTES = 6_291_556

TIMEOUT = "Sandbox.Timedout"
EXIT = "Runtime.ExitError"
OUT_OF_MEMORY = "Runtime.OutOfMemory"
RESPONSE_TOO_LARGE = "Function.ResponseSizeTooLarge"

# Lambda's init service is written in Go and words a signal death as Go's os.ProcessState
# does ("signal: killed", "signal: segmentation fault").
_SIGNAL_WORDS = {
    signal.SIGHUP: "hangup",
    signal.SIGINT: "interrupt",
    signal.SIGQUIT: "quit",
    signal.SIGILL: "illegal instruction",
    signal.SIGTRAP: "trace/breakpoint trap",
    signal.SIGABRT: "aborted",
    signal.SIGBUS: "bus error",
    signal.SIGFPE: "floating point exception",
    signal.SIGKILL: "killed",
    signal.SIGUSR1: "user defined signal 1",
    signal.SIGSEGV: "segmentation fault",
    signal.SIGUSR2: "user defined signal 2",
    signal.SIGPIPE: "broken pipe",
    signal.SIGALRM: "alarm clock",
    signal.SIGTERM: "terminated",
}


def exit_reason(code: int) -> str:
    """``code`` as os.waitstatus_to_exitcode returns it (negative: killed by a signal)."""
    if code < 0:
        word = _SIGNAL_WORDS.get(-code)  # type: ignore[call-overload]
        return f"signal: {word}" if word else f"signal {-code}"
    return f"exit status {code}"


def _error(error_type: str, message: str) -> bytes:
    return orjson.dumps({"errorMessage": message, "errorType": error_type})


def timeout_error(request_id: str, timeout_s: float) -> bytes:
    message = f"RequestId: {request_id} Error: Task timed out after {timeout_s:.2f} seconds"
    return _error(TIMEOUT, message)


def exit_error(request_id: str, code: int) -> bytes:
    message = f"RequestId: {request_id} Error: Runtime exited with error: {exit_reason(code)}"
    return _error(EXIT, message)


def out_of_memory_error(request_id: str) -> bytes:
    # Lambda stops the runtime with SIGKILL when it goes over MemorySize.
    message = f"RequestId: {request_id} Error: Runtime exited with error: signal: killed"
    return _error(OUT_OF_MEMORY, message)


def response_too_large_error() -> bytes:
    message = (
        f"Response payload size exceeded maximum allowed payload size ({MAX_RESPONSE_BYTES} bytes)."
    )
    return _error(RESPONSE_TOO_LARGE, message)

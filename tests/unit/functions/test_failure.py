"""Error payloads for failures the supervisor sees (timeouts, crashes, limits)."""

import json
import signal

from lamina.functions import failure

RID = "8f5b7f0a-1c2d-4e5f-9a0b-1c2d3e4f5a6b"


def test_exit_reason_signal_is_worded_like_lambda() -> None:
    assert failure.exit_reason(-signal.SIGKILL) == "signal: killed"
    assert failure.exit_reason(-signal.SIGSEGV) == "signal: segmentation fault"


def test_exit_reason_unknown_signal_is_numbered() -> None:
    assert failure.exit_reason(-64) == "signal 64"


def test_exit_reason_exit_code_is_exit_status() -> None:
    assert failure.exit_reason(3) == "exit status 3"


def test_timeout_error_has_sandbox_timedout_shape() -> None:
    body = json.loads(failure.timeout_error(RID, 3))
    assert body == {
        "errorMessage": f"RequestId: {RID} Error: Task timed out after 3.00 seconds",
        "errorType": "Sandbox.Timedout",
    }


def test_exit_error_has_runtime_exit_error_shape() -> None:
    body = json.loads(failure.exit_error(RID, -signal.SIGKILL))
    assert body == {
        "errorMessage": f"RequestId: {RID} Error: Runtime exited with error: signal: killed",
        "errorType": "Runtime.ExitError",
    }


def test_out_of_memory_error_type() -> None:
    body = json.loads(failure.out_of_memory_error(RID))
    assert body["errorType"] == "Runtime.OutOfMemory"
    assert body["errorMessage"].startswith(f"RequestId: {RID} Error: Runtime exited")


def test_response_too_large_error_names_the_limit() -> None:
    body = json.loads(failure.response_too_large_error())
    assert body == {
        "errorMessage": (
            "Response payload size exceeded maximum allowed payload size (6291556 bytes)."
        ),
        "errorType": "Function.ResponseSizeTooLarge",
    }

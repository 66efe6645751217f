"""Invocations through a real FunctionService: results, state, errors, logs."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import time
from pathlib import Path

import pytest

from lamina.functions.error import FunctionNotFoundError, RequestTooLargeError

from .conftest import ServiceFactory, function


async def test_invoke_echo_returns_handler_result_and_lambda_log(
    make_service: ServiceFactory,
) -> None:
    service = make_service([function("echo", "basic.echo")])
    result = await service.invoke("echo", b'{"a": 1}')
    assert result.function_error is None
    assert json.loads(result.payload) == {"event": {"a": 1}, "request_id": result.request_id}
    lines = result.log.splitlines()
    assert lines[0] == f"START RequestId: {result.request_id} Version: $LATEST"
    assert lines[1] == f"END RequestId: {result.request_id}"
    assert lines[2].startswith(f"REPORT RequestId: {result.request_id}\tDuration: ")
    assert "\tInit Duration: " in lines[2]


async def test_invoke_payload_uses_python_runtime_json_spacing(
    make_service: ServiceFactory,
) -> None:
    service = make_service([function("echo", "basic.unicode")])
    result = await service.invoke("echo", b"{}")
    # The 3.12+ runtimes serialise with json's default separators and ensure_ascii=False.
    expected = {"text": "héllo ✓"}
    assert json.loads(result.payload) == expected


async def test_invoke_second_call_is_warm_and_keeps_module_state(
    make_service: ServiceFactory,
) -> None:
    service = make_service([function("count", "basic.count")])
    first = json.loads((await service.invoke("count", b"{}")).payload)
    second_result = await service.invoke("count", b"{}")
    second = json.loads(second_result.payload)
    assert second == {"calls": first["calls"] + 1, "pid": first["pid"]}
    assert "Init Duration" not in second_result.log


async def test_invoke_concurrent_calls_spawn_more_workers(make_service: ServiceFactory) -> None:
    service = make_service([function("sleep", "basic.sleep")])
    results = await asyncio.gather(
        *(service.invoke("sleep", b'{"seconds": 0.3}') for _ in range(3))
    )
    assert len({json.loads(r.payload)["pid"] for r in results}) == 3
    assert service.worker_count("sleep") == 3


async def test_invoke_beyond_max_workers_waits_for_a_free_worker(
    make_service: ServiceFactory,
) -> None:
    service = make_service([function("sleep", "basic.sleep")], max_workers_per_function=2)
    results = await asyncio.gather(
        *(service.invoke("sleep", b'{"seconds": 0.2}') for _ in range(4))
    )
    assert all(r.function_error is None for r in results)
    assert len({json.loads(r.payload)["pid"] for r in results}) == 2


async def test_idle_workers_are_reaped_after_idle_timeout(make_service: ServiceFactory) -> None:
    service = make_service([function("count", "basic.count")], idle_timeout_s=0.2)
    first = json.loads((await service.invoke("count", b"{}")).payload)
    for _ in range(100):
        if service.worker_count("count") == 0:
            break
        await asyncio.sleep(0.05)
    assert service.worker_count("count") == 0
    again = json.loads((await service.invoke("count", b"{}")).payload)
    assert again["calls"] == 1
    assert again["pid"] != first["pid"]


async def test_invoke_handler_exception_has_lambda_error_shape(
    make_service: ServiceFactory,
) -> None:
    service = make_service([function("boom", "basic.boom")])
    result = await service.invoke("boom", b'{"why": "no"}')
    body = json.loads(result.payload)
    assert result.function_error == "Unhandled"
    assert list(body) == ["errorMessage", "errorType", "requestId", "stackTrace"]
    assert body["errorMessage"] == "boom: no"
    assert body["errorType"] == "ValueError"
    assert body["requestId"] == result.request_id
    assert body["stackTrace"][-1].startswith('  File "')
    assert "basic.py" in body["stackTrace"][-1]
    assert "bootstrap" not in "".join(body["stackTrace"])
    assert "[ERROR] ValueError: boom: no\nTraceback (most recent call last):" in result.log


async def test_invoke_after_exception_reuses_the_worker(make_service: ServiceFactory) -> None:
    service = make_service([function("boom", "basic.boom")])
    await service.invoke("boom", b"{}")
    await service.invoke("boom", b"{}")
    assert service.worker_count("boom") == 1


async def test_invoke_import_error_is_runtime_import_module_error(
    make_service: ServiceFactory,
) -> None:
    service = make_service([function("imp", "broken_import.handler")])
    result = await service.invoke("imp", b"{}")
    assert result.function_error == "Unhandled"
    assert json.loads(result.payload) == {
        "errorMessage": (
            "Unable to import module 'broken_import': No module named 'module_that_does_not_exist'"
        ),
        "errorType": "Runtime.ImportModuleError",
        "requestId": "",
        "stackTrace": [],
    }
    assert "\tStatus: error\tError Type: Runtime.ImportModuleError" in result.log


async def test_invoke_missing_handler_is_runtime_handler_not_found(
    make_service: ServiceFactory,
) -> None:
    service = make_service([function("nf", "basic.no_such_handler")])
    body = json.loads((await service.invoke("nf", b"{}")).payload)
    assert body["errorType"] == "Runtime.HandlerNotFound"
    assert body["errorMessage"] == "Handler 'no_such_handler' missing on module 'basic'"


async def test_invoke_module_raising_at_init_reports_exception_each_time(
    make_service: ServiceFactory,
) -> None:
    service = make_service([function("init", "init_fails.handler")])
    for _ in range(2):
        body = json.loads((await service.invoke("init", b"{}")).payload)
        assert body["errorType"] == "RuntimeError"
        assert body["errorMessage"] == "init went wrong"


async def test_invoke_timeout_kills_worker_and_reports_sandbox_timedout(
    make_service: ServiceFactory,
) -> None:
    service = make_service([function("sleep", "basic.sleep", timeout_s=0.3)])
    result = await service.invoke("sleep", b'{"seconds": 5}')
    assert result.function_error == "Unhandled"
    assert json.loads(result.payload) == {
        "errorMessage": f"RequestId: {result.request_id} Error: Task timed out after 0.30 seconds",
        "errorType": "Sandbox.Timedout",
    }
    assert f"{result.request_id} Task timed out after 0.30 seconds" in result.log
    # What the handler printed before it was stopped is logged, as on Lambda.
    assert "going to sleep\n" in result.log
    assert result.log.splitlines()[-1].endswith("\tStatus: timeout\t")
    fresh = await service.invoke("sleep", b'{"seconds": 0}')
    assert fresh.function_error is None
    assert "Init Duration" in fresh.log


@pytest.mark.parametrize(
    ("handler", "reason"),
    [("basic.crash", "exit status 3"), ("basic.kill_self", "signal: killed")],
)
async def test_invoke_worker_death_is_runtime_exit_error(
    make_service: ServiceFactory, handler: str, reason: str
) -> None:
    service = make_service([function("crash", handler)])
    result = await service.invoke("crash", b'{"code": 3}')
    assert json.loads(result.payload) == {
        "errorMessage": (
            f"RequestId: {result.request_id} Error: Runtime exited with error: {reason}"
        ),
        "errorType": "Runtime.ExitError",
    }
    assert result.function_error == "Unhandled"
    assert "\tStatus: error\tError Type: Runtime.ExitError" in result.log


async def test_invoke_after_crash_starts_a_new_worker(make_service: ServiceFactory) -> None:
    service = make_service([function("crash", "basic.crash"), function("echo", "basic.echo")])
    crashed = await service.invoke("crash", b"{}")
    assert "about to crash\n" in crashed.log
    assert service.worker_count("crash") == 0
    assert (await service.invoke("echo", b"{}")).function_error is None


async def test_invoke_captures_print_stderr_and_raw_fd_writes_in_order(
    make_service: ServiceFactory,
) -> None:
    service = make_service([function("pr", "basic.print_things")])
    result = await service.invoke("pr", b"{}")
    output = result.log.splitlines()[1:5]
    assert output == ["from print", "from stderr", "from fd 1", "from fd 2"]
    second = await service.invoke("pr", b"{}")
    assert second.log.count("from print") == 1


async def test_invoke_payload_over_6mb_raises_request_too_large(
    make_service: ServiceFactory,
) -> None:
    service = make_service([function("echo", "basic.echo")])
    with pytest.raises(RequestTooLargeError):
        await service.invoke("echo", b'"' + b"x" * 6_291_455 + b'"')


async def test_invoke_response_over_6mb_is_function_response_size_too_large(
    make_service: ServiceFactory,
) -> None:
    service = make_service([function("huge", "basic.huge")])
    result = await service.invoke("huge", b"{}")
    assert result.function_error == "Unhandled"
    assert json.loads(result.payload)["errorType"] == "Function.ResponseSizeTooLarge"


async def test_invoke_unserializable_result_is_runtime_marshal_error(
    make_service: ServiceFactory,
) -> None:
    service = make_service([function("ns", "basic.not_serializable")])
    body = json.loads((await service.invoke("ns", b"{}")).payload)
    assert body["errorType"] == "Runtime.MarshalError"
    assert body["errorMessage"] == (
        "Unable to marshal response: Object of type set is not JSON serializable"
    )
    assert body["stackTrace"] == []


async def test_invoke_over_memory_size_is_runtime_out_of_memory(
    make_service: ServiceFactory,
) -> None:
    service = make_service([function("hog", "basic.hog", memory_mb=128)])
    result = await service.invoke("hog", b'{"mb": 200}')
    assert json.loads(result.payload)["errorType"] == "Runtime.OutOfMemory"
    assert "Error Type: Runtime.OutOfMemory" in result.log


async def test_invoke_unknown_function_or_qualifier_raises_not_found(
    make_service: ServiceFactory,
) -> None:
    service = make_service([function("echo", "basic.echo")])
    with pytest.raises(FunctionNotFoundError):
        await service.invoke("nope", b"{}")
    with pytest.raises(FunctionNotFoundError):
        await service.invoke("echo", b"{}", qualifier="prod")
    with pytest.raises(FunctionNotFoundError):
        service.get("nope")
    assert service.get("echo").handler == "basic.echo"


async def test_invoke_cancelled_caller_keeps_worker_busy_until_done(
    make_service: ServiceFactory,
) -> None:
    service = make_service([function("sleep", "basic.sleep")])
    await service.invoke("sleep", b'{"seconds": 0}')
    slow = asyncio.ensure_future(service.invoke("sleep", b'{"seconds": 0.4}'))
    await asyncio.sleep(0.1)
    slow.cancel()
    with pytest.raises(asyncio.CancelledError):
        await slow
    # The only worker is still running the cancelled invocation: a new one is needed.
    await service.invoke("sleep", b'{"seconds": 0}')
    assert service.worker_count("sleep") == 2
    await asyncio.sleep(0.5)
    # Once it finished, that worker is back in the pool: two calls need no third worker.
    results = await asyncio.gather(
        *(service.invoke("sleep", b'{"seconds": 0.2}') for _ in range(2))
    )
    assert len({json.loads(r.payload)["pid"] for r in results}) == 2
    assert service.worker_count("sleep") == 2


async def test_invoke_environment_has_reserved_and_function_variables(
    make_service: ServiceFactory,
) -> None:
    config = function("env", "basic.environment", environment={"TABLE": "t1"}, memory_mb=256)
    service = make_service([config], runtime_api="127.0.0.1:3999")
    env = json.loads((await service.invoke("env", b"{}")).payload)
    assert env["TABLE"] == "t1"
    assert env["AWS_LAMBDA_FUNCTION_NAME"] == "env"
    assert env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "256"
    assert env["AWS_REGION"] == "eu-west-1"
    assert env["AWS_LAMBDA_RUNTIME_API"] == "127.0.0.1:3999"
    assert env["_HANDLER"] == "basic.environment"
    assert env["TZ"] == ":UTC"
    assert env["_X_AMZN_TRACE_ID"].startswith("Root=1-")
    assert "PYTEST_CURRENT_TEST" not in env
    assert "HOME" not in env


async def test_invoke_context_fields_match_lambda(make_service: ServiceFactory) -> None:
    service = make_service([function("ctx", "basic.describe_context", timeout_s=10)])
    client_context = base64.b64encode(json.dumps({"custom": {"k": "v"}}).encode()).decode()
    result = await service.invoke("ctx", b"{}", client_context=client_context)
    context = json.loads(result.payload)
    assert context["function_name"] == "ctx"
    assert context["function_version"] == "$LATEST"
    assert context["invoked_function_arn"] == "arn:aws:lambda:eu-west-1:123456789012:function:ctx"
    assert context["memory_limit_in_mb"] == "128"
    assert context["aws_request_id"] == result.request_id
    assert context["log_group_name"] == "/aws/lambda/ctx"
    assert context["log_stream_name"].startswith(time.strftime("%Y/%m/%d/[$LATEST]", time.gmtime()))
    assert 9000 < context["remaining_ms"] <= 10000
    assert context["identity_id"] is None
    assert context["client_custom"] == {"k": "v"}
    assert Path(context["cwd"]).name == "functions"


async def test_invoke_logs_reach_sink_and_dated_file(
    make_service: ServiceFactory, tmp_path: Path
) -> None:
    seen: list[tuple[str, str]] = []
    service = make_service(
        [function("pr", "basic.print_things")], log_sink=lambda n, t: seen.append((n, t))
    )
    result = await service.invoke("pr", b"{}")
    assert seen == [("pr", result.log)]
    await service.close()
    day = time.strftime("%Y/%m/%d", time.gmtime())
    assert (tmp_path / "state" / "logs" / "pr" / f"{day}.log").read_text() == result.log


async def test_dead_workers_leave_no_open_descriptors(make_service: ServiceFactory) -> None:
    service = make_service([function("crash", "basic.crash"), function("sleep", "basic.sleep")])
    await service.invoke("sleep", b'{"seconds": 0}')
    before = len(os.listdir("/proc/self/fd"))
    for _ in range(5):
        await service.invoke("crash", b"{}")
    await asyncio.sleep(0.2)
    assert len(os.listdir("/proc/self/fd")) <= before

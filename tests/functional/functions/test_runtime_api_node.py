"""Node.js functions: Lamina's own runtime client over the Runtime API, real node processes."""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import re
import shutil
from pathlib import Path

import pytest

from lamina.functions.interpreter import node_major_version
from lamina.functions.model import FunctionConfig

from .conftest import ServiceFactory

pytestmark = pytest.mark.skipif(shutil.which("node") is None, reason="Node.js is not installed")

NODE_CODE = str(Path(__file__).parents[2] / "fixtures" / "functions" / "node")


def node(name: str, handler: str, **fields: object) -> FunctionConfig:
    fields.setdefault("runtime", "nodejs20.x")
    return FunctionConfig(name=name, handler=handler, code_path=NODE_CODE, **fields)  # type: ignore[arg-type]


async def test_node_commonjs_async_handler_returns_result_with_lambda_log(
    make_service: ServiceFactory,
) -> None:
    service = make_service([node("echo", "handler.echo")])
    result = await service.invoke("echo", b'{"a": 1}')
    assert result.function_error is None
    assert json.loads(result.payload) == {"event": {"a": 1}, "requestId": result.request_id}
    lines = result.log.splitlines()
    # Output of the Init phase comes first, then the invocation's own between START and END.
    assert re.fullmatch(r"\S+Z\tundefined\tINFO\tloading handler\.js", lines[0])
    assert lines[1] == f"START RequestId: {result.request_id} Version: $LATEST"
    assert re.fullmatch(rf"\S+Z\t{result.request_id}\tINFO\tgot event {{\"a\":1}}", lines[2])
    assert lines[3] == f"END RequestId: {result.request_id}"
    assert lines[4].startswith(f"REPORT RequestId: {result.request_id}\tDuration: ")
    assert "\tInit Duration: " in lines[4]


async def test_node_esm_handler_with_top_level_await(make_service: ServiceFactory) -> None:
    service = make_service([node("esm", "esm.handler")])
    result = await service.invoke("esm", b'{"b": 2}')
    assert json.loads(result.payload) == {"esm": True, "loadedAt": "module", "event": {"b": 2}}


async def test_node_nested_handler_path_resolves(make_service: ServiceFactory) -> None:
    service = make_service([node("nested", "handler.nested.deeper.handler")])
    assert (await service.invoke("nested", b"{}")).payload == b'"nested"'


async def test_node_undefined_result_answers_null(make_service: ServiceFactory) -> None:
    service = make_service([node("nothing", "handler.nothing")])
    result = await service.invoke("nothing", b"{}")
    assert (result.function_error, result.payload) == (None, b"null")


async def test_node_warm_environment_keeps_module_state(make_service: ServiceFactory) -> None:
    service = make_service([node("count", "handler.count")])
    first = json.loads((await service.invoke("count", b"{}")).payload)
    second_result = await service.invoke("count", b"{}")
    second = json.loads(second_result.payload)
    assert second == {"calls": first["calls"] + 1, "pid": first["pid"]}
    assert "Init Duration" not in second_result.log


async def test_node_concurrent_calls_get_separate_environments(
    make_service: ServiceFactory,
) -> None:
    service = make_service([node("who", "handler.whoami")])
    results = await asyncio.gather(*(service.invoke("who", b'{"ms": 300}') for _ in range(2)))
    answers = [json.loads(result.payload) for result in results]
    assert len({answer["pid"] for answer in answers}) == 2
    apis = {answer["runtimeApi"] for answer in answers}
    assert len(apis) == 2
    assert all(re.fullmatch(r"127\.0\.0\.1:\d+", api) for api in apis)
    assert service.worker_count("who") == 2


async def test_node_context_fields_match_lambda(make_service: ServiceFactory) -> None:
    service = make_service([node("ctx", "handler.context", timeout_s=10, memory_mb=256)])
    client_context = base64.b64encode(json.dumps({"custom": {"k": "v"}}).encode()).decode()
    result = await service.invoke("ctx", b"{}", client_context=client_context)
    context = json.loads(result.payload)
    assert context["functionName"] == "ctx"
    assert context["functionVersion"] == "$LATEST"
    assert context["invokedFunctionArn"] == "arn:aws:lambda:eu-west-1:123456789012:function:ctx"
    assert context["memoryLimitInMB"] == "256"
    assert context["awsRequestId"] == result.request_id
    assert context["logGroupName"] == "/aws/lambda/ctx"
    assert re.fullmatch(r"\d{4}/\d\d/\d\d/\[\$LATEST\][0-9a-f]{32}", context["logStreamName"])
    assert 0 < context["remaining"] <= 10_000
    assert context["callbackWaitsForEmptyEventLoop"] is True
    assert context["clientContext"] == {"custom": {"k": "v"}}
    assert context["traceId"].startswith("Root=1-")


async def test_node_callback_answer_waits_for_empty_event_loop(
    make_service: ServiceFactory,
) -> None:
    service = make_service([node("cb", "callback.waits")])
    first = await service.invoke("cb", b'{"n": 1}')
    assert json.loads(first.payload) == {"event": {"n": 1}}
    # The timer the handler left pending ran before the answer went out.
    second = await service.invoke("cb", b'{"check": true}')
    assert json.loads(second.payload) == {"timerFired": True}


async def test_node_callback_without_waiting_answers_despite_pending_timer(
    make_service: ServiceFactory,
) -> None:
    # The handler leaves a 2 s timer pending; waiting for it would pass the 1 s timeout.
    service = make_service([node("nowait", "callback.noWait", timeout_s=1)])
    result = await service.invoke("nowait", b"{}")
    assert (result.function_error, result.payload) == (None, b'"answered at once"')


async def test_node_thrown_error_has_node_runtime_shape(make_service: ServiceFactory) -> None:
    service = make_service([node("fail", "handler.fail")])
    result = await service.invoke("fail", b"{}")
    assert result.function_error == "Unhandled"
    error = json.loads(result.payload)
    assert error["errorType"] == "PaymentError"
    assert error["errorMessage"] == "card declined"
    assert error["trace"][0] == "PaymentError: card declined"
    assert "handler.js" in error["trace"][1]
    assert f"{result.request_id}\tERROR\tInvoke Error \t" in result.log
    assert "\tStatus: " not in result.log  # the handler failed, not the runtime


async def test_node_callback_error_is_reported(make_service: ServiceFactory) -> None:
    service = make_service([node("cberr", "callback.error")])
    result = await service.invoke("cberr", b"{}")
    error = json.loads(result.payload)
    assert (error["errorType"], error["errorMessage"]) == ("TypeError", "bad input")


async def test_node_timeout_kills_environment_and_next_call_starts_fresh(
    make_service: ServiceFactory,
) -> None:
    service = make_service([node("sleep", "handler.sleep", timeout_s=0.5)])
    result = await service.invoke("sleep", b'{"ms": 5000}')
    assert result.function_error == "Unhandled"
    assert json.loads(result.payload) == {
        "errorMessage": f"RequestId: {result.request_id} Error: Task timed out after 0.50 seconds",
        "errorType": "Sandbox.Timedout",
    }
    assert "Task timed out after 0.50 seconds" in result.log
    assert "\tStatus: timeout" in result.log
    again = await service.invoke("sleep", b'{"ms": 1}')
    assert (again.function_error, again.payload) == (None, b'"slept"')
    assert "\tInit Duration: " in again.log


async def test_node_process_exit_is_runtime_exit_error(make_service: ServiceFactory) -> None:
    service = make_service([node("exit", "handler.exit")])
    result = await service.invoke("exit", b"{}")
    assert json.loads(result.payload) == {
        "errorMessage": (
            f"RequestId: {result.request_id} Error: Runtime exited with error: exit status 3"
        ),
        "errorType": "Runtime.ExitError",
    }
    assert "\tStatus: error\tError Type: Runtime.ExitError" in result.log


@pytest.mark.parametrize(
    ("handler", "error_type", "message"),
    [
        ("missing_dep.handler", "Runtime.ImportModuleError", "Cannot find module"),
        ("syntax.handler", "Runtime.UserCodeSyntaxError", "SyntaxError"),
        ("handler.missing", "Runtime.HandlerNotFound", "handler.missing is undefined"),
        ("handler", "Runtime.MalformedHandlerName", "Bad handler"),
        ("nowhere.handler", "Runtime.ImportModuleError", "Cannot find module 'nowhere'"),
    ],
)
async def test_node_init_failure_answers_runtime_error(
    make_service: ServiceFactory, handler: str, error_type: str, message: str
) -> None:
    service = make_service([node("broken", handler)])
    result = await service.invoke("broken", b"{}")
    assert result.function_error == "Unhandled"
    error = json.loads(result.payload)
    assert error["errorType"] == error_type
    assert message in error["errorMessage"]
    assert f"\tStatus: error\tError Type: {error_type}" in result.log
    assert "Uncaught Exception" in result.log


async def test_node_other_major_version_warns_once_and_still_runs(
    make_service: ServiceFactory, caplog: pytest.LogCaptureFixture
) -> None:
    # An old runtime no other test uses, so this process has not warned about it yet.
    node_path = shutil.which("node")
    assert node_path is not None
    runtime = "nodejs14.x" if node_major_version(node_path) == 16 else "nodejs16.x"
    service = make_service([node("old", "handler.nothing", runtime=runtime)])
    with caplog.at_level(logging.WARNING, logger="lamina.functions"):
        first = await service.invoke("old", b"{}")
        service.deploy(node("old", "handler.nothing", runtime=runtime))  # a cold start
        second = await service.invoke("old", b"{}")
    assert (first.payload, second.payload) == (b"null", b"null")
    warnings = [record.getMessage() for record in caplog.records]
    assert len(warnings) == 1
    assert warnings[0].startswith(f"functions with runtime {runtime} run on Node.js ")


async def test_node_missing_answers_invalid_entrypoint_naming_it(
    make_service: ServiceFactory, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # a PATH without node
    service = make_service([node("nonode", "handler.echo")])
    result = await service.invoke("nonode", b"{}")
    # https://docs.aws.amazon.com/lambda/latest/dg/runtimes-custom.html#runtimes-custom-build
    assert json.loads(result.payload) == {
        "errorMessage": (
            f"RequestId: {result.request_id} Error: nodejs20.x needs Node.js: no `node` on PATH"
        ),
        "errorType": "Runtime.InvalidEntrypoint",
    }
    assert "\tStatus: error\tError Type: Runtime.InvalidEntrypoint" in result.log

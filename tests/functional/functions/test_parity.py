"""The two Python paths behave alike: one suite, run against the zygote fast path and
against AWS's runtime interface client (awslambdaric) over Lamina's Runtime API
(LAMINA_PYTHON_RUNTIME=ric). Same handlers (tests/fixtures/functions/parity), same
assertions; what awslambdaric does is what Lambda's own Python runtime does.
https://docs.aws.amazon.com/lambda/latest/dg/python-handler.html
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
import re
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from lamina.functions.model import FunctionConfig, InvokeResult

from .conftest import ServiceFactory

PARITY = str(Path(__file__).parents[2] / "fixtures" / "functions" / "parity")
# The runtime of the interpreter at hand: Lambda decides some behaviour (non-ASCII
# characters in answers) from the runtime's name, the fast path from the interpreter.
RUNTIME = f"python{sys.version_info.major}.{sys.version_info.minor}"
REGION, ACCOUNT = "eu-west-1", "123456789012"
STREAM_NAME = r"\d{4}/\d{2}/\d{2}/\[\$LATEST\][0-9a-f]{32}"

needs_ric = pytest.mark.skipif(
    importlib.util.find_spec("awslambdaric") is None,
    reason="awslambdaric is not installed (pip install awslambdaric; it builds a C extension)",
)


@pytest.fixture(
    params=[
        pytest.param({}, id="zygote"),
        pytest.param({"LAMINA_PYTHON_RUNTIME": "ric"}, id="awslambdaric", marks=needs_ric),
    ]
)
def path(request: pytest.FixtureRequest) -> dict[str, str]:
    """The environment variables that choose the path."""
    chosen: dict[str, str] = request.param
    return chosen


def parity(name: str, handler: str, path: dict[str, str], **fields: Any) -> FunctionConfig:
    fields.setdefault("runtime", RUNTIME)
    fields["environment"] = {**path, **fields.get("environment", {})}
    return FunctionConfig(name=name, handler=handler, code_path=PARITY, **fields)


async def invoke_one(
    make_service: ServiceFactory, config: FunctionConfig, event: Any = None
) -> InvokeResult:
    service = make_service([config])
    return await service.invoke(config.name, json.dumps(event or {}).encode())


def log_lines(log: str) -> list[str]:
    """The log's lines. Lambda's runtime joins the lines of one error with carriage returns
    and indents its traceback with no-break spaces; the fast path uses newlines and spaces."""
    return log.replace("\u00a0", " ").splitlines()


def report_fields(log: str) -> dict[str, str]:
    report = next(line for line in log.splitlines() if line.startswith("REPORT "))
    assert report.endswith("\t")
    return dict(field.split(": ", 1) for field in report[len("REPORT ") :].split("\t") if field)


async def test_parity_event_arrives_unchanged_and_answer_bytes_match(
    make_service: ServiceFactory, path: dict[str, str]
) -> None:
    event = {"text": "héllo ✓", "n": [1, 2.5, None, True], "nested": {"a": {"b": "c"}}}
    result = await invoke_one(make_service, parity("echo", "handlers.echo", path), event)
    assert result.function_error is None
    # Python 3.12 and later runtimes answer non-ASCII characters unescaped.
    # https://docs.aws.amazon.com/lambda/latest/dg/lambda-python.html
    assert result.payload == json.dumps(event, ensure_ascii=sys.version_info < (3, 12)).encode()


async def test_parity_context_fields(make_service: ServiceFactory, path: dict[str, str]) -> None:
    config = parity("ctx", "handlers.describe_context", path, memory_mb=256, timeout_s=5.0)
    result = await invoke_one(make_service, config)
    context = json.loads(result.payload)
    # https://docs.aws.amazon.com/lambda/latest/dg/python-context.html
    assert re.fullmatch(STREAM_NAME, context.pop("log_stream_name"))
    assert 4_000 < context.pop("remaining_ms") <= 5_000
    assert context == {
        "function_name": "ctx",
        "function_version": "$LATEST",
        "invoked_function_arn": f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:ctx",
        "memory_limit_in_mb": "256",
        "aws_request_id": result.request_id,
        "log_group_name": "/aws/lambda/ctx",
    }


async def test_parity_reserved_environment_variables(
    make_service: ServiceFactory, path: dict[str, str]
) -> None:
    config = parity("env", "handlers.environment", path, environment={"MINE": "mine"})
    env = json.loads((await invoke_one(make_service, config)).payload)
    # https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime
    assert {name: env[name] for name in FIXED_VARIABLES} == {
        "_HANDLER": "handlers.environment",
        "AWS_REGION": REGION,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_EXECUTION_ENV": f"AWS_Lambda_{RUNTIME}",
        "AWS_LAMBDA_FUNCTION_NAME": "env",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "128",
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
        "AWS_LAMBDA_LOG_GROUP_NAME": "/aws/lambda/env",
        "LAMBDA_TASK_ROOT": PARITY,
        "TZ": ":UTC",
        "MINE": "mine",
    }
    assert re.fullmatch(STREAM_NAME, env["AWS_LAMBDA_LOG_STREAM_NAME"])
    assert re.fullmatch(
        r"Root=1-[0-9a-f]{8}-[0-9a-f]{24};Parent=[0-9a-f]{16};Sampled=0", env["_X_AMZN_TRACE_ID"]
    )
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        assert env[name]
    assert "AWS_LAMBDA_RUNTIME_API" in env
    assert "LAMBDA_RUNTIME_DIR" in env


FIXED_VARIABLES = (
    "_HANDLER",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_EXECUTION_ENV",
    "AWS_LAMBDA_FUNCTION_NAME",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
    "AWS_LAMBDA_FUNCTION_VERSION",
    "AWS_LAMBDA_INITIALIZATION_TYPE",
    "AWS_LAMBDA_LOG_GROUP_NAME",
    "LAMBDA_TASK_ROOT",
    "TZ",
    "MINE",
)


async def test_parity_handler_exception_answers_error_object(
    make_service: ServiceFactory, path: dict[str, str]
) -> None:
    config = parity("boom", "handlers.boom", path)
    result = await invoke_one(make_service, config, {"why": "no luck"})
    assert result.function_error == "Unhandled"
    error = json.loads(result.payload)
    # https://docs.aws.amazon.com/lambda/latest/dg/python-exceptions.html
    assert {key: error[key] for key in ("errorMessage", "errorType", "requestId")} == {
        "errorMessage": "it went wrong: no luck",
        "errorType": "ValueError",
        "requestId": result.request_id,
    }
    assert isinstance(error["stackTrace"], list)
    assert all(isinstance(frame, str) for frame in error["stackTrace"])
    assert "in boom" in error["stackTrace"][-1]
    lines = log_lines(result.log)
    at = lines.index("[ERROR] ValueError: it went wrong: no luck")
    assert lines[at + 1] == "Traceback (most recent call last):"
    assert lines[at + 2].startswith(f'  File "{PARITY}/handlers.py", line ')
    assert "Status" not in report_fields(result.log)


@pytest.mark.parametrize(
    ("handler", "error_type", "message"),
    [
        (
            "broken.handler",
            "Runtime.ImportModuleError",
            "Unable to import module 'broken': "
            "No module named 'lamina_parity_module_that_does_not_exist'",
        ),
        (
            "handlers.missing",
            "Runtime.HandlerNotFound",
            "Handler 'missing' missing on module 'handlers'",
        ),
    ],
)
async def test_parity_init_error_answers_runtime_error(
    make_service: ServiceFactory, path: dict[str, str], handler: str, error_type: str, message: str
) -> None:
    result = await invoke_one(make_service, parity("init", handler, path))
    assert result.function_error == "Unhandled"
    assert json.loads(result.payload) == {
        "errorMessage": message,
        "errorType": error_type,
        "requestId": "",
        "stackTrace": [],
    }
    assert f"[ERROR] {error_type}: {message}" in log_lines(result.log)
    fields = report_fields(result.log)
    assert (fields["Status"], fields["Error Type"]) == ("error", error_type)


async def test_parity_timeout_answers_sandbox_timedout(
    make_service: ServiceFactory, path: dict[str, str]
) -> None:
    config = parity("slow", "handlers.sleep", path, timeout_s=1.0)
    result = await invoke_one(make_service, config, {"seconds": 5})
    # https://docs.aws.amazon.com/lambda/latest/dg/troubleshooting-invocation.html
    assert json.loads(result.payload) == {
        "errorMessage": f"RequestId: {result.request_id} Error: Task timed out after 1.00 seconds",
        "errorType": "Sandbox.Timedout",
    }
    lines = log_lines(result.log)
    assert lines[lines.index("going to sleep") + 1].endswith(
        f"Z {result.request_id} Task timed out after 1.00 seconds"
    )
    fields = report_fields(result.log)
    assert fields["Status"] == "timeout"
    assert 1000.0 <= float(fields["Duration"].split()[0]) < 2000.0


async def test_parity_output_is_logged_between_start_and_end(
    make_service: ServiceFactory, path: dict[str, str]
) -> None:
    service = make_service([parity("talk", "handlers.talk", path)])
    await service.invoke("talk", b"{}")  # the cold start's log may carry Init output
    result = await service.invoke("talk", b"{}")
    assert result.payload == b'"said"'
    request_id = result.request_id
    lines = result.log.splitlines()
    # https://docs.aws.amazon.com/lambda/latest/dg/python-logging.html
    assert lines[:2] == [f"START RequestId: {request_id} Version: $LATEST", "from print"]
    assert re.fullmatch(
        rf"\[WARNING\]\t\d{{4}}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{{3}}Z\t{request_id}\tfrom logging",
        lines[2],
    )
    assert lines[3:4] == [f"END RequestId: {request_id}"]
    assert lines[4].startswith(f"REPORT RequestId: {request_id}\t")
    assert len(lines) == 5


async def test_parity_report_line_fields(
    make_service: ServiceFactory, path: dict[str, str]
) -> None:
    service = make_service([parity("report", "handlers.echo", path, memory_mb=256)])
    cold = report_fields((await service.invoke("report", b"{}")).log)
    warm_result = await service.invoke("report", b"{}")
    warm = report_fields(warm_result.log)
    # https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs.html
    assert list(cold) == [
        "RequestId",
        "Duration",
        "Billed Duration",
        "Memory Size",
        "Max Memory Used",
        "Init Duration",
    ]
    assert list(warm) == list(cold)[:-1]
    assert warm["RequestId"] == warm_result.request_id
    assert re.fullmatch(r"\d+\.\d\d ms", warm["Duration"])
    assert re.fullmatch(r"\d+ ms", warm["Billed Duration"])
    assert re.fullmatch(r"\d+\.\d\d ms", cold["Init Duration"])
    assert warm["Memory Size"] == "256 MB"
    assert 5 <= int(warm["Max Memory Used"].split()[0]) <= 256


async def test_parity_tmp_is_private_to_each_environment(
    make_service: ServiceFactory, path: dict[str, str]
) -> None:
    service = make_service(
        [parity("keeper", "handlers.remember", path), parity("other", "handlers.remember", path)]
    )
    first = json.loads((await service.invoke("keeper", b'{"text": "one"}')).payload)
    other = json.loads((await service.invoke("other", b'{"text": "theirs"}')).payload)
    again = json.loads((await service.invoke("keeper", b'{"text": "two"}')).payload)
    assert (first["previous"], other["previous"], again["previous"]) == (None, None, "one")
    assert again["tmp"] == first["tmp"]


async def test_parity_over_memory_size_answers_out_of_memory(
    make_service: ServiceFactory, path: dict[str, str]
) -> None:
    config = parity("hog", "handlers.hog", path, memory_mb=128)
    result = await invoke_one(make_service, config, {"mb": 300})
    assert json.loads(result.payload) == {
        "errorMessage": (
            f"RequestId: {result.request_id} Error: Runtime exited with error: signal: killed"
        ),
        "errorType": "Runtime.OutOfMemory",
    }
    fields = report_fields(result.log)
    assert (fields["Status"], fields["Error Type"]) == ("error", "Runtime.OutOfMemory")
    assert int(fields["Max Memory Used"].split()[0]) > 128


async def test_parity_concurrent_calls_get_their_own_environments(
    make_service: ServiceFactory, path: dict[str, str]
) -> None:
    service = make_service([parity("pair", "handlers.describe_context", path)])
    first, second = await asyncio.gather(
        *(service.invoke("pair", b'{"pause": 0.3}') for _ in range(2))
    )
    streams = {json.loads(each.payload)["log_stream_name"] for each in (first, second)}
    assert len(streams) == 2  # one log stream per execution environment


@pytest.mark.parametrize("number", ["1.50", "3", "0.1"])
async def test_parity_decimal_answers_as_written(
    make_service: ServiceFactory,
    path: dict[str, str],
    number: str,
) -> None:
    # Lambda's runtime writes a Decimal as its digits (1.50 stays 1.50) on both paths.
    config = parity("decimal", "handlers.decimal_number", path)
    result = await invoke_one(make_service, config, {"number": number})
    assert result.payload == json.dumps({"value": "VALUE"}).replace('"VALUE"', number).encode()
    assert json.loads(result.payload, parse_float=Decimal) == {"value": Decimal(number)}


async def test_parity_caller_trace_reaches_the_handler(
    make_service: ServiceFactory, path: dict[str, str]
) -> None:
    service = make_service([parity("traced", "handlers.environment", path)])
    trace = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"
    result = await service.invoke("traced", b"{}", trace_id=trace)
    # https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime
    assert json.loads(result.payload)["_X_AMZN_TRACE_ID"] == trace

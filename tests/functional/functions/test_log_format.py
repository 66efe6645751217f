"""LoggingConfig through a real FunctionService: the JSON log format for system events and
the Python and Node.js runtimes' logging, log-level filtering, and the log group.

https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-logformat.html
https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-log-level.html
https://docs.aws.amazon.com/lambda/latest/dg/python-logging.html
https://docs.aws.amazon.com/lambda/latest/dg/nodejs-logging.html
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from lamina.functions.logfile import InvocationLog
from lamina.functions.model import FunctionConfig, InvokeResult, LoggingConfig

from .conftest import CODE, ServiceFactory, function

JSON = LoggingConfig(log_format="JSON", application_log_level="INFO", system_log_level="INFO")
STAMP_MS = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")
STAMP_S = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")


def _lines(result: InvokeResult) -> list[Any]:
    """Each log line: its JSON object, or the text when it is not JSON."""
    parsed: list[Any] = []
    for line in result.log.splitlines():
        try:
            parsed.append(json.loads(line))
        except ValueError:
            parsed.append(line)
    return parsed


def _system(result: InvokeResult) -> list[str]:
    return [line["type"] for line in _lines(result) if isinstance(line, dict) and "type" in line]


def _messages(result: InvokeResult) -> list[Any]:
    found: list[Any] = []
    for line in _lines(result):
        if isinstance(line, str):
            found.append(line)
        elif "type" not in line:
            found.append(line.get("message", line.get("msg")))
    return found


async def test_json_format_python_logging_and_system_events(make_service: ServiceFactory) -> None:
    service = make_service([function("levels", "basic.log_levels", logging=JSON)])
    result = await service.invoke("levels", b"{}")
    assert result.payload == b'"logged"'
    lines = _lines(result)
    rid = result.request_id

    init, start = lines[0], lines[1]
    assert init["type"] == "platform.initStart"
    assert init["record"]["initializationType"] == "on-demand"
    assert init["record"]["phase"] == "init"
    assert init["record"]["functionName"] == "levels"
    assert start == {
        "time": start["time"],
        "type": "platform.start",
        "record": {
            "requestId": rid,
            "functionArn": "arn:aws:lambda:eu-west-1:123456789012:function:levels",
            "version": "$LATEST",
        },
    }
    assert STAMP_MS.fullmatch(start["time"])

    info = lines[2]
    assert info == {
        "timestamp": info["timestamp"],
        "level": "INFO",
        "message": "an info record",
        "logger": "levels",
        "requestId": rid,
    }
    assert STAMP_S.fullmatch(info["timestamp"])
    assert lines[3]["level"] == "WARNING" and lines[3]["message"] == "a warning record"
    # print() is not the logging module: written as printed, filtered by its "level" key
    # (a debug JSON line is left out at INFO), a plain line counts as INFO.
    assert lines[4] == {"level": "ERROR", "msg": "printed error"}
    assert lines[5] == "a plain printed line"
    failure = lines[6]
    assert failure["level"] == "ERROR"
    assert failure["message"] == "it failed"
    assert failure["errorType"] == "KeyError"
    assert failure["errorMessage"] == "'missing'"
    assert failure["order"] == 7
    assert failure["location"].endswith("basic.py:log_levels:" + failure["location"].split(":")[-1])
    assert any("raise KeyError" in frame for frame in failure["stackTrace"])

    report = lines[7]
    assert report["type"] == "platform.report" and len(lines) == 8
    assert report["record"]["requestId"] == rid
    assert report["record"]["status"] == "success"
    metrics = report["record"]["metrics"]
    assert set(metrics) == {
        "durationMs",
        "billedDurationMs",
        "memorySizeMB",
        "maxMemoryUsedMB",
        "initDurationMs",
    }
    assert metrics["memorySizeMB"] == 128
    assert "START RequestId" not in result.log and "REPORT RequestId" not in result.log

    warm = await service.invoke("levels", b"{}")
    assert _system(warm) == ["platform.start", "platform.report"]
    assert "initDurationMs" not in _lines(warm)[-1]["record"]["metrics"]


@pytest.mark.parametrize(
    ("application", "system", "events", "messages"),
    [
        (
            "DEBUG",
            "DEBUG",
            ["platform.initStart", "platform.start", "platform.runtimeDone", "platform.report"],
            [
                "a debug record",
                "an info record",
                "a warning record",
                "printed debug",
                "printed error",
                "a plain printed line",
                "it failed",
            ],
        ),
        ("ERROR", "WARN", [], ["printed error", "it failed"]),
        (
            "TRACE",
            "INFO",
            ["platform.initStart", "platform.start", "platform.report"],
            [
                "a debug record",
                "an info record",
                "a warning record",
                "printed debug",
                "printed error",
                "a plain printed line",
                "it failed",
            ],
        ),
    ],
)
async def test_log_levels_filter_application_and_system_logs(
    make_service: ServiceFactory,
    application: str,
    system: str,
    events: list[str],
    messages: list[str],
) -> None:
    config = LoggingConfig(
        log_format="JSON", application_log_level=application, system_log_level=system
    )
    service = make_service([function("levels", "basic.log_levels", logging=config)])
    result = await service.invoke("levels", b"{}")
    assert _system(result) == events
    assert _messages(result) == messages


async def test_json_format_handler_error_and_timeout(make_service: ServiceFactory) -> None:
    service = make_service(
        [
            function("boom", "basic.boom", logging=JSON),
            function("sleep", "basic.sleep", logging=JSON, timeout_s=0.3),
        ]
    )
    failed = await service.invoke("boom", b'{"why": "because"}')
    assert failed.function_error == "Unhandled"
    error = next(line for line in _lines(failed) if isinstance(line, dict) and "errorType" in line)
    assert error == {
        "timestamp": error["timestamp"],
        "level": "ERROR",
        "errorMessage": "boom: because",
        "errorType": "ValueError",
        "requestId": failed.request_id,
        "stackTrace": error["stackTrace"],
    }
    assert _lines(failed)[-1]["record"]["status"] == "error"

    timed_out = await service.invoke("sleep", b'{"seconds": 2}')
    report = _lines(timed_out)[-1]["record"]
    assert report["status"] == "timeout"
    assert "Task timed out after 0.30 seconds" in timed_out.log


async def test_text_format_is_unchanged_and_names_no_levels(make_service: ServiceFactory) -> None:
    service = make_service([function("levels", "basic.log_levels")])
    result = await service.invoke("levels", b"{}")
    text = result.log.splitlines()
    assert text[0].startswith("START RequestId: ")
    # Under Text the root logger keeps Python's WARNING level (a function sets its own).
    assert any(line.startswith("[WARNING]\t") and "a warning record" in line for line in text)
    assert "an info record" not in result.log
    # ...and Lambda filters nothing: the printed debug line is there.
    assert '"printed debug"' in result.log


async def test_environment_names_format_level_and_group(make_service: ServiceFactory) -> None:
    custom = LoggingConfig(
        log_format="JSON",
        application_log_level="WARN",
        system_log_level="INFO",
        log_group="/shared/app",
    )
    service = make_service(
        [
            function("json", "basic.environment", logging=custom),
            function("text", "basic.environment"),
        ]
    )
    env = json.loads((await service.invoke("json", b"{}")).payload)
    assert env["AWS_LAMBDA_LOG_FORMAT"] == "JSON"
    assert env["AWS_LAMBDA_LOG_LEVEL"] == "WARN"
    assert env["AWS_LAMBDA_LOG_GROUP_NAME"] == "/shared/app"
    plain = json.loads((await service.invoke("text", b"{}")).payload)
    assert "AWS_LAMBDA_LOG_FORMAT" not in plain
    assert plain["AWS_LAMBDA_LOG_GROUP_NAME"] == "/aws/lambda/text"


async def test_invocation_log_records_carry_the_custom_group(make_service: ServiceFactory) -> None:
    records: list[InvocationLog] = []
    custom = LoggingConfig(log_group="/shared/app")
    service = make_service(
        [function("echo", "basic.echo", logging=custom), function("plain", "basic.echo")],
        log_records=records.append,
    )
    await service.invoke("echo", b"{}")
    await service.invoke("plain", b"{}")
    groups = {record.function_name: record.log_group for record in records}
    assert groups == {"echo": "/shared/app", "plain": ""}


@pytest.mark.skipif(shutil.which("node") is None, reason="needs Node.js")
async def test_json_format_nodejs_console(make_service: ServiceFactory) -> None:
    service = make_service(
        [
            FunctionConfig(
                name="levels",
                handler="handler.levels",
                runtime="nodejs20.x",
                code_path=str(Path(CODE) / "node"),
                logging=JSON,
            )
        ]
    )
    result = await service.invoke("levels", b"{}")
    assert result.function_error is None, result.log
    lines = _lines(result)
    # What the handler module printed while loading comes after platform.initStart.
    assert lines[0]["type"] == "platform.initStart"
    assert lines[1]["message"] == "loading handler.js"
    assert lines[2]["type"] == "platform.start"
    app = [line for line in lines[3:] if isinstance(line, dict) and "type" not in line]
    # console.debug is below the INFO level: not written.
    assert [line["message"] for line in app[:2]] == ["a log call 42", "a warn call"]
    assert len(app) == 3
    log_call = app[0]
    assert set(log_call) == {"timestamp", "level", "requestId", "message"}
    assert log_call["level"] == "INFO" and log_call["requestId"] == result.request_id
    assert STAMP_MS.fullmatch(log_call["timestamp"])
    assert app[1]["level"] == "WARN"
    assert app[2]["level"] == "ERROR"
    assert app[2]["errorType"] == "TypeError" and app[2]["errorMessage"] == "bad type"
    assert app[2]["message"].startswith("TypeError: bad type")

"""An invocation's log under the JSON log format, and log-level filtering.

Under the Text format an invocation logs START, its output, END and REPORT (report.py).
Under JSON, Lambda writes its system log events as JSON objects instead — one per line,
`{"time": ..., "type": "platform.start", "record": {...}}` — and filters both kinds of
log by level: system events by their fixed level against SystemLogLevel, application
lines by their `"level"` key against ApplicationLogLevel (a line that is not a JSON
object with a level counts as INFO).
https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-logformat.html
https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-log-level.html
https://docs.aws.amazon.com/lambda/latest/dg/telemetry-schema-reference.html (the records)
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Mapping
from typing import Any

import msgspec
import orjson

from lamina.functions.model import LoggingConfig

APPLICATION_LEVELS = ("TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL")
"""Most detailed first. https://docs.aws.amazon.com/lambda/latest/api/API_LoggingConfig.html"""
SYSTEM_LEVELS = ("DEBUG", "INFO", "WARN")
DEFAULT_LEVEL = "INFO"
"""Both levels' default once the format is JSON."""

_RANK = {level: rank for rank, level in enumerate(APPLICATION_LEVELS)}
# Names the runtimes' own loggers use for the same ranks (Python's WARNING and CRITICAL).
_RANK.update({"WARNING": _RANK["WARN"], "CRITICAL": _RANK["FATAL"]})

# The level of each system event Lamina writes: start and report are INFO (sent by
# default), runtimeDone is DEBUG. https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-log-level.html
_EVENT_LEVEL = {
    "platform.initStart": "INFO",
    "platform.start": "INFO",
    "platform.runtimeDone": "DEBUG",
    "platform.report": "INFO",
}


def is_json(logging: LoggingConfig) -> bool:
    return logging.log_format == "JSON"


def application_level(logging: LoggingConfig) -> str:
    return logging.application_log_level or DEFAULT_LEVEL


def system_level(logging: LoggingConfig) -> str:
    return logging.system_log_level or DEFAULT_LEVEL


def stamp(now: float) -> str:
    """RFC 3339 UTC with milliseconds, as Lambda's `time` fields are written."""
    millis = int((now % 1) * 1000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now)) + f".{millis:03d}Z"


def line_level(line: str) -> str:
    """An application line's level: its JSON `level` key, else INFO ("If the "level" value
    field is invalid or missing, Lambda assigns the log output the level INFO"; another key,
    e.g. `log_level`, is not read)."""
    text = line.strip()
    if not text.startswith("{"):
        return DEFAULT_LEVEL
    try:
        document = orjson.loads(text)
    except orjson.JSONDecodeError:
        return DEFAULT_LEVEL
    if not isinstance(document, dict):
        return DEFAULT_LEVEL
    level = document.get("level")
    if isinstance(level, str) and level.upper() in _RANK:
        return level.upper()
    return DEFAULT_LEVEL


def filter_application(output: str, threshold: str) -> str:
    """The lines of ``output`` at ``threshold`` or less detailed; everything when the
    threshold is TRACE."""
    floor = _RANK[threshold]
    if floor == 0 or not output:
        return output
    kept = [line for line in output.splitlines(keepends=True) if _RANK[line_level(line)] >= floor]
    return "".join(kept)


class Invocation(msgspec.Struct, frozen=True, kw_only=True):
    """What the JSON system events of one invocation report."""

    request_id: str
    version: str
    function_name: str
    function_arn: str
    memory_mb: int
    duration_ms: float
    max_memory_kb: int
    init_ms: float | None
    status: str
    """"success"; "error" when the handler failed or the runtime did; "timeout"."""
    error_type: str | None
    """Set when the runtime itself failed (as REPORT's Error Type)."""
    started: float
    ended: float


def with_init_output(logging: LoggingConfig, log: str, init_output: str) -> str:
    """An invocation's log with what its environment printed during Init: before START
    under Text; under JSON filtered by level, after platform.initStart when written."""
    if not init_output:
        return log
    if not is_json(logging):
        return _ended(init_output) + log
    init_output = _ended(filter_application(init_output, application_level(logging)))
    first, newline, rest = log.partition("\n")
    if newline and '"type":"platform.initStart"' in first:
        return first + newline + init_output + rest
    return init_output + log


def _ended(text: str) -> str:
    return text if not text or text.endswith("\n") else text + "\n"


def _event(kind: str, when: float, record: dict[str, Any]) -> str:
    return orjson.dumps({"time": stamp(when), "type": kind, "record": record}).decode() + "\n"


def json_log(logging: LoggingConfig, call: Invocation, output: str) -> str:
    """The invocation's log under the JSON format: its system events at or above the
    system level, around its output filtered by the application level."""
    floor = SYSTEM_LEVELS.index(system_level(logging))

    def wanted(kind: str) -> bool:
        return SYSTEM_LEVELS.index(_EVENT_LEVEL[kind]) >= floor

    parts: list[str] = []
    if call.init_ms is not None and wanted("platform.initStart"):
        init_started = call.started - call.init_ms / 1000
        parts.append(
            _event(
                "platform.initStart",
                init_started,
                {
                    "initializationType": "on-demand",
                    "phase": "init",
                    "functionName": call.function_name,
                    "functionVersion": call.version,
                },
            )
        )
    if wanted("platform.start"):
        start: dict[str, Any] = {"requestId": call.request_id}
        if call.function_arn:
            start["functionArn"] = call.function_arn
        start["version"] = call.version
        parts.append(_event("platform.start", call.started, start))
    filtered = filter_application(output, application_level(logging))
    if filtered and not filtered.endswith("\n"):
        filtered += "\n"
    parts.append(filtered)
    if wanted("platform.runtimeDone"):
        done = {
            "requestId": call.request_id,
            "status": call.status,
            "metrics": {"durationMs": round(call.duration_ms, 3)},
        }
        parts.append(_event("platform.runtimeDone", call.ended, done))
    if wanted("platform.report"):
        metrics: dict[str, Any] = {
            "durationMs": round(call.duration_ms, 3),
            "billedDurationMs": max(1, math.ceil(call.duration_ms)),
            "memorySizeMB": call.memory_mb,
            "maxMemoryUsedMB": math.ceil(call.max_memory_kb / 1024),
        }
        if call.init_ms is not None:
            metrics["initDurationMs"] = round(call.init_ms, 3)
        report: dict[str, Any] = {"requestId": call.request_id, "metrics": metrics}
        report["status"] = call.status
        if call.error_type:
            report["errorType"] = call.error_type
        parts.append(_event("platform.report", call.ended, report))
    return "".join(parts)


_LOG_GROUP = re.compile(r"[\.\-_/#A-Za-z0-9]{1,512}")


def logging_config(
    fields: Mapping[str, Any], current: LoggingConfig | None = None
) -> LoggingConfig:
    """LoggingConfig from the Lambda API's or a template's fields (LogFormat,
    ApplicationLogLevel, SystemLogLevel, LogGroup), over ``current`` for an update;
    ValueError names what is wrong.
    https://docs.aws.amazon.com/lambda/latest/api/API_LoggingConfig.html"""
    base = current or LoggingConfig()
    log_format = str(fields.get("LogFormat", base.log_format))
    if log_format not in ("JSON", "Text"):
        raise ValueError(_enum_error(log_format, "loggingConfig.logFormat", ("JSON", "Text")))
    application = str(fields.get("ApplicationLogLevel", base.application_log_level))
    system = str(fields.get("SystemLogLevel", base.system_log_level))
    if application and application not in APPLICATION_LEVELS:
        raise ValueError(
            _enum_error(application, "loggingConfig.applicationLogLevel", APPLICATION_LEVELS)
        )
    if system and system not in SYSTEM_LEVELS:
        raise ValueError(_enum_error(system, "loggingConfig.systemLogLevel", SYSTEM_LEVELS))
    if log_format == "Text":
        if "ApplicationLogLevel" in fields or "SystemLogLevel" in fields:
            # Log-level filtering needs the JSON format.
            # https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-log-level.html
            raise ValueError(
                "Log level filtering (ApplicationLogLevel, SystemLogLevel) requires the JSON "
                "log format; set LogFormat to JSON"
            )
        application = system = ""
    else:
        application = application or DEFAULT_LEVEL
        system = system or DEFAULT_LEVEL
    group = str(fields.get("LogGroup", base.log_group))
    if group and not _LOG_GROUP.fullmatch(group):
        raise ValueError(
            f"1 validation error detected: Value '{group}' at 'loggingConfig.logGroup' failed "
            "to satisfy constraint: Member must satisfy regular expression pattern: "
            "[\\.\\-_/#A-Za-z0-9]+"
        )
    return LoggingConfig(
        log_format=log_format,
        application_log_level=application,
        system_log_level=system,
        log_group=group,
    )


def _enum_error(value: str, field: str, allowed: tuple[str, ...]) -> str:
    return (
        f"1 validation error detected: Value '{value}' at '{field}' failed to satisfy "
        f"constraint: Member must satisfy enum value set: [{', '.join(allowed)}]"
    )


def describe(logging: LoggingConfig, function_name: str) -> dict[str, str]:
    """LoggingConfig as GetFunctionConfiguration answers it: the levels only under JSON."""
    shape = {"LogFormat": logging.log_format, "LogGroup": logging.group(function_name)}
    if logging.log_format == "JSON":
        shape["ApplicationLogLevel"] = application_level(logging)
        shape["SystemLogLevel"] = system_level(logging)
    return shape

"""The Python runtime's JSON log format (LoggingConfig LogFormat JSON).

Each logging record becomes one JSON object on one line: timestamp, level, message,
logger, requestId, and for a record with exception info its errorType, errorMessage,
stackTrace and location; attributes passed with `extra=` are added; empty fields are
left out. Failures the runtime logs itself are the error object with a timestamp and
level. The field names and their order are those of AWS's Python runtime interface
client, which the managed runtimes run.
https://docs.aws.amazon.com/lambda/latest/dg/python-logging.html
https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-logformat.html
"""

from __future__ import annotations

import json
import logging
import time
import traceback
from typing import Any

TIMESTAMP = "%Y-%m-%dT%H:%M:%SZ"

# LogRecord's own attributes: anything else on a record came from `extra=`.
_RECORD_FIELDS = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
    "aws_request_id",
}
_encoder = json.JSONEncoder(ensure_ascii=False, default=str)


def level_from_environment(value: str | None) -> int | None:
    """AWS_LAMBDA_LOG_LEVEL as a logging level: TRACE is DEBUG, WARN and FATAL are
    Python's WARNING and CRITICAL; None when unset or unknown."""
    if not value:
        return None
    name = {"TRACE": "DEBUG"}.get(value.upper(), value.upper())
    level = logging.getLevelName(name)
    return level if isinstance(level, int) else None


class JsonFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__(datefmt=TIMESTAMP)

    def format(self, record: logging.LogRecord) -> str:
        level = min(50, max(0, record.levelno)) // 10 * 10
        exc_info = record.exc_info
        message: object
        if isinstance(record.msg, dict) and not record.args:
            message = record.msg
        else:
            message = record.getMessage()
        document: dict[str, Any] = {
            "timestamp": self.formatTime(record, self.datefmt),
            "level": logging.getLevelName(level),
            "message": message,
            "logger": record.name,
            "stackTrace": traceback.format_tb(exc_info[2]) if exc_info else None,
            "errorType": exc_info[0].__name__ if exc_info and exc_info[0] else None,
            "errorMessage": str(exc_info[1]) if exc_info else None,
            "requestId": getattr(record, "aws_request_id", None) or None,
            "location": (
                f"{record.pathname}:{record.funcName}:{record.lineno}" if exc_info else None
            ),
        }
        for key, value in vars(record).items():
            if key not in _RECORD_FIELDS and key not in document:
                document[key] = value
        return _encoder.encode({k: v for k, v in document.items() if v is not None})


def error_line(error: dict[str, Any]) -> str:
    """The runtime's own log line for a failed init or invocation."""
    stamp = time.strftime(TIMESTAMP, time.gmtime())
    return _encoder.encode({"timestamp": stamp, "level": "ERROR", **error}) + "\n"

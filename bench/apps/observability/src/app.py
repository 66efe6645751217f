"""Hello world, a function that prints LINES lines per invocation, and a silent one."""

import os
from typing import Any

LINES = int(os.environ.get("LINES", "100"))
RESPONSE = {"statusCode": 200, "headers": {"Content-Type": "text/plain"}, "body": "Hello, world!"}


def hello(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return RESPONSE


def chatty(event: dict[str, Any], context: Any) -> dict[str, Any]:
    request_id = context.aws_request_id
    for number in range(LINES):
        print(f"bench-line {number} of {LINES} for {request_id}")
    return RESPONSE


def quiet(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return RESPONSE

"""Greedy routes: ANY /files/{proxy+} (REST) and ANY /v2/{proxy+} (HTTP API)."""

from typing import Any

from response import json_response


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    if event.get("version") == "2.0":
        method = event["requestContext"]["http"]["method"]
    else:
        method = event["httpMethod"]
    return json_response(
        {
            "method": method,
            "proxy": event["pathParameters"]["proxy"],
            "payload_version": event.get("version", "1.0"),
        }
    )

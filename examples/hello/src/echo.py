"""POST /echo (REST) and POST /v2/echo (HTTP API): parse a JSON body and send it back."""

import base64
import json
from typing import Any

from response import json_response


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    raw = event.get("body") or ""
    if event.get("isBase64Encoded"):
        raw = base64.b64decode(raw).decode()
    try:
        received = json.loads(raw)
    except ValueError:
        return json_response({"message": "The body must be JSON"}, status=400)
    if not isinstance(received, dict):
        return json_response({"message": "The body must be a JSON object"}, status=400)
    return json_response(
        {
            "received": received,
            "fields": sorted(received),
            "content_type": header(event, "Content-Type"),
        }
    )


def header(event: dict[str, Any], name: str) -> str | None:
    """A request header, whatever its case (payload 2.0 lowercases names, 1.0 keeps them)."""
    for key, value in (event.get("headers") or {}).items():
        if key.lower() == name.lower():
            return str(value)
    return None

"""Greetings, for the REST API (payload 1.0) and the HTTP API (payload 2.0)."""

import os
from typing import Any

from response import json_response

GREETING = os.environ["GREETING"]
SERVICE_NAME = os.environ["SERVICE_NAME"]


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """GET /hello, GET /hello/{name} and GET /v2/hello/{name}."""
    name = (event.get("pathParameters") or {}).get("name", "world")
    return json_response(
        {
            "message": f"{GREETING}, {name}!",
            "service": SERVICE_NAME,
            "stage": event["requestContext"]["stage"],
        }
    )


def shortcut(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """GET /v2/shortcut: no statusCode, so the HTTP API answers 200 with this dict as JSON.

    https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html
    """
    return {"message": f"{GREETING} from a plain dict", "route": event["routeKey"]}

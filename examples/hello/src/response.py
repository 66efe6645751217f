"""The proxy-integration response shape shared by the handlers in this folder.

https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-lambda-proxy-integrations.html
"""

import json
from typing import Any


def json_response(body: Any, status: int = 200) -> dict[str, Any]:
    """A response API Gateway (REST, or HTTP API payload 1.0 / 2.0) returns as JSON."""
    return {
        "statusCode": status,
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps(body),
    }

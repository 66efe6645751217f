"""GET /release: which code answered, through which version and alias, on which stage."""

import json
from typing import Any

# The second release: src/app.py with only this line changed.
CODE = "second"


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    # API Gateway invokes function:releases:ALIAS, so the invoked ARN ends with the alias
    # the stage variable named; function_version is the version that alias points at.
    arn_parts = context.invoked_function_arn.split(":")
    body = {
        "code": CODE,
        "version": context.function_version,
        "alias": arn_parts[7] if len(arn_parts) > 7 else None,
        "stage": event["requestContext"]["stage"],
    }
    return {
        "statusCode": 200,
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps(body),
    }

"""What every API function answers with: JSON in a Lambda proxy response."""

import json
from decimal import Decimal


def reply(status, body):
    return {
        "statusCode": status,
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps(body, default=_number),
    }


def _number(value):
    # DynamoDB gives numbers back as Decimal.
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    raise TypeError(f"{type(value).__name__} is not JSON")

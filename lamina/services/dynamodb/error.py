"""DynamoDB's ValidationException, the error every check in this package raises.

https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/CommonErrors.html
"""

from __future__ import annotations

from lamina.aws.service import ServiceError


def validation(message: str) -> ServiceError:
    return ServiceError("ValidationException", message, status=400)

"""API Gateway's error responses, worded as the service words them.

https://docs.aws.amazon.com/apigateway/latest/api/CommonErrors.html
"""

from __future__ import annotations

from lamina.aws.service import ServiceError


def not_found(message: str) -> ServiceError:
    return ServiceError("NotFoundException", message, status=404)


def bad_request(message: str) -> ServiceError:
    return ServiceError("BadRequestException", message, status=400)


def conflict(message: str) -> ServiceError:
    return ServiceError("ConflictException", message, status=409)


def invalid_enum(value: str, where: str, allowed: list[str]) -> ServiceError:
    """The request validator's wording for a value outside a member's enum."""
    return ServiceError(
        "ValidationException",
        f"1 validation error detected: Value '{value}' at '{where}' failed to satisfy "
        f"constraint: Member must satisfy enum value set: [{', '.join(allowed)}]",
        status=400,
    )

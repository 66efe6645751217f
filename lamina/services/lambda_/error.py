"""The Lambda API's error responses, worded as Lambda words them.

https://docs.aws.amazon.com/lambda/latest/api/CommonErrors.html
"""

from __future__ import annotations

from lamina.aws.service import ServiceError


def not_found(message: str) -> ServiceError:
    # Lambda's ResourceNotFoundException carries "Type": "User" beside the message.
    return ServiceError("ResourceNotFoundException", message, status=404, fields={"Type": "User"})


def function_not_found(arn: str) -> ServiceError:
    return not_found(f"Function not found: {arn}")


def conflict(message: str) -> ServiceError:
    return ServiceError("ResourceConflictException", message, status=409, fields={"Type": "User"})


def invalid(message: str) -> ServiceError:
    return ServiceError(
        "InvalidParameterValueException", message, status=400, fields={"Type": "User"}
    )


def too_large(limit: int, operation: str) -> ServiceError:
    # https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html
    return ServiceError(
        "RequestTooLargeException",
        f"Request must be smaller than {limit} bytes for the {operation} operation",
        status=413,
        fields={"Type": "User"},
    )


def check_revision(expected: str | None, current: str, kind: str) -> None:
    """A RevisionId given (``expected``) must be the resource's ``current`` one; the error
    names the ``kind`` of Get API that reads it."""
    if expected and expected != current:
        raise revision_mismatch(kind)


def revision_mismatch(kind: str) -> ServiceError:
    return ServiceError(
        "PreconditionFailedException",
        "The Revision Id provided does not match the latest Revision Id. "
        f"Call the {kind} API to retrieve the latest Revision Id",
        status=412,
        fields={"Type": "User"},
    )


def throttled(reason: str) -> ServiceError:
    # https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html#API_Invoke_Errors
    return ServiceError(
        "TooManyRequestsException",
        "Rate Exceeded.",
        status=429,
        fields={"Reason": reason, "Type": "User"},
    )

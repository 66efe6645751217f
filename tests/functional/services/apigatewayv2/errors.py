"""What a ClientError says: (HTTP status, error code, message)."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError


def error_of(info: pytest.ExceptionInfo[ClientError]) -> tuple[int, str, str]:
    response = info.value.response
    return (
        response["ResponseMetadata"]["HTTPStatusCode"],
        response["Error"]["Code"],
        response["Error"]["Message"],
    )

"""Capturing an expected ValidationException in the DynamoDB tests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from lamina.aws.service import ServiceError


def error_of(call: Callable[..., Any], *args: Any, **kwargs: Any) -> str:
    """The message of the ValidationException that `call` raises."""
    with pytest.raises(ServiceError) as caught:
        call(*args, **kwargs)
    assert caught.value.code == "ValidationException"
    assert caught.value.status == 400
    return caught.value.message

"""Rotation steps run as invocations of the secret's rotation function through Lamina's
function service, on behalf of secretsmanager.amazonaws.com (so the function's resource
policy must allow that principal, as on AWS).
https://docs.aws.amazon.com/secretsmanager/latest/userguide/rotating-secrets-required-permissions-function.html
"""

from __future__ import annotations

from typing import Any

import orjson

from lamina.functions.policy import InvokeRequest
from lamina.functions.service import FunctionService
from lamina.services.lambda_.names import function_name
from lamina.services.secretsmanager.service import RotationInvoker

PRINCIPAL = "secretsmanager.amazonaws.com"


class RotationFailed(Exception):
    """A rotation step's invocation ended in a function error (its payload is the text)."""


def function_rotator(functions: FunctionService, account_id: str) -> RotationInvoker:
    async def rotate(function: str, event: dict[str, Any]) -> None:
        name, qualifier = function_name(function)
        result = await functions.invoke(
            name,
            orjson.dumps(event),
            qualifier=qualifier,
            source=InvokeRequest(
                principal=PRINCIPAL, source_arn=event["SecretId"], source_account=account_id
            ),
        )
        if result.function_error is not None:
            raise RotationFailed(result.payload.decode("utf-8", errors="replace"))

    return rotate
